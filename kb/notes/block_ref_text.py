"""What a block reference shows: the referenced block's first line, rendered, inside the link.

Logseq shows ``((uuid))`` as the referenced block's content (its first line, with
``:ui/show-full-blocks? false``, the default), rendered: no ``### `` of a heading, no
task marker, ``[[links]]`` as their names (a link inside the block link would nest
links), math as math. ``[label](((uuid)))`` links the block with the label instead.

``ref_markdown`` gives that first line as Markdown for the link's text; formulas are
handed to ``stash_math`` (their HTML becomes a placeholder), since the page's math was
set aside before the reference's text came in.
"""

from __future__ import annotations

import re
from typing import Callable

from kb.notes import links
from kb.notes.dollar_math import find_math
from kb.notes.tasks import RE_MARKER, RE_PRIORITY

RE_HEADING_MARKS = re.compile(r"^#{1,6}[ \t]+")
# [label](((uuid))): a Markdown link whose target is a block reference.
RE_LABELLED_BLOCK_REF = re.compile(r"\[(?P<label>[^\]\n]*)\]\(" + links.RE_BLOCK_REF.pattern + r"\)")


def ref_markdown(content: str, math: bool, stash_math: Callable[[str], str]) -> str:
    """The first line of a block's content as the text of a link to it."""
    first = content.strip().split("\n", 1)[0]
    first = RE_PRIORITY.sub("", RE_MARKER.sub("", RE_HEADING_MARKS.sub("", first))).strip()
    first = links.RE_PAGE_REF.sub(lambda m: ("#" if m.group("hash") else "") + m.group("name").strip(), first)
    if not math:
        return first
    out, pos = [], 0
    for item in find_math(first):
        out += [first[pos:item.start], stash_math(item.placeholder())]
        pos = item.end
    return "".join(out) + first[pos:]
