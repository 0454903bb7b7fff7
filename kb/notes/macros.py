"""Logseq macros: ``{{name arguments}}``.

The one reader of macros for note pages and flashcards alike: kb/cards/cloze.py reads clozes
with :data:`RE_CLOZE_OPEN`, so what the page shows as a cloze is exactly what makes a card.

The flashcard macros are the clozes, as the logseq-anki-sync plugin reads them (its
pattern ``/\\{\\{(c|cloze)([1-9]) (.*?)\\}\\}/`` in src/notes/ClozeNote.ts):
``{{c1 text}}`` .. ``{{c9 text}}`` and ``{{cloze1 text}}`` .. ``{{cloze9 text}}``, and Logseq's
own ``{{cloze text}}``; the name is written in lower case and followed by one space. So
``{{C1 x}}``, ``{{c1}}`` and ``{{c1<tab>x}}`` are not clozes (the plugin makes no card of
them) but unknown macros. Any other macro, or braces that do not form a macro, is an
error: the page would otherwise show raw braces. The flashcard issue decides what clozes
become; here their text stays visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from kb.notes.code_regions import mask_code

RE_MACRO = re.compile(r"\{\{(?P<name>[^\s{}]*)(?:[ \t]+(?P<args>(?:(?!\}\})[^\n])*?))?[ \t]*\}\}")
# The opening of a cloze: "{{c1 ", "{{cloze1 " or "{{cloze " (the space is required).
RE_CLOZE_OPEN = re.compile(r"\{\{(?:c(?P<c>[1-9])|cloze(?P<cloze>[1-9])?) ")
RE_STRAY_BRACES = re.compile(r"\{\{|\}\}")


@dataclass(frozen=True)
class Macro:
    name: str
    args: str
    start: int
    end: int
    written: str    # the macro as written, braces included

    @property
    def cloze_number(self) -> int | None:
        """N for ``{{cN ..}}`` and ``{{clozeN ..}}``; 1 for ``{{cloze ..}}`` (its own note, one card); else None."""
        match = RE_CLOZE_OPEN.match(self.written)
        if match is None:
            return None
        return int(match.group("c") or match.group("cloze") or 1)

    @property
    def known(self) -> bool:
        return self.cloze_number is not None


def find_macros(text: str) -> Iterator[Macro]:
    """Every macro outside code (math should be masked by the caller)."""
    for match in RE_MACRO.finditer(mask_code(text)):
        # Offsets come from the masked text; the arguments keep their code spans.
        args = text[match.start("args"):match.end("args")] if match.group("args") is not None else ""
        yield Macro(match.group("name"), args.strip(), match.start(), match.end(), text[match.start():match.end()])


def stray_braces(text: str) -> Iterator[int]:
    """Offsets of ``{{`` / ``}}`` outside code that are not part of a macro."""
    prose = RE_MACRO.sub(lambda m: " " * len(m.group(0)), mask_code(text))
    for match in RE_STRAY_BRACES.finditer(prose):
        yield match.start()
