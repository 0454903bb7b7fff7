"""Logseq's dollar math: ``$$display$$`` and ``$inline$``, found in prose only.

The one reader of math for note pages and flashcards alike (kb/cards/cloze.py and
kb/cards/render.py use it as the page does). Found before Markdown runs, because Markdown
would otherwise eat the TeX (backslash escapes, ``_`` emphasis) and arithmatex splits
inline ``$$x$$`` inside list items (see facts.md). The spans found here are replaced by
the placeholders that ``kb/site/katex.py`` renders (``RE_ARITHMATEX``).

Rules, as Logseq's parser mldoc reads them (``latex_fragment`` in lib/syntax/inline.ml):
``$..$`` stays on one line and does not start or end with a space, so ``$ x $`` and
``$5 和 $6`` are literal dollars; ``$$..$$`` is display math (here it may also span
lines). Nothing inside code is math (kb/notes/code_regions.py). A ``\\$`` is a literal
dollar, also where it would close a formula (``$a\\$``): mldoc would end the formula
there with a backslash, which is not TeX that KaTeX can render.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterator

from kb.notes.code_regions import mask_code

RE_MATH = re.compile(
    r"(?<![\\$])\$\$(?P<display>.+?)(?<!\\)\$\$"
    r"|(?<![\\$])\$(?P<inline>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?!\$)",
    re.DOTALL,
)
RE_UNCLOSED_DISPLAY = re.compile(r"(?<![\\$])\$\$")


@dataclass(frozen=True)
class Math:
    tex: str
    display: bool
    start: int
    end: int

    def __contains__(self, pos: int) -> bool:
        return self.start <= pos < self.end

    def placeholder(self) -> str:
        """The arithmatex-style HTML that kb/site/katex.py turns into KaTeX output."""
        tex = html.escape(self.tex.strip(), quote=False)
        if self.display:
            return f'<div class="arithmatex">\\[{tex}\\]</div>'
        return f'<span class="arithmatex">\\({tex}\\)</span>'


def find_math(text: str) -> list[Math]:
    """Every formula outside code, in order."""
    prose = mask_code(text)
    return [
        Math(text[m.start(g):m.end(g)], g == "display", m.start(), m.end())
        for m in RE_MATH.finditer(prose)
        for g in ("display", "inline")
        if m.group(g) is not None
    ]


def unclosed_display(text: str) -> Iterator[int]:
    """Offsets of ``$$`` left over once every formula is taken out: an unclosed display."""
    prose = mask_code(text)
    for item in find_math(text):
        prose = prose[:item.start] + " " * (item.end - item.start) + prose[item.end:]
    for match in RE_UNCLOSED_DISPLAY.finditer(prose):
        yield match.start()


def mask_math(text: str, fill: str = " ") -> str:
    """``text`` with every formula blanked out (offsets unchanged), for finding links and macros."""
    out = list(text)
    for item in find_math(text):
        for i in range(item.start, item.end):
            if out[i] != "\n":
                out[i] = fill
    return "".join(out)
