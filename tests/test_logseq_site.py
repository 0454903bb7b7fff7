"""The built site shows the original note as written: every block, nested right, with its
formulas, its links (to pages, or marked not written yet) and its flashcard syntax intact;
pages it links to show it in their linked references.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup, Tag

from conftest import ROOT
from kb.notes.dollar_math import find_math
from kb.notes.frontmatter import read_front_matter
from kb.notes.links import find_references
from kb.notes.outline import Block, parse_outline, walk

# The owner's export of the note, kept in the repository (its README says where it came from).
SEED = ROOT / "tests" / "fixtures" / "original-note" / "Batch Normalization.md"
NOTE = ROOT / "docs" / "pages" / "Batch Normalization.md"
PAGE = "pages/batch-normalization/index.html"


def seed_blocks() -> list[Block]:
    front = read_front_matter(NOTE.read_text(encoding="utf-8"))
    return parse_outline(front.body, front.body_first_line)


def article(site: Path, page: str) -> Tag:
    soup = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
    return soup.find("article")


def own_text(li: Tag) -> str:
    """The text of the block itself: no children, no formulas; cloze and arrow answers as if opened."""
    copy = BeautifulSoup(str(li), "html.parser").find("li")
    for nested in copy.find_all(["ul"]):
        nested.decompose()
    for hidden in copy.select(".arithmatex, .cloze-placeholder, .cloze-label, details.card-answer > summary"):
        hidden.decompose()
    return re.sub(r"\s+", " ", copy.get_text()).strip()


def expected_text(block: Block) -> str:
    """The block's text as a reader should see it: Logseq and Markdown syntax taken away."""
    text = block.content
    for item in reversed(find_math(text)):
        text = text[:item.start] + " " + text[item.end:]
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)                  # images
    text = re.sub(r"\[([^\[\]]+)\]\((https?://[^)]+)\)", r"\1", text)    # Markdown links
    text = re.sub(r"#?\[\[([^\]]+)\]\]", r"\1", text)                    # page links
    text = re.sub(r"\{\{c\d ([^}]*)\}\}", r"\1", text)                   # clozes, shown
    text = re.sub(r"\s*:(?:<->|->|<-)\s*", " ", text)                    # arrow cards: question, answer
    text = text.replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def note_page(built_site: Path) -> Tag:
    return article(built_site, PAGE)


def test_the_note_page_is_the_original_note_byte_for_byte():
    assert NOTE.read_bytes() == SEED.read_bytes()


def test_every_block_is_on_the_page_with_its_text(note_page: Tag):
    shown = {int(li["data-line"]): li for li in note_page.select("li.kb-block")}
    blocks = list(walk(seed_blocks()))
    assert sorted(shown) == sorted(block.line for block in blocks)
    for block in blocks:
        assert expected_text(block) in own_text(shown[block.line]), f"line {block.line}"


def test_blocks_nest_as_in_the_note(note_page: Tag):
    def parent_line(li: Tag) -> int | None:
        parent = li.find_parent("li", class_="kb-block")
        return int(parent["data-line"]) if parent else None

    shown = {int(li["data-line"]): parent_line(li) for li in note_page.select("li.kb-block")}
    expected = {}
    for block in walk(seed_blocks()):
        for child in block.children:
            expected[child.line] = block.line
    expected.update({block.line: None for block in seed_blocks()})
    assert shown == expected
    # Spot checks a reader would notice: the Q&A under "如何得到预测时 BN 层使用的均值和方差？".
    assert shown[65] == 64 and shown[67] == 65 and shown[68] == 67 and shown[76] == 74


def test_numbered_blocks_are_text_not_ordered_lists(note_page: Tag):
    assert note_page.find("ol") is None
    assert own_text(note_page.select_one('li[data-line="54"]')).startswith("1. 加快网络训练")


def test_every_formula_is_rendered_by_katex(note_page: Tag):
    tex_in_note = [item.tex.strip() for block in walk(seed_blocks()) for item in find_math(block.content)]
    assert len(tex_in_note) == 3
    # The note's own formulas; blocks of other pages quoted under "Linked references" have theirs,
    # and so do the 勘误 boxes (docs/errata/) inside the corrected blocks.
    own = BeautifulSoup(str(note_page), "html.parser")
    for quoted in own.select("section.kb-backlinks, .kb-erratum"):
        quoted.decompose()
    rendered = [a.get_text() for a in own.select('annotation[encoding="application/x-tex"]')]
    assert rendered == tex_in_note
    body = BeautifulSoup(str(note_page), "html.parser")
    for math in body.select(".katex"):
        math.decompose()
    text = body.get_text()
    assert "$" not in text and "\\frac" not in text and "\\(" not in text


def test_each_link_goes_to_a_page_or_is_listed_as_not_written_yet(built_site: Path, note_page: Tag):
    missing = json.loads((built_site / "not-written-yet.json").read_text(encoding="utf-8"))
    names = [ref.target for block in walk(seed_blocks()) for ref in find_references(block.content)
             if ref.kind == "page"]
    assert len(names) == 11  # lines 13, 27, 60, 62, 70, 89, 90, 91, 99, 101, 103
    page_dir = (built_site / PAGE).parent
    for name in names:
        # data-page names the page the link resolved to (an alias resolves to the page's title);
        # the link text is the name as written in the note.
        found = [el for el in note_page.select(".kb-link") if el.get_text().lower() == name.lower()]
        assert found, name
        for element in found:
            if element.name == "a":
                target = (page_dir / unquote(element["href"])).resolve()
                assert (target / "index.html").is_file() or target.is_file(), (name, element["href"])
            else:
                assert "kb-link--missing" in element["class"] and element.get("href") is None
                assert name in missing and any(place.startswith("pages/Batch Normalization.md:")
                                               for place in missing[name])


def test_flashcards_show_as_cards(note_page: Tag):
    # Clozes hidden (their answer in the page, shown on a click), arrow answers and #card children folded.
    clozes = [(el["data-cloze"], el.select_one(".cloze-placeholder").get_text(),
               el.select_one(".cloze-answer").get_text())
               for el in note_page.select("li.kb-block > p span.cloze")]   # not the 勘误 boxes' cards
    assert clozes == [("1", "[…]", "0-1 高斯分布"), ("1", "[…]", "不一定对称"),
                      ("1", "[…]", "避免进入饱和区，缓解梯度衰减问题")]
    arrow = note_page.select_one('li[data-line="98"]')
    assert arrow.find("p", recursive=False).get_text() == "特点"
    answer = arrow.select_one(":scope > details.card-answer")
    assert answer.get_text(strip=True) == "答案激活后再 Norm，保证下一层的输入是零均值的。"
    card = note_page.select_one('li[data-line="85"]')
    assert card.select_one(":scope > p > a.kb-tag").get_text() == "#card"
    assert card.select_one(":scope > p > a.kb-tag")["href"].rstrip("/").endswith("card")
    assert card.select_one(':scope > details.card-answer > ul > li[data-line="86"]') is not None
    assert len(note_page.select('li[data-line="50"] figure.occlusion .occlusion-mask')) == 8


def test_no_raw_braces_or_link_brackets_outside_code(built_site: Path):
    for page in ("index.html", PAGE, "pages/card/index.html", "pages/algorithm/index.html"):
        body = article(built_site, page)
        for code in body.find_all(["code", "pre"]):
            code.decompose()
        for math in body.select(".arithmatex"):
            math.decompose()
        text = body.get_text()
        assert "{{" not in text and "}}" not in text, page
        assert "[[" not in text and "]]" not in text, page


def test_images_resolve_to_files_in_the_site(built_site: Path, note_page: Tag):
    sources = [img["src"] for img in note_page.find_all("img")]
    assert len(sources) == 3
    for src in sources:
        assert (built_site / PAGE).parent.joinpath(src).resolve().is_file(), src


def test_the_page_shows_title_dates_and_tag(built_site: Path, note_page: Tag):
    page = (built_site / PAGE).read_text(encoding="utf-8")
    assert note_page.find("h1").get_text(strip=True) == "Batch Normalization"
    assert "2024-10-05" in page and "2025-01-20" in page
    assert [a.get_text(strip=True) for a in note_page.select(".md-tag")] == ["Algorithm"]


def test_tag_pages_show_the_blocks_and_pages_that_use_them(built_site: Path):
    card = article(built_site, "pages/card/index.html")
    refs = {(li["data-source"], li["data-source-line"]): li for li in card.select("li.kb-backlink")}
    # Other notes may use #card too; the original note's card block must be among them.
    assert "实践中 BN 放在 ReLU 后面" in refs[("pages/Batch Normalization.md", "85")].get_text()
    algorithm = article(built_site, "pages/algorithm/index.html")
    assert "Batch Normalization" in [a.get_text() for a in algorithm.select("a.kb-link")]


def test_tags_index_lists_the_notes_by_front_matter_tag(built_site: Path):
    tags = article(built_site, "tags/index.html")
    assert tags.find(id="tag:algorithm") is not None
    assert "Batch Normalization" in [a.get_text(strip=True) for a in tags.find_all("a")]


def test_every_page_ends_with_linked_references(built_site: Path):
    for page in (PAGE, "pages/card/index.html", "pages/algorithm/index.html"):
        headings = article(built_site, page).find_all("h2")
        assert headings[-1].get_text(strip=True).startswith("链接引用（Linked references）"), page


def test_navigation_lists_the_note_under_notes(built_site: Path):
    soup = BeautifulSoup((built_site / PAGE).read_text(encoding="utf-8"), "html.parser")
    nav = soup.select_one("nav.md-nav--primary")
    labels = [re.sub(r"\s+", " ", el.get_text()).strip() for el in nav.select(".md-nav__link")]
    assert labels.index("笔记") < labels.index("Batch Normalization")


def test_a_folder_section_is_named_by_its_index_page(built_site: Path):
    # docs/experiments/ is listed under its index page's title, not under MkDocs' "Experiments".
    from mkdocs.utils.meta import get_data
    from conftest import ROOT
    _, meta = get_data((ROOT / "docs" / "experiments" / "index.md").read_text(encoding="utf-8"))
    soup = BeautifulSoup((built_site / "index.html").read_text(encoding="utf-8"), "html.parser")
    top = [re.sub(r"\s+", " ", li.select_one(".md-nav__link").get_text()).strip()
           for li in soup.select("nav.md-nav--primary > ul > li")]
    assert meta["title"] in top and "Experiments" not in top, top


def test_ordinary_markdown_pages_are_left_alone(built_site: Path):
    index = article(built_site, "index.html")
    assert index.select(".kb-outline, .kb-link, .kb-tag") == []
    assert index.find(id="批归一化一瞥") is not None  # its headings are still headings
