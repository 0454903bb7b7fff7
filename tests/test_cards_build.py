"""kb/site/cards_hooks.py: cards.json, the .apkg and ts-fsrs in the built site; card errors fail the strict build."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter

from conftest import ROOT, build_site


def test_every_card_of_the_original_note_is_in_cards_json(built_site):
    data = json.loads((built_site / "cards.json").read_text(encoding="utf-8"))
    note = [c for c in data["cards"] if c["page"] == "Batch Normalization"]
    original = {"occlusion": 8, "cloze": 3, "card": 1, "arrow": 3}    # the note's own cards, as imported
    own = Counter(c["type"] for c in note if c["source"].startswith("docs/pages/"))
    # A card whose block carries an erratum of kind wrong or card leaves (tests/test_errata.py pins
    # how); the errata's corrected cards come, with the erratum file as their source.
    assert own["occlusion"] == 8 and all(own[kind] <= original[kind] for kind in original) and set(own) <= set(original)
    from_errata = [c for c in note if c["source"].startswith("docs/errata/Batch Normalization.md:")]
    assert (own == original) == (not from_errata)
    ids = [c["id"] for c in data["cards"]]
    assert len(ids) == len(set(ids))
    for card in data["cards"]:
        assert set(card) >= {"id", "page", "deck", "type", "front", "back", "tex", "anki", "tags", "source"}
        assert card["deck"] == "being/Normalization"
        assert re.fullmatch(r"docs/(pages|errata)/.+\.md:\d+", card["source"]), card["source"]
        for side in ("front", "back"):
            assert "\\(" not in card[side] and "<kb-cloze" not in card[side], card["id"]
    for cloze in (c for c in note if c["type"] == "cloze"):
        answer = re.search(r"\{\{c%d::(.+?)(::[^}]*)?\}\}" % cloze["ordinal"], cloze["anki"]).group(1)
        assert "is-asked" in cloze["front"] and "is-answer" in cloze["back"]
        assert "Algorithm" in cloze["tags"], answer
    assert data["decks"] == [{"name": "being/Normalization", "anki": "归一化知识库",
                              "apkg": "归一化知识库.apkg", "notes": len({c["note"] for c in data["cards"]}),
                              "cards": len(data["cards"])}]


def test_math_in_cards_is_rendered_and_kept_as_tex_for_anki():
    from kb.site import katex
    from kb.cards.extract import PageInfo, extract_notes
    from kb.site.cards_json import card_records
    from kb.notes.outline import parse_outline

    notes, errors = extract_notes(parse_outline(
        "+ 方差\n  + 无偏估计 :-> $\\frac{m}{m-1} E_{B}[\\sigma_{B}^2]$\n  + 均值是 {{c1 $\\mu_B$}}"),
        PageInfo(title="测试", deck="d", source="t.md"))
    assert errors == []
    renderer = katex.KatexRenderer()
    try:
        records, problems = card_records(notes, renderer)
    finally:
        renderer.close()
    assert problems == []
    arrow, cloze = records
    assert 'class="katex"' in arrow["back"] and "\\(" not in arrow["back"]
    # The front asks the question alone: no arrow, no answer, no placeholder for it.
    assert 'class="katex"' not in arrow["front"] and "无偏估计" in arrow["front"]
    assert ":-&gt;" not in arrow["front"] and "cloze" not in arrow["front"]
    assert arrow["tex"] == ["\\frac{m}{m-1} E_{B}[\\sigma_{B}^2]"]
    assert "{{c1::\\(\\frac{m}{m-1} E_{B}[\\sigma_{B}^2]\\)}}" in arrow["anki"]
    assert cloze["front"].count('class="katex"') == 0 and cloze["back"].count('class="katex"') == 1
    assert '<div class="card-context">方差</div>' in cloze["front"]


def test_apkg_and_scheduler_are_in_the_site(built_site):
    with zipfile.ZipFile(built_site / "归一化知识库.apkg") as apkg:
        names = apkg.namelist()
        media = json.loads(apkg.read("media"))
    assert "collection.anki2" in names and "image_1724172031817_0.png" in media.values()
    umd = (built_site / "assets" / "vendor" / "ts-fsrs.umd.js").read_bytes()
    assert umd == (ROOT / "node_modules" / "ts-fsrs" / "dist" / "index.umd.js").read_bytes()


def test_strict_build_fails_on_a_card_error_and_names_file_and_line(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "bad.md").write_text(
        "---\ntitle: 坏卡片\ndeck: test/Deck\n---\n\n- 第一块\n- 答案是 {{c1 没有结束\n- 问题 :-> \n",
        encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\n"
        f"docs_dir: {docs}\n"
        f"hooks: [{ROOT / 'kb' / 'site' / 'hooks.py'}, {ROOT / 'kb' / 'site' / 'cards_hooks.py'}]\n"
        f"theme: {{custom_dir: {ROOT / 'kb' / 'site' / 'theme'}}}\n"
        "edit_uri: ''\n"
        "plugins: [search: {lang: zh}]\n",
        encoding="utf-8")
    result = build_site(tmp_path / "site", config)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # Named as every warning of the build names a page: relative to the folder of mkdocs.yml.
    assert "WARNING -  docs/bad.md:7: unclosed cloze" in output
    assert "WARNING -  docs/bad.md:8: arrow ':->' needs text on both sides" in output


def test_no_card_front_shows_an_arrow_and_no_context_is_a_card_list_heading(built_site):
    """Issue 18: arrow cards showed Logseq's raw `q :-> a`; most cards showed "卡片" as context."""
    cards = json.loads((built_site / "cards.json").read_text(encoding="utf-8"))["cards"]
    arrows = [c for c in cards if c["type"] == "arrow"]
    # enough arrow cards that the checks below are not vacuous; how many the deck has is the
    # content's business (issue 17 turned many arrow cards into short clozes)
    assert len(arrows) >= 20
    for card in cards:
        for arrow in (":->", ":-&gt;", ":<-", ":&lt;-"):
            assert arrow not in card["front"] and arrow not in card["back"], (card["id"], arrow)
    for card in arrows:
        front = re.sub(r"<[^>]+>", "", card["front"])
        back = re.sub(r"<[^>]+>", "", card["back"])
        assert len(back) > len(front), card["id"]   # the back adds the answer
    contexts = [re.search(r'<div class="card-context">(.*?)</div>', c["front"]) for c in cards]
    assert not [c for c in contexts if c and re.sub(r"<[^>]+>", "", c.group(1)).strip() == "卡片"]
