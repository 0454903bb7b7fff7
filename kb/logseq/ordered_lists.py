"""Logseq's numbered lists: sibling blocks with ``logseq.order-list-type:: number``.

Logseq numbers a run of consecutive sibling blocks that carry the property 1, 2, 3..;
a sibling without it ends the run, and the next run starts at 1 again; children are
numbered among themselves. The number goes in front of the block's text (a
``kb-list-number`` label, stashed raw HTML), and docs/assets/logseq.css shows it in
place of the bullet.
"""

from __future__ import annotations

from typing import Callable

from kb.notes.outline import Block, walk

ORDER_PROPERTY = "logseq.order-list-type"


def is_numbered(block: Block) -> bool:
    return block.properties.get(ORDER_PROPERTY, "").strip().lower() == "number"


def number_blocks(blocks: list[Block], stash: Callable[[str], str]) -> None:
    """Put each numbered block's number in front of its text, in place, at every level."""
    for siblings in [blocks, *(block.children for block in walk(blocks))]:
        number = 0
        for block in siblings:
            number = number + 1 if is_numbered(block) else 0
            if number:
                label = stash(f'<span class="kb-list-number">{number}.</span>')
                block.content = f"{label} {block.content}"
