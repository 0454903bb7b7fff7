"""The card builder's one result for a note: read once per build, used by the deck and the page.

The cards hook puts :attr:`PageCards.deck` in cards.json and the Anki package; the page renderer
(kb/logseq/block_render.py) asks :attr:`PageCards.by_line` which cards each block makes, and
:attr:`PageCards.erratum_cards` for the corrected cards it shows in a 勘误 box; ``kb lint`` and
``kb stats`` count the same notes. :func:`page_info` is the one way a note's page is described
to the card builder.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from kb.cards import errata as errata_layer
from kb.cards import text as card_text
from kb.cards.cloze import CardSyntaxError
from kb.cards.extract import CardNote, PageInfo, extract_notes
from kb.notes.graph import Graph
from kb.notes.graph import Note as GraphNote


@dataclass
class PageCards:
    info: PageInfo
    notes: list[CardNote]                       # the page's own cards, in page order, before its errata
    deck: list[CardNote]                        # what review and Anki get: the errata applied
    errors: list[CardSyntaxError]           # the page's and its errata's card syntax errors
    by_line: dict[int, list[CardNote]] = field(default_factory=dict)         # the page's blocks' notes
    erratum_cards: dict[int, list[CardNote]] = field(default_factory=dict)   # by line in the errata file


def page_info(note: GraphNote, deck: str, source: str, docs_dir: Path | None = None,
              graph: Graph | None = None, macros: dict[str, str] | None = None,
              title: str | None = None, url: str | None = None) -> PageInfo:
    """What the card builder knows of a note's page.

    ``deck``: where its cards go ("" when none; kb/notes/graph.py ``deck_of``); ``source``: its file
    as messages name it; ``graph`` (and its ``macros``): a Logseq note's cards rewrite block text
    as its page does (kb/cards/text.py); ``title`` and ``url``: for a page that is not a note, the
    ones MkDocs gives it (else the note's own; its URL percent-encoded, as MkDocs writes page URLs).
    """
    rewrite = card_text.note_rewrite(graph, macros or {}, note.math) if graph is not None else None
    return PageInfo(title=title or note.title, deck=deck, source=source, tags=tuple(note.tags),
                    url=url if url is not None else quote(posixpath.dirname(note.dest_uri) + "/"), src_uri=note.src_uri, docs_dir=docs_dir,
                    rewrite=rewrite, math=note.math)


def read_page_cards(note: GraphNote, info: PageInfo,
                    corrections: list[errata_layer.Erratum] | None = None) -> PageCards:
    """The cards of ``note`` (its outline as the graph read it) and of its resolved errata."""
    notes, errors = extract_notes(note.blocks, info)
    deck, erratum_cards = notes, {}
    if corrections:
        deck, more, erratum_cards = errata_layer.apply_to_cards(notes, corrections, info)
        errors = errors + more
    by_line: dict[int, list[CardNote]] = {}
    for card_note in notes:
        by_line.setdefault(card_note.line, []).append(card_note)
    return PageCards(info, notes, deck, errors, by_line, erratum_cards)
