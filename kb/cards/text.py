"""What a card shows of a Logseq note's block: its text rewritten as the note's page rewrites it.

The review page (cards.json) and the Anki deck render a card block with kb/cards/render.py.
On a Logseq note the block's text first goes through the page's own rewriting, so a card
shows what the page shows: the graph's macros expanded (kb/notes/graph_macros.py); task markers,
priorities and planned dates shown and the logbook dropped (kb/notes/tasks.py); a block
reference ``((uuid))`` as the referenced block's first line (kb/notes/block_ref_text.py), a
``[label](((uuid)))`` as its label. A card shows page links as names, not links, and so
block references: a ``<span class="kb-block-ref">``. A cloze in the referenced block is
that block's card, shown here as its answer. ``==highlight==``, ``^^highlight^^`` and
``~~strike~~`` are kb/cards/render.py's Markdown's, as they are the page's.
"""

from __future__ import annotations

import html
from typing import Callable

from kb.cards.cloze import CardSyntaxError, find_clozes
from kb.cards.render import TextRewrite
from kb.notes import graph_macros
from kb.notes import links
from kb.notes import tasks as logseq_tasks
from kb.notes.block_ref_text import RE_LABELLED_BLOCK_REF, ref_markdown
from kb.notes.code_regions import map_prose
from kb.notes.graph import Graph


def _without_clozes(text: str) -> str:
    try:
        found = find_clozes(text, "<block reference>", 1)
    except CardSyntaxError:
        return text      # reported where the referenced block is read
    out, pos = [], 0
    for item in found:
        out += [text[pos:item.start], text[item.body_start:item.answer_end]]
        pos = item.end
    return "".join(out) + text[pos:]


def _block_refs(prose: str, graph: Graph, stash: Callable[[str], str]) -> str:
    def shown(block_id: str, label: str | None) -> str:
        found = graph.block_ids.get(block_id.lower())
        if found is None:    # reported by the graph with its line
            return stash(f'<span class="kb-block-ref kb-link--missing">(({html.escape(block_id.lower())}))</span>')
        text = label if label is not None else _without_clozes(ref_markdown(found[1].content, False, stash))
        return stash('<span class="kb-block-ref">') + text + stash("</span>")

    prose = RE_LABELLED_BLOCK_REF.sub(lambda m: shown(m.group("id"), m.group("label")), prose)
    return links.RE_BLOCK_REF.sub(lambda m: shown(m.group("id"), None), prose)


def note_rewrite(graph: Graph, macros: dict[str, str], math: bool) -> TextRewrite:
    """The rewriting of a block's text of a note in ``graph`` (its page's ``math`` setting)."""
    def rewrite(text: str, stash: Callable[[str], str]) -> str:
        text = logseq_tasks.rewrite(graph_macros.expand(text, macros, math), stash)
        return map_prose(text, lambda prose: _block_refs(prose, graph, stash))

    return rewrite
