"""Lint the notes: every problem the strict build would fail on, with ``file:line``, without building.

The checks are the build's own functions, called the way the build calls them, so
lint and ``mkdocs build --strict`` never disagree about a note:

======================  =====================================================  ==========================
what                    function                                               in the build, called from
======================  =====================================================  ==========================
front matter, names,    ``kb.notes.graph.build_graph`` (``Graph.problems``)          kb/site/logseq_hooks.py on_files
block refs, ``[[]]``
links to pages not      ``Graph.missing()``                                    kb/site/logseq_hooks.py on_files
written yet
macros, images, math,   ``kb.logseq.note_checks.check_blocks``, ``check_indentation``  kb/logseq/extension.py preprocessor
links, indentation
formulas (KaTeX)        ``kb.site.katex.KatexRenderer``, each error with its line    kb/site/hooks.py on_page_content
cards (clozes,          ``kb.cards.page_cards.read_page_cards``, ``duplicate_ids``      kb/site/cards_hooks.py
arrows, #card,
occlusion, ids)
snippet includes        ``kb.site.snippet_check.check_includes``                    kb/site/hooks.py on_page_markdown
page URLs               ``Note.dest_uri`` (kb/notes/page_names.py)                    kb/site/logseq_hooks.py on_files
======================  =====================================================  ==========================

Errata (``docs/errata/``, kb/cards/errata.py) are read and matched as kb/site/logseq_hooks.py does
(``kb.cards.errata.collect``): a target found in no block or in several, a missing ``kind::`` or
``source::``, an erratum file for no note are errors at the erratum's line; the errata's
cards replace the cards they correct before the cards are checked.

Those are **errors** (the strict build fails on them, each with one warning naming the
same file and line). Lint prints what the build does not fail on as **warnings** or
**info**. Warnings are cards that are hard to memorise (kb/cards/form.py: an answer that
enumerates, a long cloze, a front too short to be a question, the same answer on two
cards of a deck): the build accepts them, a person decides. Info: a page with no title
of its own (no front matter ``title`` and no ``title::``) is fine (the build names it
after its file, as MkDocs does), but its card ids then change if the file is renamed.
Neither warnings nor info make lint fail.

A page with ``public: false`` is not built, so it is not checked beyond its front
matter (as in the build). Cards are read from notes that name a ``deck`` (front
matter, or a ``deck::`` page property; the default deck of mkdocs.yml for a note that
names none, kb/cards/default_deck.py), as the cards hook does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kb.cards import errata
from kb.cards.cloze import CardSyntaxError
from kb.cards.default_deck import configured_default_deck
from kb.cards.errata import Erratum
from kb.cards.extract import CardNote
from kb.cards.extract import duplicate_ids
from kb.cards.page_cards import page_info, read_page_cards
from kb.cards.form import check_cards
from kb.logseq.note_checks import check_blocks, check_indentation
from kb.notes import links
from kb.notes import page_names
from kb.notes.dollar_math import find_math
from kb.notes.graph import Graph, Note, block_line, build_graph
from kb.notes.graph import deck_of as graph_deck_of
from kb.notes.graph_macros import MacrosFileError, load_macros
from kb.notes.missing_pages import PAGE, missing_pages_mode
from kb.notes.outline import walk
from kb.notes.site_settings import configured_extra
from kb.paths import CACHE, DOCS, MKDOCS_YML
from kb.site import katex, snippet_check
from kb.tools.corpus import errata_in, notes_in, shown_path, snippet_base_paths, src_uri_of


ERROR, WARNING, INFO = "error", "warning", "info"

# The kind of a problem, from the start of the build's message (first match wins).
KINDS = [
    (r"cloze inside code", "cloze-in-code"),
    (r"cloze inside math", "cloze-in-math"),
    (r"'\}\}' inside math in a cloze", "cloze-math-braces"),
    (r"unclosed cloze", "cloze-unclosed"),
    (r"arrow .* needs text on both sides", "card-empty-side"),
    (r"empty #card", "card-empty-side"),
    (r"duplicate card id", "duplicate-card-id"),
    (r"occlusion image .*not found|occlusion image is not a PNG", "occlusion-image"),
    (r"occlusion", "occlusion-data"),
    (r"unknown macro|stray '\{\{'|\{\{[^}]+\}\} needs (?:a link|one)", "macro"),
    (r"image (not found|from another host)", "image"),
    (r"unclosed display math|math: ", "math"),
    (r"unclosed page link|empty page link", "page-link"),
    (r"bullet indented", "indentation"),
    (r"front matter|unknown front matter key|'updated' .* is before 'date'", "front-matter"),
    (r"page name .* is already used", "duplicate-page-name"),
    (r"block id .* is already used", "duplicate-block-id"),
    (r"block reference", "block-ref"),
]


@dataclass(frozen=True, order=True)
class Problem:
    path: str        # as shown to the user
    line: int
    kind: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}[{self.kind}]: {self.message}"


@dataclass
class LintResult:
    problems: list[Problem]
    checked: list[str]        # the notes checked (shown paths)
    private: list[str]        # notes not built (public: false), so only their front matter is checked
    not_notes: list[str]      # given files that are not notes (not under docs/pages/): not checked

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def infos(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == INFO]

    def summary(self) -> str:
        counts = [f"{len(self.errors)} error{'s' * (len(self.errors) != 1)}",
                  f"{len(self.warnings)} warning{'s' * (len(self.warnings) != 1)}"]
        if self.infos:
            counts.append(f"{len(self.infos)} info")
        text = ", ".join(counts) + f" in {len(self.checked)} note{'s' * (len(self.checked) != 1)}"
        if self.private:
            text += f" ({len(self.private)} not public, so not built: only their front matter is checked)"
        return text


def kind_of(message: str) -> str:
    for pattern, kind in KINDS:
        if re.match(pattern, message):
            return kind
    return "note"


# --- which files ----------------------------------------------------------------------------------


def _expand(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.md")
                            if not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return files


# --- the checks ----------------------------------------------------------------------------------


def check_snippets(note: Note, shown: str, base_paths: list[Path]) -> list[tuple[int, str]]:
    """Includes the build cannot expand: kb/site/snippet_check.py, as kb/site/hooks.py calls it."""
    found = []
    for _, problem in snippet_check.check_includes(shown, note.source_text, base_paths):
        line, _, message = problem.removeprefix(f"{shown}:").partition(": ")   # "source:line: message"
        found.append((int(line), message))
    return found


def deck_of(note: Note) -> str | None:
    # What the build uses to tell a page with cards: every note has them, in the default deck if it names none.
    return graph_deck_of(note, configured_default_deck(MKDOCS_YML))


def card_notes(note: Note, shown: str, docs_dir: Path, corrections: list[Erratum] | None = None,
               graph: Graph | None = None, macros: dict[str, str] | None = None
               ) -> tuple[list[CardNote], list[CardSyntaxError]]:
    """The note's cards as the build reads them (kb/cards/page_cards.py), its errata (``corrections``,
    resolved) applied; ``graph`` and its ``macros``: block text rewritten as on its page."""
    deck = deck_of(note)
    if deck is None:
        return [], []
    cards = read_page_cards(note, page_info(note, deck, shown, docs_dir, graph, macros), corrections)
    return cards.deck, cards.errors


def read_errata(docs_dir: Path, graph: Graph) -> tuple[list[Erratum], list[Problem]]:
    """The errata under ``docs_dir/errata/``, resolved in their notes, and their problems (errors)."""
    found, problems = errata_in(docs_dir, graph)
    return found, [Problem(p.source, p.line, "erratum", p.message) for p in problems]


def formula_problems(note: Note, shown: str, renderer) -> list[Problem]:
    """Formulas KaTeX cannot render (the build warns "<page>: math: <KaTeX's message>", kb/site/hooks.py),
    each with its line."""
    if not note.math:
        return []
    problems = []
    for block in walk(note.blocks):
        for item in find_math(block.content):
            try:
                renderer.render(item.tex.strip(), item.display)
            except katex.KatexError as err:
                problems.append(Problem(shown, block_line(block, item.start), "math", f"math: {err}"))
    return problems


def _missing_links(graph: Graph, shown: dict[str, str]) -> list[Problem]:
    """Links to pages not written yet; the build warns about each (kb/site/logseq_hooks.py on_files)."""
    problems = []
    for name, places in graph.unwritten().items():
        for place in places:
            uri, _, line = place.rpartition(":")
            if uri in shown:
                problems.append(Problem(shown[uri], int(line), "missing-page",
                                        f"[[{name}]] links to a page that is not written yet"))
    return problems


def _url_clashes(graph: Graph, shown: dict[str, str], all_shown: dict[str, str]) -> list[Problem]:
    taken: dict[str, Note] = {}
    problems = []
    for note in graph.notes:
        if note.generated:
            continue
        first = taken.setdefault(note.dest_uri, note)
        if first is not note and note.src_uri in shown:
            problems.append(Problem(shown[note.src_uri], note.front.key_lines.get("title", 1), "url-taken",
                                    f"its URL {note.dest_uri} is already taken by {all_shown.get(first.src_uri, first.src_uri)}"))
    # A page the build makes (a tag's) whose URL a note has: the build warns about it (kb/site/logseq_hooks.py);
    # here each use of the tag in a checked note is named, since the page has no file of its own.
    for note in graph.notes:
        owner = taken.get(note.dest_uri)
        if not note.generated or owner is None:
            continue
        for link in graph.links:
            if link.source.src_uri in shown and links.normalize(link.target) == links.normalize(note.title):
                problems.append(Problem(shown[link.source.src_uri], link.line, "url-taken",
                                        f"the page made for '{note.title}' would have the URL {note.dest_uri}, "
                                        f"already taken by {all_shown.get(owner.src_uri, owner.src_uri)}: "
                                        "rename the tag or the page"))
    return problems


def lint(paths: list[Path] | None = None, docs_dir: Path = DOCS) -> LintResult:
    """Check the notes under ``docs_dir/pages`` (or the given files among them)."""
    docs_dir = Path(docs_dir)
    files = notes_in(docs_dir)                             # src_uri -> path
    shown = {uri: shown_path(path) for uri, path in files.items()}
    not_notes: list[str] = []
    if paths:
        targets = []
        for path in _expand(list(paths)):
            uri = src_uri_of(path, docs_dir)
            if errata.is_errata_file(uri) and errata.note_of(uri) in files:
                targets.append(errata.note_of(uri))   # an erratum file: its note is checked with it
                continue
            if not page_names.is_note(uri):
                not_notes.append(shown_path(path))
                continue
            files[uri], shown[uri] = path, shown_path(path)
            targets.append(uri)
    else:
        targets = list(files)
    texts = {uri: path.read_text(encoding="utf-8-sig") for uri, path in files.items()}
    # As the build makes them: a page for each name linked but not written, when mkdocs.yml says so.
    make_missing = missing_pages_mode(configured_extra(MKDOCS_YML)) == PAGE
    graph = build_graph(list(texts.items()), missing_pages=make_missing)
    linted = set(targets)
    problems: list[Problem] = []

    shown_of = lambda uri: shown.get(uri, uri)  # noqa: E731
    for problem in graph.problems:
        # A clash with a linted page (a shared id::, a taken name) is reported where the build reports it.
        if problem.src_uri in linted or problem.also in linted:
            problems.append(Problem(shown_of(problem.src_uri), problem.line, kind_of(problem.message),
                                    problem.detail(shown_of)))
    problems += _url_clashes(graph, {uri: shown[uri] for uri in linted}, shown)
    problems += _missing_links(graph, {uri: shown[uri] for uri in linted})

    corrections, erratum_problems = read_errata(docs_dir, graph)
    linted_errata = {shown_path(docs_dir / errata.ERRATA_DIR / Path(uri).name) for uri in linted}
    # Every erratum problem when every note is checked (an erratum file may name no note at all).
    problems += [p for p in erratum_problems if not paths or p.path in linted_errata]

    base_paths = snippet_base_paths()
    custom_macros = load_macros(docs_dir)     # the build reads them too (kb/site/logseq_hooks.py)
    renderer = katex.KatexRenderer(cache_file=CACHE / "katex" / "lint.json")
    all_cards: list[CardNote] = []
    private = []
    for uri in sorted(files):
        note = graph.note_at(uri)
        if note is None:                                   # public: false: not built
            if uri in linted:
                private.append(shown[uri])
            continue
        notes, errors = card_notes(note, shown[uri], docs_dir, errata.of_note(corrections, uri), graph, custom_macros)
        all_cards += notes
        if uri not in linted:
            continue
        body, first = note.front.body, note.front.body_first_line
        blocks = check_blocks(note.blocks, docs_dir, note.math, cards=deck_of(note) is not None,
                              graph_macros=custom_macros)
        for item in check_indentation(body, first) + blocks:
            problems.append(Problem(shown[uri], item.line, kind_of(item.message), item.message))
        problems += formula_problems(note, shown[uri], renderer)
        for line, message in check_snippets(note, shown[uri], base_paths):
            problems.append(Problem(shown[uri], line, "snippet", message))
        for error in errors:
            problems.append(Problem(error.source, error.line, kind_of(error.detail), error.detail))
        if note.explicit_title is None:
            problems.append(Problem(shown[uri], 1, "no-title",
                                    f"no title of its own (front matter 'title:' or a 'title::' page property): "
                                    f"it is called '{note.title}' after its file name, and its card ids "
                                    "change if the file is renamed", INFO))

    renderer.close()    # saves the formulas rendered, so the next lint renders only new ones

    # Ids shared across pages (the cards hook checks all pages together after the build).
    linted_shown = {shown[uri] for uri in linted} | linted_errata
    by_id: dict[str, list[CardNote]] = {}
    for card in all_cards:
        by_id.setdefault(card.id, []).append(card)
    for error in duplicate_ids(all_cards, across_pages=True):
        clashing = next((group for group in by_id.values() if len(group) > 1
                         and any(c.page.source == error.source and c.line == error.line for c in group)), [])
        if error.source in linted_shown or any(c.page.source in linted_shown for c in clashing):
            problems.append(Problem(error.source, error.line, kind_of(error.detail), error.detail))

    # The form of the cards (kb/cards/form.py): warnings, the build does not check them.
    for form in check_cards(all_cards):
        if form.source in linted_shown:
            problems.append(Problem(form.source, form.line, form.kind, form.message, WARNING))

    checked = sorted(shown[uri] for uri in linted)
    return LintResult(sorted(set(problems)), checked, sorted(private), sorted(not_notes))


def run_lint(paths: list[Path] | None, docs_dir: Path, out=print) -> int:
    """The ``lint`` command: print the problems and a summary; 1 when there are errors."""
    try:
        result = lint(paths, docs_dir)
    except (FileNotFoundError, UnicodeDecodeError, MacrosFileError, ValueError) as err:
        out(f"error: {err}")
        return 2
    for problem in result.problems:
        out(str(problem))
    for path in result.not_notes:
        out(f"{path}: not checked: not a note (notes are the .md files under {shown_path(docs_dir)}/pages/)")
    out(result.summary())
    return 1 if result.errors else 0

