"""Errata: corrections of a note, kept beside it so the note stays as its owner wrote it.

Pure functions, no MkDocs. ``docs/errata/<file>.md`` corrects ``docs/pages/<file>.md``
(the same file name). It is written in the notes' outline syntax (kb/notes/outline.py), one
top-level block per erratum::

    - 原始 BN 论文把 BN 放在非线性之前：$z = g(\\mathrm{BN}(Wu))$。
      target:: 实践中 BN 放在 ReLU 后面
      kind:: wrong
      wrong:: 说实践中 BN 放在 ReLU 后面
      source:: Ioffe & Szegedy 2015, arXiv:1502.03167, §3.2
      - 原始 BN 论文中，BN 放在非线性 {{c1 之前}}

* the block's text is what is right (Markdown, math, ``[[links]]``);
* ``target::`` a piece of the corrected block's own text, as written in the note
  (runs of whitespace count as one space); it must match exactly one block;
* ``kind::`` one of :data:`KINDS`: ``wrong`` and ``card`` take the block's cards out of
  the review page and the Anki deck, ``imprecise`` keeps them and shows the erratum on
  their back, ``typo`` is listed on the 勘误 page only;
* ``wrong::`` what is wrong (optional for ``typo`` and ``card``); ``source::`` where the
  right statement comes from (required, except for ``typo``);
* its children are corrected cards, in the notes' card syntax, with ids made as for
  any card of the note (its title and the card's question, or an ``id::``).

Reading (:func:`read_errata`) and matching a target in its note (:func:`resolve`) give
problems with the erratum file's ``file:line``; the build logs them (the strict build
fails) and ``python -m kb lint`` prints them. :func:`apply_to_cards` swaps the cards.
"""

from __future__ import annotations

import dataclasses
import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb.cards import render as card_html
from kb.cards.cloze import CardSyntaxError
from kb.cards.extract import CardNote
from kb.cards.extract import PageInfo, duplicate_ids, extract_notes
from kb.notes import page_names
from kb.notes.graph import Graph
from kb.notes.outline import Block, parse_outline, walk

ERRATA_DIR = "errata"            # under docs/, beside pages/
# The kinds, with the label the reader sees.
KINDS = {"wrong": "有误", "imprecise": "不严谨", "card": "卡片不好记", "typo": "错字"}
# What the box calls the erratum's wrong:: and its text, by kind.
WRONG_LABEL = {"wrong": "错在", "imprecise": "不严谨在", "card": "卡片的问题", "typo": "错字"}
RIGHT_LABEL = {"wrong": "应为", "imprecise": "更准确地说", "card": "说明", "typo": "改为"}
SHOWN_ON_PAGE = ("wrong", "imprecise", "card")     # typo: on the 勘误 page only
REPLACES_CARDS = ("wrong", "card")                 # the target's cards leave review and Anki
BACK_OF_CARD = ("imprecise",)                      # shown on the back of the target's cards
PROPERTIES = {"target", "kind", "wrong", "source", "id", "collapsed"}
ARXIV_ABS = "https://arxiv.org/abs/"
# "arXiv:1502.03167" (a version "v2" kept), not already inside a link.
RE_ARXIV = re.compile(r"(?<![\[/\w])arXiv:\s?(?P<id>\d{4}\.\d{4,5}(?:v\d+)?)(?![\w\]])")


@dataclass(frozen=True, order=True)
class ErratumProblem:
    source: str      # the erratum file, as the build names it (docs/errata/x.md)
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass
class Erratum:
    src_uri: str          # the erratum file under docs/: "errata/Batch Normalization.md"
    source: str           # that file as messages name it: "docs/errata/Batch Normalization.md"
    block: Block          # its block: the text is what is right, the children the corrected cards
    kind: str
    target: str
    wrong: str = ""
    cited: str = ""       # its source:: (where the right statement comes from)
    target_line: int | None = None   # the line of the corrected block in the note, once resolved
    target_id: str = ""              # that block's id:: when it has one
    number: int = 0                  # its place on the 勘误 page, 1-based, once numbered

    @property
    def line(self) -> int:
        return self.block.line

    @property
    def note_uri(self) -> str:
        return note_of(self.src_uri)

    @property
    def note_source(self) -> str:
        """The corrected note as messages name it, beside ``source`` (docs/pages/x.md)."""
        return self.source.removesuffix(self.src_uri) + self.note_uri

    @property
    def right(self) -> str:
        return self.block.content

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def is_errata_file(src_uri: str) -> bool:
    """A Markdown file directly under ``docs/errata/``."""
    return posixpath.dirname(src_uri) == ERRATA_DIR and src_uri.endswith(".md")


def note_of(errata_uri: str) -> str:
    """``errata/X.md`` corrects ``pages/X.md``."""
    return f"{page_names.NOTES_DIR}/{posixpath.basename(errata_uri)}"


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def block_anchor(erratum: Erratum) -> str:
    """The id of the corrected block's element on its page: ``block-<id::>``, else ``line-<N>``."""
    return f"block-{erratum.target_id}" if erratum.target_id else f"line-{erratum.target_line}"


# --- reading ---------------------------------------------------------------------------------


def read_errata(src_uri: str, text: str, source: str = "") -> tuple[list[Erratum], list[ErratumProblem]]:
    """The errata of one file and the problems found in it (an erratum with a problem is left out)."""
    source = source or src_uri
    found: list[Erratum] = []
    problems: list[ErratumProblem] = []
    for block in parse_outline(text.lstrip("\ufeff")):
        props = block.properties
        line_of = lambda key: block.property_lines.get(key, block.line)  # noqa: E731
        bad = []
        for key in sorted(set(props) - PROPERTIES):
            bad.append((line_of(key), f"unknown erratum property '{key}::' "
                                      f"(known: {', '.join(sorted(PROPERTIES - {'id', 'collapsed'}))})"))
        kind = props.get("kind", "").strip()
        if kind not in KINDS:
            bad.append((line_of("kind"), f"erratum kind '{kind}' is not one of {', '.join(KINDS)}"
                        if kind else f"erratum without 'kind::' (one of {', '.join(KINDS)})"))
        if not props.get("target", "").strip():
            bad.append((block.line, "erratum without 'target::': a piece of the corrected block's text"))
        if not block.content.strip():
            bad.append((block.line, "erratum without text: its first line says what is right"))
        if kind != "typo" and not props.get("source", "").strip():
            bad.append((block.line, "erratum without 'source::': an arXiv id with section, figure or "
                                    "equation, or a torch source file or documentation page"))
        if kind == "wrong" and not props.get("wrong", "").strip():
            bad.append((block.line, "erratum of kind 'wrong' without 'wrong::': say what is wrong"))
        problems += [ErratumProblem(source, line, message) for line, message in bad]
        if not bad:
            found.append(Erratum(src_uri, source, block, kind, props["target"].strip(),
                                 props.get("wrong", "").strip(), props.get("source", "").strip()))
    return found, problems


def resolve(errata: list[Erratum], blocks: list[Block]) -> list[ErratumProblem]:
    """Find each erratum's block in its note's outline; a target found zero or several times is a problem."""
    problems = []
    every = list(walk(blocks))
    for erratum in errata:
        wanted = collapse(erratum.target)
        matches = [block for block in every if wanted in collapse(block.content)]
        if len(matches) == 1:
            erratum.target_line = matches[0].line
            erratum.target_id = matches[0].properties.get("id", "").strip().lower()
            continue
        erratum.target_line = None
        if matches:
            lines = ", ".join(str(block.line) for block in matches)
            message = (f"target '{erratum.target}' matches {len(matches)} blocks of {erratum.note_source} "
                       f"(lines {lines}): quote more of the block's text")
        else:
            message = (f"target '{erratum.target}' is no longer in {erratum.note_source}: the note changed; "
                       "quote the block's text as it is now, or remove the erratum")
        problems.append(ErratumProblem(erratum.source, erratum.block.property_lines.get("target", erratum.line),
                                       message))
    return problems


def sources_in(docs_dir: Path) -> list[tuple[str, str]]:
    """``(src_uri, text)`` of every erratum file under ``docs_dir/errata/``."""
    folder = Path(docs_dir) / ERRATA_DIR
    return [(f"{ERRATA_DIR}/{path.name}", path.read_text(encoding="utf-8-sig"))
            for path in sorted(folder.glob("*.md")) if not path.name.startswith(".")]


def collect(sources: list[tuple[str, str]], graph: Graph,
            shown: Callable[[str], str] = lambda src_uri: src_uri) -> tuple[list[Erratum], list[ErratumProblem]]:
    """Every erratum of the files, its target resolved in its note, numbered; and every problem.

    ``shown`` names a file under docs/ as messages do (``errata/x.md`` -> ``docs/errata/x.md``).
    An erratum whose target is not found stays in the list, unresolved (``target_line`` None).
    """
    errata: list[Erratum] = []
    problems: list[ErratumProblem] = []
    for src_uri, text in sorted(sources):
        found, bad = read_errata(src_uri, text, shown(src_uri))
        problems += bad
        note = graph.note_at(note_of(src_uri))
        if note is None or note.generated:
            problems.append(ErratumProblem(shown(src_uri), 1, f"corrects {shown(note_of(src_uri))}, which is not a "
                                           "note of the site (no such file, or public: false)"))
            continue
        problems += resolve(found, note.blocks)
        errata += found
    number(errata)
    return errata, sorted(problems)


def of_note(errata: list[Erratum], note_uri: str) -> list[Erratum]:
    return [e for e in errata if e.note_uri == note_uri]


def number(errata: list[Erratum]) -> None:
    """Number the errata as the 勘误 page lists them: by note, then by place in the note."""
    for index, erratum in enumerate(sorted(errata, key=_page_order), start=1):
        erratum.number = index


def _page_order(erratum: Erratum) -> tuple:
    return (erratum.note_uri, erratum.target_line or 0, erratum.line)


def by_target(errata: list[Erratum]) -> dict[int, list[Erratum]]:
    """The resolved errata of one note, by the line of the block they correct."""
    found: dict[int, list[Erratum]] = {}
    for erratum in errata:
        if erratum.target_line is not None:
            found.setdefault(erratum.target_line, []).append(erratum)
    return found


# --- cards -----------------------------------------------------------------------------------


def erratum_page(erratum: Erratum, page: PageInfo) -> PageInfo:
    """The note's page, as the erratum's own cards see it: its title, deck and URL, the erratum's file."""
    return dataclasses.replace(page, source=erratum.source)


def apply_to_cards(notes: list[CardNote], errata: list[Erratum], page: PageInfo
                   ) -> tuple[list[CardNote], list[CardSyntaxError], dict[int, list[CardNote]]]:
    """The page's cards with its errata applied, the syntax errors of the errata's own cards, and
    those cards by the line of their block in the erratum file (the page shows them in the 勘误 box).

    The cards of a block with an erratum of kind wrong or card leave; an imprecise
    erratum goes on the back of its block's cards; every erratum's children are added
    as cards of the page (after the page's own, in erratum order). Only resolved errata
    (:func:`resolve`) touch the page's cards.
    """
    targets = by_target(errata)
    kept: list[CardNote] = []
    for note in notes:
        found = targets.get(note.line, [])
        if any(e.kind in REPLACES_CARDS for e in found):
            continue
        extra = "".join(card_box(e) for e in found if e.kind in BACK_OF_CARD)
        if extra:
            note = dataclasses.replace(note, back_extra=note.back_extra + extra)
        kept.append(note)
    errors: list[CardSyntaxError] = []
    own: dict[int, list[CardNote]] = {}
    for erratum in errata:
        if erratum.block.children:
            added, problems = extract_notes(erratum.block.children, erratum_page(erratum, page))
            kept += added
            errors += problems
            for note in added:
                own.setdefault(note.line, []).append(note)
    # An erratum's card with the id of a card the page keeps (the page's own duplicates are the page's errors).
    errors += [e for e in duplicate_ids(kept) if e.source != page.source and e not in errors]
    return kept, errors, own


def card_box(erratum: Erratum) -> str:
    """The erratum as note HTML for the back of a card (math as arithmatex placeholders)."""
    def render(text: str) -> str:
        return card_html.render_markdown(text, source=erratum.source, first_line=erratum.line,
                                         clozes=False, inline=True)

    return box_html(erratum, render(erratum.right), render(erratum.wrong) if erratum.wrong else "",
                    render(linked_sources(erratum.cited)) if erratum.cited else "")


# --- the box ---------------------------------------------------------------------------------


def linked_sources(text: str) -> str:
    """``arXiv:1502.03167`` as a Markdown link to its abstract page (a link, nothing is fetched)."""
    return RE_ARXIV.sub(lambda m: f"[arXiv:{m.group('id')}]({ARXIV_ABS}{m.group('id')})", text)


def box_html(erratum: Erratum, right: str, wrong: str, cited: str, *, markdown: bool = False,
             cards: str = "") -> str:
    """The 勘误 box: a labelled note that screen readers announce, what is wrong, what is right, its source.

    ``right``, ``wrong`` and ``cited`` are HTML, or with ``markdown=True`` Markdown that
    the page's own Markdown pass renders (md_in_html); ``cards``: the corrected cards.
    """
    span, block = (' markdown="span"', ' markdown="block"') if markdown else ("", "")
    parts = [f'<div class="kb-erratum kb-erratum--{erratum.kind}" role="note" '
             f'aria-label="勘误（{erratum.label}）" data-erratum="{html.escape(erratum.where)}"{block}>',
             f'<p class="kb-erratum__title"><strong>勘误</strong> · {erratum.label}</p>']
    if wrong:
        parts.append(f'<p class="kb-erratum__wrong"{span}><span class="kb-erratum__label">'
                     f'{WRONG_LABEL[erratum.kind]}：</span>{wrong}</p>')
    parts.append(f'<p class="kb-erratum__right"{span}><span class="kb-erratum__label">'
                 f'{RIGHT_LABEL[erratum.kind]}：</span>{right}</p>')
    if cited:
        parts.append(f'<p class="kb-erratum__source"{span}><span class="kb-erratum__label">来源：</span>{cited}</p>')
    if cards:
        parts.append(cards)
    parts.append("</div>")
    return ("\n\n" if markdown else "").join(parts)
