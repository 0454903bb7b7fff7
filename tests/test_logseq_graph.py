"""kb/notes/page_names.py and kb/notes/graph.py: which page a name means, who links where, what is missing."""

from __future__ import annotations

import pytest

from kb.notes import page_names
from kb.notes.graph import build_graph


@pytest.mark.parametrize("src_uri, title", [
    ("pages/Batch Normalization.md", "Batch Normalization"),
    ("pages/Batch Normalization___维度理解.md", "Batch Normalization/维度理解"),
    ("pages/Batch Normalization%2F多卡同步.md", "Batch Normalization/多卡同步"),  # Logseq's legacy format
])
def test_title_from_logseq_file_name(src_uri, title):
    assert page_names.title_from_filename(src_uri) == title
    assert page_names.title_from_filename(page_names.filename_for_title(title)) == title


@pytest.mark.parametrize("title, dest", [
    ("Batch Normalization", "pages/batch-normalization/index.html"),
    ("Batch Normalization/维度理解", "pages/batch-normalization/维度理解/index.html"),
    ("Batch Normalization 为何有效", "pages/batch-normalization-为何有效/index.html"),
    ("What? (draft)", "pages/what-draft/index.html"),
])
def test_readable_urls(title, dest):
    assert page_names.dest_uri_for_title(title) == dest


def test_only_markdown_under_pages_is_a_note():
    assert page_names.is_note("pages/ReLU.md")
    assert not page_names.is_note("index.md") and not page_names.is_note("pages/figure.png")


SOURCES = {
    "pages/Batch Normalization.md": (
        "---\ntitle: Batch Normalization\nalias: BN\ntags: [Algorithm]\n---\n\n"
        "见 [[ReLU]] 与 [[Secret]]\n\n自己：[[Batch Normalization]]\n"),
    "pages/ReLU.md": "alias:: Rectified Linear Unit, [[线性整流]]\n\n- BN 之后：[[bn]] [[BN]] #card\n- 再次 [[batch normalization]]\n",
    "pages/Secret.md": "---\npublic: false\n---\n\n- [[Batch Normalization]]\n",
}


@pytest.fixture(scope="module")
def graph():
    return build_graph(list(SOURCES.items()))


def test_names_resolve_by_title_and_alias_case_insensitively(graph):
    bn = graph.note_at("pages/Batch Normalization.md")
    assert graph.resolve("batch  NORMALIZATION") is bn and graph.resolve("bn") is bn
    relu = graph.note_at("pages/ReLU.md")
    assert graph.resolve("rectified linear unit") is relu and graph.resolve("线性整流") is relu


def test_note_at_finds_notes_added_after_it_was_first_asked():
    """note_at looks notes up in an index (issue 22): a note appended to the graph later (as the
    tag and "not written yet" pages are) is found, and one replacing the list is too."""
    graph = build_graph(list(SOURCES.items()))
    assert graph.note_at("pages/ReLU.md").title == "ReLU"
    assert graph.note_at("pages/Later.md") is None
    later = build_graph([("pages/Later.md", "- later\n")]).note_at("pages/Later.md")
    graph.notes.append(later)
    assert graph.note_at("pages/Later.md") is later
    graph.notes = [later]
    assert graph.note_at("pages/Later.md") is later and graph.note_at("pages/ReLU.md") is None


def test_a_private_note_is_no_page_and_links_to_it_are_missing(graph):
    assert graph.note_at("pages/Secret.md") is None and graph.resolve("Secret") is None
    assert graph.missing() == {"Secret": ["pages/Batch Normalization.md:7"]}


def test_backlinks_group_blocks_by_page_once_each_and_skip_self_links(graph):
    bn = graph.note_at("pages/Batch Normalization.md")
    [(source, blocks)] = graph.backlinks(bn)  # the private page and the page itself do not count
    assert source.src_uri == "pages/ReLU.md"
    assert [block.line for block in blocks] == [3, 4]  # line 3 links twice, listed once


def test_each_tag_gets_a_page_unless_a_note_has_its_name(graph):
    tag_pages = {note.title: note for note in graph.notes if note.generated}
    assert set(tag_pages) == {"Algorithm", "card"}
    assert tag_pages["Algorithm"].src_uri == "pages/Algorithm.md"
    assert "[[Batch Normalization]]" in tag_pages["Algorithm"].source_text
    assert [source.title for source, _ in graph.backlinks(tag_pages["card"])] == ["ReLU"]


def test_a_tag_that_names_a_note_links_to_that_note():
    graph = build_graph([("pages/ReLU.md", "- 激活函数\n"), ("pages/BN.md", "- 放在 #ReLU 之前\n")])
    assert not any(note.generated for note in graph.notes)
    [(source, _)] = graph.backlinks(graph.resolve("relu"))
    assert source.title == "BN"


def test_references_inside_code_and_math_are_not_links():
    graph = build_graph([("pages/A.md", "- `[[Not a link]]` 与 $[[x]]$ 与 `#nottag`\n")])
    assert graph.links == [] and graph.missing() == {}


def test_links_to_private_notes_are_missing_but_not_unwritten():
    graph = build_graph([
        ("pages/Secret.md", "---\npublic: false\nalias: [Hidden]\n---\n\n- 私密\n"),
        ("pages/A.md", "- 见 [[Secret]]、[[hidden]] 与 [[Nowhere]]\n"),
    ])
    assert set(graph.missing()) == {"hidden", "Nowhere", "Secret"}
    # Only the page that exists nowhere is an error for the strict build and lint.
    assert graph.unwritten() == {"Nowhere": ["pages/A.md:1"]}
