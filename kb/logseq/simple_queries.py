"""Logseq's simple queries, ``{{query ...}}``, run over the notes when the site is built.

Supported, as Logseq's query language writes them:

* ``[[page]]``, ``#tag``, ``#[[tag]]``: blocks that reference the page (its aliases too);
* ``"text"``: blocks whose text contains it (case-insensitive);
* ``(and ..)``, ``(or ..)``, ``(not ..)``; terms side by side mean ``and``;
* ``(task TODO DOING ..)`` (or ``todo``): blocks with one of these task markers;
* ``(priority A ..)``: blocks with one of these priorities;
* ``(property key value)``: blocks whose property ``key`` holds ``value``;
* ``(page "name")``: the blocks of that page;
* ``(page-property key value)``, ``(page-tags tag ..)``: pages (not blocks) with that
  page property or tag.

A block matches on its own text and properties (not its parent's). The results are
listed, grouped by page, each block by its first line (kb/notes/block_ref_text.py); the
block holding a query is never its own result. A query with anything else (dates,
``sort-by``, a datalog query) is not run: it is shown as code, folded and labelled, as
``#+BEGIN_QUERY`` is (kb/logseq/directives.py). Nothing here is an error.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable

from kb.notes import links
from kb.notes.block_ref_text import ref_markdown
from kb.notes.code_regions import map_prose
from kb.notes.graph import Graph, Note
from kb.notes.outline import Block, walk
from kb.notes.tasks import RE_MARKER, RE_PRIORITY

RE_QUERY = re.compile(r"\{\{query[ \t]+(?P<query>(?:(?!\}\})[^\n])*?)[ \t]*\}\}")
RE_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<ref>#?\[\[[^\[\]\n]*\]\])|(?P<string>"[^"\n]*")'
                      r'|(?P<word>[^\s()"]+))')
PAGE_LEVEL = {"page-property", "page-tags"}


class NotRun(Exception):
    """A query (or a part of it) the site does not evaluate."""


@dataclass(frozen=True)
class Term:
    op: str                        # "ref", "text", "and", "or", "not", "task", "priority", "property", "page", ...
    args: tuple = ()


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(query):
        match = RE_TOKEN.match(query, pos)
        if match is None or match.end() == pos:
            if query[pos:].strip():
                raise NotRun(query[pos:])
            break
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _name(value: str) -> str:
    value = value.strip().strip('"')
    ref = links.RE_PAGE_REF.fullmatch(value)
    return (ref.group("name") if ref else value.lstrip("#")).strip()


def parse(query: str) -> Term:
    """The query as a tree of terms; :class:`NotRun` for what the site does not evaluate."""
    tokens = _tokens(query)
    position = 0

    def term() -> Term:
        nonlocal position
        if position >= len(tokens):
            raise NotRun("unexpected end")
        kind, value = tokens[position]
        position += 1
        if kind == "ref" or (kind == "word" and value.startswith("#")):
            return Term("ref", (_name(value),))
        if kind == "string":
            return Term("text", (value.strip('"'),))
        if kind != "open":
            raise NotRun(value)
        if position >= len(tokens) or tokens[position][0] != "word":
            raise NotRun("(")
        op = tokens[position][1].lower()
        position += 1
        parts: list = []
        while position < len(tokens) and tokens[position][0] != "close":
            if op in ("and", "or", "not"):
                parts.append(term())
            else:
                parts.append(tokens[position][1])
                position += 1
        if position >= len(tokens):
            raise NotRun("unclosed (")
        position += 1
        if op in ("and", "or") and parts or op == "not" and len(parts) == 1:
            return Term(op, tuple(parts))
        if op in ("task", "todo", "priority", "page-tags") and parts:
            return Term("task" if op == "todo" else op, tuple(_name(p).upper() if op != "page-tags" else _name(p)
                                                              for p in parts))
        if op in ("property", "page-property") and len(parts) == 2:
            return Term(op, (_name(parts[0]).lower(), _name(parts[1])))
        if op == "page" and len(parts) == 1:
            return Term("page", (_name(parts[0]),))
        raise NotRun(op)

    terms = []
    while position < len(tokens):
        terms.append(term())
    if not terms:
        raise NotRun("empty")
    found = terms[0] if len(terms) == 1 else Term("and", tuple(terms))
    if _uses(found, PAGE_LEVEL) and (found.op not in PAGE_LEVEL):
        raise NotRun("page and block terms mixed")
    return found


def _uses(term: Term, ops: set[str]) -> bool:
    return term.op in ops or any(isinstance(a, Term) and _uses(a, ops) for a in term.args)


def _values(value: str) -> set[str]:
    return {links.normalize(_name(v)) for v in links.split_names(value)} | {links.normalize(_name(value))}


def _page_properties(note: Note) -> dict[str, str]:
    props = dict(note.properties)
    for key, value in note.front.meta.items():
        props.setdefault(str(key).lower(), ", ".join(map(str, value)) if isinstance(value, list) else str(value))
    return props


def _block_matches(term: Term, graph: Graph, note: Note, block: Block, refs: set[str]) -> bool:
    op, args = term.op, term.args
    if op == "ref":
        target = graph.resolve(args[0])
        return links.normalize(args[0]) in refs or (target is not None and any(
            graph.resolve(name) is target for name in refs))
    if op == "text":
        return args[0].casefold() in block.content.casefold()
    if op == "and":
        return all(_block_matches(t, graph, note, block, refs) for t in args)
    if op == "or":
        return any(_block_matches(t, graph, note, block, refs) for t in args)
    if op == "not":
        return not _block_matches(args[0], graph, note, block, refs)
    if op == "task":
        marker = RE_MARKER.match(block.content)
        return marker is not None and marker.group("marker") in args
    if op == "priority":
        return any(m.group("level") in args for m in RE_PRIORITY.finditer(block.content))
    if op == "property":
        value = block.properties.get(args[0])
        return value is not None and links.normalize(args[1]) in _values(value)
    if op == "page":
        return graph.resolve(args[0]) is note
    raise NotRun(op)


def _page_matches(term: Term, note: Note) -> bool:
    if term.op == "page-tags":
        return bool({links.normalize(t) for t in note.tags} & {links.normalize(t) for t in term.args})
    value = _page_properties(note).get(term.args[0])
    return value is not None and links.normalize(term.args[1]) in _values(value)


def run(query: str, graph: Graph) -> list[tuple[Note, list[Block]]]:
    """The blocks (or, for a page query, the pages with no blocks) a query finds, grouped by page."""
    term = parse(query)
    pages = sorted((n for n in graph.notes if not n.generated), key=lambda n: links.normalize(n.title))
    if term.op in PAGE_LEVEL:
        return [(note, []) for note in pages if _page_matches(term, note)]
    refs_of: dict[int, set[str]] = {}
    for link in graph.links:
        if link.kind in ("page", "tag"):
            refs_of.setdefault(id(link.block), set()).add(links.normalize(link.target))
    found = []
    for note in pages:
        blocks = [block for block in walk(note.blocks)
                  if block.content and "{{query" not in block.content
                  and _block_matches(term, graph, note, block, refs_of.get(id(block), set()))]
        if blocks:
            found.append((note, blocks))
    return found


def results_markdown(query: str, graph: Graph, math: bool, stash: Callable[[str], str]) -> str:
    """What a ``{{query ..}}`` shows: its results listed under a label, or the query folded."""
    shown = html.escape(query.strip())
    try:
        found = run(query, graph)
    except NotRun:
        folded = stash(f'<details class="kb-query kb-query--not-run"><summary>查询（query），站点上不执行</summary>'
                       f"<pre><code>{shown}</code></pre></details>")
        return f"\n\n{folded}\n\n"      # a block of its own: <details> is not inline
    count = sum(len(blocks) or 1 for _, blocks in found)
    lines = ["", "", '<div class="kb-query" markdown="block">', "",
             stash(f'<p class="kb-query__title">查询（query）<code>{shown}</code>：{count} 个结果</p>'), ""]
    if not found:
        lines += ["没有结果（no results）。", ""]
    for note, blocks in found:
        if not blocks:
            lines.append(f"- [[{note.title}]]")
            continue
        lines.append(f"- [[{note.title}]]")
        lines += [f"    - {ref_markdown(block.content, note.math and math, stash) or '…'}" for block in blocks]
    return "\n".join(lines + ["", "</div>", "", ""])


def expand(blocks: list[Block], graph: Graph, math: bool, stash: Callable[[str], str]) -> None:
    """Each ``{{query ..}}`` in the blocks' text (outside code) replaced by its results, in place."""
    for block in walk(blocks):
        if "{{query" in block.content:
            block.content = map_prose(block.content, lambda prose: RE_QUERY.sub(
                lambda m: results_markdown(m.group("query"), graph, math, stash), prose)).strip("\n")
