"""Numbers about the notes, per page and per deck: cards by type, links in and out, snippet sections.

Read with the build's own functions (kb/notes/graph.py for pages and links, kb/cards/extract.py for
cards, kb/tools/corpus.py for the notes, their snippet includes and errata), so the numbers are
those of the site:

* cards: the cards (not notes) of each type, ``cloze``, ``arrow``, ``card`` (a
  ``#card`` block) and ``occlusion``, each page's in its deck (the default deck of
  kb/cards/default_deck.py when it names none);
* links out: the page's ``[[links]]``, ``#tags`` and ``((block refs))`` to other pages
  (the card syntax tags ``#card``, ``#reversed``, ... are not links), and how many of
  them lead to a page not written yet; links in: the references from other pages;
* snippets: the blocks that include a section of ``snippets/`` with ``--8<--``; an
  include of a section of ``fences.md`` is followed to the module section it wraps;
* card form: the warnings of kb/cards/form.py by kind (an answer that enumerates, a long
  cloze, a front too short, the same answer twice in a deck), per page and in all;
* errata: the corrections under ``docs/errata/`` (kb/cards/errata.py) of each page, by kind.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kb.cards.errata import ERRATA_DIR, of_note
from kb.cards.errata import KINDS as ERRATUM_KINDS
from kb.cards.form import check_cards
from kb.cards.render import CARD_SYNTAX_TAGS
from kb.notes import links as link_names
from kb.notes.graph import Link, build_graph
from kb.paths import DOCS
from kb.tools.corpus import errata_in, notes_in, shown_path, snippet_base_paths, snippet_includes
from kb.tools.lint import card_notes, deck_of

CARD_TYPES = ("cloze", "arrow", "card", "occlusion")
# The card-form warnings (kb/cards/form.py), with the heading of their column.
FORM_KINDS = {"card-enumeration": "enumeration", "cloze-long": "long cloze", "front-short": "short front",
              "duplicate-answer": "same answer"}
NO_DECK = "(no deck)"


@dataclass
class PageStats:
    title: str
    src_uri: str
    deck: str | None
    cards: Counter = field(default_factory=Counter)      # type -> number of cards
    links_out: int = 0
    missing_out: int = 0
    links_in: int = 0
    snippets: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (line, spec, what it includes)
    form: Counter = field(default_factory=Counter)       # card-form warning kind -> number
    errata: Counter = field(default_factory=Counter)     # erratum kind -> number (kb/cards/errata.py)


@dataclass
class DeckStats:
    name: str
    pages: int = 0
    cards: Counter = field(default_factory=Counter)


@dataclass
class Stats:
    pages: list[PageStats]
    decks: list[DeckStats]
    card_errors: list[str]


def _is_link(link: Link) -> bool:
    return bool(link.target) and not (link.kind == "tag" and link.target.lower() in CARD_SYNTAX_TAGS)


def section_includes(spec: str, base_paths: list[Path]) -> list[str]:
    """What a section of a Markdown snippet file (``fences.md:x``) itself includes, e.g. ``["m.py:x"]``."""
    name, _, section = spec.partition(":")
    if not name.endswith(".md") or not section:
        return []
    for base in base_paths:
        path = Path(base) / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            match = re.search(rf"\[start:{re.escape(section)}\](.*?)\[end:{re.escape(section)}\]", text, re.DOTALL)
            if match:
                return re.findall(r"^-+8<-+[ \t]+[\"']([^\"'\n]+)[\"'][ \t]*$", match.group(1), re.MULTILINE)
    return []


def collect(docs_dir: Path = DOCS) -> Stats:
    docs_dir = Path(docs_dir)
    files = notes_in(docs_dir)
    # Links to pages with no file count as "not written", whatever mkdocs.yml's missing_pages says.
    graph = build_graph([(uri, path.read_text(encoding="utf-8-sig")) for uri, path in files.items()])
    base_paths = snippet_base_paths()
    pages: dict[str, PageStats] = {}
    corrections, erratum_problems = errata_in(docs_dir, graph)
    errors: list[str] = [str(p) for p in erratum_problems]
    all_cards = []
    for note in graph.notes:
        if note.generated:
            continue
        page = PageStats(note.title, note.src_uri, deck_of(note))
        notes, card_errors = card_notes(note, shown_path(files[note.src_uri]), docs_dir,
                                        of_note(corrections, note.src_uri))
        all_cards += notes
        for card_note in notes:
            page.cards[card_note.type] += len(card_note.cards)
        errors += [str(e) for e in card_errors]
        page.snippets = [(line, spec, section_includes(spec, base_paths)) for line, spec in snippet_includes(note.blocks)]
        page.errata.update(erratum.kind for erratum in of_note(corrections, note.src_uri))
        pages[note.src_uri] = page
    by_source = {shown_path(files[uri]): page for uri, page in pages.items()}
    by_source.update({shown_path(docs_dir / ERRATA_DIR / Path(uri).name): page for uri, page in pages.items()})
    for problem in check_cards(all_cards):
        if problem.source in by_source:
            by_source[problem.source].form[problem.kind] += 1
    for link in graph.links:
        if not _is_link(link) or link.source.src_uri not in pages:
            continue
        target = graph.target_of(link)
        if target is link.source:
            continue
        pages[link.source.src_uri].links_out += 1
        if target is None:
            pages[link.source.src_uri].missing_out += 1
        elif target.src_uri in pages:
            pages[target.src_uri].links_in += 1
    decks: dict[str, DeckStats] = {}
    for page in pages.values():
        deck = decks.setdefault(page.deck or NO_DECK, DeckStats(page.deck or NO_DECK))
        deck.pages += 1
        deck.cards.update(page.cards)
    ordered = sorted(pages.values(), key=lambda p: link_names.normalize(p.title))
    return Stats(ordered, sorted(decks.values(), key=lambda d: (d.name == NO_DECK, d.name)), errors)


# --- printing ---------------------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def table(header: list[str], rows: list[list[str]], numeric_from: int) -> list[str]:
    """A plain-text table; columns from ``numeric_from`` on are right-aligned."""
    widths = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(cell))
            cells.append(pad + cell if i >= numeric_from else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return lines


def render(stats: Stats) -> list[str]:
    card_columns = list(CARD_TYPES)
    lines = [f"Pages ({len(stats.pages)})"]
    rows = []
    for page in stats.pages:
        rows.append([page.title, page.deck or "-", *(str(page.cards[t]) for t in card_columns),
                     str(sum(page.cards.values())), str(page.links_out), str(page.missing_out),
                     str(page.links_in), str(len(page.snippets))])
    lines += table(["page", "deck", *card_columns, "cards", "links out", "not written", "links in", "snippets"],
                   rows, 2)
    lines += ["", f"Decks ({len(stats.decks)})"]
    rows = [[deck.name, str(deck.pages), *(str(deck.cards[t]) for t in card_columns), str(sum(deck.cards.values()))]
            for deck in stats.decks]
    lines += table(["deck", "pages", *card_columns, "cards"], rows, 1)
    included = [(page, item) for page in stats.pages for item in page.snippets]
    lines += ["", f"Snippet sections included ({len(included)})"]
    for page, (line, spec, nested) in included:
        lines.append(f"  {page.src_uri}:{line}  {spec}" + (f" -> {', '.join(nested)}" if nested else ""))
    lines += _by_kind("Card form warnings ({}; python -m kb lint lists each)", stats.pages, "form", FORM_KINDS,
                      "warnings")
    lines += _by_kind("Errata ({}; listed on the 勘误 page)", stats.pages, "errata",
                      {kind: kind for kind in ERRATUM_KINDS}, "errata")
    if stats.card_errors:
        lines += ["", f"{len(stats.card_errors)} card error(s) left those cards out (python -m kb lint lists them):"]
        lines += [f"  {error}" for error in stats.card_errors]
    return lines


def _by_kind(heading: str, pages: list[PageStats], counts: str, kinds: dict[str, str], total_name: str) -> list[str]:
    """A table of the pages with any of ``counts`` (a Counter of PageStats), by kind, and the total."""
    total = Counter()
    rows = []
    for page in pages:
        found = getattr(page, counts)
        total.update(found)
        if found:
            rows.append([page.title, *(str(found[k]) for k in kinds), str(sum(found.values()))])
    lines = ["", heading.format(sum(total.values()))]
    if rows:
        rows.append(["(all pages)", *(str(total[k]) for k in kinds), str(sum(total.values()))])
        lines += table(["page", *kinds.values(), total_name], rows, 1)
    return lines


def run_stats(docs_dir: Path, out=print) -> int:
    for line in render(collect(docs_dir)):
        out(line)
    return 0
