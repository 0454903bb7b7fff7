"""Flashcards of a page: the notes (blocks that make cards) and their cards.

Pure functions, no MkDocs. Input: a page's outline (``kb.notes.outline.parse_outline``)
and what the front matter says (title, deck, tags, source path). Output:
:class:`CardNote` records, one per block and kind, each with its :class:`Card` list.
The syntax means what it means in the logseq-anki-sync plugin:

* clozes ``{{c1 x}}``..``{{c9 x}}``, ``{{cloze x}}`` (``kb.cards.cloze``): one note per
  block, one card per distinct number;
* ``q :-> a`` (the answer is cloze 1), ``q :<- a`` (the question is cloze 2),
  ``q :<-> a`` (both);
* a ``#card`` block: the block is the question, its children together the
  answer (cloze 1); ``#incremental`` makes each child its own card (1, 3, 4, ..,
  skipping 2 as the plugin does); ``#reversed`` asks the block from its children
  (cloze 2), ``#reversed`` with ``#forward`` or ``#bidirectional`` asks both ways;
* ``occlusion::`` (``kb.cards.occlusion``): rectangles over the block's image, one card
  per ``cId``.

Ids are stable: a note's id is its block's ``id::`` property when there is one,
else a hash of the page title, the note's kind and its normalised question (the
breadcrumb of its parent blocks and its own text with cloze answers left out).
Editing an answer keeps the id, so the review history stays with the card; a
card's id is its note id plus ``-c`` and its number.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kb.cards import occlusion as occlusion_data
from kb.cards import render as card_html
from kb.cards.cloze import CardSyntaxError, find_clozes
from kb.notes import page_names
from kb.notes.code_regions import code_regions
from kb.notes.outline import Block
from kb.notes.tasks import RE_PRIORITY

RE_ARROW = re.compile(r"\s*(?P<arrow>:<->|:->|:<-)\s*")
# A parent block that only names a list of cards ("卡片") says nothing about them:
# a card's context is its nearest parent block that is not one of these.
CARD_LIST_HEADINGS = {"卡片", "闪卡", "card", "cards", "flashcard", "flashcards"}
RE_IMAGE = re.compile(r"!\[[^\]\n]*\]\((?P<src>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
CARD_TAGS = {"card", "flashcard"}


@dataclass(frozen=True)
class PageInfo:
    title: str
    deck: str                 # as written in the front matter, e.g. "being/Normalization"
    source: str               # the page's path for messages, e.g. "docs/notes/bn.md"
    tags: tuple[str, ...] = ()
    url: str = ""             # the page's URL relative to the site root, e.g. "notes/bn/"
    src_uri: str = ""         # the page's path inside docs/, to resolve relative image links
    docs_dir: Path | None = None
    # A Logseq note's rewriting of block text, as its page does it (kb/cards/text.py); None: as written.
    rewrite: card_html.TextRewrite | None = field(default=None, compare=False)
    math: bool = True         # false: the page turns math off (front matter mathjax: false), dollars are text


@dataclass
class Card:
    id: str
    note_id: str
    ordinal: int
    front: str    # HTML with arithmatex placeholders (math rendered later, by KaTeX)
    back: str


@dataclass
class CardNote:
    id: str
    type: str                  # "cloze", "arrow", "card" or "occlusion"
    page: PageInfo
    line: int
    html: str                  # note HTML (kb.cards.render); for occlusion, the header text
    context: list[str]         # the nearest meaningful parent block's first line, as inline HTML (or none)
    tags: list[str]
    cards: list[Card] = field(default_factory=list)
    media: list[Path] = field(default_factory=list)         # files Anki needs
    occlusion: occlusion_data.Occlusion | None = None
    image: str = ""            # occlusion image, site path (e.g. "assets/x.png")
    image_size: tuple[int, int] = (0, 0)
    explicit_id: bool = False  # the id is the block's own id:: (else a hash of the question)
    back_extra: str = ""       # note HTML shown under every answer: an imprecise erratum (kb/cards/errata.py)

    @property
    def where(self) -> str:
        return f"{self.page.source}:{self.line}"


# --- ids ---------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def note_id(page: PageInfo, kind: str, question: str, block: Block) -> str:
    """The block's ``id::`` when present, else a hash of page, kind and normalised question."""
    explicit = block.properties.get("id", "").strip()
    if explicit:
        return explicit
    digest = hashlib.sha256("\x1f".join([page.title, kind, _normalise(question)]).encode("utf-8"))
    return digest.hexdigest()[:16]


def _question_text(text: str, source: str, line: int) -> str:
    """The block's text with each cloze's answer left out: what stays when an answer is edited."""
    out, pos = [], 0
    for item in find_clozes(text, source, line):
        out.append(text[pos:item.start])
        out.append(f"{{{{c{item.ordinal}}}}}")
        pos = item.end
    out.append(text[pos:])
    return "".join(out)


# --- reading a page ------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Text without Markdown emphasis or heading marks, for comparing a block with a name."""
    return re.sub(r"^#+\s*|[*_`]", "", text).strip()


def _first_line(block: Block) -> str:
    return block.content.split("\n", 1)[0]


def _image_site_path(page: PageInfo, src: str) -> str:
    """A note's image link as a path inside the site (MkDocs copies docs/ files as they are)."""
    if src.startswith("/"):
        return src.lstrip("/")
    base = PurePosixPath(page.src_uri).parent
    parts: list[str] = []
    for part in (base / src).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _image_file(page: PageInfo, site_path: str) -> Path | None:
    if page.docs_dir is None:
        return None
    path = page.docs_dir / site_path
    return path if path.is_file() else None


def _block_tags(text: str) -> list[str]:
    # A task's priority "[#A]" is no tag (kb/notes/tasks.py).
    return [t for t in card_html.tags_of(RE_PRIORITY.sub("", text)) if t.lower() not in card_html.CARD_SYNTAX_TAGS]


def _render(page: PageInfo, text: str, line: int, **options) -> str:
    """``card_html.render_markdown`` of a block's text on ``page``: its images, its rewriting."""
    return card_html.render_markdown(text, source=page.source, first_line=line,
                                     images=lambda src: _image_site_path(page, src), rewrite=page.rewrite,
                                     math=page.math, **options)


def _child_html(child: Block, page: PageInfo) -> str:
    """One child of a ``#card`` block with its own children (their clozes shown as plain text)."""
    body = _render(page, child.content, child.line, clozes=False, inline=True)
    return body + (_children_html(child.children, page) if child.children else "")


def _children_html(children: list[Block], page: PageInfo) -> str:
    items = "".join(f"<li>{_child_html(child, page)}</li>" for child in children)
    return f'<ul class="card-children">{items}</ul>'


def _cloze_cards(note: CardNote, note_html: str) -> None:
    for ordinal in card_html.ordinals(note_html):
        note.cards.append(Card(f"{note.id}-c{ordinal}", note.id, ordinal,
                               card_html.card_side(note_html, ordinal, "front"),
                               card_html.card_side(note_html, ordinal, "back")))


def find_arrow(text: str) -> re.Match[str] | None:
    """The first ``:->``, ``:<-`` or ``:<->`` outside code, with the spaces around it."""
    code = code_regions(text)
    for match in RE_ARROW.finditer(text):
        if not any(match.start("arrow") in r for r in code):
            return match
    return None


def notes_of_block(block: Block, context: list[str], page: PageInfo,
                    context_text: list[str]) -> list[CardNote]:
    """The notes one block makes (none if it makes no card); raises :class:`CardSyntaxError`."""
    text = block.content
    source, line = page.source, block.line
    tags = list(page.tags) + _block_tags(text)
    names = {t.lower() for t in card_html.tags_of(text)}
    images = lambda src: _image_site_path(page, src)  # noqa: E731 - a one-line resolver
    notes: list[CardNote] = []

    def new_note(kind: str, question: str, note_html: str) -> CardNote:
        nid = note_id(page, kind, "\n".join(context_text + [question]), block)
        return CardNote(nid, kind, page, line, note_html, context, tags,
                    explicit_id=bool(block.properties.get("id", "").strip()))

    # Image occlusion.
    if "occlusion" in block.properties:
        prop_line = block.property_lines.get("occlusion", line)
        try:
            decoded = occlusion_data.decode(block.properties["occlusion"])
        except occlusion_data.OcclusionError as err:
            raise CardSyntaxError(source, prop_line, str(err)) from None
        links = {occlusion_data.asset_key(m.group("src")): m.group("src") for m in RE_IMAGE.finditer(text)}
        for item in decoded:
            src = links.get(occlusion_data.asset_key(item.image))
            if src is None:
                raise CardSyntaxError(source, prop_line, f"occlusion:: is for image {item.image!r}, "
                                      f"which the block does not show (it shows: {sorted(links.values())})")
            site_path = images(src)
            file = _image_file(page, site_path)
            if file is None:
                raise CardSyntaxError(source, line, f"occlusion image {src!r} not found in docs/ ({site_path})")
            try:
                size = occlusion_data.png_size(file.read_bytes()[:32])
            except occlusion_data.OcclusionError as err:
                raise CardSyntaxError(source, line, f"{err}: {site_path}") from None
            header = _render(page, RE_IMAGE.sub("", text), line, clozes=False, inline=True)
            note = new_note("occlusion", f"{item.image}", header)
            note.occlusion, note.image, note.image_size, note.media = item, site_path, size, [file]
            for cid in item.cids:
                note.cards.append(Card(f"{note.id}-c{cid}", note.id, cid,
                                       occlusion_html(note, cid, "front"), occlusion_html(note, cid, "back")))
            notes.append(note)

    # Clozes: one note for the block.
    clozes = find_clozes(text, source, line)
    if clozes:
        note_html = _render(page, text, line)
        note = new_note("cloze", _question_text(text, source, line), note_html)
        _cloze_cards(note, note_html)
        notes.append(note)

    # Arrows.
    arrow = find_arrow(text)
    if arrow is not None:
        question, answer = text[:arrow.start()].strip(), text[arrow.end():].strip()
        if not question or not answer:
            raise CardSyntaxError(source, line, f"arrow {arrow.group('arrow')!r} needs text on both sides")
        kind = arrow.group("arrow")
        q_html = _render(page, question, line, clozes=False, inline=True)
        a_html = _render(page, answer, line, clozes=False, inline=True)
        sides = {1: a_html, 2: q_html}   # cloze 1 hides the answer, cloze 2 the question
        if kind in (":<-", ":<->"):
            q_html = card_html.wrap_cloze(2, q_html)
        if kind in (":->", ":<->"):
            a_html = card_html.wrap_cloze(1, a_html)
        # Question above answer, no arrow: the front shows only the side it asks from.
        note_html = (f'<div class="card-question">{q_html}</div>'
                     f'<div class="card-arrow-answer">{a_html}</div>')
        # The question is what the card asks; for ":<-" the answer side is what stays.
        note = new_note("arrow", question if kind != ":<-" else answer, note_html)
        _cloze_cards(note, note_html)
        for card in note.cards:
            shown = sides[2 if card.ordinal == 1 else 1]
            card.front = f'<div class="card-question">{shown}</div>'
        notes.append(note)

    # "#card" blocks.
    if names & CARD_TAGS:
        explicit = bool(names & {"reversed", "forward", "bidirectional"})
        if not block.children:
            if notes and not explicit:
                return notes  # a "{{cloze x}} #card" block (Logseq's own syntax): the clozes are the card
            raise CardSyntaxError(source, line, "empty #card: its children are the answer, and it has none")
        # The plugin's directions: "->" by default, "<-" for #reversed, both for
        # #bidirectional or #reversed with #forward.
        if "bidirectional" in names or {"reversed", "forward"} <= names:
            forward = reverse = True
        else:
            forward, reverse = "reversed" not in names, "reversed" in names
        front = _render(page, text, line, clozes=False, inline=True)
        if reverse:
            front = card_html.wrap_cloze(2, front)
        if forward and "incremental" in names:
            items, ordinal = [], 1
            for child in block.children:
                items.append(f"<li>{card_html.wrap_cloze(ordinal, _child_html(child, page))}</li>")
                ordinal = ordinal + 1 if ordinal != 1 else 3  # 2 is the reversed card's number
            answer = f'<ul class="card-children">{"".join(items)}</ul>'
        else:
            answer = _children_html(block.children, page)
            if forward:
                answer = card_html.wrap_cloze(1, answer)
        note = new_note("card", _question_text(text, source, line),
                        f'<div class="card-question">{front}</div>{answer}')
        _cloze_cards(note, note.html)
        notes.append(note)
    return notes


def extract_notes(blocks: list[Block], page: PageInfo) -> tuple[list[CardNote], list[CardSyntaxError]]:
    """Every note of a page's outline, in page order, and every syntax error found.

    A block with an error makes no note; the other blocks still do, so one build
    reports all the errors of a page.
    """
    notes: list[CardNote] = []
    errors: list[CardSyntaxError] = []

    def visit(block_list: list[Block], context: list[str], context_text: list[str]) -> None:
        for block in block_list:
            try:
                notes.extend(notes_of_block(block, context, page, context_text))
            except CardSyntaxError as err:
                errors.append(err)
            first = _first_line(block)
            shown = RE_IMAGE.sub("", first).strip()   # an image makes a poor breadcrumb
            try:
                crumb = card_html.render_markdown(shown, source=page.source, first_line=block.line,
                                                  clozes=False, inline=True, rewrite=page.rewrite,
                                                  math=page.math) if shown else ""
            except CardSyntaxError:
                crumb = html.escape(first)
            # The id hashes the parents' text without cloze answers, so editing an
            # answer up the tree keeps the ids (and review history) of the cards below.
            try:
                first_question = _question_text(first, page.source, block.line)
            except CardSyntaxError:
                first_question = first   # reported with file:line where the block is read
            meaningful = crumb and _plain(shown).lower() not in CARD_LIST_HEADINGS
            visit(block.children, [crumb] if meaningful else context, context_text + [first_question])

    visit(blocks, [], [])
    errors.extend(duplicate_ids(notes))
    return notes, errors


def duplicate_ids(notes: list[CardNote], across_pages: bool = False) -> list[CardSyntaxError]:
    """An error for every note whose id an earlier note already has.

    ``across_pages``: only where the earlier note is on another page. An ``id::`` two
    blocks of notes share is left out: the link graph reports it as a duplicate block id
    (kb.notes.graph), at the ``id::`` line, and one mistake gets one error.
    """
    seen: dict[str, CardNote] = {}
    errors = []
    for note in notes:
        first = seen.setdefault(note.id, note)
        if first is note or (across_pages and first.page.src_uri == note.page.src_uri):
            continue
        if note.explicit_id and first.explicit_id and first.where != note.where and \
                page_names.is_note(note.page.src_uri) and page_names.is_note(first.page.src_uri):
            continue
        errors.append(CardSyntaxError(
            note.page.source, note.line,
            f"duplicate card id {note.id!r} (also {first.where}): give one of the blocks its own "
            "'id::' property or make the questions differ"))
    return errors


# --- occlusion HTML -------------------------------------------------------------------------


def occlusion_html(note: CardNote, cid: int | None, side: str = "page") -> str:
    """The image with its rectangles.

    ``side="page"``: every rectangle covered, each revealed by a click;
    ``"front"``: card ``cid`` asked (the others covered too with hideAllTestOne);
    ``"back"``: card ``cid`` answered (its rectangle outlined, the image visible under it).
    """
    assert note.occlusion is not None
    width, height = note.image_size
    masks = []
    for rect in note.occlusion.rects:
        left, top, w, h = rect.fractions(note.image_size)
        style = f"left:{left * 100:.3f}%;top:{top * 100:.3f}%;width:{w * 100:.3f}%;height:{h * 100:.3f}%"
        if side == "page":
            cls, extra = "occlusion-mask", (f' tabindex="0" role="button" aria-expanded="false" '
                                            f'aria-label="遮挡 {rect.cid}" title="点击显示"')
        elif rect.cid == cid:
            cls, extra = ("occlusion-mask is-asked" if side == "front" else "occlusion-mask is-answer"), ""
        elif note.occlusion.hide_all_test_one:
            cls, extra = "occlusion-mask", ""
        else:
            continue
        masks.append(f'<span class="{cls}" data-cid="{rect.cid}" style="{style}"{extra}></span>')
    header = f'<div class="occlusion-header">{note.html}</div>' if note.html and side != "page" else ""
    return (f'{header}<figure class="occlusion" data-hide-all="{str(note.occlusion.hide_all_test_one).lower()}">'
            f'<span class="occlusion-frame"><img src="{html.escape(note.image)}" alt="" '
            f'width="{width}" height="{height}">{"".join(masks)}</span></figure>')
