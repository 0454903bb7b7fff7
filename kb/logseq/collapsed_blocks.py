"""A block with ``collapsed:: true``: Logseq shows it with its children folded; so does the site.

The children are in a ``<details>`` (closed): the reader opens it with a click or the
keyboard, no script needed; its summary says how many child blocks it holds. A
``#card`` block's answer is folded as a card instead (kb/logseq/block_render.py).
"""

from __future__ import annotations

from kb.notes.outline import Block


def is_collapsed(block: Block) -> bool:
    return block.properties.get("collapsed", "").strip().lower() == "true"


def folded_children(children_markdown: list[str], count: int) -> list[str]:
    """The rendered children, folded until the reader opens them."""
    return ['<details class="kb-collapsed" markdown="block">',
            f"<summary>已折叠（collapsed）：{count} 个子块</summary>", "", *children_markdown, "", "</details>", ""]
