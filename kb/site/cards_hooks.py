"""MkDocs hooks of the flashcards: thin glue around ``kb.cards.page_cards`` and ``kb.cards.anki``.

* ``on_page_markdown``: the cards of every note page (every Logseq note under ``docs/pages/``:
  its cards go to the default deck, kb/cards/default_deck.py, when it names none; and any other
  page whose front matter names a ``deck``), as the build state's card builder made them once
  (kb/site/build_state.py, from the note the graph read), its errata applied (kb/cards/errata.py:
  the cards of a block corrected as wrong or as a bad card leave, the errata's own cards come, an
  imprecise erratum goes on the back); a card error is logged with ``file:line``, which fails the
  strict build.
* ``on_nav``: remember the order of the pages in the navigation (the learning
  path's, kb/site/learning_path.py): cards.json lists the cards in that order, then in
  their order on the page, and the review page serves new cards in that order.
* ``on_post_page``: the home page's ``<!-- kb:anki-deck -->`` becomes the link
  to the Anki package(s).
* ``on_post_build``: write ``site/cards.json`` (every card, math rendered with
  KaTeX), one ``site/<deck>.apkg`` per deck (named after the site), and copy the
  ts-fsrs scheduler (npm, pinned) into the site for the review page.
"""

from __future__ import annotations

import html
import logging
import operator
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

# MkDocs loads this file by path; make the `kb` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so that `kb` imports

from mkdocs.utils import get_relative_url  # noqa: E402

from kb.cards import anki as anki_export  # noqa: E402
from kb.cards.extract import CardNote, duplicate_ids  # noqa: E402
from kb.notes.graph import read_note  # noqa: E402
from kb.cards.errata import ERRATA_DIR  # noqa: E402
from kb.paths import NODE_MODULES, ROOT, build_cache  # noqa: E402
from kb.site import build_state, cards_json, incremental, katex, kept_outputs  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.kb.cards")

TS_FSRS_UMD = NODE_MODULES / "ts-fsrs" / "dist" / "index.umd.js"
TS_FSRS_SITE_PATH = "assets/vendor/ts-fsrs.umd.js"
CARDS_JSON = "cards.json"
ANKI_MARKER = "<!-- kb:anki-deck -->"   # on the home page


def on_nav(nav, *, config: MkDocsConfig, files: Files):
    state = build_state.of(config)
    state.nav_order = {page.file.src_uri: index for index, page in enumerate(nav.pages)}
    return nav


def _decks(state: build_state.BuildState) -> dict[str, list[CardNote]]:
    """Every deck's notes, in the navigation's page order, then in their order on the page."""
    decks: dict[str, list[CardNote]] = {}
    for note in _notes_in_order(state):
        decks.setdefault(note.page.deck, []).append(note)
    return decks


def _notes_in_order(state: build_state.BuildState) -> list[CardNote]:
    order = sorted(state.deck_pages, key=lambda uri: (state.nav_order.get(uri, len(state.nav_order)), uri))
    return [note for uri in order for note in state.deck_pages[uri].deck]


def on_post_page(output: str, *, page: Page, config: MkDocsConfig) -> str | None:
    if not page.is_homepage or ANKI_MARKER not in output:
        return None
    decks = _decks(build_state.of(config))
    names = anki_export.anki_deck_names(decks, config.site_name)
    links = []
    for deck, deck_notes in decks.items():
        file_name = anki_export.package_file_name(names[deck])
        cards = sum(len(n.cards) for n in deck_notes)
        links.append(f'<a href="{html.escape(get_relative_url(file_name, page.url))}" download>'
                     f'下载 Anki 卡组「{html.escape(names[deck])}」</a>（{cards} 张卡片）')
    return output.replace(ANKI_MARKER, "；".join(links) or "还没有卡片。")


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
    """The page's cards (a note's, or another page's that names a ``deck``), errors logged with file:line."""
    state = build_state.of(config)
    note = state.graph.note_at(page.file.src_uri) if state.graph is not None else None
    title = url = None
    if note is None:
        if not page.meta.get("deck"):
            return None
        # Read as the notes are read (the source file, so that lines are the author's), titled as MkDocs titles it.
        note = read_note(page.file.src_uri, Path(page.file.abs_src_path).read_text(encoding="utf-8-sig"))
        title, url = str(page.meta.get("title") or page.title or page.file.src_uri), page.url
    cards = state.cards_of(note, title, url)
    if not cards.info.deck:
        return None
    for error in cards.errors:
        log.warning("%s", error)   # "docs/pages/x.md:7: ...", as every warning about a page starts
    state.deck_pages[page.file.src_uri] = cards
    return None


def _same_notes(written: tuple, now: tuple) -> bool:
    """Two Anki packages' keys ``(content, time)``: the same notes, whatever the time."""
    return written[0] == now[0]


def on_post_build(*, config: MkDocsConfig) -> None:
    state = build_state.of(config)
    site = Path(config.site_dir)
    notes = _notes_in_order(state)
    # Ids shared across pages (a page's own duplicates were reported with its other errors).
    for error in duplicate_ids(notes, across_pages=True):
        log.warning("%s", error)

    renderer = katex.KatexRenderer(
        cache_file=build_cache(config.config_file_path) / "katex" / "cards.json",
        keep_unused=incremental.is_partial(config))   # entries kept from the last build render nothing
    try:
        entries, errors = cards_json.entries(notes, renderer)
    finally:
        renderer.close()
    for error in errors:
        log.warning("%s", error)   # "<page>:<line>: math: ..."

    decks = _decks(state)
    names = anki_export.anki_deck_names(decks, config.site_name)
    deck_entries = []
    for deck, deck_notes in sorted(decks.items()):
        file_name = anki_export.package_file_name(names[deck])
        pages = {Path(config.docs_dir) / n.page.src_uri for n in deck_notes}
        corrections = {Path(config.docs_dir) / ERRATA_DIR / page.name for page in pages}
        sources = sorted(pages | {f for f in corrections if f.is_file()} | {f for n in deck_notes for f in n.media})
        stamp = anki_export.source_timestamp(sources, ROOT)
        # CardNotes compare by value: the same notes, name and media make the same notes in Anki.
        # A full build writes the package with its sources' time; a rebuild of make serve keeps a
        # package whose notes did not change (its time is then older than a full build's: Anki
        # imports the same notes from either; an edit to a card writes it anew with the new time).
        content = (deck, names[deck], tuple(deck_notes),
                   kept_outputs.media_state(sorted({f for n in deck_notes for f in n.media})))
        same = _same_notes if incremental.is_partial(config) else operator.eq
        if not kept_outputs.unchanged(site / file_name, (content, stamp), same):
            try:
                anki_export.write_package(deck, names[deck], deck_notes, site / file_name, stamp)
            except ValueError as err:
                log.warning("cards: %s", err)
                continue
            kept_outputs.written(site / file_name, (content, stamp))
        deck_entries.append({"name": deck, "anki": names[deck], "apkg": file_name,
                             "notes": len(deck_notes),
                             "cards": sum(len(n.cards) for n in deck_notes)})

    key = (deck_entries, entries)
    if not kept_outputs.unchanged(site / CARDS_JSON, key):
        (site / CARDS_JSON).write_text(cards_json.document(deck_entries, entries), encoding="utf-8")
        kept_outputs.written(site / CARDS_JSON, key)

    if not TS_FSRS_UMD.is_file():
        log.warning("cards: ts-fsrs is not installed (%s is missing): run `npm ci`", TS_FSRS_UMD)
        return
    target = site / TS_FSRS_SITE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(TS_FSRS_UMD, target)
