"""Logseq references in a block's text: ``[[Page]]``, ``#tag``, ``#[[multi word]]``, ``((block id))``.

Pure functions. Page names compare case-insensitively (Logseq's rule), after
Unicode normalisation and with runs of whitespace collapsed, so ``[[ReLU]]``,
``[[relu]]`` and ``#ReLU`` name the same page. A namespace is part of the name:
``[[Batch Normalization/维度理解]]`` is the page of that full title, whose parent
is ``Batch Normalization``.

The one reader of links and tags for note pages and flashcards alike: the link graph,
the page's inline patterns (kb/logseq/extension.py) and the card renderer
(kb/cards/render.py, which also takes a card's Anki tags from it) all use these
patterns, so ``**#x**`` is the tag ``x`` and ``#v1.2`` the tag ``v1.2`` everywhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from kb.notes.code_regions import mask_code

# [[Page]] and #[[Page]]; the name may not contain brackets (no nesting).
RE_PAGE_REF = re.compile(r"(?P<hash>#)?\[\[(?P<name>[^\[\]\n]*)\]\]")
# A tag starts after whitespace, an opening bracket, an emphasis mark (``**#tag**`` is
# the tag ``tag`` in bold, as mldoc reads emphasis first) or the start of the text (or
# after a Python-Markdown placeholder's end, \x03), and runs to whitespace, an emphasis
# mark or punctuation (ASCII or full-width), as Logseq ends it. Not a tag: ``#+BEGIN_..``
# (kb/logseq/directives.py) and a priority ``[#A]`` (kb/notes/tasks.py).
TAG_STOP = r"\s#\[\](){}<>\"'`,.;:!?*~^=，。；：！？（）【】「」、"
RE_TAG = re.compile(r"(?<![^\s(（\[*~^=\x03])(?!(?<=\[)#[ABC]\])#(?P<name>[^+" + TAG_STOP + r"]"
                    r"(?:[^" + TAG_STOP + r"]|[.:](?=[^" + TAG_STOP + r"]))*)")
RE_BLOCK_REF = re.compile(
    r"\(\((?P<id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)\)"
)
# An opened page reference that never closes on its line.
RE_UNCLOSED_PAGE_REF = re.compile(r"\[\[(?![^\n]*\]\])")

NAMESPACE_SEPARATOR = "/"


@dataclass(frozen=True)
class Reference:
    kind: str     # "page" ([[x]]), "tag" (#x or #[[x]]) or "block" (((id)))
    target: str   # the page name as written, or the block id
    start: int    # offsets in the text
    end: int


@functools.lru_cache(maxsize=1 << 16)   # a build looks up the same few thousand names again and again
def normalize(name: str) -> str:
    """The key under which a page name is looked up: case- and spacing-insensitive."""
    name = unicodedata.normalize("NFC", name)
    return re.sub(r"\s+", " ", name).strip().casefold()


def namespace_parent(title: str) -> str | None:
    """``"A/B/C"`` -> ``"A/B"``; ``None`` for a title without a namespace."""
    head, sep, _ = title.rpartition(NAMESPACE_SEPARATOR)
    return head.strip() if sep and head.strip() else None


def find_references(text: str) -> Iterator[Reference]:
    """Every reference in ``text`` outside code, in order.

    Math should be masked by the caller (``$[[x]]$`` is TeX, not a link).
    """
    prose = mask_code(text)
    taken: list[tuple[int, int]] = []
    found: list[Reference] = []
    for match in RE_PAGE_REF.finditer(prose):
        kind = "tag" if match.group("hash") else "page"
        found.append(Reference(kind, match.group("name").strip(), match.start(), match.end()))
        taken.append(match.span())
    for match in RE_TAG.finditer(prose):
        if not any(start <= match.start() < end for start, end in taken):
            found.append(Reference("tag", match.group("name"), match.start(), match.end()))
    for match in RE_BLOCK_REF.finditer(prose):
        found.append(Reference("block", match.group("id").lower(), match.start(), match.end()))
    return iter(sorted(found, key=lambda ref: ref.start))


def split_names(value: str) -> list[str]:
    """A property value naming pages (``alias:: BN, [[批归一化]]``) -> the names."""
    names = []
    for part in re.split(r",(?![^\[]*\]\])", value):
        part = part.strip()
        ref = RE_PAGE_REF.fullmatch(part)
        if ref:
            part = ref.group("name").strip()
        elif part.startswith("#"):
            part = part[1:]
        if part:
            names.append(part)
    return names
