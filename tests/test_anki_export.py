"""kb/cards/anki.py: the .apkg imported by Anki itself (the `anki` PyPI package, headless)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from kb.cards import anki as anki_export
from kb.cards.extract import extract_notes
from test_cards import SEED_CARD_LINES, outline_of, page

import anki.collection as anki_collection  # noqa: E402 - pinned in requirements.txt
Collection = anki_collection.Collection

DECK = "being/Normalization"
ANKI_NAME = "归一化知识库"
T0 = 1_724_172_031   # package timestamps (seconds)


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    shutil.copy(ROOT / "docs" / "assets" / "image_1724172031817_0.png", tmp_path / "assets")
    return tmp_path


def seed_notes(docs: Path, lines: dict[int, str] = SEED_CARD_LINES):
    notes, errors = extract_notes(outline_of(lines), page(docs))
    assert errors == []
    return notes


def import_package(col, path: Path) -> None:
    col.import_anki_package(anki_collection.ImportAnkiPackageRequest(
        package_path=str(path),
        options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True)))


@pytest.fixture()
def collection(tmp_path: Path):
    (tmp_path / "collection").mkdir()
    col = Collection(str(tmp_path / "collection" / "collection.anki2"))
    yield col
    col.close()


def test_names():
    # The site's name, not the author's namespace (issue 18); a deck below the root keeps its place.
    assert anki_export.anki_deck_names([DECK], "归一化知识库") == {DECK: "归一化知识库"}
    assert anki_export.anki_deck_names(["being/A", "being/B/C"], "站") == {"being/A": "站::A", "being/B/C": "站::B::C"}
    assert anki_export.anki_deck_names([DECK, DECK + "/Extra"], "站") == {DECK: "站", DECK + "/Extra": "站::Extra"}
    assert anki_export.package_file_name("归一化知识库") == "归一化知识库.apkg"
    assert anki_export.package_file_name("站::B::C") == "站-B-C.apkg"
    assert anki_export.anki_tags(["Batch Normalization", "Algorithm", "Algorithm"]) == \
        ["Batch_Normalization", "Algorithm"]


def test_same_sources_give_the_same_bytes(docs, tmp_path):
    notes = seed_notes(docs)
    anki_export.write_package(DECK, ANKI_NAME, notes, tmp_path / "a.apkg", T0)
    anki_export.write_package(DECK, ANKI_NAME, notes, tmp_path / "b.apkg", T0)
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()


def test_anki_imports_every_card_of_the_note(docs, tmp_path, collection):
    media = anki_export.write_package(DECK, ANKI_NAME, seed_notes(docs), tmp_path / "deck.apkg", T0)
    assert media == ["image_1724172031817_0.png"]
    import_package(collection, tmp_path / "deck.apkg")

    assert collection.note_count() == 8
    assert collection.card_count() == 15
    assert ANKI_NAME in [d.name for d in collection.decks.all_names_and_ids()]
    assert len(collection.find_cards(f'deck:"{ANKI_NAME}"')) == 15

    # A cloze question hides its answer; the answer shows it.
    (card_id,) = collection.find_cards("高斯分布")
    card = collection.get_card(card_id)
    assert "BN 层希望得到" in card.question() and "[...]" in card.question()
    assert ">0-1 高斯分布<" not in card.question()
    assert '<span class="cloze" data-ordinal="1">0-1 高斯分布</span>' in card.answer()

    # Image occlusion in Anki's own format: eight cards, masks drawn by Anki, image as media.
    occlusion = [collection.get_card(c) for c in collection.find_cards('"note:归一化知识库 Image Occlusion"')]
    assert sorted(c.ord for c in occlusion) == list(range(8))
    question = occlusion[0].question()
    assert question.count('data-shape="rect"') == 8 and 'data-occludeInactive="1"' in question
    assert '<img src="image_1724172031817_0.png">' in question
    assert (Path(collection.media.dir()) / "image_1724172031817_0.png").is_file()


def test_math_reaches_anki_as_tex(docs, tmp_path, collection):
    notes = seed_notes(docs, {1: "+ 归一化 :-> $\\hat{x}_i = \\frac{x_i - \\mu_{B}}{\\sqrt{\\sigma_{B}^2}}$"})
    anki_export.write_package(DECK, ANKI_NAME, notes, tmp_path / "deck.apkg", T0)
    import_package(collection, tmp_path / "deck.apkg")
    (card_id,) = collection.find_cards("")
    answer = collection.get_card(card_id).answer()
    # "}}" inside the cloze became "} }", so the whole formula stays in the cloze.
    assert "\\(\\hat{x}_i = \\frac{x_i - \\mu_{B} }{\\sqrt{\\sigma_{B}^2} }\\)" in answer


def test_reimporting_an_edited_note_updates_it_and_keeps_its_history(docs, tmp_path, collection):
    import_package(collection, _package(docs, tmp_path / "v1.apkg", SEED_CARD_LINES, T0))
    (card_id,) = collection.find_cards("激活后再")
    card = collection.get_card(card_id)
    card.start_timer()                     # as the reviewer does when it shows the card
    collection.sched.answerCard(card, 3)   # "Good"
    reviewed = collection.get_card(card_id)
    assert reviewed.reps == 1
    history = collection.db.scalar("select count() from revlog where cid = ?", card_id)
    assert history == 1

    edited = dict(SEED_CARD_LINES)
    edited[98] = "    + 特点 :-> 先激活再归一化，下一层的输入是零均值的。"
    import_package(collection, _package(docs, tmp_path / "v2.apkg", edited, T0 + 3600))

    assert collection.note_count() == 8 and collection.card_count() == 15   # nothing duplicated
    assert collection.find_cards("激活后再") == []
    (same_card,) = collection.find_cards("先激活再归一化")
    assert same_card == card_id
    after = collection.get_card(card_id)
    assert after.reps == 1 and after.due == reviewed.due
    assert collection.db.scalar("select count() from revlog where cid = ?", card_id) == 1


def _package(docs: Path, path: Path, lines: dict[int, str], timestamp: float) -> Path:
    anki_export.write_package(DECK, ANKI_NAME, seed_notes(docs, lines), path, timestamp)
    return path


def test_anki_imports_the_sites_whole_deck_as_cards_json_lists_it(built_site: Path, collection):
    """The package the site offers for download, not one made from a few lines."""
    import json
    import re

    cards = json.loads((built_site / "cards.json").read_text(encoding="utf-8"))["cards"]
    deck_cards = [c for c in cards if c["deck"] == DECK]
    import_package(collection, built_site / "归一化知识库.apkg")   # named after the site (mkdocs.yml site_name)
    assert collection.decks.id_for_name("归一化知识库") is not None
    assert collection.card_count() == len(deck_cards)
    assert collection.note_count() == len({c["note"] for c in deck_cards})
    for card_id in collection.find_cards(""):
        question = collection.get_card(card_id).question()
        # Every card asks something: no raw cloze syntax, no empty front.
        assert "{{c" not in question, question
        # An arrow card asks its question alone (issue 18: the front showed "q :-> [...]").
        shown = re.sub(r"<[^>]+>", "", question)
        assert ":->" not in shown and ":-&gt;" not in shown and ":&lt;-" not in shown, question
        assert re.sub(r"<[^>]+>|\s", "", question), card_id
