"""``python -m kb stats``: cards by type, links in and out, snippet sections, per page and per deck.

The expected numbers are counted by hand from the fixture pages below, with the card
rules of logseq-anki-sync (see kb/cards/cloze.py): one card per cloze number, ``:<->``
asks both ways, ``#incremental`` makes one card per child, one occlusion card per cId.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from kb.tools.stats import collect, section_includes, width
from test_import import png

BLOCK_ID = "6721b8a2-0000-4000-8000-0000000000bb"


def occlusion_value(image: str, cids: list[int]) -> str:
    elements = [{"left": 5 + 10 * i, "top": 5, "width": 4, "height": 4, "angle": 0, "cId": c} for i, c in enumerate(cids)]
    return base64.b64encode(json.dumps({image: {"config": {}, "elements": elements}}).encode()).decode()


PAGES = {
    "统计 甲.md": "\n".join([
        "---", "title: 统计 甲", "deck: d/One", "---", "",
        "- 两个填空 {{c1 一}} 和 {{c2 二}}",                        # 2 cloze cards
        "- 双向 :<-> 两张",                                          # 2 arrow cards
        "- 普通卡片 #card",                                          # 1 card
        "  - 答案",
        "- 逐条 #card #incremental",                                # 3 cards, one per child
        "  - 第一", "  - 第二", "  - 第三",
        "- ![图](../assets/fig.png)",                               # 2 occlusion cards: cIds 1, 2, 2
        f"  occlusion:: {occlusion_value('../assets/fig.png', [1, 2, 2])}",
        "- 链接 [[统计 乙]] 再链接 [[统计 乙]]，还有 [[没写的页面]]",  # out 3, one not written
        f"- 块引用 (({BLOCK_ID}))",                                  # out 1, to 统计 乙
        "- --8<-- \"batch_norm.py:batch_norm\"",                    # 2 snippet sections
        "- --8<-- \"fences.md:batch_norm\"",
        "",
    ]),
    "统计 乙.md": "\n".join([
        "---", "title: 统计 乙", "deck: d/Two", "---", "",
        "- 被引用的块", f"  id:: {BLOCK_ID}",
        "- 回到 [[统计 甲]]",                                       # out 1
        "",
    ]),
    # A page without a deck: its card goes to the default deck (kb/cards/default_deck.py), "Default".
    "No Deck.md": "---\ntitle: No Deck\n---\n\n- {{c1 也算}}：没有 deck 的页面，卡片进默认的 deck；见 [[统计 甲]]\n",
    "Hidden.md": "---\ntitle: Hidden\npublic: false\ndeck: d/One\n---\n\n- [[统计 甲]] {{c1 私密}}\n",
}


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    docs = tmp_path_factory.mktemp("stats") / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "assets").mkdir()
    (docs / "assets" / "fig.png").write_bytes(png(40, 20))
    for name, text in PAGES.items():
        (docs / "pages" / name).write_text(text, encoding="utf-8")
    return docs


def test_cards_links_and_snippets_per_page(docs: Path):
    stats = collect(docs)
    assert stats.card_errors == []
    pages = {p.title: p for p in stats.pages}
    assert set(pages) == {"统计 甲", "统计 乙", "No Deck"}           # the private page is not counted
    first, second, no_deck = pages["统计 甲"], pages["统计 乙"], pages["No Deck"]
    assert dict(first.cards) == {"cloze": 2, "arrow": 2, "card": 4, "occlusion": 2}
    assert (first.links_out, first.missing_out, first.links_in) == (4, 1, 2)
    assert (second.links_out, second.missing_out, second.links_in) == (1, 0, 3)
    assert (dict(no_deck.cards), no_deck.links_out, no_deck.links_in) == ({"cloze": 1}, 1, 0)
    assert no_deck.deck == "Default"
    assert [(spec) for _, spec, _ in first.snippets] == ["batch_norm.py:batch_norm", "fences.md:batch_norm"]
    assert [line for line, _, _ in first.snippets] == [
        PAGES["统计 甲.md"].split("\n").index(f'- --8<-- "{spec}"') + 1
        for spec in ("batch_norm.py:batch_norm", "fences.md:batch_norm")]


def test_cards_per_deck(docs: Path):
    decks = {d.name: d for d in collect(docs).decks}
    assert set(decks) == {"d/One", "d/Two", "Default"}
    assert decks["d/One"].pages == 1 and sum(decks["d/One"].cards.values()) == 10
    assert decks["d/Two"].pages == 1 and sum(decks["d/Two"].cards.values()) == 0
    assert decks["Default"].pages == 1 and sum(decks["Default"].cards.values()) == 1


def test_a_fences_section_is_followed_to_the_module_section_it_includes(tmp_path: Path):
    (tmp_path / "fences.md").write_text(
        '<!-- --8<-- [start:one] -->\n```python\n--8<-- "mod.py:one"\n```\n<!-- --8<-- [end:one] -->\n'
        '<!-- --8<-- [start:two] -->\n```python\n--8<-- "mod.py:two"\n```\n<!-- --8<-- [end:two] -->\n',
        encoding="utf-8")
    assert section_includes("fences.md:two", [str(tmp_path)]) == ["mod.py:two"]
    assert section_includes("fences.md:three", [str(tmp_path)]) == []
    assert section_includes("mod.py:one", [str(tmp_path)]) == []


def test_stats_prints_aligned_tables(docs: Path, tmp_path: Path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "kb", "stats", "--docs", str(docs)], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    page_table = lines[lines.index("Pages (3)") + 1:lines.index("Pages (3)") + 5]
    header = page_table[0]
    assert re.split(r" {2,}", header) == ["page", "deck", "cloze", "arrow", "card", "occlusion", "cards",
                                         "links out", "not written", "links in", "snippets"]
    row = next(line for line in page_table if line.startswith("统计 甲"))
    assert re.split(r" {2,}", row) == ["统计 甲", "d/One", "2", "2", "4", "2", "10", "4", "1", "2", "2"]
    # Columns line up on screen although Chinese characters take two columns.
    deck_column = width(header[:header.index("deck")])
    assert all(width(line[:line.index(cell)]) == deck_column
               for line, cell in ((row, "d/One"), (page_table[2], "d/")))
    deck_table = lines[lines.index("Decks (3)") + 1:]
    assert re.split(r" {2,}", next(line for line in deck_table if line.startswith("d/One"))) == \
        ["d/One", "1", "2", "2", "4", "2", "10"]
    assert any(line.strip().startswith("pages/统计 甲.md:") and "fences.md:batch_norm" in line for line in lines)
