"""``{{embed [[page]]}}`` and ``{{embed ((block id))}}``: another page's blocks, or a block and its
children, shown in place, as Logseq transcludes them.

The embedded blocks are copies (the other page keeps its own), rendered like the
page's own blocks inside ``<div class="kb-embed">``; a page embed is titled with a
link to the page. Their ``id::`` anchors stay on their own page (no id appears twice), and
they claim no line of the embedding page (``data-source`` and ``data-source-line`` name
where they were written, kb/logseq/block_render.py).
Embeds inside embeds are followed up to :data:`MAX_DEPTH` levels; an embed of a page
or block that is already being embedded (a cycle, e.g. a page embedding itself) or
one level too deep shows a marked note instead. A page or block that does not exist
is reported by the link graph (kb/notes/graph.py) and shown marked.
"""

from __future__ import annotations

import copy
import html
import re
from typing import Callable

from kb.notes import links
from kb.notes.code_regions import map_prose
from kb.notes.graph import Graph
from kb.notes.outline import Block, walk

RE_EMBED = re.compile(r"\{\{embed[ \t]+(?:\[\[(?P<page>[^\[\]\n]+)\]\]|"
                      r"\(\((?P<block>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)\))"
                      r"[ \t]*\}\}")
MAX_DEPTH = 3


def is_embed(name: str, args: str) -> bool:
    """``{{embed ...}}`` whose argument is one page link or one block reference."""
    return RE_EMBED.fullmatch(f"{{{{{name} {args}}}}}") is not None


def page_key(title: str) -> str:
    return "page:" + links.normalize(title)


def _copies(blocks: list[Block]) -> list[Block]:
    copies = copy.deepcopy(blocks)
    for block in walk(copies):
        block.properties.pop("id", None)
        block.property_lines.pop("id", None)
    return copies


def expand(blocks: list[Block], graph: Graph, stash: Callable[[str], str],
           prepare: Callable[[list[Block]], None], render: Callable[[list[Block], str], list[str]],
           seen: frozenset[str], depth: int = 0) -> None:
    """Replace each embed in the blocks' text (in place) by the embedded blocks, rendered.

    ``prepare`` rewrites copied blocks as the page's own (kb/logseq/extension.py ``block_text``),
    ``render`` turns blocks copied from a file (its path under docs/) into outline Markdown, ``seen`` holds what is being embedded
    (the page itself at the top)."""
    def one(match: re.Match[str]) -> str:
        name, block_id = match.group("page"), (match.group("block") or "").lower()
        key = page_key(name) if name else "block:" + block_id
        shown = f"[[{name.strip()}]]" if name else f"(({block_id}))"
        if key in seen or depth >= MAX_DEPTH:
            why = "循环嵌入（embed cycle）" if key in seen else f"嵌入超过 {MAX_DEPTH} 层（too deep）"
            return stash(f'<span class="kb-embed kb-embed--stopped">{why}，未展开：{html.escape(shown)}</span>')
        if name:
            note = graph.resolve(name)
            target = None if note is None else (note.title, note.src_uri, note.blocks)
        else:
            found = graph.block_ids.get(block_id)
            target = None if found is None else ("", found[0].src_uri, [found[1]])
        if target is None:   # reported by the graph with its line
            return stash(f'<span class="kb-embed kb-link--missing">{html.escape(shown)}</span>')
        title, src_uri, embedded = target
        copies = _copies(embedded)
        prepare(copies)
        expand(copies, graph, stash, prepare, render, seen | {key}, depth + 1)
        heading = [f'<p class="kb-embed__title" markdown="span">[[{title}]]</p>', ""] if title else []
        kind = "page" if name else "block"
        return "\n".join(["", "", f'<div class="kb-embed kb-embed--{kind}" markdown="block">', "", *heading,
                          *render(copies, src_uri), "", "</div>", "", ""])

    for block in walk(blocks):
        if "{{embed" in block.content:
            block.content = map_prose(block.content, lambda prose: RE_EMBED.sub(one, prose)).strip("\n")
