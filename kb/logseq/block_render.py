"""Turn outline blocks into the Markdown that Python-Markdown renders (with md_in_html).

Every block goes through ``render_block``: one ``<li>`` with ``data-line`` (its
source line) and, when it has an ``id::``, ``data-block-id`` and an anchor. Its
content stays Markdown (inline Logseq syntax is handled by the inline processors
of kb/logseq/extension.py); only what Markdown would break is rewritten here, before
Markdown runs:

* math becomes stashed arithmatex placeholders (rendered later by kb/site/katex.py);
* ``/assets/..`` images point to ``docs/assets`` relative to the page, and
  Logseq's ``{:height 200, :width 300}`` becomes attributes;
* an image from another host (``![x](https://host/a.png)``, sized or not) becomes a
  labelled link to it (kb/notes/remote_images.py): the site loads nothing from other hosts;
* a leading ``1. `` stays literal text (Logseq has no ordered sub-lists there);
* ``heading:: true`` makes the block a heading;
* ``collapsed:: true`` folds the block's children (kb/logseq/collapsed_blocks.py).

On a note page (``RenderContext.cards`` set) a block that makes flashcards
(kb/cards/extract.py decides, with the logseq-anki-sync semantics) is shown as a card,
still through the page's own Markdown, so links, tags, math and images inside
it render as in any other block:

* ``q :-> a``: the answer folded in ``<details class="card-answer">`` ("答案");
  ``:<-`` folds the question ("问题"), ``:<->`` both;
* ``#card``: its children folded ("答案"); ``#reversed`` folds the block itself;
* ``occlusion::``: the image with its rectangles drawn over it (kb.cards.extract.occlusion_html);
* clozes are hidden by the inline processor of kb/logseq/extension.py.

``docs/assets/cards.js`` and ``cards.css`` give that markup its behaviour. A
block with a card syntax error renders as plain text; the cards hook reports
the error with its ``file:line``.
"""

from __future__ import annotations

import dataclasses
import html
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from kb.cards import errata as errata_layer
from kb.cards import occlusion as occlusion_data
from kb.cards.errata import Erratum
from kb.cards.extract import CardNote, find_arrow, occlusion_html
from kb.cards.extract import RE_IMAGE as RE_CARD_IMAGE
from kb.logseq.collapsed_blocks import folded_children, is_collapsed
from kb.notes import remote_images
from kb.notes.code_regions import fence_closed, fence_opened, map_prose
from kb.notes.dollar_math import find_math
from kb.notes.outline import Block

# Properties that steer the site or Logseq, not text a reader should see.
HIDDEN_PROPERTIES = {
    "id", "collapsed", "heading", "occlusion", "alias", "title", "tags", "public",
    "filters", "icon", "background-color", "template", "template-including-parent",
    "deck", "card-last-interval", "card-repeats", "card-ease-factor", "card-next-schedule",
    "card-last-reviewed", "card-last-score",
}
# The file name may hold spaces (Logseq writes them as they are) or %20; a "title" is not part of it.
RE_IMAGE = re.compile(r'(?P<head>!\[[^\]\n]*\]\()(?P<path>/assets/[^)\n]*?|\.\./assets/[^)\n]*?)'
                      r'(?P<tail>(?:[ \t]+"[^"\n]*")?[ \t]*\))'
                      rf"(?P<size>{remote_images.SIZE_SUFFIX})?")
RE_LOGSEQ_SIZE = re.compile(r":(?P<key>height|width)\s+(?P<value>\d+)")
RE_LEADING_NUMBER = re.compile(r"^(?P<number>\d+)(?P<mark>[.)])(?=\s)")
RE_HEADING = re.compile(r"^#{1,6}\s")
# A line starting with "#tag": Python-Markdown would make it a heading, Logseq a tag.
RE_LEADING_TAG = re.compile(r"^(?=#[^\s#])", re.MULTILINE)
# An image of the notes with Logseq's size after it, e.g. "![a](/assets/x.png){:height 200, :width 300}".
RE_SIZED_IMAGE = re.compile(RE_CARD_IMAGE.pattern + rf"(?P<size>{remote_images.SIZE_SUFFIX})?")
FOLD = '<details class="card-answer" markdown="block">'


@dataclass
class RenderContext:
    src_uri: str                       # the page being rendered, relative to docs/
    stash: Callable[[str], str]        # store raw HTML, get a placeholder back (md.htmlStash)
    math: bool = True                  # false: dollars are literal (front matter mathjax: false)
    # The flashcard notes of the blocks by their source line, as the card builder made them once
    # (kb/cards/page_cards.py); None: no block is shown as a card.
    cards: Mapping[int, list[CardNote]] | None = None
    erratum_cards: Mapping[int, list[CardNote]] | None = None   # the errata's own cards, by line in their file
    root: str = ""                     # from the page being rendered to the site root, e.g. "../../"
    docs_dir: Path | None = None       # where images are looked up; None: every image is taken as there
    errata: dict[int, list[Erratum]] | None = None   # the note's errata by the line of their block (kb/cards/errata.py)
    copied_from: str = ""              # blocks embedded from another file (kb/logseq/embeds.py): its path under docs/


def asset_path(image_path: str) -> str:
    """``/assets/x.png`` or ``../assets/x%20y.png`` -> ``assets/x.png``, ``assets/x y.png`` (relative to docs/)."""
    image_path = unquote(image_path)
    return image_path.lstrip("/") if image_path.startswith("/") else posixpath.normpath(
        posixpath.join("pages", image_path))


def _protect_math(text: str, ctx: RenderContext) -> str:
    if not ctx.math:
        # Arithmatex would still take the dollars: stash them as plain text.
        return map_prose(text, lambda prose: prose.replace("$", ctx.stash("$")))
    out, pos = [], 0
    for item in find_math(text):
        out.append(text[pos:item.start])
        out.append(ctx.stash(item.placeholder()))
        pos = item.end
    out.append(text[pos:])
    return "".join(out)


def _rewrite_images(text: str, ctx: RenderContext) -> str:
    def replace(match: re.Match[str]) -> str:
        if ctx.docs_dir is not None and not (ctx.docs_dir / asset_path(match.group("path"))).is_file():
            # Reported with file:line by kb.logseq.note_checks; a link to it would make MkDocs warn again.
            return ctx.stash(f'<span class="kb-image--missing">图片缺失（missing image）：'
                             f'{html.escape(match.group("path"))}</span>')
        target = posixpath.relpath(asset_path(match.group("path")), posixpath.dirname(ctx.src_uri))
        size = ""
        if match.group("size"):
            attrs = " ".join(f'{m.group("key")}="{m.group("value")}"'
                             for m in RE_LOGSEQ_SIZE.finditer(match.group("size")))
            size = "{: " + attrs + " }" if attrs else ""
        return match.group("head") + target + match.group("tail") + size

    return map_prose(text, lambda prose: remote_images.RE_REMOTE_IMAGE.sub(
        lambda remote: ctx.stash(remote_images.link_html(remote)), RE_IMAGE.sub(replace, prose)))


def _keep_leading_tags(text: str, ctx: RenderContext) -> str:
    # An empty placeholder in front keeps the line from starting with "#".
    return map_prose(text, lambda prose: RE_LEADING_TAG.sub(lambda _: ctx.stash(""), prose))


def _separate_fences(text: str) -> str:
    """Blank lines around fenced code, so a fence right under a text line is a code block (as in Logseq)."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        opened = fence_opened(line) if fence is None else None
        if opened:
            if out and out[-1].strip():
                out.append("")
            fence = opened
            out.append(line)
        elif fence is not None and fence_closed(line, fence):
            out += [line, ""]
            fence = None
        else:
            if fence is None and not line.strip() and out and not out[-1].strip():
                continue  # the blank line after a fence is already there
            out.append(line)
    return "\n".join(out).rstrip("\n")


def heading_level(block: Block, depth: int) -> int | None:
    """``heading:: true`` -> a level by depth (h2 at the top); ``heading:: 3`` -> h3."""
    value = block.properties.get("heading", "").strip().lower()
    if value == "true":
        return min(2 + depth, 6)
    if value.isdigit() and 1 <= int(value) <= 6:
        return int(value)
    return None


def _prepared(text: str, ctx: RenderContext) -> str:
    return _separate_fences(_keep_leading_tags(_rewrite_images(_protect_math(text, ctx), ctx), ctx))


def _block_start(text: str, block: Block, depth: int) -> str:
    level = heading_level(block, depth)
    if level and not RE_HEADING.match(text):
        text = "#" * level + " " + text
    # "1. x" starts an ordered list in Markdown; in Logseq it is the block's text.
    return RE_LEADING_NUMBER.sub(r"\g<number>\\\g<mark>", text, count=1)


def block_markdown(block: Block, ctx: RenderContext, depth: int = 0) -> str:
    """The block's own content as Markdown, safe from what Markdown would misread, shown as a card if it is one."""
    return "\n".join(_content_lines(block, ctx, depth, card_notes(block, ctx))).rstrip("\n")


def visible_properties(block: Block) -> list[tuple[str, str]]:
    # A dotted key (logseq.order-list-type, logseq.table.version, ..) steers Logseq: not shown.
    return [(key, value) for key, value in block.properties.items()
            if key not in HIDDEN_PROPERTIES and "." not in key and value]


def li_attributes(block: Block, corrected: bool = False, copied_from: str = "") -> str:
    """``data-line``; an anchor for a block with an ``id::``, or for a ``corrected`` one (``line-N``).

    A copy of a block of another file (``copied_from``, an embed) claims no line of the page:
    ``data-source`` and ``data-source-line`` say where it was written, as linked references do."""
    attrs = [f'data-source="{html.escape(copied_from)}" data-source-line="{block.line}"' if copied_from
             else f'data-line="{block.line}"']
    block_id = block.properties.get("id", "").strip().lower()
    if block_id:
        attrs.append(f'id="block-{html.escape(block_id)}" data-block-id="{html.escape(block_id)}"')
    elif corrected:
        attrs.append(f'id="line-{block.line}"')
    if is_collapsed(block):
        attrs.append('data-collapsed="true"')
    return " ".join(attrs)


def render_block(block: Block, ctx: RenderContext, depth: int = 0) -> list[str]:
    """One block as an ``<li>``: its content, its visible properties, its children.

    A block with nothing to show (e.g. Logseq page properties, all hidden) renders nothing.
    """
    if not block.content and not block.children and not visible_properties(block):
        return []
    notes = card_notes(block, ctx)
    errata = (ctx.errata or {}).get(block.line, [])
    corrected = " kb-block--corrected" if any(e.kind in ("wrong", "imprecise") for e in errata) else ""
    lines = [f'<li class="kb-block{corrected}" {li_attributes(block, bool(errata), ctx.copied_from)} markdown="block">', ""]
    if block.content:
        lines += _content_lines(block, ctx, depth, notes)
    for key, value in visible_properties(block):
        lines += [f'<div class="kb-property" markdown="span"><span class="kb-property__key">'
                  f'{html.escape(key)}</span> {_protect_math(value, ctx)}</div>', ""]
    boxes = [line for erratum in errata if erratum.kind in errata_layer.SHOWN_ON_PAGE
             for line in erratum_lines(erratum, ctx, depth)]
    card = next((note for note in notes if note.type == "card"), None)
    if not (card and block.children):
        lines += boxes   # under the block's text; a #card's after its answer, its children
    if block.children:
        children = render_outline(block.children, ctx, depth + 1)
        # Cloze 1 (and 3, 4.. for #incremental) asks the children; cloze 2 (#reversed) the block.
        if card and _asked(card) - {2}:
            lines += _folded(children, "答案")
        elif is_collapsed(block):
            lines += folded_children(children, len(block.children))
        else:
            lines += children
        if card:
            lines += boxes
    lines += ["</li>"]
    return lines


def erratum_lines(erratum: Erratum, ctx: RenderContext, depth: int) -> list[str]:
    """The 勘误 box inside the corrected block, its text through the page's Markdown; its cards as cards."""
    def prepared(text: str) -> str:
        return _keep_leading_tags(_protect_math(text, ctx), ctx).replace("\n", " ")

    cards = ""
    if erratum.block.children:
        # The corrected cards, shown as the page shows cards; their lines are the erratum file's.
        outline = render_outline(erratum.block.children,
                                 dataclasses.replace(ctx, errata=None, cards=ctx.erratum_cards), depth + 1)
        outline = [line.replace('<li class="kb-block" data-line=', '<li class="kb-erratum__card" data-erratum-line=')
                   for line in outline]
        cards = "\n".join(['<div class="kb-erratum__cards" markdown="block">', "",
                           '<p class="kb-erratum__label">改正后的卡片：</p>', "", *outline, "</div>"])
    box = errata_layer.box_html(erratum, prepared(erratum.right),
                                prepared(erratum.wrong) if erratum.wrong else "",
                                prepared(errata_layer.linked_sources(erratum.cited)) if erratum.cited else "",
                                markdown=True, cards=cards)
    return [box, ""]


# --- card blocks ------------------------------------------------------------------------


def card_notes(block: Block, ctx: RenderContext) -> list[CardNote]:
    """The flashcard notes of the block, or none (not a note page, no card, or a card syntax error:
    the cards hook reports it with file:line, and the block shows as written)."""
    return list(ctx.cards.get(block.line, [])) if ctx.cards is not None else []


def root_prefix(page_url: str) -> str:
    """The relative path from a page to the site root: ``pages/bn/`` -> ``../../``, ``a/b.html`` -> ``../``."""
    return "../" * page_url.lstrip("/").count("/")


def _asked(note: CardNote) -> set[int]:
    return {card.ordinal for card in note.cards}


def _folded(markdown_lines: list[str], summary: str) -> list[str]:
    """Markdown folded until the reader opens it (``<details>``: keyboard and screen reader work)."""
    return [FOLD, f"<summary>{summary}</summary>", "", *markdown_lines, "", "</details>", ""]


def _content_lines(block: Block, ctx: RenderContext, depth: int, notes: list[CardNote]) -> list[str]:
    text = block.content
    for note in notes:
        if note.type == "occlusion":
            text = _with_occlusion(text, note, ctx)
    text = _prepared(text, ctx)
    kinds = {note.type: note for note in notes}
    arrow = find_arrow(text) if "arrow" in kinds else None
    if arrow is not None:   # (an arrow inside math is no arrow on the page either)
        asked = _asked(kinds["arrow"])
        question = [_block_start(text[:arrow.start()], block, depth), ""]
        answer = [RE_LEADING_NUMBER.sub(r"\g<number>\\\g<mark>", _keep_leading_tags(text[arrow.end():], ctx),
                                        count=1), ""]
        return ((_folded(question, "问题") if 2 in asked else question)
                + (_folded(answer, "答案") if 1 in asked else answer))
    content = [_block_start(text, block, depth), ""]
    if "card" in kinds and 2 in _asked(kinds["card"]):
        return _folded(content, "问题")
    return content


def _with_occlusion(text: str, note: CardNote, ctx: RenderContext) -> str:
    """The block's text with the note's image replaced by the image and its masks (raw HTML)."""
    assert note.occlusion is not None
    key = occlusion_data.asset_key(note.occlusion.image)

    def replace(match: re.Match[str]) -> str:
        if occlusion_data.asset_key(match.group("src")) != key:
            return match.group(0)
        figure = occlusion_html(note, None, "page").replace(
            '<img src="', f'<img src="{html.escape(ctx.root)}', 1)
        if match.group("size"):
            figure = _sized(figure, note.image_size, match.group("size"))
        return f"\n\n{ctx.stash(figure)}\n\n"   # a paragraph of its own: <figure> is a block

    return map_prose(text, lambda prose: RE_SIZED_IMAGE.sub(replace, prose)).strip("\n")


def _sized(figure: str, natural: tuple[int, int], size: str) -> str:
    """Logseq's ``{:width w}`` / ``{:height h}`` as the image's size; the masks scale with it."""
    given = {m.group("key"): int(m.group("value")) for m in RE_LOGSEQ_SIZE.finditer(size)}
    width, height = natural
    if "width" in given:
        width, height = given["width"], round(given["width"] * height / width)
    elif "height" in given:
        width, height = round(given["height"] * width / height), given["height"]
    return re.sub(r'width="\d+" height="\d+"', f'width="{width}" height="{height}"', figure, count=1)


def render_outline(blocks: list[Block], ctx: RenderContext, depth: int = 0) -> list[str]:
    """A list of sibling blocks as ``<ul class="kb-outline">``."""
    lines = ['<ul class="kb-outline" markdown="block">']
    for block in blocks:
        lines += render_block(block, ctx, depth)
    lines += ["</ul>", ""]
    return lines
