"""The notes of a docs folder as the build finds them, for the tools that read them all (lint, stats).

Which files are notes and where they sit in the site (``notes_in``, ``src_uri_of``), how a
file is named to the user (``shown_path``), the snippet sections the notes include and
where pymdownx.snippets looks for them (``snippet_includes``, ``snippet_base_paths``), and
the errata under ``docs/errata/`` resolved in their notes (``errata_in``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kb.cards import errata
from kb.cards.errata import Erratum, ErratumProblem
from kb.notes import page_names
from kb.notes.graph import Graph
from kb.notes.outline import Block, walk
from kb.notes.site_settings import configured_site
from kb.paths import MKDOCS_YML, ROOT

# A block made of one pymdownx.snippets include line, --8<-- "file.py:section": the build expands
# those (an include line inside a block of several lines reaches the snippets extension unexpanded).
RE_SNIPPET = re.compile(r"^-+8<-+[ \t]+(?P<quote>[\"'])(?P<spec>[^\"'\n]+)(?P=quote)$")


def shown_path(path: Path) -> str:
    """A path as the user gave it: relative to the working folder when it is inside it."""
    path = Path(os.path.abspath(path))
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def notes_in(docs_dir: Path) -> dict[str, Path]:
    """The notes of a docs folder as the build finds them: ``src_uri`` -> file (dot files left out)."""
    notes_dir = docs_dir / page_names.NOTES_DIR
    found = {}
    for path in sorted(notes_dir.rglob("*.md")) if notes_dir.is_dir() else []:
        src_uri = path.relative_to(docs_dir).as_posix()
        if page_names.is_note(src_uri) and not any(part.startswith(".") for part in src_uri.split("/")):
            found[src_uri] = path
    return found


def src_uri_of(path: Path, docs_dir: Path) -> str:
    """Where a file sits in the site: its path under docs/, or ``pages/<name>`` for a note from elsewhere."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(docs_dir))).as_posix()
    except ValueError:
        return f"{page_names.NOTES_DIR}/{path.name}"


def snippet_base_paths(config: Path = MKDOCS_YML) -> list[Path]:
    """Where pymdownx.snippets looks for included files: its ``base_path`` in mkdocs.yml
    (``.`` when unset, as in pymdownx and kb/site/hooks.py), made absolute (the build runs in ROOT)."""
    options = next((item["pymdownx.snippets"] or {} for item in configured_site(config).get("markdown_extensions", [])
                    if isinstance(item, dict) and "pymdownx.snippets" in item), {})
    bases = options.get("base_path", ["."])
    bases = [bases] if isinstance(bases, str) else bases
    return [ROOT / base for base in bases]


def snippet_includes(blocks: list[Block]) -> list[tuple[int, str]]:
    """``(line, "file.py:section")`` for every block of an outline that includes a snippet section."""
    found = []
    for block in walk(blocks):
        match = RE_SNIPPET.match(block.content.strip())
        if match:
            found.append((block.line, match.group("spec")))
    return found


def errata_in(docs_dir: Path, graph: Graph) -> tuple[list[Erratum], list[ErratumProblem]]:
    """The errata under ``docs_dir/errata/``, resolved in their notes as the build resolves them
    (kb/site/logseq_hooks.py), and their problems; files named as ``shown_path`` names them."""
    return errata.collect(errata.sources_in(docs_dir), graph, lambda uri: shown_path(docs_dir / uri))
