"""MkDocs hooks of the flashcards: thin glue around ``kb.cards.extract`` and ``kb.cards.anki``.

* ``on_page_markdown``: read the cards of every note page (a page whose front
  matter names a ``deck``, and every Logseq note under ``docs/pages/``: its cards go
  to the default deck, kb/cards/default_deck.py, when it names none) from its source file, its errata applied
  (kb/cards/errata.py: the cards of a block corrected as wrong or as a bad card leave, the
  errata's own cards come, an imprecise erratum goes on the back); a card error is logged with
  ``file:line``, which fails the strict build.
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
import json
import logging
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

# MkDocs loads this file by path; make the `kb` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so that `kb` imports

from mkdocs.utils import get_relative_url  # noqa: E402

from kb.cards import anki as anki_export  # noqa: E402
from kb.cards import errata  # noqa: E402
from kb.cards import render as card_html  # noqa: E402
from kb.cards import text as card_text  # noqa: E402
from kb.cards.default_deck import default_deck  # noqa: E402
from kb.cards.extract import Note, PageInfo, duplicate_ids, extract_notes  # noqa: E402
from kb.notes import frontmatter  # noqa: E402
from kb.notes import page_names  # noqa: E402
from kb.notes.outline import parse_outline  # noqa: E402
from kb.site import katex  # noqa: E402
from kb.site.logseq_hooks import EXTENSION  # noqa: E402
from kb.site.source_paths import shown_source  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.kb.cards")

from kb.paths import ROOT
TS_FSRS_UMD = ROOT / "node_modules" / "ts-fsrs" / "dist" / "index.umd.js"
TS_FSRS_SITE_PATH = "assets/vendor/ts-fsrs.umd.js"
CARDS_JSON = "cards.json"
RE_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)
ANKI_MARKER = "<!-- kb:anki-deck -->"   # on the home page

_notes: dict[str, list[Note]] = {}   # by page src_uri, for the current build
_nav_order: dict[str, int] = {}      # page src_uri -> its place in the navigation
_errata: dict[str, list[errata.Erratum]] = {}   # by the src_uri of the note they correct


def on_pre_build(*, config: MkDocsConfig) -> None:
    _notes.clear()   # `mkdocs serve` rebuilds in the same process
    _errata.clear()
    # Read here again (kb/site/logseq_hooks.py reports their problems, with file:line, once).
    for src_uri, text in errata.sources_in(Path(config.docs_dir)):
        found, _ = errata.read_errata(src_uri, text, shown_source(config, src_uri))
        _errata.setdefault(errata.note_of(src_uri), []).extend(found)


def on_nav(nav, *, config: MkDocsConfig, files: Files):
    _nav_order.clear()
    _nav_order.update({page.file.src_uri: index for index, page in enumerate(nav.pages)})
    return nav


def _decks() -> dict[str, list[Note]]:
    """Every deck's notes, in the navigation's page order, then in their order on the page."""
    decks: dict[str, list[Note]] = {}
    for note in _notes_in_order():
        decks.setdefault(note.page.deck, []).append(note)
    return decks


def _notes_in_order() -> list[Note]:
    order = sorted(_notes, key=lambda uri: (_nav_order.get(uri, len(_nav_order)), uri))
    return [note for uri in order for note in _notes[uri]]


def on_post_page(output: str, *, page: Page, config: MkDocsConfig) -> str | None:
    if not page.is_homepage or ANKI_MARKER not in output:
        return None
    names = anki_export.anki_deck_names(_decks(), config.site_name)
    links = []
    for deck, deck_notes in _decks().items():
        file_name = anki_export.package_file_name(names[deck])
        cards = sum(len(n.cards) for n in deck_notes)
        links.append(f'<a href="{html.escape(get_relative_url(file_name, page.url))}" download>'
                     f'下载 Anki 卡组「{html.escape(names[deck])}」</a>（{cards} 张卡片）')
    return output.replace(ANKI_MARKER, "；".join(links) or "还没有卡片。")


def page_info(page: Page, config: MkDocsConfig) -> PageInfo | None:
    deck = page.meta.get("deck")
    if not deck and page_names.is_note(page.file.src_uri):
        deck = default_deck(config.extra)
    if not deck:
        return None
    tags = frontmatter.names_of(page.meta.get("tags"))   # a wrong type is a front matter problem
    # A Logseq note (kb/site/logseq_hooks.py has just given the page its graph): its cards rewrite
    # block text as its page does (kb/cards/text.py).
    logseq = config.mdx_configs.get(EXTENSION) or {}
    graph = logseq.get("graph")
    note = graph.note_at(page.file.src_uri) if graph else None
    return PageInfo(
        title=str(page.meta.get("title") or page.title or page.file.src_uri),
        deck=str(deck),
        source=shown_source(config, page.file.src_uri),   # as every warning of the build names it
        tags=tuple(tags),
        url=page.url,
        src_uri=page.file.src_uri,
        docs_dir=Path(config.docs_dir),
        rewrite=card_text.note_rewrite(graph, logseq.get("macros") or {}, note.math) if note else None,
    )


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
    info = page_info(page, config)
    if info is None:
        return None
    # The source file, not `markdown`: other hooks may rewrite the Markdown, and
    # line numbers must point into the file the author edits.
    text = Path(page.file.abs_src_path).read_text(encoding="utf-8-sig")
    front = RE_FRONT_MATTER.match(text)
    body = text[front.end():] if front else text
    first_line = text[:front.end()].count("\n") + 1 if front else 1
    blocks = parse_outline(body, first_line)
    notes, errors = extract_notes(blocks, info)
    corrections = _errata.get(page.file.src_uri, [])
    if corrections:   # a block with an erratum of kind wrong or card: its cards leave, the erratum's come
        errata.resolve(corrections, blocks)
        notes, more = errata.apply_to_cards(notes, corrections, info)
        errors += more
    for error in errors:
        log.warning("%s", error)   # "docs/pages/x.md:7: ...", as every warning about a page starts
    _notes[page.file.src_uri] = notes
    return None


def card_records(notes: list[Note], renderer: katex.KatexRenderer) -> tuple[list[dict], list[str]]:
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


def on_post_build(*, config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    notes = _notes_in_order()
    # Ids shared across pages (a page's own duplicates were reported with its other errors).
    for error in duplicate_ids(notes, across_pages=True):
        log.warning("%s", error)

    renderer = katex.KatexRenderer(
        cache_file=Path(config.config_file_path).parent / ".cache" / "katex" / "cards.json")
    try:
        records, errors = card_records(notes, renderer)
    finally:
        renderer.close()
    for error in errors:
        log.warning("%s", error)   # "<page>:<line>: math: ..."

    decks = _decks()
    names = anki_export.anki_deck_names(decks, config.site_name)
    deck_entries = []
    for deck, deck_notes in sorted(decks.items()):
        file_name = anki_export.package_file_name(names[deck])
        pages = {Path(config.docs_dir) / n.page.src_uri for n in deck_notes}
        corrections = {Path(config.docs_dir) / errata.ERRATA_DIR / page.name for page in pages}
        sources = sorted(pages | {f for f in corrections if f.is_file()} | {f for n in deck_notes for f in n.media})
        stamp = anki_export.source_timestamp(sources, ROOT)
        try:
            anki_export.write_package(deck, names[deck], deck_notes, site / file_name, stamp)
        except ValueError as err:
            log.warning("cards: %s", err)
            continue
        deck_entries.append({"name": deck, "anki": names[deck], "apkg": file_name,
                             "notes": len(deck_notes),
                             "cards": sum(len(n.cards) for n in deck_notes)})

    payload = {"version": 1, "decks": deck_entries, "cards": records}
    (site / CARDS_JSON).write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")

    if not TS_FSRS_UMD.is_file():
        log.warning("cards: ts-fsrs is not installed (%s is missing): run `npm ci`", TS_FSRS_UMD)
        return
    target = site / TS_FSRS_SITE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(TS_FSRS_UMD, target)
