"""Check a page's snippet includes before pymdownx.snippets runs.

``--8<-- "module.py:section"`` includes a named section of a file under the
snippets base path. pymdownx (with ``check_paths``) raises on a missing file or
section, but names neither the page nor the line, and the build stops with a
traceback. Here each bad include is reported with ``file:line`` (a warning, which
fails the strict build) and replaced by a visible note, so the rest of the page
still renders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# One include per line, as the pages write them: --8<-- "file[:section | :start:end]"
RE_INCLUDE = re.compile(r'^\s*(?:[-+*]\s+)?--8<--\s+(?P<quote>["\'])(?P<target>[^"\']+)(?P=quote)\s*$')
RE_SECTION_MARK = re.compile(r"--8<--\s*\[(?P<kind>start|end):(?P<name>[^\]]+)\]")


def sections_of(text: str) -> set[str]:
    """Names of the sections that are both started and ended in a snippet file."""
    starts = {m["name"] for m in RE_SECTION_MARK.finditer(text) if m["kind"] == "start"}
    ends = {m["name"] for m in RE_SECTION_MARK.finditer(text) if m["kind"] == "end"}
    return starts & ends


def _split(target: str) -> tuple[str, str | None]:
    """``file.py:section`` -> (file, section); ``file.py:3:9`` and ``file.py`` -> (file, None)."""
    path, *rest = target.split(":")
    if len(rest) == 1 and rest[0] and not rest[0].lstrip("-").isdigit():
        return path, rest[0]
    return path, None


def check_includes(source: str, text: str, base_paths: Iterable[Path]) -> list[tuple[str, str]]:
    """The bad include lines of one page, each with its problem (``source:line: message``)."""
    problems = []
    bases = [Path(b) for b in base_paths]
    for number, line in enumerate(text.split("\n"), start=1):
        match = RE_INCLUDE.match(line)
        if not match:
            continue
        path, section = _split(match["target"])
        found = next((base / path for base in bases if (base / path).is_file()), None)
        if found is None:
            problems.append((line, f"{source}:{number}: snippet file {path!r} not found "
                                   f"under {', '.join(str(b) for b in bases)}"))
            continue
        if section is not None:
            available = sections_of(found.read_text(encoding="utf-8"))
            if section not in available:
                problems.append((line, f"{source}:{number}: snippet section {section!r} not found in "
                                       f"{path} (it has: {', '.join(sorted(available)) or 'no sections'})"))
    return problems


def replace_bad_includes(markdown: str, bad_lines: Iterable[str]) -> str:
    """Swap each bad include line for a note a reader sees (inside the code block it stood in)."""
    for line in set(bad_lines):
        indent = line[: len(line) - len(line.lstrip())]
        target = RE_INCLUDE.match(line)["target"]
        markdown = markdown.replace(line, f"{indent}# 代码片段缺失：{target}（见构建日志）")
    return markdown
