"""``extra: kb: missing_pages``: links to pages with no file fail the build (default) or make pages.

The default is tested where the strict build fails on such a link (tests/test_logseq_build.py,
tests/test_lint.py); here the other choice, and a value that is neither.
"""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, build_site, write_config

from kb.notes.graph import build_graph
from kb.notes.missing_pages import missing_pages_mode

NOTES = {
    "pages/Linking.md": "- 见 [[Unwritten Page]] 和 [[Private]]\n",
    "pages/Private.md": "public:: false\n\n- 私有\n",
}


def test_the_graph_makes_a_page_for_each_unwritten_name_but_not_for_private_notes():
    graph = build_graph(list(NOTES.items()), missing_pages=True)
    made = [note for note in graph.notes if note.generated]
    assert [note.title for note in made] == ["Unwritten Page"]
    assert graph.unwritten() == {} and graph.resolve("unwritten page") is made[0]
    assert [source.title for source, _ in graph.backlinks(made[0])] == ["Linking"]
    assert "Unwritten Page" in build_graph(list(NOTES.items())).unwritten()


def test_the_setting_is_error_or_page():
    assert missing_pages_mode({}) == "error"
    assert missing_pages_mode({"kb": {"missing_pages": "page"}}) == "page"
    try:
        missing_pages_mode({"kb": {"missing_pages": "pages"}})
    except ValueError as err:
        assert "use 'error'" in str(err) and "'pages'" in str(err)
    else:
        raise AssertionError("an unknown value was accepted")


def write_docs(folder: Path) -> Path:
    docs = folder / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "tags.md").write_bytes((ROOT / "docs" / "tags.md").read_bytes())
    for name, text in NOTES.items():
        (docs / name).write_text(text, encoding="utf-8")
    return docs


def test_with_missing_pages_page_the_strict_build_makes_the_page(tmp_path: Path):
    docs = write_docs(tmp_path)
    site = tmp_path / "site"
    build = build_site(site, write_config(tmp_path, docs, "extra:\n  kb:\n    missing_pages: page\n"))
    assert build.returncode == 0, build.stdout + build.stderr
    page = (site / "pages" / "unwritten-page" / "index.html").read_text(encoding="utf-8")
    assert "这个页面还没有写（not written yet）" in page and 'data-source="pages/Linking.md"' in page
    linking = (site / "pages" / "linking" / "index.html").read_text(encoding="utf-8")
    assert 'href="../unwritten-page/"' in linking
    assert '<span class="kb-link kb-link--missing" data-page="Private"' in linking    # a private note stays unmade


def test_an_unknown_setting_fails_the_strict_build(tmp_path: Path):
    docs = write_docs(tmp_path)
    build = build_site(tmp_path / "site", write_config(tmp_path, docs, "extra:\n  kb:\n    missing_pages: maybe\n"))
    assert build.returncode != 0
    assert "extra: kb: missing_pages in mkdocs.yml is 'maybe'" in build.stdout + build.stderr
