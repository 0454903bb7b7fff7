"""What ``make serve`` keeps from one rebuild to the next in its process (issue 22), each reuse keyed
by what it depends on, so that a rebuild gives what a fresh build gives:

* the notes the graph read (kb/notes/graph.py), by each note's path and text;
* the cards' entries of cards.json (kb/site/cards_json.py), by the card note object (a page not
  rebuilt keeps its objects; a rebuilt page gets new ones);
* the learning path (kb/site/learning_path.py), by the file's text;
* the KaTeX formulas of the pages not rebuilt (kb/site/katex.py ``keep_unused``).

tests/test_incremental_serve.py checks the sites these make against full builds.
"""

from __future__ import annotations

import json

import pytest

from kb.cards.extract import PageInfo, extract_notes
from kb.notes import graph as notes_graph
from kb.notes.outline import parse_outline
from kb.site import cards_json, katex, learning_path


@pytest.fixture
def fresh_graph_memory(monkeypatch):
    monkeypatch.setattr(notes_graph, "_last_read", {}, raising=False)


NOTE_A = "title:: 甲\n\n- 甲链接到 [[乙]]\n  - 子块提到 [[丙]]\n"
NOTE_B = "title:: 乙\n\n- 乙的正文\n"
NOTE_C = "title:: 丙\n\n- 丙的正文 #标签\n"


def link_view(graph: notes_graph.Graph) -> list[tuple]:
    return sorted((link.source.src_uri, link.line, link.kind, link.target) for link in graph.links)


def test_a_rebuilt_graph_reads_again_only_the_edited_note(fresh_graph_memory):
    sources = [("pages/a.md", NOTE_A), ("pages/b.md", NOTE_B), ("pages/c.md", NOTE_C)]
    first = notes_graph.build_graph(sources)
    edited = NOTE_B + "- 乙新加的一块，链接到 [[丙]]\n"
    second = notes_graph.build_graph([("pages/a.md", NOTE_A), ("pages/b.md", edited), ("pages/c.md", NOTE_C)])

    assert second.note_at("pages/a.md") is first.note_at("pages/a.md")       # not read again
    assert second.note_at("pages/c.md") is first.note_at("pages/c.md")
    assert second.note_at("pages/b.md") is not first.note_at("pages/b.md")   # read again: its text changed
    assert second.note_at("pages/b.md").source_text == edited
    assert ("pages/b.md", 4, "page", "丙") in link_view(second)

    notes_graph._last_read = {}   # the same sources read by a fresh process
    fresh = notes_graph.build_graph([("pages/a.md", NOTE_A), ("pages/b.md", edited), ("pages/c.md", NOTE_C)])
    assert link_view(second) == link_view(fresh)
    assert [n.src_uri for n in second.notes] == [n.src_uri for n in fresh.notes]
    assert [n.title for n in second.notes] == [n.title for n in fresh.notes]
    assert second.problems == fresh.problems


def test_the_same_text_at_another_path_is_another_note(fresh_graph_memory):
    first = notes_graph.build_graph([("pages/a.md", NOTE_B)])
    moved = notes_graph.build_graph([("pages/z.md", NOTE_B)])
    assert moved.note_at("pages/z.md") is not None and moved.note_at("pages/a.md") is None
    assert moved.note_at("pages/z.md") is not first.note_at("pages/a.md")


OUTLINE = "+ 方差\n  + 无偏估计 :-> $\\frac{m}{m-1}$\n  + 均值是 {{c1 $\\mu_B$}}\n+ 引号 \"x\" 与反斜杠 \\\\ :-> 答\n"


def card_notes(outline: str = OUTLINE):
    notes, errors = extract_notes(parse_outline(outline), PageInfo(title="测试", deck="d", source="t.md", url="t/"))
    assert errors == []
    return notes


def test_cards_json_text_is_json_dumps_of_the_payload():
    notes = card_notes()
    renderer = katex.KatexRenderer()
    try:
        records, _ = cards_json.card_records(notes, renderer)
        texts, _ = cards_json.entries(notes, renderer)
    finally:
        renderer.close()
    decks = [{"name": "d", "anki": "D", "apkg": "D.apkg", "notes": 2, "cards": 3}]
    expected = json.dumps({"version": 1, "decks": decks, "cards": records}, ensure_ascii=False, indent=1)
    assert cards_json.document(decks, texts) == expected
    assert cards_json.document(decks, []) == json.dumps({"version": 1, "decks": decks, "cards": []},
                                                         ensure_ascii=False, indent=1)


def test_cards_entries_are_made_again_only_for_new_card_notes(monkeypatch):
    made: list[str] = []
    real = cards_json.card_records

    def counting(notes, renderer):
        made.extend(note.id for note in notes)
        return real(notes, renderer)

    monkeypatch.setattr(cards_json, "card_records", counting)
    monkeypatch.setattr(cards_json, "_last", {})
    kept = card_notes()
    renderer = katex.KatexRenderer()
    try:
        first, _ = cards_json.entries(kept, renderer)
        made.clear()
        again, _ = cards_json.entries(kept, renderer)
        assert again == first and made == []              # the same notes: nothing made again
        edited = card_notes(OUTLINE.replace(":-> 答", ":-> 新的答案"))
        assert [n.id for n in edited] == [n.id for n in kept]   # an edited answer keeps the card's id ...
        changed, _ = cards_json.entries(edited, renderer)
        fresh, _ = real(edited, renderer)
    finally:
        renderer.close()
    assert made == [n.id for n in edited]                 # ... but the new note objects are made again
    assert any("新的答案" in text for text in changed)
    assert [json.loads(text) for text in changed] == fresh


def test_the_learning_path_is_read_again_when_its_text_changes(tmp_path):
    path = tmp_path / "learning-path.yml"
    path.write_text('- stage: 入门\n  pages:\n    - page: 甲\n      teaches: 一\n', encoding="utf-8")
    first = learning_path.read(path, "learning-path.yml")
    assert learning_path.read(path, "learning-path.yml") is first
    path.write_text('- stage: 进阶\n  pages:\n    - page: 乙\n      teaches: 二\n', encoding="utf-8")
    second = learning_path.read(path, "learning-path.yml")
    assert second != first and second == learning_path.parse(path.read_text(encoding="utf-8"), "learning-path.yml")


def test_a_partial_build_keeps_the_formulas_it_did_not_use(tmp_path):
    cache = tmp_path / "pages.json"
    full = katex.KatexRenderer(cache_file=cache)
    for tex in ("a", "b"):
        full.render(tex, False)
    full.close()
    partial = katex.KatexRenderer(cache_file=cache, keep_unused=True)   # a serve rebuild of one page
    partial.render("b", False)
    partial.close()
    after = katex.KatexRenderer(cache_file=cache)
    after.render("a", False)
    after.render("b", False)
    after.close()
    assert after.rendered_now == 0
