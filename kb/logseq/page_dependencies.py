"""What a note page's HTML depends on in the link graph, as text to fingerprint (kb/site/render_cache.py).

A note's page shows more than its own file: each ``[[link]]`` and ``#tag`` shows whether its
target is written and links to it under its title; ``((block refs))`` show the referenced
block's text; ``{{embed ..}}`` copies another page or block with its children, embeds
included; "Linked references" show the linking blocks of other pages (with their pages'
titles, decks and URLs); ``{{query ..}}`` lists whatever in the graph matches. So the
dependencies of a page are, from the graph (kb/notes/graph.py):

* the note's own file (its source text, which holds its title, deck, math setting);
* the blocks that link to it (its backlinks: each block's text, properties and line, and its
  page's title, path, math setting and deck);
* for every name referenced by any of that text (and by the text of everything it embeds or
  refers to, followed to the end): the page the name resolves to (path and title) or none;
  each referenced block id's block and page; each embedded page's or block's whole file;
* a ``{{query`` anywhere in that text: the whole graph (a query can match any block).

The references are found with patterns looser than the renderer's (no look-behind for tags,
code and math not masked, the graph's own macros expanded as well as left as written), so the
names found are a superset of those the page resolves: a spurious dependency costs a
conversion, a missing one a stale page.
"""

from __future__ import annotations

import hashlib
import re

from kb.notes import graph_macros, links
from kb.notes.graph import Graph, Note, deck_of
from kb.notes.outline import Block

# Every '#' followed by a tag name, wherever it stands (kb/links.py's RE_TAG without its
# look-behind and its priority exception): a superset of the tags the page renders.
RE_ANY_TAG = re.compile(r"#(?P<name>[^+" + links.TAG_STOP + r"](?:[^" + links.TAG_STOP + r"]|[.:](?=[^"
                        + links.TAG_STOP + r"]))*)")
RE_ANY_QUERY = re.compile(r"\{\{\s*query", re.IGNORECASE)
EMBED = "{{embed"


class GraphDependencies:
    """The dependencies of each note's page in one graph; built once per build (``of`` per page)."""

    def __init__(self, graph: Graph, macros: dict[str, str]) -> None:
        self.graph = graph
        self.macros = macros
        self._whole: str | None = None
        self._by_uri = {note.src_uri: note for note in graph.notes}
        self._parts: dict[tuple, str] = {}   # _note_part's, by (role, id of the note, deck, whole file)

    def note_at(self, src_uri: str) -> Note | None:
        return self._by_uri.get(src_uri)

    def _note_part(self, role: str, note: Note, default_deck: str | None, whole_file: bool = True) -> str:
        """``_note_part``, once per note of this graph (a note is a backlink source of many pages)."""
        key = (role, id(note), default_deck, whole_file)
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = _note_part(role, note, default_deck, whole_file)
        return part

    def of(self, note: Note, default_deck: str | None) -> str:
        """Everything in the graph that ``note``'s page shows, as one text (fingerprint it)."""
        parts: list[str] = [self._note_part("page", note, default_deck)]
        texts: list[tuple[str, bool]] = [(note.source_text, note.math)]   # (text, its page's math setting)
        for source, blocks in self.graph.backlinks(note):
            parts.append(self._note_part("backlink from", source, default_deck, whole_file=False))
            for block in blocks:
                parts.append(_block_part(block))
                texts.append((_block_text(block), source.math))
        whole = False
        names: dict[str, str] = {}
        followed: set[str] = {note.src_uri}
        while texts and not whole:
            text, math = texts.pop()
            for scanned in {text, graph_macros.expand(text, self.macros, math)}:
                if RE_ANY_QUERY.search(scanned):
                    whole = True
                embeds = EMBED in scanned
                for name in _names(scanned):
                    key = links.normalize(name)
                    if key in names:
                        continue
                    target = self.graph.resolve(name)
                    names[key] = f"{target.src_uri}\0{target.title}" if target is not None else "-"
                    if embeds and target is not None and target.src_uri not in followed:
                        followed.add(target.src_uri)
                        parts.append(self._note_part("embeds", target, default_deck))
                        texts.append((target.source_text, target.math))
                for match in links.RE_BLOCK_REF.finditer(scanned):
                    block_id = match.group("id").lower()
                    found = self.graph.block_ids.get(block_id)
                    key = f"(({block_id}))"
                    if key in names:
                        continue
                    if found is None:
                        names[key] = "-"
                        continue
                    owner, block = found
                    names[key] = f"{owner.src_uri}\0{owner.title}\0{owner.math}\0{_block_part(block)}"
                    texts.append((_block_text(block), owner.math))
                    if embeds and owner.src_uri not in followed:
                        followed.add(owner.src_uri)
                        parts.append(self._note_part("embeds", owner, default_deck))
                        texts.append((owner.source_text, owner.math))
        if whole:
            parts.append("whole graph " + self.whole_graph())
        parts += [f"name {key}\0{value}" for key, value in sorted(names.items())]
        return "\n\0".join(parts)

    def whole_graph(self) -> str:
        """A digest of every note of the graph (generated pages included): what a query may show."""
        if self._whole is None:
            digest = hashlib.sha256()
            for note in self.graph.notes:
                digest.update(f"{note.src_uri}\0{note.generated}\0{note.source_text}\0".encode())
            self._whole = digest.hexdigest()
        return self._whole


def _names(text: str) -> list[str]:
    return ([m.group("name").strip() for m in links.RE_PAGE_REF.finditer(text)]
            + [m.group("name") for m in RE_ANY_TAG.finditer(text)])


def _block_text(block: Block) -> str:
    """The text a block shows where it is quoted: its content and its properties' values."""
    return "\n".join([block.content, *block.properties.values()])


def _block_part(block: Block) -> str:
    return repr((block.line, block.content, sorted(block.properties.items()), block.content_lines))


def _note_part(role: str, note: Note, default_deck: str | None, whole_file: bool = True) -> str:
    """What a page shows of ``note``: where it is, its title, math setting and deck; ``whole_file``:
    its whole text too (the page itself, an embedded one), else not (the page of a backlink)."""
    text = hashlib.sha256(note.source_text.encode()).hexdigest() if whole_file else ""
    return "\0".join([role, note.src_uri, note.title, note.dest_uri, str(note.math), str(note.generated),
                      str(deck_of(note, default_deck)), str(note.front.meta.get("deck")), text])
