"""A table right under a line of text, as Logseq writes it, is a table.

Markdown (Python-Markdown's ``tables``) starts a table only after a blank line, so
Logseq's ``text\\n| a | b |\\n| --- | --- |`` would show raw pipes. The rewrite puts a
blank line before a table (a ``|`` row followed by a delimiter row) that follows
text, and after it when text follows it. Fenced code is left alone.
"""

from __future__ import annotations

import re

from kb.notes.code_regions import fence_closed, fence_opened

RE_ROW = re.compile(r"^[ \t]*\|")
RE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


def rewrite(text: str) -> str:
    """``text`` with blank lines around each table that touches text."""
    if "|" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    fence: str | None = None     # the open code fence, read as kb/notes/code_regions.py reads it
    in_table = False
    for i, line in enumerate(lines):
        if fence is None:
            fence = fence_opened(line)
        elif fence_closed(line, fence):
            fence = None
            out.append(line)
            continue
        starts_table = (fence is None and not in_table and RE_ROW.match(line) is not None
                        and i + 1 < len(lines) and RE_DELIMITER.match(lines[i + 1]) is not None)
        if starts_table:
            if out and out[-1].strip():
                out.append("")
            in_table = True
        elif in_table and not RE_ROW.match(line):
            in_table = False
            if line.strip():
                out.append("")
        out.append(line)
    return "\n".join(out)
