"""Cards of a Logseq note show what its page shows (kb/cards/text.py): the graph's macros expanded,
task markers, priorities and planned dates rendered, the logbook gone, Logseq's highlights and
strike-through, block references as the referenced block's text; in cards.json and in the Anki
package alike."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

from conftest import ROOT, build_site, write_config
from test_import_graph_config import run_import, write_graph

BLOCK_ID = "6721b8a2-0000-4000-8000-0000000000c7"
NOTE = f"""- TODO [#A] 这是 {{{{kw 宏}}}} 的 ==高亮== 与 ~~删去~~ 的问题 #card
  SCHEDULED: <2024-10-05 Sat>
  :LOGBOOK:
  CLOCK: [2024-10-01 Tue 10:00:00]--[2024-10-01 Tue 10:05:00] =>  00:05:00
  :END:
  - 答案引用 (({BLOCK_ID}))
- DONE 引用的问题 [标签]((({BLOCK_ID}))) :-> ^^亮^^ 答
"""
SOURCE = f"- 被引用的块 $x^2$\n  id:: {BLOCK_ID}\n"
RAW = ("{{kw", "TODO [#A]", "[#A]", "SCHEDULED", ":LOGBOOK:", "CLOCK:", ":END:", "==", "~~", "^^",
       "((", "))")


def test_cards_show_what_the_page_shows(tmp_path: Path):
    graph = write_graph(tmp_path, {"pages/Note.md": NOTE, "pages/Source.md": SOURCE},
                        '{:publishing/all-pages-public? true\n :macros {"kw" "**$1**"}}')
    docs = tmp_path / "docs"
    assert run_import(graph, docs).returncode == 0
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "tags.md").write_bytes((ROOT / "docs" / "tags.md").read_bytes())
    site = tmp_path / "site"
    build = build_site(site, write_config(tmp_path, docs, "extra:\n  kb:\n    default_deck: 收件箱\n"))
    assert build.returncode == 0, build.stdout + build.stderr

    cards = {c["type"]: c for c in json.loads((site / "cards.json").read_text(encoding="utf-8"))["cards"]}
    assert set(cards) == {"card", "arrow"}
    question, arrow = cards["card"], cards["arrow"]
    for card in (question, arrow):
        for side in ("front", "back", "anki"):
            assert not [raw for raw in RAW if raw in card[side]], (card["type"], side, card[side])
        assert "A" not in card["tags"]      # a priority, not a tag
    for side in ("front", "back"):
        assert 'class="kb-task kb-task--todo"' in question[side]
        assert 'class="kb-priority kb-priority--a"' in question[side]
        assert "<strong>宏</strong>" in question[side] and "<mark>高亮</mark>" in question[side]
        assert "<del>删去</del>" in question[side] and '<time datetime="2024-10-05">' in question[side]
    # The answer: the referenced block's first line, its formula rendered.
    ref = question["back"].split('<span class="kb-block-ref">被引用的块 ', 1)[1]
    assert ref.startswith('<kb-math') and 'class="katex"' in ref.split("</kb-math>", 1)[0]
    assert 'class="kb-task kb-task--done"' in arrow["front"] and '<span class="kb-block-ref">标签</span>' in arrow["front"]
    assert "<mark>亮</mark>" in arrow["back"]

    with zipfile.ZipFile(next(site.glob("*.apkg"))) as apkg:
        (tmp_path / "collection.anki2").write_bytes(apkg.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        fields = [row[0] for row in db.execute("select flds from notes")]
    assert len(fields) == 2
    text = "\n".join(fields)
    assert not [raw for raw in RAW if raw in text], text
    for shown in ('class="kb-task kb-task--todo"', "<strong>宏</strong>", "<mark>高亮</mark>", "<del>删去</del>",
                  '<time datetime="2024-10-05">', '<span class="kb-block-ref">被引用的块 \\(x^2\\)</span>',
                  '<span class="kb-block-ref">标签</span>', "<mark>亮</mark>"):
        assert shown in text, (shown, text)
