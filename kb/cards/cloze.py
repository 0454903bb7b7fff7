"""Clozes in a block's text, read as the logseq-anki-sync plugin reads them.

Pure functions, no MkDocs. The plugin's rules:

* ``{{c1 x}}`` .. ``{{c9 x}}`` (also spelled ``{{cloze1 x}}``) is cloze number N;
  the same number in one block is the same card.
* ``{{cloze x}}`` gets the next free number: one more than the highest ``cN`` of
  the block, then counting up, so each ``{{cloze x}}`` is a card of its own.
* A hint follows the answer after the last ``::`` or ``\\\\`` (``{{c1 Paris::capital}}``).
* A cloze ends at the first ``}}`` on its line (the plugin's pattern is ``.*?``
  without DOTALL). So a ``}}`` inside math ends the cloze early, in the plugin
  and in Anki alike: write ``} }``.

Anything this module cannot read the way the plugin would is an error naming
the line: an unclosed cloze, a cloze inside code, a ``}}`` inside math.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The opening of a cloze: "{{c1 ", "{{cloze1 " or "{{cloze " (the space is required).
RE_CLOZE_OPEN = re.compile(r"\{\{(?:c(?P<c>[1-9])|cloze(?P<cloze>[1-9])?) ")
# Something that looks like a cloze but is not one the plugin reads (e.g. "{{c10 x}}", "{{c1x}}").
RE_CLOZE_LIKE = re.compile(r"\{\{c(?:loze)?\d")
# Fenced code: a line starting with three backticks or tildes, up to the same fence.
RE_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,}).*?$(?P<body>.*?)(?:^[ \t]*(?P=fence)[ \t]*$|\Z)",
                      re.MULTILINE | re.DOTALL)
RE_BACKTICKS = re.compile(r"`+")
# Logseq math: $$display$$ and $inline$ (no newline inside inline math).
RE_MATH = re.compile(r"(?<![\\$])\$\$(?P<display>.+?)\$\$|(?<![\\$])\$(?P<inline>[^$\n]+?)\$",
                     re.DOTALL)
RE_HINT = re.compile(r"^(?P<answer>.*)(?:\\\\|::)(?P<hint>.*)$", re.DOTALL)


class CardSyntaxError(ValueError):
    """Flashcard syntax the plugin would misread; the message starts with ``file:line:``."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.detail = message


@dataclass(frozen=True)
class Region:
    start: int
    end: int  # exclusive

    def __contains__(self, pos: int) -> bool:
        return self.start <= pos < self.end


@dataclass(frozen=True)
class MathRegion(Region):
    tex: str = ""
    display: bool = False


@dataclass(frozen=True)
class Cloze:
    ordinal: int        # the card number N of {{cN ..}}
    answer: str         # the hidden text, as written (Markdown, may hold math)
    hint: str | None    # shown in place of the answer when given
    start: int          # offset of "{{" in the text
    end: int            # offset just after "}}"
    body_start: int     # offset of the answer's first character
    answer_end: int     # offset just after the answer (before the hint, if any)


def code_regions(text: str) -> list[Region]:
    """Fenced code blocks and inline code spans: where no cloze or math is read."""
    regions = [Region(m.start(), m.end()) for m in RE_FENCE.finditer(text)]
    pos = 0
    while True:
        opening = RE_BACKTICKS.search(text, pos)
        if opening is None:
            break
        if any(opening.start() in r for r in regions):
            pos = opening.end()
            continue
        # A code span closes at the next run of exactly as many backticks (CommonMark).
        run = opening.group(0)
        closing = re.compile(r"(?<!`)" + run + r"(?!`)").search(text, opening.end())
        if closing is None:
            pos = opening.end()
            continue
        regions.append(Region(opening.start(), closing.end()))
        pos = closing.end()
    return sorted(regions, key=lambda r: r.start)


def math_regions(text: str, code: list[Region] | None = None) -> list[MathRegion]:
    """``$..$`` and ``$$..$$`` outside code, with their TeX."""
    code = code_regions(text) if code is None else code
    found = []
    pos = 0
    while True:
        match = RE_MATH.search(text, pos)
        if match is None:
            break
        if any(match.start() in r for r in code):
            pos = match.start() + 1
            continue
        display = match.group("display") is not None
        tex = match.group("display") if display else match.group("inline")
        found.append(MathRegion(match.start(), match.end(), tex=tex, display=display))
        pos = match.end()
    return found


def _line_of(text: str, pos: int, first_line: int) -> int:
    return first_line + text.count("\n", 0, pos)


def find_clozes(text: str, source: str = "<text>", first_line: int = 1) -> list[Cloze]:
    """Every cloze of a block's text, numbered as the plugin numbers them.

    ``source`` and ``first_line`` name where ``text`` starts, for error messages.
    Raises :class:`CardSyntaxError` for text the plugin would misread.
    """
    code = code_regions(text)
    math = math_regions(text, code)
    raw: list[tuple[int | None, str, int, int, int]] = []  # (number or None, body, start, end, body start)
    pos = 0
    while True:
        opening = RE_CLOZE_OPEN.search(text, pos)
        if opening is None:
            break
        line = _line_of(text, opening.start(), first_line)
        if any(opening.start() in r for r in code):
            raise CardSyntaxError(source, line, f"cloze inside code: {_excerpt(text, opening.start())!r}; "
                                  "the plugin does not read clozes in code, move it out of the backticks")
        if any(opening.start() in m for m in math):
            raise CardSyntaxError(source, line, f"cloze inside math {_excerpt(text, opening.start())!r}: "
                                  "put the whole formula inside the cloze instead")
        line_end = text.find("\n", opening.end())
        line_end = len(text) if line_end == -1 else line_end
        close = text.find("}}", opening.end(), line_end)
        if close == -1:
            raise CardSyntaxError(source, line, f"unclosed cloze {_excerpt(text, opening.start())!r}: "
                                  "a cloze must end with '}}' on the same line")
        inside_math = next((m for m in math if close in m or close + 1 in m), None)
        if inside_math is not None and inside_math.start > opening.start():
            raise CardSyntaxError(source, line, f"'}}}}' inside math in a cloze ends the cloze early "
                                  f"(in ${inside_math.tex}$): write '}} }}' instead")
        number = opening.group("c") or opening.group("cloze")
        raw.append((int(number) if number else None, text[opening.end():close], opening.start(), close + 2,
                    opening.end()))
        pos = close + 2

    # Unnumbered clozes count up from one past the highest numbered one.
    next_free = max([n for n, *_ in raw if n is not None], default=0) + 1
    clozes = []
    for number, body, start, end, body_start in raw:
        if number is None:
            number, next_free = next_free, next_free + 1
        hint_match = RE_HINT.match(body)
        if hint_match:
            answer, hint = hint_match.group("answer"), hint_match.group("hint").strip() or None
        else:
            answer, hint = body, None
        clozes.append(Cloze(number, answer.strip(), hint, start, end, body_start, body_start + len(answer)))
    return clozes


def has_cloze(text: str) -> bool:
    """Whether the text holds a cloze opening outside code (cheap pre-check)."""
    code = code_regions(text)
    return any(not any(m.start() in r for r in code) for m in RE_CLOZE_OPEN.finditer(text))


def _excerpt(text: str, pos: int, width: int = 30) -> str:
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end == -1 else line_end
    return text[pos:min(line_end, pos + width)]
