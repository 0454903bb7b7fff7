"""Turn outline blocks into the Markdown that Python-Markdown renders (with md_in_html).

Every block goes through ``render_block``: one ``<li>`` with ``data-line`` (its
source line) and, when it has an ``id::``, ``data-block-id`` and an anchor. Its
content stays Markdown (inline Logseq syntax is handled by the inline processors
of kb/logseq.py); only what Markdown would break is rewritten here, before
Markdown runs:

* math becomes stashed arithmatex placeholders (rendered later by kb/katex.py);
* ``/assets/..`` images point to ``docs/assets`` relative to the page, and
  Logseq's ``{:height 200, :width 300}`` becomes attributes;
* a leading ``1. `` stays literal text (Logseq has no ordered sub-lists there);
* ``heading:: true`` makes the block a heading.

The flashcard renderer changes ``render_block`` for blocks that are cards.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from typing import Callable

from kb.code_regions import map_prose
from kb.dollar_math import find_math
from kb.outline import Block

# Properties that steer the site or Logseq, not text a reader should see.
HIDDEN_PROPERTIES = {
    "id", "collapsed", "heading", "occlusion", "alias", "title", "tags", "public",
    "filters", "icon", "background-color", "template", "template-including-parent",
    "deck", "card-last-interval", "card-repeats", "card-ease-factor", "card-next-schedule",
    "card-last-reviewed", "card-last-score",
}
RE_IMAGE = re.compile(r"(?P<head>!\[[^\]\n]*\]\()(?P<path>/assets/[^)\s]+|\.\./assets/[^)\s]+)(?P<tail>\))"
                      r"(?P<size>\{:(?:height|width)[^}\n]*\})?")
RE_LOGSEQ_SIZE = re.compile(r":(?P<key>height|width)\s+(?P<value>\d+)")
RE_LEADING_NUMBER = re.compile(r"^(?P<number>\d+)(?P<mark>[.)])(?=\s)")
RE_HEADING = re.compile(r"^#{1,6}\s")
RE_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")
# A line starting with "#tag": Python-Markdown would make it a heading, Logseq a tag.
RE_LEADING_TAG = re.compile(r"^(?=#[^\s#])", re.MULTILINE)


@dataclass
class RenderContext:
    src_uri: str                       # the page being rendered, relative to docs/
    stash: Callable[[str], str]        # store raw HTML, get a placeholder back (md.htmlStash)
    math: bool = True                  # false: dollars are literal (front matter mathjax: false)


def asset_path(image_path: str) -> str:
    """``/assets/x.png`` or ``../assets/x.png`` -> ``assets/x.png`` (relative to docs/)."""
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
        target = posixpath.relpath(asset_path(match.group("path")), posixpath.dirname(ctx.src_uri))
        size = ""
        if match.group("size"):
            attrs = " ".join(f'{m.group("key")}="{m.group("value")}"'
                             for m in RE_LOGSEQ_SIZE.finditer(match.group("size")))
            size = "{: " + attrs + " }" if attrs else ""
        return match.group("head") + target + match.group("tail") + size

    return map_prose(text, lambda prose: RE_IMAGE.sub(replace, prose))


def _keep_leading_tags(text: str, ctx: RenderContext) -> str:
    # An empty placeholder in front keeps the line from starting with "#".
    return map_prose(text, lambda prose: RE_LEADING_TAG.sub(lambda _: ctx.stash(""), prose))


def _separate_fences(text: str) -> str:
    """Blank lines around fenced code, so a fence right under a text line is a code block (as in Logseq)."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = RE_FENCE.match(line)
        if fence is None and match:
            if out and out[-1].strip():
                out.append("")
            fence = match.group("fence")
            out.append(line)
        elif fence is not None and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
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


def block_markdown(block: Block, ctx: RenderContext, depth: int = 0) -> str:
    """The block's own content as Markdown, safe from what Markdown would misread."""
    text = _separate_fences(_keep_leading_tags(_rewrite_images(_protect_math(block.content, ctx), ctx), ctx))
    level = heading_level(block, depth)
    if level and not RE_HEADING.match(text):
        text = "#" * level + " " + text
    # "1. x" starts an ordered list in Markdown; in Logseq it is the block's text.
    return RE_LEADING_NUMBER.sub(r"\g<number>\\\g<mark>", text, count=1)


def visible_properties(block: Block) -> list[tuple[str, str]]:
    return [(key, value) for key, value in block.properties.items()
            if key not in HIDDEN_PROPERTIES and not key.startswith("logseq.") and value]


def li_attributes(block: Block) -> str:
    attrs = [f'data-line="{block.line}"']
    block_id = block.properties.get("id", "").strip().lower()
    if block_id:
        attrs.append(f'id="block-{html.escape(block_id)}" data-block-id="{html.escape(block_id)}"')
    if block.properties.get("collapsed", "").strip().lower() == "true":
        attrs.append('data-collapsed="true"')
    return " ".join(attrs)


def render_block(block: Block, ctx: RenderContext, depth: int = 0) -> list[str]:
    """One block as an ``<li>``: its content, its visible properties, its children."""
    lines = [f'<li class="kb-block" {li_attributes(block)} markdown="block">', ""]
    if block.content:
        lines += [block_markdown(block, ctx, depth), ""]
    for key, value in visible_properties(block):
        lines += [f'<div class="kb-property" markdown="span"><span class="kb-property__key">'
                  f'{html.escape(key)}</span> {_protect_math(value, ctx)}</div>', ""]
    if block.children:
        lines += render_outline(block.children, ctx, depth + 1)
    lines += ["</li>"]
    return lines


def render_outline(blocks: list[Block], ctx: RenderContext, depth: int = 0) -> list[str]:
    """A list of sibling blocks as ``<ul class="kb-outline">``."""
    lines = ['<ul class="kb-outline" markdown="block">']
    for block in blocks:
        lines += render_block(block, ctx, depth)
    lines += ["</ul>", ""]
    return lines
