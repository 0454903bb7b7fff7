"""Per-page results kept between builds (kb/site/result_cache.py): a note's cards
(kb/site/card_cache.py), a page's description, its search entries (kb/site/search_cache.py).

A second build of unchanged files computes none of them again and makes the same site, byte for
byte, as a build without the cache; after an edit of a card, of a block a card quotes, or of an
erratum, the cards that show it are built again and the site is the one a build from scratch
makes of the edited files. Each build is its own process."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pytest

from conftest import ROOT, build_site
from kb.cards.page_cards import page_info, read_page_cards
from kb.notes.graph import build_graph
from kb.site import card_cache, render_cache
from kb.site.result_cache import MISSING, ResultTable
from kb.tools import graph_generator
from test_render_cache import assert_same_site

NOTES = 14
RE_KEPT = re.compile(r"Kept (\w+): (\d+) reused, (\d+) computed")
KINDS = ("cards", "description", "search")


def build(config: Path, site: Path, monkeypatch, cache: bool = True) -> dict[str, tuple[int, int]]:
    """Build strictly; {kind: (reused, computed)} as the build logged them."""
    with monkeypatch.context() as env:
        if not cache:
            env.setenv(render_cache.SWITCH_ENV, "off")
        result = build_site(site, config)
    assert result.returncode == 0, result.stdout + result.stderr
    kept = {kind: (int(reused), int(computed)) for kind, reused, computed in RE_KEPT.findall(result.stderr)}
    assert bool(kept) == cache, result.stderr
    return kept


def cards_json(site: Path) -> list[dict]:
    return json.loads((site / "cards.json").read_text(encoding="utf-8"))["cards"]


def test_the_project_site_computes_nothing_again_and_is_the_site_without_the_cache(built_site, tmp_path, monkeypatch):
    # built_site has kept every result (the cache is on by default).
    kept = build(ROOT / "mkdocs.yml", tmp_path / "warm", monkeypatch)
    assert set(kept) == set(KINDS)
    assert all(computed == 0 and reused > 0 for reused, computed in kept.values()), kept
    assert kept["cards"][0] >= 30 and kept["search"][0] >= 37
    build(ROOT / "mkdocs.yml", tmp_path / "off", monkeypatch, cache=False)
    assert_same_site(tmp_path / "warm", tmp_path / "off")


def test_a_generated_graph_reuses_every_result_on_the_second_build(tmp_path, monkeypatch):
    graph_generator.generate(tmp_path / "g", NOTES, seed=5)
    config = tmp_path / "g" / "mkdocs.yml"
    cold = build(config, tmp_path / "cold", monkeypatch)
    assert all(reused == 0 and computed > NOTES for reused, computed in cold.values()), cold
    warm = build(config, tmp_path / "warm", monkeypatch)
    assert warm == {kind: (computed, 0) for kind, (_, computed) in cold.items()}
    build(config, tmp_path / "off", monkeypatch, cache=False)
    assert_same_site(tmp_path / "warm", tmp_path / "off")


# --- edits ------------------------------------------------------------------------------------

QUOTING = "pages/引用甲.md"
QUOTED = "pages/被引乙.md"
BLOCK_ID = "6571a0b2-0000-4000-8000-00000000beef"


def graph_with_a_quoted_block(tmp_path: Path) -> tuple[Path, Path]:
    """A generated graph, and two notes of ours: one whose card quotes a block of the other."""
    graph_generator.generate(tmp_path / "g", NOTES, seed=11)
    docs = tmp_path / "g" / "docs"
    (docs / QUOTED).write_text(f"- 被引用的块说的是方差\n  id:: {BLOCK_ID}\n", encoding="utf-8")
    (docs / QUOTING).write_text(f"- 这块说了什么？ :-> (({BLOCK_ID}))\n", encoding="utf-8")
    path_file = tmp_path / "g" / "learning-path.yml"
    path_file.write_text(path_file.read_text(encoding="utf-8") + "".join(
        f'    - page: "{title}"\n      teaches: "{title}"\n' for title in ("被引乙", "引用甲")), encoding="utf-8")
    return docs, tmp_path / "g" / "mkdocs.yml"


def answer_of(site: Path, page_title: str) -> str:
    return next(card["back"] for card in cards_json(site) if card["page"] == page_title)


def test_an_edited_card_is_built_again_and_only_it(tmp_path, monkeypatch):
    docs, config = graph_with_a_quoted_block(tmp_path)
    first = build(config, tmp_path / "before", monkeypatch)
    note = next(p for p in sorted((docs / "pages").glob("*.md")) if "{{c1 " in p.read_text(encoding="utf-8"))
    text = note.read_text(encoding="utf-8")
    answer = re.search(r"\{\{c1 ([^}]+)\}\}", text).group(1)
    note.write_text(text.replace(f"{{{{c1 {answer}}}}}", "{{c1 改过的答案}}", 1), encoding="utf-8")
    kept = build(config, tmp_path / "incremental", monkeypatch)
    assert kept["cards"] == (first["cards"][1] - 1, 1)
    build(config, tmp_path / "scratch", monkeypatch, cache=False)
    assert_same_site(tmp_path / "incremental", tmp_path / "scratch")
    assert any("改过的答案" in card["back"] for card in cards_json(tmp_path / "incremental"))


def test_a_card_quoting_an_edited_block_shows_its_new_text(tmp_path, monkeypatch):
    docs, config = graph_with_a_quoted_block(tmp_path)
    build(config, tmp_path / "before", monkeypatch)
    assert "被引用的块说的是方差" in answer_of(tmp_path / "before", "引用甲")
    (docs / QUOTED).write_text(f"- 被引用的块改说均值\n  id:: {BLOCK_ID}\n", encoding="utf-8")
    kept = build(config, tmp_path / "incremental", monkeypatch)
    assert kept["cards"][1] == 2          # the quoted note's and the quoting note's
    assert "被引用的块改说均值" in answer_of(tmp_path / "incremental", "引用甲")
    build(config, tmp_path / "scratch", monkeypatch, cache=False)
    assert_same_site(tmp_path / "incremental", tmp_path / "scratch")


def test_a_new_erratum_changes_the_cards_of_its_note(tmp_path, monkeypatch):
    docs, config = graph_with_a_quoted_block(tmp_path)
    build(config, tmp_path / "before", monkeypatch)
    (docs / "errata").mkdir()
    (docs / "errata" / "引用甲.md").write_text(
        "- 这块说的是方差\n  target:: 这块说了什么？\n  kind:: card\n  wrong:: 问得太泛\n  source:: 作者\n"
        "  - 被引的块说的是什么量？ :-> 方差\n", encoding="utf-8")
    build(config, tmp_path / "incremental", monkeypatch)
    fronts = [card["front"] for card in cards_json(tmp_path / "incremental") if card["page"] == "引用甲"]
    assert fronts and all("被引的块说的是什么量" in front for front in fronts), fronts
    build(config, tmp_path / "scratch", monkeypatch, cache=False)
    assert_same_site(tmp_path / "incremental", tmp_path / "scratch")


# --- the pieces ---------------------------------------------------------------------------------

def test_stored_cards_read_back_equal_the_built_ones_with_the_page_of_this_build():
    graph = build_graph([(QUOTED, f"- 被引用的块\n  id:: {BLOCK_ID}\n"),
                         (QUOTING, f"- 问 {{{{c1 答}}}}\n- 这块说了什么？ :-> (({BLOCK_ID}))\n")])
    note = graph.note_at(QUOTING)
    recording = card_cache.RecordingGraph(graph)
    info = page_info(note, "deck", "docs/" + QUOTING, None, recording, {})
    built = read_page_cards(note, info)
    assert recording.lookups == {BLOCK_ID: "被引用的块"}
    fresh_info = page_info(note, "deck", "docs/" + QUOTING, None, graph, {})
    loaded = card_cache.load(card_cache.dump(built), fresh_info)
    assert loaded == built and loaded.info is fresh_info
    assert all(n.page is fresh_info for n in loaded.notes)
    assert card_cache.still_valid(recording.lookups, graph)
    changed = build_graph([(QUOTED, f"- 另一段\n  id:: {BLOCK_ID}\n"), (QUOTING, note.source_text)])
    assert not card_cache.still_valid(recording.lookups, changed)


def test_the_recording_graph_refuses_what_it_does_not_record():
    with pytest.raises(AttributeError, match="records only graph.block_ids"):
        card_cache.RecordingGraph(build_graph([])).resolve("x")


def test_a_table_keeps_only_what_a_build_used(tmp_path):
    path = tmp_path / "t.pickle"
    table = ResultTable(path)
    assert table.through("a", lambda: 1) == 1 and table.through("b", lambda: 2) == 2
    table.save()
    table = ResultTable(path)
    assert table.through("a", lambda: 99) == 1 and (table.reused, table.computed) == (1, 0)
    assert table.save() == 1                       # "b" was not used
    assert ResultTable(path).get("b") is MISSING and ResultTable(path).get("a") == 1
    path.write_bytes(b"not a table")
    assert ResultTable(path).get("a") is MISSING
    path.write_bytes(pickle.dumps(("another format", {"a": 1})))
    assert ResultTable(path).get("a") is MISSING
