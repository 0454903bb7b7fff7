"""A note's cards kept between builds (issue 22): the card builder runs for a note only when
something its cards depend on changed; else its stored cards are read back, the same objects a
fresh run makes (cards.json, the Anki package, the page's card blocks and review are the same).

The cards of a note (kb/cards/page_cards.py ``read_page_cards``) depend on, and are stored in
the ``cards`` table (kb/site/result_cache.py) under a fingerprint of:

* the site's part of the render cache's fingerprint (kb's code, package versions, the config
  file, the static files under docs/: an occlusion card reads its image's size);
* the note's outline as the graph read it (its blocks, their lines and properties);
* what its page tells the card builder (``PageInfo``: title, deck, source, tags, URL, math
  setting, docs/), whether its block text is rewritten as a Logseq page's, and the graph's macros;
* its errata (resolved, as the build applies them).

A card's text shows the blocks its ``((block references))`` quote (kb/cards/text.py). Which
ones is known only once the cards are built: the graph's ``block_ids`` lookups are recorded
then (:class:`RecordingGraph`) and stored with the cards, and an entry is used only when every
recorded id still quotes the same text (or is still missing), as the render cache checks the
files a page's links looked up.

A note whose cards have errors is not stored: it is built, and its errors logged, every build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from typing import Any, Callable

from kb.cards.extract import PageInfo
from kb.cards.page_cards import PageCards
from kb.notes.graph import Graph, Note
from kb.site import render_cache
from kb.site.result_cache import MISSING, ResultTable

KIND = "cards"
FORMAT = 1


class RecordingGraph:
    """The graph as a card's text rewriting sees it (kb/cards/text.py reads only ``block_ids``),
    recording which block ids it looked up and the text each one quoted."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self.block_ids = _RecordingIds(graph.block_ids)

    @property
    def lookups(self) -> dict[str, str | None]:
        return self.block_ids.lookups

    def __getattr__(self, name: str):
        # Anything else the rewriting might read of the graph would be a dependency this cache
        # does not know: fail loudly rather than serve stale cards.
        raise AttributeError(f"kb/site/card_cache.py records only graph.block_ids; the card text "
                             f"rewriting read graph.{name}: record it there")


class _RecordingIds:
    def __init__(self, block_ids: dict) -> None:
        self._block_ids = block_ids
        self.lookups: dict[str, str | None] = {}

    def get(self, block_id: str, default=None):
        found = self._block_ids.get(block_id)
        self.lookups[block_id] = _quoted(found)
        return found if found is not None else default


def _quoted(found: Any) -> str | None:
    return None if found is None else found[1].content


def still_valid(lookups: dict[str, str | None], graph: Graph | None) -> bool:
    if graph is None:
        return not lookups
    return all(_quoted(graph.block_ids.get(block_id)) == text for block_id, text in lookups.items())


def note_key(site: str, note: Note, info: PageInfo, macros: dict[str, str], corrections: list) -> str:
    """The fingerprint of everything ``note``'s cards depend on but the blocks they quote."""
    outline = hashlib.sha256(pickle.dumps(note.blocks, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    return render_cache.fingerprint(
        f"cards {FORMAT}", site, note.src_uri, outline,
        render_cache.stable(dataclasses.replace(info, rewrite=None)), str(info.rewrite is not None),
        render_cache.stable(macros), render_cache.stable(corrections))


def _info_fields(info: PageInfo) -> tuple:
    return tuple((f.name, getattr(info, f.name)) for f in dataclasses.fields(info) if f.name != "rewrite")


def dump(cards: PageCards) -> bytes:
    """``cards`` as bytes, each ``PageInfo`` as its fields without the rewriting (a function over
    this build's graph), which :func:`load` gives back as the page's."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)

    def persistent_id(obj: Any):
        if isinstance(obj, PageInfo):
            if obj.rewrite is not cards.info.rewrite:
                raise pickle.PicklingError("a card's page rewrites text otherwise than the note's page")
            return ("PageInfo", _info_fields(obj))
        return None

    pickler.persistent_id = persistent_id
    pickler.dump(cards)
    return out.getvalue()


def load(data: bytes, info: PageInfo) -> PageCards:
    """Stored cards, their pages ``info`` (the page itself, or a copy naming another source, as an
    erratum's cards have it) with this build's rewriting."""
    made: dict[tuple, PageInfo] = {_info_fields(info): info}

    def persistent_load(pid: Any) -> PageInfo:
        _, fields = pid
        if fields not in made:
            made[fields] = dataclasses.replace(info, **dict(fields))
        return made[fields]

    unpickler = pickle.Unpickler(io.BytesIO(data))
    unpickler.persistent_load = persistent_load
    return unpickler.load()


def cards_through(table: ResultTable, key: str, graph: Graph | None, info: PageInfo, recording: RecordingGraph | None,
                  build: Callable[[], PageCards]) -> PageCards:
    """The note's cards from ``table`` when its entry under ``key`` is still valid, else ``build()``
    (its block lookups recorded by ``recording``), stored when it has no errors."""
    entry = table.get(key)
    if entry is not MISSING:
        lookups, data = entry
        if still_valid(lookups, graph):
            table.reused += 1
            return load(data, info)
    cards = build()
    table.computed += 1
    if not cards.errors:
        try:
            table.put(key, (dict(recording.lookups) if recording is not None else {}, dump(cards)))
        except pickle.PicklingError:
            pass    # built every time, as without the cache
    return cards
