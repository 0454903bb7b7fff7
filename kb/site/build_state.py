"""What kb's hooks learn during one build and share: one object per build, kept on the config.

MkDocs loads each hook file by path as a module of its own, so hooks cannot share module
globals reliably, and ``mkdocs serve`` builds many times in one process. Every hook asks
:func:`of` for the build's state: the first asks makes it (a fresh config each build means a
fresh state each build), the others find it.

The notes are read once, by the Logseq hook's ``on_files`` (``graph``); the card builder
runs once per note (:meth:`BuildState.cards_of`), whoever asks first: the cards hook for the
deck, the page renderer for which blocks are cards, a page's linked references for another
note's blocks.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from kb.cards import errata
from kb.cards.default_deck import default_deck
from kb.cards.page_cards import PageCards, page_info, read_page_cards
from kb.notes import page_names
from kb.notes.graph import Graph, Note, deck_of
from kb.site import card_cache, render_cache
from kb.site.result_cache import ResultTable
from kb.site.source_paths import shown_source

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.pages import Page

    from kb.site import katex
    from kb.site.commit_dates import CommitDates
    from kb.site.learning_path import LearningPath

CONFIG_KEY = "kb_build_state"
T = TypeVar("T")


@dataclass
class BuildState:
    config: Any                                    # this build's MkDocsConfig
    # kb/site/logseq_hooks.py
    graph: Graph | None = None                     # every note, read once (on_files)
    macros: dict[str, str] = field(default_factory=dict)     # the graph's own macros
    errata: list[errata.Erratum] = field(default_factory=list)   # resolved in their notes
    path: LearningPath | None = None
    path_pages: list[Page] = field(default_factory=list)     # the notes in the path's order (on_nav)
    path_places: dict[int, int] = field(default_factory=dict)   # id(page) -> its index in path_pages (on_nav)
    path_steps: dict[int, Any] = field(default_factory=dict)    # id(note) -> the first path step naming it (on_nav)
    generated_dir: tempfile.TemporaryDirectory | None = None  # tag pages, the 勘误 page
    # kb/site/cards_hooks.py
    cards: dict[str, PageCards] = field(default_factory=dict)      # by note src_uri (cards_of)
    deck_pages: dict[str, PageCards] = field(default_factory=dict)  # pages whose cards go to a deck
    nav_order: dict[str, int] = field(default_factory=dict)        # page src_uri -> place in the nav
    # kb/site/hooks.py
    commit_dates: CommitDates | None = None            # the pages' last commit dates (one git log)
    katex_renderer: katex.KatexRenderer | None = None   # for the pages (.cache/katex/pages.json)
    math_aside: dict[str, list[str]] = field(default_factory=dict)  # page URL -> its formulas
    # kb/site/notebook_hooks.py
    notebook_pages: Any = None
    # kb/site/render_cache_hooks.py (on_files): where per-page results are kept between builds
    cache_folder: Path | None = None               # None: KB_RENDER_CACHE=off, nothing kept
    code_key: str = ""                             # kb's code and the packages' versions
    site_key: str = ""                             # that, the config file and the static files
    results: dict[str, ResultTable] = field(default_factory=dict)   # by kind (result_table)

    def shown(self, src_uri: str) -> str:
        """A file under docs/ as the build's warnings name it."""
        return shown_source(self.config, src_uri)

    def cards_of(self, note: Note, title: str | None = None, url: str | None = None) -> PageCards:
        """The note's cards, built once per build (``title``/``url``: a page that is not a note)."""
        found = self.cards.get(note.src_uri)
        if found is None:
            # A note without a deck has its cards in the default deck; another page only with one.
            fallback = default_deck(self.config.extra) if page_names.is_note(note.src_uri) else None
            deck = deck_of(note, fallback) or ""
            graph = self.graph if self.graph is not None and self.graph.note_at(note.src_uri) else None
            table = self.result_table(card_cache.KIND)
            recording = card_cache.RecordingGraph(graph) if graph is not None and table is not None else None
            info = page_info(note, deck, self.shown(note.src_uri), Path(self.config.docs_dir),
                             recording or graph, self.macros, title=title, url=url)
            corrections = errata.of_note(self.errata, note.src_uri)
            if table is None:
                found = read_page_cards(note, info, corrections)
            else:
                key = card_cache.note_key(self.site_key, note, info, self.macros, corrections)
                found = card_cache.cards_through(table, key, graph, info, recording,
                                                 lambda: read_page_cards(note, info, corrections))
            self.cards[note.src_uri] = found
        return found

    def result_table(self, kind: str) -> ResultTable | None:
        """This build's table of ``kind`` results kept between builds (kb/site/result_cache.py);
        None when the cache is off."""
        if self.cache_folder is None:
            return None
        if kind not in self.results:
            self.results[kind] = ResultTable(self.cache_folder / f"{kind}.pickle")
        return self.results[kind]

    def cached(self, kind: str, parts: list[str], compute: Callable[[], T]) -> T:
        """``compute()``, or its result kept under the ``kind`` table by a fingerprint of kb's code and
        ``parts`` (everything else it depends on)."""
        table = self.result_table(kind)
        if table is None:
            return compute()
        return table.through(render_cache.fingerprint(kind, self.code_key, *parts), compute)

    def save_results(self) -> dict[str, tuple[int, int, int]]:
        """Write every table this build used; per kind (reused, computed, dropped)."""
        return {kind: (table.reused, table.computed, table.save()) for kind, table in self.results.items()}


def of(config: MkDocsConfig) -> BuildState:
    """This build's state (made on first use)."""
    state = config.get(CONFIG_KEY) if hasattr(config, "get") else None
    if state is None or state.config is not config:
        state = BuildState(config)
        config[CONFIG_KEY] = state
    return state
