"""Logseq macros: ``{{name arguments}}``.

Only the flashcard macros are known: ``{{c1 text}}`` .. ``{{c9 text}}`` (the
logseq-anki-sync clozes) and Logseq's own ``{{cloze text}}``. Any other macro, or
braces that do not form a macro, is an error: the page would otherwise show raw
braces. The flashcard issue decides what clozes become; here their text stays
visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from kb.notes.code_regions import mask_code

RE_MACRO = re.compile(r"\{\{(?P<name>[^\s{}]*)(?:[ \t]+(?P<args>(?:(?!\}\})[^\n])*?))?[ \t]*\}\}")
RE_CLOZE_NAME = re.compile(r"^(?:c(?P<number>[1-9])|cloze)$", re.IGNORECASE)
RE_STRAY_BRACES = re.compile(r"\{\{|\}\}")


@dataclass(frozen=True)
class Macro:
    name: str
    args: str
    start: int
    end: int

    @property
    def cloze_number(self) -> int | None:
        """1..9 for ``{{cN ..}}``; 1 for ``{{cloze ..}}`` (its own note, one card); else None."""
        match = RE_CLOZE_NAME.match(self.name)
        if match is None:
            return None
        return int(match.group("number") or 1)

    @property
    def known(self) -> bool:
        return self.cloze_number is not None


def find_macros(text: str) -> Iterator[Macro]:
    """Every macro outside code (math should be masked by the caller)."""
    for match in RE_MACRO.finditer(mask_code(text)):
        # Offsets come from the masked text; the arguments keep their code spans.
        args = text[match.start("args"):match.end("args")] if match.group("args") is not None else ""
        yield Macro(match.group("name"), args.strip(), match.start(), match.end())


def stray_braces(text: str) -> Iterator[int]:
    """Offsets of ``{{`` / ``}}`` outside code that are not part of a macro."""
    prose = RE_MACRO.sub(lambda m: " " * len(m.group(0)), mask_code(text))
    for match in RE_STRAY_BRACES.finditer(prose):
        yield match.start()
