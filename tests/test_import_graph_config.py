"""``python -m kb import`` on graphs as their owners publish them: logseq/config.edn and what Logseq allows.

Each test writes a small graph of its own: ``:publishing/all-pages-public?`` (and the
older ``:all-pages-public?``), ``:hidden``, ``:macros``, a config.edn that does not parse,
images whose names hold spaces, whiteboards, ``#card`` blocks on a page without a deck,
two pages that would share a URL, and a graph that publishes nothing. One test builds
the imported pages into a site, so the macros, the images and the default deck are
seen where a reader sees them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, build_site, write_config
from test_import import kb_command, png

from kb.notes.graph_macros import expand, split_arguments


def write_graph(root: Path, files: dict[str, str | bytes], config: str | None = None) -> Path:
    graph = root / "graph"
    (graph / "pages").mkdir(parents=True)
    for name, data in files.items():
        path = graph / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    if config is not None:
        (graph / "logseq").mkdir(exist_ok=True)
        (graph / "logseq" / "config.edn").write_text(config, encoding="utf-8")
    return graph


def run_import(graph: Path, docs: Path, *extra: str):
    return kb_command("import", str(graph), "--docs", str(docs), *extra, cwd=graph.parent)


def line_for(out: str, source: str) -> str:
    """The one output line about a graph file."""
    found = [line for line in out.splitlines()           # "verb  [target <- ][graph ]source: reason"
             if re.match(rf"\w+ +(?:.*? <- )?(?:graph )?{re.escape(source)}: ", line)]
    assert len(found) == 1, (source, found, out)
    return found[0]


# A config.edn as Logseq writes it: comments, keywords with namespaces, sets, a datalog query.
CONFIG_TEMPLATE = """{:meta/version 1
 ;; Publish all pages within the Graph
 %s
 :hidden []
 :default-queries
 {:journals
  [{:title "NOW"
    :query [:find (pull ?h [*])
            :in $ ?start ?today
            :where
            [?h :block/marker ?marker]
            [(contains? #{"NOW" "DOING"} ?marker)]]
    :collapsed? false}]}
 :block-hidden-properties #{:public :icon}
 :macros {}
 :file/name-format :triple-lowbar}
"""
PAGES = {
    "pages/Plain.md": "- 没有写 public 的页面\n",
    "pages/Private.md": "public:: false\n\n- 不公开\n",
    "pages/Front.md": "---\ntitle: Front\npublic: false\n---\n\n- 前置元数据说不公开\n",
    "journals/2024_10_05.md": "- 日记\n",
}


@pytest.mark.parametrize("key", [":publishing/all-pages-public?", ":all-pages-public?"])
def test_all_pages_public_imports_every_page_not_marked_private(tmp_path: Path, key: str):
    graph = write_graph(tmp_path, PAGES, CONFIG_TEMPLATE % f"{key} true")
    docs = tmp_path / "docs"
    result = run_import(graph, docs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (docs / "pages").iterdir()) == ["Oct 5th, 2024.md", "Plain.md"]
    assert re.search(rf"^added +pages/Plain\.md: new public page 'Plain' \({re.escape(key)} true in "
                     r"logseq/config\.edn\)$", result.stdout, re.M)
    assert "not public (public:: false)" in line_for(result.stdout, "pages/Private.md")
    assert "not public (public: false)" in line_for(result.stdout, "pages/Front.md")


def test_all_pages_public_false_keeps_pages_private_and_nothing_imported_is_an_error(tmp_path: Path):
    graph = write_graph(tmp_path, PAGES, CONFIG_TEMPLATE % ":publishing/all-pages-public? false")
    docs = tmp_path / "docs"
    result = run_import(graph, docs)
    assert result.returncode == 1, result.stdout
    assert not (docs / "pages").exists()
    last = result.stdout.strip().splitlines()[-1]
    assert last == ("error: nothing imported: no page of the graph is public (4 not public). Mark the pages to "
                    "publish with 'public:: true', or publish all of them with :publishing/all-pages-public? true "
                    "in logseq/config.edn")
    assert "does not set :publishing/all-pages-public? true" in line_for(result.stdout, "pages/Plain.md")


def test_a_graph_without_pages_says_so(tmp_path: Path):
    graph = write_graph(tmp_path, {})
    result = run_import(graph, tmp_path / "docs")
    assert result.returncode == 1
    assert "error: nothing imported: no page of the graph is public (the graph has no file under pages/ or " \
           "journals/)" in result.stdout


def test_hidden_paths_are_skipped_with_the_pattern_that_hides_them(tmp_path: Path):
    files = {
        "pages/Kept.md": "public:: true\n\n- 公开 ![a](../assets/ok.png)\n",
        "pages/archive/Old.md": "public:: true\n\n- 旧的\n",
        "pages/archived-too.md": "public:: true\n\n- Logseq 按前缀比较\n",
        "journals/2024_01_01.md": "public:: true\n\n- 隐藏的日记\n",
        "pages/Uses hidden image.md": "public:: true\n\n- ![s](../assets/secret/s.png)\n",
        "assets/ok.png": png(4, 4),
        "assets/secret/s.png": png(4, 4),
    }
    config = '{:hidden ["/pages/archive" "journals/2024_01_01.md" "/assets/secret"]}'
    graph = write_graph(tmp_path, files, config)
    docs = tmp_path / "docs"
    result = run_import(graph, docs)
    out = result.stdout
    assert result.returncode == 1, out          # a public page uses a hidden image
    assert line_for(out, "pages/archive/Old.md") == \
        'skipped      graph pages/archive/Old.md: hidden by :hidden "/pages/archive" in logseq/config.edn'
    assert 'hidden by :hidden "/pages/archive"' in line_for(out, "pages/archived-too.md")
    assert 'hidden by :hidden "journals/2024_01_01.md"' in line_for(out, "journals/2024_01_01.md")
    assert re.search(r'^skipped +assets/secret/s\.png: hidden by :hidden "/assets/secret" in logseq/config\.edn, '
                     r"but used at graph pages/Uses hidden image\.md:3$", out, re.M)
    assert sorted(p.name for p in (docs / "pages").iterdir()) == ["Kept.md", "Uses hidden image.md"]
    assert not (docs / "assets" / "secret").exists()


@pytest.mark.parametrize("text, line", [
    ('{:meta/version 1\n :hidden ["/a"\n :macros {}}\n', 3),      # a vector closed by '}'
    ('{:meta/version 1\n\n :title "unclosed\n}\n', 3),
])
def test_a_config_that_does_not_parse_is_an_error_naming_file_and_line(tmp_path: Path, text: str, line: int):
    graph = write_graph(tmp_path, {"pages/A.md": "public:: true\n\n- a\n"}, text)
    docs = tmp_path / "docs"
    result = run_import(graph, docs)
    assert result.returncode == 2, result.stdout
    assert result.stdout.startswith(f"error: {graph / 'logseq' / 'config.edn'}:{line}: not valid EDN ("), result.stdout
    assert not docs.exists()


def test_a_config_that_is_not_a_map_is_an_error(tmp_path: Path):
    graph = write_graph(tmp_path, {"pages/A.md": "public:: true\n\n- a\n"}, '{:hidden "/archive"}')
    result = run_import(graph, tmp_path / "docs")
    assert result.returncode == 2
    assert f"error: {graph / 'logseq' / 'config.edn'}: :hidden must be a vector of path strings" in result.stdout


def test_images_with_spaces_in_their_names_are_found_and_copied(tmp_path: Path):
    files = {
        "pages/Images.md": ("public:: true\n\n- ![one](../assets/my image.png)\n"
                            "- ![two](../assets/other%20image.png){:height 20, :width 30}\n"
                            '- ![three](/assets/with title.png "a title")\n'),
        "assets/my image.png": png(3, 3), "assets/other image.png": png(4, 4), "assets/with title.png": png(5, 5),
    }
    graph = write_graph(tmp_path, files)
    docs = tmp_path / "docs"
    result = run_import(graph, docs)
    assert result.returncode == 0, result.stdout
    for name in ("my image.png", "other image.png", "with title.png"):
        assert (docs / "assets" / name).read_bytes() == (graph / "assets" / name).read_bytes(), name
    assert re.search(r"^added +assets/other image\.png: image used at graph pages/Images\.md:4$", result.stdout, re.M)


def test_whiteboards_are_reported_as_skipped(tmp_path: Path):
    files = {"pages/A.md": "public:: true\n\n- a\n", "whiteboards/Plan.edn": "{:blocks []}\n",
             "whiteboards/Sketch.tldr": "{}\n"}
    result = run_import(write_graph(tmp_path, files), tmp_path / "docs")
    assert result.returncode == 0, result.stdout
    for source in ("whiteboards/Plan.edn", "whiteboards/Sketch.tldr"):
        assert re.fullmatch(rf"skipped +graph {re.escape(source)}: a whiteboard: the site does not show "
                            r"whiteboards .*", line_for(result.stdout, source))


def test_pages_that_would_share_a_url_are_a_reported_clash(tmp_path: Path):
    files = {"pages/Norm___Batch.md": "public:: true\n\n- 第一页\n",
             "pages/Norm ___ Batch.md": "public:: true\n\n- 第二页，名字只多了空格\n"}
    graph = write_graph(tmp_path, files)
    docs = tmp_path / "docs"
    result = run_import(graph, docs)
    assert result.returncode == 1, result.stdout
    # Files are read in sorted order: " " sorts before "_", so the spaced name comes first.
    assert line_for(result.stdout, "pages/Norm___Batch.md") == (
        "skipped      pages/Norm___Batch.md: page 'Norm/Batch' would have the URL pages/norm/batch/ of graph "
        "pages/Norm ___ Batch.md ('Norm / Batch') (names that differ only in spaces or punctuation get one URL); "
        "rename one of them")
    assert sorted(p.name for p in (docs / "pages").iterdir()) == ["Norm ___ Batch.md"]


def test_every_file_of_the_graph_is_imported_or_reported(tmp_path: Path):
    files = {
        "pages/Public.md": "public:: true\n\n- ![x](../assets/used one.png)\n",
        "pages/Private.md": "- 私有\n",
        "pages/notes.org": "* org\n",
        "pages/.hidden.md": "public:: true\n",
        "pages/sub/Deep.md": "public:: true\n\n- 子目录里的页面\n",
        "journals/2024_02_30.md": "public:: true\n\n- 不存在的日期\n",
        "journals/2024_03_01.md": "- 私有日记\n",
        "whiteboards/W.tldr": "{}\n",
        "assets/used one.png": png(2, 2),
    }
    graph = write_graph(tmp_path, files, "{:hidden []}")
    result = run_import(graph, tmp_path / "docs")
    for source in files:
        line = line_for(result.stdout, source)
        assert re.match(r"(added|skipped) ", line), line


# --- macros -------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, expected", [
    ("red, blue", ["red", "blue"]),
    ("  red ,blue  ", ["red", "blue"]),
    ("[[A, B]], x", ["[[A, B]]", "x"]),
    ('"a, b", ((6721b8a2-5b1e-4c4f-9a43-0f4d1c2b3a10))', ['"a, b"', "((6721b8a2-5b1e-4c4f-9a43-0f4d1c2b3a10))"]),
    ("[[A]] and more, y", ["[[A]] and more", "y"]),
    ("", []),
])
def test_macro_arguments_split_as_mldoc_splits_them(args: str, expected: list[str]):
    assert split_arguments(args) == expected


POEM = {"poem": "Rose is $1, violet's $2.", "bold": "**$1**", "twice": "{{bold $1}} {{bold $1}}", "me": "{{me}}"}


@pytest.mark.parametrize("text, expected", [
    ("{{poem red, blue}}", "Rose is red, violet's blue."),
    ("{{poem red}}", "Rose is red, violet's $2."),                # a missing argument stays as written
    ("{{poem}}", "Rose is $1, violet's $2."),
    ("{{poem [[Page A]], [[Page B]]}}", "Rose is [[Page A]], [[Page B]], violet's $2."),   # Logseq's page-name join
    ("{{twice x}}", "**x** **x**"),
    ("{{me}}", "{{me}}"),                                          # a macro that uses itself stops
    ("`{{poem a}}` and $\\{{poem}}$", "`{{poem a}}` and $\\{{poem}}$"),   # code and math are left alone
    ("{{c1 answer}} {{unknown x}}", "{{c1 answer}} {{unknown x}}"),
])
def test_macros_expand_as_logseq_expands_them(text: str, expected: str):
    assert expand(text, POEM) == expected


def test_macros_are_imported_and_removed_with_the_config(tmp_path: Path):
    graph = write_graph(tmp_path, {"pages/A.md": "public:: true\n\n- {{poem red, blue}}\n"},
                        '{:macros {"poem" "Rose is $1, violet\'s $2." :kw "**$1**"}}')
    docs = tmp_path / "docs"
    result = run_import(graph, docs)
    assert result.returncode == 0, result.stdout
    assert re.search(r"^added +\.kb-macros\.json <- graph logseq/config\.edn: the graph's macros \(kw, poem\)$",
                     result.stdout, re.M)
    stored = json.loads((docs / ".kb-macros.json").read_text(encoding="utf-8"))["macros"]
    assert stored == {"kw": "**$1**", "poem": "Rose is $1, violet's $2."}
    (graph / "logseq" / "config.edn").write_text("{:macros {}}\n", encoding="utf-8")
    again = run_import(graph, docs)
    assert again.returncode == 0, again.stdout
    assert re.search(r"^removed +\.kb-macros\.json <- graph logseq/config\.edn: logseq/config\.edn defines no "
                     r":macros any more$", again.stdout, re.M)
    assert not (docs / ".kb-macros.json").exists()


def test_lint_knows_the_graph_macros(tmp_path: Path):
    graph = write_graph(tmp_path, {"pages/A.md": "public:: true\n\n- {{poem red}} {{other x}}\n"},
                        '{:macros {"poem" "Rose is $1"}}')
    docs = tmp_path / "docs"
    assert run_import(graph, docs).returncode == 0
    result = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    errors = [line for line in result.stdout.splitlines() if "error[" in line]
    assert len(errors) == 1 and "unknown macro {{other x}}" in errors[0], result.stdout


# --- the imported graph, built ------------------------------------------------------------------


def test_imported_graph_builds_with_macros_spaced_images_and_cards_in_the_default_deck(tmp_path: Path):
    files = {
        "pages/Rose.md": ("- {{poem red, blue}}\n- {{poem red}}\n"
                          "- ![one](../assets/my image.png)\n- ![two](../assets/other%20image.png)\n"
                          "- 批归一化的作用是什么？ #card\n  - 稳定每层输入的分布\n"),
        "pages/Decked.md": "deck:: mine\n\n- 层归一化按什么归一化？ #card\n  - 每个样本的特征\n",
        "assets/my image.png": png(3, 3), "assets/other image.png": png(4, 4),
    }
    graph = write_graph(tmp_path, files, '{:publishing/all-pages-public? true\n :macros {"poem" "Rose is $1, '
                                         'violet\'s **$2**."}}')
    docs = tmp_path / "docs"
    result = run_import(graph, docs)
    assert result.returncode == 0, result.stdout
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "tags.md").write_bytes((ROOT / "docs" / "tags.md").read_bytes())
    site = tmp_path / "site"
    build = build_site(site, write_config(tmp_path, docs, "extra:\n  kb:\n    default_deck: 收件箱\n"))
    assert build.returncode == 0, build.stdout + build.stderr
    page = (site / "pages" / "rose" / "index.html").read_text(encoding="utf-8")
    assert "Rose is red, violet&rsquo;s <strong>blue</strong>." in page or \
        "Rose is red, violet's <strong>blue</strong>." in page, page
    assert "Rose is red, violet's **$2**." not in page and "{{poem" not in page
    assert re.search(r"Rose is red, violet(?:'|&rsquo;)s <strong>\$2</strong>\.", page), page
    assert '<img alt="one" src="../../assets/my%20image.png"' in page
    assert '<img alt="two" src="../../assets/other%20image.png"' in page
    assert (site / "assets" / "my image.png").is_file() and (site / "assets" / "other image.png").is_file()
    cards = json.loads((site / "cards.json").read_text(encoding="utf-8"))
    decks = {card["page"]: card["deck"] for card in cards["cards"]}
    assert decks == {"Rose": "收件箱", "Decked": "mine"}
    assert sorted(deck["name"] for deck in cards["decks"]) == ["mine", "收件箱"]
