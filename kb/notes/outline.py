"""Parse a Logseq page body into its outline: a tree of blocks.

Pure functions, no MkDocs. The rules follow how the notes are written (the original
note, ``docs/pages/Batch Normalization.md``, is a Logseq export):

* A bullet line (``+``, ``-`` or ``*``, then a space or end of line) starts a
  block. Its indent (tabs count as two spaces, as Logseq writes one tab a level)
  places it: the parent is the nearest earlier block with a smaller indent.
* An unbulleted line at column 0 starts a top-level block, unless it directly
  continues (no blank line between) the content of an unbulleted top-level block.
* Blank lines never end a block's children: nesting follows indentation only.
* A non-bullet line indented at least to a block's content column (its bullet's
  indent plus two) continues that block; a blank line inside a block is kept when
  more content follows.
* ``key:: value`` lines within a block are its properties, not its content
  (e.g. the ``occlusion::`` line right under an image). A property line that
  stands alone (after a blank line) starts a block that holds only properties.
* Fenced code (three backticks or tildes) is content verbatim: no bullets,
  properties or block starts are recognised inside it.
* ``1. `` at the start of a block is literal text; the parser keeps it as written.
* Empty bullets (no content, no properties, no children) are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.notes.code_regions import fence_closed, fence_opened

TAB_WIDTH = 2  # Logseq indents one tab per level; the notes use two spaces a level

RE_BULLET = re.compile(r"^(?P<indent> *)[-+*](?: (?P<text>.*)|)$")
RE_PROPERTY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_.-]*):: ?(?P<value>.*)$")   # logseq.order-list-type:: too


@dataclass
class Block:
    content: str   # the block's own text: all its lines, bullet marker and outline indentation removed, property lines removed
    line: int      # 1-based line number, in the source file, of the block's first line
    properties: dict[str, str] = field(default_factory=dict)  # its `key:: value` lines (e.g. "occlusion", "id", "alias")
    children: list["Block"] = field(default_factory=list)
    # Source line of each property and of each content line, so errors can name their line.
    property_lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    content_lines: list[int] = field(default_factory=list, repr=False, compare=False)


@dataclass
class _Open:
    """A block being read: where its content starts and what it has collected."""

    block: Block
    indent: int            # column of the bullet; 0 for an unbulleted top-level line
    content_column: int    # column where its continuation lines start
    bulleted: bool
    lines: list[str] = field(default_factory=list)
    pending_blanks: list[int] = field(default_factory=list)  # line numbers of blank lines not yet kept
    fence: str | None = None       # the open code fence, if inside one
    last_was_content: bool = True  # False once a property or child follows the content

    def add_line(self, text: str, number: int) -> None:
        if self.lines:  # blank lines before the first line are not content
            self.lines.extend([""] * len(self.pending_blanks))
            self.block.content_lines.extend(self.pending_blanks)
        self.pending_blanks = []
        self.lines.append(text)
        self.block.content_lines.append(number)
        self.last_was_content = True
        if self.fence is None:
            self.fence = fence_opened(text)
        elif fence_closed(text, self.fence):
            self.fence = None

    def finish(self) -> None:
        self.block.content = "\n".join(self.lines).rstrip()
        del self.block.content_lines[self.block.content.count("\n") + 1 if self.block.content else 0:]


def _expand_tabs(line: str) -> str:
    """Leading tabs become two spaces each; the rest of the line is left alone."""
    stripped = line.lstrip("\t")
    return " " * (TAB_WIDTH * (len(line) - len(stripped))) + stripped


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def parse_outline(body: str, first_line: int = 1) -> list[Block]:
    """Return the top-level blocks of a page body (front matter already removed).

    ``first_line`` is the source line number of the body's first line, so each
    block's ``line`` points into the original file.
    """
    roots: list[Block] = []
    stack: list[_Open] = []   # the open blocks, outermost first
    blank_before = True       # a blank line (or the start) precedes the current line

    def close_to(depth: int) -> None:
        while len(stack) > depth:
            stack.pop().finish()

    def open_block(opened: _Open) -> None:
        # The parent is the nearest open block with a smaller indent.
        while stack and stack[-1].indent >= opened.indent:
            stack.pop().finish()
        if stack:
            stack[-1].block.children.append(opened.block)
            stack[-1].last_was_content = False
        else:
            roots.append(opened.block)
        stack.append(opened)

    for offset, raw in enumerate(body.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        number = first_line + offset
        line = _expand_tabs(raw)
        current = stack[-1] if stack else None

        # Inside a code fence everything is content of the block that opened it.
        if current is not None and current.fence is not None:
            current.add_line(line[current.content_column:] if _indent_of(line) >= current.content_column
                             else line.lstrip(" "), number)
            blank_before = False
            continue

        if not line.strip():
            if current is not None:
                current.pending_blanks.append(number)
            blank_before = True
            continue

        indent = _indent_of(line)
        bullet = RE_BULLET.match(line)
        prop = RE_PROPERTY.match(line.strip())

        if bullet:
            text = bullet.group("text") or ""
            opened = _Open(Block(content="", line=number), indent=indent,
                           content_column=indent + 2, bulleted=True)
            open_block(opened)
            if text.strip():
                opened.add_line(text.rstrip(), number)
        elif prop and current is not None and not blank_before:
            # A property of the block whose lines it directly follows.
            target = _owner_of(stack, indent)
            close_to(stack.index(target) + 1)
            target.block.properties[prop.group("key")] = prop.group("value").strip()
            target.block.property_lines[prop.group("key")] = number
            target.last_was_content = False
        elif indent == 0 and not (
            current is not None and not current.bulleted and len(stack) == 1
            and not blank_before and current.last_was_content
        ):
            # An unbulleted column-0 line: a new top-level block.
            close_to(0)
            opened = _Open(Block(content="", line=number), indent=0, content_column=0, bulleted=False)
            open_block(opened)
            if prop:
                opened.block.properties[prop.group("key")] = prop.group("value").strip()
                opened.block.property_lines[prop.group("key")] = number
                opened.last_was_content = False
            else:
                opened.add_line(line, number)
        elif current is None:
            # Indented text before any block: a top-level block of its own.
            opened = _Open(Block(content="", line=number), indent=0, content_column=indent, bulleted=False)
            open_block(opened)
            opened.add_line(line.lstrip(" "), number)
        else:
            target = _owner_of(stack, indent)
            if target is not current:
                close_to(stack.index(target) + 1)
            if prop:
                target.block.properties[prop.group("key")] = prop.group("value").strip()
                target.block.property_lines[prop.group("key")] = number
                target.last_was_content = False
            else:
                target.add_line(line[target.content_column:] if indent >= target.content_column
                                else line.lstrip(" "), number)
        blank_before = False

    close_to(0)
    return _drop_empty(roots)


def _owner_of(stack: list[_Open], indent: int) -> _Open:
    """The innermost open block whose content column the indented line reaches."""
    for opened in reversed(stack):
        if indent >= opened.content_column:
            return opened
    return stack[0]


def _drop_empty(blocks: list[Block]) -> list[Block]:
    kept = []
    for block in blocks:
        block.children = _drop_empty(block.children)
        if block.content.strip() or block.properties or block.children:
            kept.append(block)
    return kept


def walk(blocks: list[Block]):
    """Every block of an outline, depth first, parents before their children."""
    for block in blocks:
        yield block
        yield from walk(block.children)


def page_properties(blocks: list[Block]) -> dict[str, str]:
    """Logseq's page properties: the page's first block, when it is made only of properties.

    The one place this rule is written; a note's ``title::``, ``alias::``, ``tags::``, ``deck::``
    and ``public::`` are read through it (kb/notes/graph.py ``Note.properties``).
    """
    if blocks and not blocks[0].content and blocks[0].properties:
        return blocks[0].properties
    return {}
