"""Footnotes: ``text[^1]`` and, anywhere in the note, ``[^1]: the note``, as Logseq writes them.

Python-Markdown's ``footnotes`` extension renders them (on note pages only: kb/logseq/extension.py
registers it there). A definition usually stands in a block of its own; the outline
would leave that block as an empty bullet, so the definitions are taken out of the
blocks (outside code) and placed after the outline, where the footnotes are listed
(before the linked references).
"""

from __future__ import annotations

import re

from kb.notes.code_regions import map_prose
from kb.notes.outline import Block, walk

RE_DEFINITION = re.compile(r"^[ \t]*\[\^(?P<label>[^\]\s]+)\]:[ \t]+(?P<text>\S.*)$", re.MULTILINE)
PLACE_MARKER = "///Footnotes Go Here///"   # the footnotes extension's default marker


def take_definitions(blocks: list[Block]) -> list[str]:
    """Remove the footnote definitions from the blocks' text (in place) and return them, in order."""
    found: list[str] = []

    def take(prose: str) -> str:
        found.extend(match.group(0).strip() for match in RE_DEFINITION.finditer(prose))
        return RE_DEFINITION.sub("", prose)

    for block in walk(blocks):
        if "[^" in block.content:
            block.content = re.sub(r"\n{3,}", "\n\n", map_prose(block.content, take)).strip("\n")
    return found


def footnote_lines(definitions: list[str]) -> list[str]:
    """The Markdown after the outline: the definitions, then where the footnotes are listed."""
    if not definitions:
        return []
    return ["", *[line for definition in definitions for line in (definition, "")], PLACE_MARKER, ""]
