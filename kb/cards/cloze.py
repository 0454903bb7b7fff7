"""Clozes in a block's text, read as the logseq-anki-sync plugin reads them.

Pure functions, no MkDocs. The plugin's rules:

* ``{{c1 x}}`` .. ``{{c9 x}}`` (also spelled ``{{cloze1 x}}``) is cloze number N;
  the same number in one block is the same card. What is a cloze is
  ``kb.notes.macros.RE_CLOZE_OPEN``, the page's macro reader, so a page shows a cloze exactly
  where a card is made.
* ``{{cloze x}}`` gets the next free number: one more than the highest ``cN`` of
  the block, then counting up, so each ``{{cloze x}}`` is a card of its own.
* A hint follows the answer after the last ``::`` or ``\\\\`` (``{{c1 Paris::capital}}``).
* A cloze ends at the first ``}}`` on its line (the plugin's pattern is ``.*?``
  without DOTALL). So a ``}}`` inside math ends the cloze early, in the plugin
  and in Anki alike: write ``} }``.

Anything this module cannot read the way the plugin would is an error naming
the line: an unclosed cloze, a cloze inside code, a ``}}`` inside math. Code and math
are where the note's page finds them (kb/notes/code_regions.py, kb/notes/dollar_math.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.notes.code_regions import code_regions
from kb.notes.dollar_math import find_math
from kb.notes.macros import RE_CLOZE_OPEN

RE_HINT = re.compile(r"^(?P<answer>.*)(?:\\\\|::)(?P<hint>.*)$", re.DOTALL)


class CardSyntaxError(ValueError):
    """Flashcard syntax the plugin would misread; the message starts with ``file:line:``."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.detail = message


@dataclass(frozen=True)
class Cloze:
    ordinal: int        # the card number N of {{cN ..}}
    answer: str         # the hidden text, as written (Markdown, may hold math)
    hint: str | None    # shown in place of the answer when given
    start: int          # offset of "{{" in the text
    end: int            # offset just after "}}"
    body_start: int     # offset of the answer's first character
    answer_end: int     # offset just after the answer (before the hint, if any)


def _line_of(text: str, pos: int, first_line: int) -> int:
    return first_line + text.count("\n", 0, pos)


def find_clozes(text: str, source: str = "<text>", first_line: int = 1) -> list[Cloze]:
    """Every cloze of a block's text, numbered as the plugin numbers them.

    ``source`` and ``first_line`` name where ``text`` starts, for error messages.
    Raises :class:`CardSyntaxError` for text the plugin would misread.
    """
    code = code_regions(text)
    math = find_math(text)
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


def _excerpt(text: str, pos: int, width: int = 30) -> str:
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end == -1 else line_end
    return text[pos:min(line_end, pos + width)]
