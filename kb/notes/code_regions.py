"""Split Markdown text into code and prose, so Logseq syntax is only looked for in prose.

The one reader of code for note pages and flashcards alike (kb/cards/extract.py,
kb/cards/cloze.py and kb/cards/render.py use it as the page does). What is code:

* a fenced code block: a line starting with three or more backticks or tildes, up to a
  line of the same character at least as long, with nothing else on it (CommonMark); an
  unclosed fence runs to the end of the text, as in CommonMark. The rewrites that work
  line by line before Markdown (kb/notes/outline.py, kb/logseq/directives.py,
  kb/logseq/tables.py, kb/logseq/block_render.py) read fences with :func:`fence_opened`
  and :func:`fence_closed`, so they agree with this reader;
* Logseq's verbatim blocks ``#+BEGIN_SRC`` .. ``#+END_SRC``, ``#+BEGIN_EXAMPLE`` ..
  ``#+END_EXAMPLE`` and ``#+BEGIN_QUERY`` .. ``#+END_QUERY``, when closed (mldoc reads
  them as code; kb/logseq/directives.py renders them);
* a code span: a run of backticks closed by the next run of exactly as many (CommonMark),
  looked for only between those blocks, so a span never runs across a fence; an unmatched
  run of backticks is literal text.

Inside code, ``$x$``, ``[[x]]``, ``#x`` and ``{{x}}`` are literal text, as in Logseq and in
Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator

RE_FENCE_LINE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
RE_BACKTICKS = re.compile(r"`+")
RE_VERBATIM_BEGIN = re.compile(r"^[ \t]*#\+BEGIN_(?P<name>SRC|EXAMPLE|QUERY)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Region:
    """A stretch of code in a text: ``start`` .. ``end`` (exclusive) offsets."""

    start: int
    end: int

    def __contains__(self, pos: int) -> bool:
        return self.start <= pos < self.end


def fence_opened(line: str) -> str | None:
    """The fence (three or more backticks or tildes) that ``line`` opens a code block with, or None."""
    match = RE_FENCE_LINE.match(line)
    return match.group("fence") if match else None


def fence_closed(line: str, fence: str) -> bool:
    """Whether ``line`` closes the code block opened by ``fence``: the same character, at least
    as many of it, and nothing else on the line (CommonMark)."""
    closing = line.strip()
    return closing.startswith(fence) and not closing.strip(fence[0])


def _verbatim_end(lines: list[str], start: int, name: str) -> int | None:
    """The index of the line closing a ``#+BEGIN_name`` at ``start``, or None when it is not closed."""
    end = re.compile(rf"^[ \t]*#\+END_{name}[ \t]*$", re.IGNORECASE)
    return next((i for i in range(start + 1, len(lines)) if end.match(lines[i].rstrip("\r\n"))), None)


def segments(text: str) -> Iterator[tuple[bool, int, str]]:
    """Yield ``(is_code, offset, segment)`` pieces that together make up ``text``."""
    pos = 0
    prose_start = 0
    fence: str | None = None
    lines = text.splitlines(keepends=True)
    offset = 0
    verbatim_until: int | None = None      # index of the line closing a #+BEGIN_SRC / EXAMPLE block
    for index, line in enumerate(lines):
        opened = fence_opened(line)
        if verbatim_until is not None:
            if index == verbatim_until:
                yield True, pos, text[pos:offset + len(line)]
                verbatim_until = None
                prose_start = offset + len(line)
            offset += len(line)
            continue
        verbatim = RE_VERBATIM_BEGIN.match(line) if fence is None else None
        end = _verbatim_end(lines, index, verbatim.group("name")) if verbatim else None
        if end is not None:
            if offset > prose_start:
                yield from _inline_segments(text[prose_start:offset], prose_start)
            verbatim_until, pos = end, offset
        elif fence is None and opened:
            if offset > prose_start:
                yield from _inline_segments(text[prose_start:offset], prose_start)
            fence = opened
            pos = offset
        elif fence is not None and fence_closed(line, fence):
            yield True, pos, text[pos:offset + len(line)]
            fence = None
            prose_start = offset + len(line)
        offset += len(line)
    if fence is not None:  # an unclosed fence runs to the end, as in CommonMark
        yield True, pos, text[pos:]
    elif prose_start < len(text):
        yield from _inline_segments(text[prose_start:], prose_start)


def _inline_segments(text: str, base: int) -> Iterator[tuple[bool, int, str]]:
    pos = 0
    search_from = 0
    while True:
        opening = RE_BACKTICKS.search(text, search_from)
        if opening is None:
            break
        run = opening.group(0)
        closing = re.compile(r"(?<!`)" + run + r"(?!`)").search(text, opening.end())
        if closing is None:
            # An unmatched run of backticks is literal; look past it.
            search_from = opening.end()
            continue
        if opening.start() > pos:
            yield False, base + pos, text[pos:opening.start()]
        yield True, base + opening.start(), text[opening.start():closing.end()]
        pos = search_from = closing.end()
    if pos < len(text):
        yield False, base + pos, text[pos:]


def code_regions(text: str) -> list[Region]:
    """Where the code of ``text`` is, in order."""
    return [Region(offset, offset + len(segment)) for is_code, offset, segment in segments(text) if is_code]


def map_prose(text: str, transform: Callable[[str], str]) -> str:
    """Apply ``transform`` to the prose of ``text``, leaving code untouched."""
    return "".join(seg if is_code else transform(seg) for is_code, _, seg in segments(text))


def mask_code(text: str, fill: str = " ") -> str:
    """``text`` with every code character replaced by ``fill`` (newlines kept), offsets unchanged."""
    return "".join(
        re.sub(r"[^\n]", fill, seg) if is_code else seg for is_code, _, seg in segments(text)
    )
