"""``cards.json``: every card of the site's decks, with its HTML (math rendered with KaTeX) and its
Anki text, for the review page (kb/site/cards_hooks.py writes it after the build).

Each card note's entries are kept as JSON text, by the note object, from one build to the next
of the same process: under ``make serve`` the pages not rebuilt keep their cards' objects
(kb/site/incremental.py), so their entries are not made (math, Anki text, JSON) again on every
save. The file is ``json.dumps(payload, ensure_ascii=False, indent=1)`` byte for byte.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kb.cards import render as card_html
from kb.site import katex

if TYPE_CHECKING:
    from kb.cards.extract import CardNote

_MARK = "\0kb cards\0"
_last: dict[int, tuple[CardNote, list[str], list[str]]] = {}   # id(note) -> (note, entries' JSON, errors)


def card_records(notes: list[CardNote], renderer: katex.KatexRenderer) -> tuple[list[dict], list[str]]:
    """The entries of cards.json: every card with its HTML (math rendered) and Anki text."""
    records, errors = [], []

    def render(fragment: str, where: str) -> str:
        out, problems = katex.render_arithmatex(fragment, renderer)
        errors.extend(f"{where}: math: {p}" for p in problems)
        return out

    for note in notes:
        context = (f'<div class="card-context">{" › ".join(note.context)}</div>' if note.context else "")
        anki = card_html.anki_text(note.html)
        for card in note.cards:
            records.append({
                "id": card.id,
                "note": note.id,
                "ordinal": card.ordinal,
                "type": note.type,
                "deck": note.page.deck,
                "page": note.page.title,
                "url": note.page.url,
                "tags": note.tags,
                "source": note.where,
                "front": render(context + card.front, note.where),
                "back": render(context + card.back + note.back_extra, note.where),
                "tex": card_html.tex_sources(note.html + "".join(note.context) + note.back_extra),
                "anki": anki,
            })
    return records, errors


def entries(notes: list[CardNote], renderer: katex.KatexRenderer) -> tuple[list[str], list[str]]:
    """Every card's entry as the JSON text it has in cards.json, and the math errors."""
    global _last
    kept: dict[int, tuple[CardNote, list[str], list[str]]] = {}
    texts: list[str] = []
    errors: list[str] = []
    for note in notes:
        known = _last.get(id(note))
        if known is None or known[0] is not note:
            records, problems = card_records([note], renderer)
            # Each entry sits two levels deep (indent 1): JSON text holds no raw newline.
            known = (note, [json.dumps(r, ensure_ascii=False, indent=1).replace("\n", "\n  ") for r in records],
                     problems)
        kept[id(note)] = known
        texts += known[1]
        errors += known[2]
    _last = kept
    return texts, errors


def document(decks: list[dict], texts: list[str]) -> str:
    """cards.json's text: ``{"version": 1, "decks": decks, "cards": [the entries]}``."""
    if not texts:
        return json.dumps({"version": 1, "decks": decks, "cards": []}, ensure_ascii=False, indent=1)
    head = json.dumps({"version": 1, "decks": decks, "cards": [_MARK]}, ensure_ascii=False, indent=1)
    before, mark, after = head.rpartition(json.dumps(_MARK, ensure_ascii=False))
    assert mark, "the cards' place in cards.json"
    return before + ",\n  ".join(texts) + after
