"""The learning path (learning-path.yml, kb/site/learning_path.py): every note on it, once, in
teaching order; the home page, the navigation, 上一篇 / 下一篇 and the review queue follow it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from kb.notes import page_names
from kb.notes.graph import build_graph
from kb.site import learning_path

PAGES_DIR = ROOT / "docs" / "pages"


def project_path() -> learning_path.LearningPath:
    path = learning_path.read(ROOT / learning_path.PATH_FILE, learning_path.PATH_FILE)
    assert path is not None, f"{learning_path.PATH_FILE} is missing"
    return path


def soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def note_url(title: str) -> str:
    return page_names.dest_uri_for_title(title).removesuffix("index.html")


def test_every_note_page_is_on_the_path_once():
    """A new page under docs/pages/ fails here until it is given its place in learning-path.yml."""
    files = sorted(PAGES_DIR.glob("*.md"))
    graph = build_graph([(f"pages/{f.name}", f.read_text(encoding="utf-8")) for f in files])
    notes = [n for n in graph.notes if not n.generated]
    assert {n.src_uri for n in notes} == {f"pages/{f.name}" for f in files}   # every file is a public note
    on_path = [graph.resolve(step.title) for step in project_path().steps]
    assert None not in on_path, [s.title for s in project_path().steps if graph.resolve(s.title) is None]
    uris = [note.src_uri for note in on_path]
    assert len(uris) == len(set(uris)), "a page is on the path twice"
    assert sorted(uris) == sorted(f"pages/{f.name}" for f in files), \
        set(f"pages/{f.name}" for f in files) - set(uris)


def test_the_path_teaches_prerequisites_first():
    titles = [step.title for step in project_path().steps]
    before = [("covariate shift", "Internal Covariate Shift"),
              ("Internal Covariate Shift", "Batch Normalization/前向和反向传播"),
              ("Batch Normalization/前向和反向传播", "Batch Normalization/维度理解"),
              ("Batch Normalization/维度理解", "Batch Normalization/Moving average"),
              ("Batch Normalization/Moving average", "BN 实践与陷阱"),
              ("Normalization 家族", "Layer Normalization"),
              ("Batch Normalization/维度理解", "Batch Normalization/多卡同步")]
    for first, then in before:
        assert titles.index(first) < titles.index(then), (first, then)
    assert all(step.teaches for step in project_path().steps)


def test_problems_name_the_line_of_the_list():
    text = ("- stage: 一\n"
            "  pages:\n"
            "    - page: A\n"
            "      teaches: a\n"
            "    - page: Nowhere\n"
            "      teaches: x\n"
            "- stage: 二\n"
            "  pages:\n"
            "    - page: a\n"
            "      teaches: again\n")
    path = learning_path.parse(text, "learning-path.yml")
    known = {"a": "pages/A.md", "b": "pages/B.md"}
    found = learning_path.problems(path, lambda name: known.get(name.lower()),
                                   [("pages/A.md", "A"), ("pages/B.md", "B")])
    assert found == [
        "learning-path.yml:5: no note is titled 'Nowhere'",
        "learning-path.yml:9: 'a' is already on the path (line 3)",
        "learning-path.yml:7: the note 'B' (pages/B.md) is not on the learning path: "
        "add it where it belongs in the teaching order",
    ]


@pytest.mark.parametrize("text, message", [
    ("- stage: 一\n  pages: []\n", "learning-path.yml:2: a stage's pages must be a non-empty list"),
    ("- stage: 一\n  pages:\n    - page: A\n", "learning-path.yml:3: a page entry has no 'teaches'"),
    ("- stage: 一\n  pages:\n    - page: A\n      teaches: a\n      why: b\n",
     "learning-path.yml:5: unknown key 'why' in a page entry (expected page, teaches, topics, hub)"),
    ("- stage: 一\n  pages:\n    - page: A\n      teaches: ''\n", "learning-path.yml:4: teaches must be non-empty text"),
    ("stage: 一\n", "learning-path.yml:1: the path must be a list of stages"),
    ("- stage: [\n", "learning-path.yml:2: not valid YAML"),
])
def test_a_malformed_list_is_an_error_with_file_and_line(text, message):
    with pytest.raises(learning_path.LearningPathError) as err:
        learning_path.parse(text, "learning-path.yml")
    assert str(err.value).startswith(message), str(err.value)


def test_home_page_lists_every_note_in_path_order_with_a_line_each(built_site):
    home = soup(built_site, "index.html")
    items = home.select("article ol.kb-path > li")
    steps = project_path().steps
    assert [unquote(li.a["href"]) for li in items] == [note_url(step.title) for step in steps]
    assert [li.select_one(".kb-path__teaches").get_text().lstrip("：") for li in items] == [s.teaches for s in steps]
    assert [h.get_text() for h in home.select("article h3.kb-path__stage")] == [s.name for s in project_path().stages]
    # The review page and the Anki package are one click away.
    links = {unquote(a["href"]) for a in home.select("article a[href]")}
    assert "review/" in links and "归一化知识库.apkg" in links


def notes_section(site: Path, page: str):
    """The 笔记 section of a page's navigation: its stages (or notes), one <li> each."""
    nav = soup(site, page).select_one("nav.md-nav--primary")
    notes = next(item for item in nav.select("li.md-nav__item--nested")
                 if item.find(class_="md-nav__link").get_text(strip=True) == "笔记")
    return notes.select_one("ul").find_all("li", recursive=False)


def site_path(page_url: str, href: str) -> str:
    """A link on the page at ``page_url`` as a path from the site's root."""
    return unquote(urljoin("http://site/" + page_url, href).removeprefix("http://site/"))


def test_navigation_lists_the_notes_in_path_order_by_stage(built_site):
    """navigation.prune: a note's page shows its own stage open, the others as one link each
    (to their first page), so walking the stages' first pages shows the whole path in order."""
    stages = project_path().stages
    hrefs = []
    for stage in stages:
        url = note_url(stage.steps[0].title)
        items = notes_section(built_site, url + "index.html")
        assert [item.find(class_="md-nav__link").get_text(strip=True) for item in items] == \
            [s.name for s in stages]
        opened = [item for item in items if item.select_one("ul")]
        assert len(opened) == 1 and opened[0].find(class_="md-nav__link").get_text(strip=True) == stage.name
        hrefs += [site_path(url, a["href"]) for a in opened[0].select("ul a.md-nav__link[href]")
                  if not a["href"].startswith("#")]
        closed = [item for item in items if not item.select_one("ul")]
        assert [site_path(url, item.a["href"]) for item in closed] == \
            [note_url(s.steps[0].title) for s in stages if s is not stage]
    assert hrefs == [note_url(step.title) for step in project_path().steps]


def test_home_page_navigation_is_pruned_to_one_link_per_section(built_site):
    """The home page does not carry every note (issue 22: the navigation grew with pages²)."""
    nav = soup(built_site, "index.html").select_one("nav.md-nav--primary")
    notes = [unquote(a["href"]) for a in nav.select("a[href]") if "pages/" in a["href"]]
    assert notes == [note_url(project_path().steps[0].title)]


def test_metrics_page_is_in_the_footer_not_the_navigation(built_site):
    for page in ("index.html", "pages/relu/index.html"):
        html = soup(built_site, page)
        nav_links = [unquote(a["href"]) for a in html.select("nav.md-nav--primary a[href]")]
        assert not any(href.rstrip("/").endswith("metrics") for href in nav_links), page
        footer = html.select_one("footer a.kb-footer-link")
        assert footer is not None and footer.get_text(strip=True) == "项目指标", page
    assert (built_site / "metrics" / "index.html").is_file()


def test_each_note_ends_with_previous_and_next_along_the_path(built_site):
    steps = project_path().steps
    for index, step in enumerate(steps):
        page = soup(built_site, page_names.dest_uri_for_title(step.title))
        article = page.select_one("article")
        # The page's last part, after the linked references (only the theme's dates follow).
        parts = [el for el in article.find_all(recursive=False) if "md-source-file" not in (el.get("class") or [])]
        nav = parts[-1]
        assert nav.name == "nav" and "kb-path-nav" in nav["class"], step.title
        prev, following = nav.select_one("a[rel=prev]"), nav.select_one("a[rel=next]")
        if index == 0:
            assert prev is None
        else:
            assert prev.get_text(" ", strip=True) == "上一篇 " + steps[index - 1].title
        if index == len(steps) - 1:
            assert following is None
        else:
            assert following.get_text(" ", strip=True) == "下一篇 " + steps[index + 1].title
            # The relative link reaches the next page.
            target = (built_site / page_names.dest_uri_for_title(step.title)).parent / unquote(following["href"])
            assert (target / "index.html").resolve() == \
                (built_site / page_names.dest_uri_for_title(steps[index + 1].title)).resolve()


def test_cards_json_lists_cards_in_path_order_then_page_order(built_site):
    cards = json.loads((built_site / "cards.json").read_text(encoding="utf-8"))["cards"]
    titles = [step.title for step in project_path().steps]
    # A card's page is named by its title; a namespaced page by its whole title.
    pages = [titles.index(card["page"]) for card in cards]
    assert pages == sorted(pages)
    for title in set(card["page"] for card in cards):
        lines = [int(re.search(r":(\d+)$", c["source"]).group(1)) for c in cards if c["page"] == title]
        assert lines == sorted(lines), title
    assert cards[0]["page"] == next(t for t in titles if t in {c["page"] for c in cards})


def build_small_site(folder: Path, path_text: str | None):
    """A site with the notes A and B and, when given, a learning-path.yml."""
    from conftest import build_site, write_config
    docs = folder / "docs" / "pages"
    docs.mkdir(parents=True)
    for name in ("B", "A"):
        (docs / f"{name}.md").write_text(f"title:: {name}\n\n- {name.lower()}\n", encoding="utf-8")
    (folder / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    if path_text is not None:
        (folder / learning_path.PATH_FILE).write_text(path_text, encoding="utf-8")
    return build_site(folder / "site", write_config(folder, folder / "docs"))


def test_a_site_without_the_list_keeps_its_namespace_order(tmp_path):
    result = build_small_site(tmp_path, None)
    assert result.returncode == 0, result.stderr
    items = notes_section(tmp_path / "site", "pages/a/index.html")
    assert [item.find(class_="md-nav__link").get_text(strip=True) for item in items] == ["A", "B"]


def test_a_note_left_off_the_list_fails_the_strict_build(tmp_path):
    result = build_small_site(tmp_path, "- stage: 一\n  pages:\n    - page: A\n      teaches: a\n")
    assert result.returncode != 0
    assert "learning-path.yml:1: the note 'B' (pages/B.md) is not on the learning path" in result.stderr


def test_the_original_note_is_a_hub_to_the_pages_that_teach_its_topics(built_site):
    """The hub is made from learning-path.yml around the note; the note's file is not touched."""
    step = next(s for s in project_path().steps if s.title == "Batch Normalization")
    assert len(step.topics) >= 8
    page_file = built_site / page_names.dest_uri_for_title(step.title)
    article = soup(built_site, page_names.dest_uri_for_title(step.title)).select_one("article")
    hub = article.select_one("section.kb-hub")
    assert hub is not None and hub.find_previous_sibling("h1") is not None
    assert hub.find_next_sibling("ul", class_="kb-outline") is not None   # the note follows the hub
    items = hub.select("li")
    assert [li.strong.get_text() for li in items] == [t.name for t in step.topics]
    for li, topic in zip(items, step.topics):
        hrefs = [unquote(a["href"]) for a in li.select("a")]
        assert [a.get_text() for a in li.select("a")] == list(topic.pages)
        for href, title in zip(hrefs, topic.pages):
            target = (page_file.parent / href / "index.html").resolve()
            assert target == (built_site / page_names.dest_uri_for_title(title)).resolve(), (topic.name, title)


def test_a_topic_naming_no_note_is_reported_with_its_line():
    text = ("- stage: 一\n  pages:\n    - page: A\n      teaches: a\n      topics:\n"
            "        - topic: 动机\n          pages: [A, Nowhere]\n")
    path = learning_path.parse(text, "learning-path.yml")
    found = learning_path.problems(path, lambda name: {"a": "pages/A.md"}.get(name.lower()), [("pages/A.md", "A")])
    assert found == ["learning-path.yml:6: topic '动机': no note is titled 'Nowhere'"]


def test_only_the_pages_on_the_path_have_neighbours_and_only_its_hubs_a_hub(built_site):
    """Each page finds its place on the path and its step (kb/site/logseq_hooks.py): the pages
    of learning-path.yml end with 上一篇 / 下一篇, no other page does (home, tag pages, 勘误,
    metrics), and the one step with topics, Batch Normalization, is the only hub."""
    hubs = {"Batch Normalization": "批归一化的各个主题在哪里详细讲"}   # learning-path.yml, by hand
    steps = project_path().steps
    assert {s.title: s.hub for s in steps if s.topics} == hubs
    on_path = {page_names.dest_uri_for_title(step.title): step for step in steps}
    seen = set()
    for file in sorted(built_site.rglob("*.html")):
        page = file.relative_to(built_site).as_posix()
        article = soup(built_site, page).select_one("article")
        navs = article.select("nav.kb-path-nav") if article is not None else []
        hub_titles = [h.get_text() for h in article.select("section.kb-hub > h2")] if article is not None else []
        step = on_path.get(page)
        if step is None:
            assert not navs and not hub_titles, page
            continue
        seen.add(page)
        assert len(navs) == 1, page
        assert hub_titles == ([hubs[step.title]] if step.title in hubs else []), page
    assert seen == set(on_path)
