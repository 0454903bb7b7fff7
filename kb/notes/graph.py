"""The link graph of the notes: which page each name means, who links where, what is missing.

Built once per site build from the sources of all notes, before any page is
rendered, because a page's links and its "Linked references" depend on the other
pages. Pure: ``build_graph`` takes ``(src_uri, text)`` pairs and returns data.

* Each public note is reachable by its title and its aliases (front matter
  ``alias`` or Logseq's ``alias::`` page property), case-insensitively.
* Every tag gets a page, as in Logseq (a tag *is* a page): when no note has the
  tag's name, the graph makes a tag page that lists the pages carrying that tag.
* A ``[[link]]`` to a name no page has is "not written yet": it renders as a marked,
  non-clickable name and is listed by ``missing()``.
* ``public: false`` notes are not pages: links to them count as not written yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from kb.notes import links
from kb.notes import page_names
from kb.notes.dollar_math import mask_math
from kb.notes.frontmatter import FrontMatter, Problem, read_front_matter
from kb.notes.missing_pages import missing_page_text
from kb.notes.outline import Block, page_properties, parse_outline, walk


@dataclass
class Note:
    src_uri: str                  # relative to docs/, e.g. "pages/Batch Normalization.md"
    title: str
    front: FrontMatter
    blocks: list[Block]
    aliases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    generated: bool = False       # a tag page made by the build, not a file in docs/
    source_text: str = ""         # the file's text (front matter included)

    @property
    def public(self) -> bool:
        return self.front.meta.get("public", True) is not False

    @property
    def math(self) -> bool:
        return self.front.meta.get("mathjax", True) is not False

    @property
    def dest_uri(self) -> str:
        return page_names.dest_uri_for_title(self.title)

    @property
    def properties(self) -> dict[str, str]:
        """Its Logseq page properties (kb/notes/outline.py ``page_properties``)."""
        return page_properties(self.blocks)

    @property
    def explicit_title(self) -> str | None:
        """The title the page states (front matter ``title``, else ``title::``), or None."""
        title = self.front.meta.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
        return self.properties.get("title", "").strip() or None


def deck_of(note: Note, default: str | None = None) -> str | None:
    """The deck a note's cards go to (front matter ``deck``, else a ``deck::`` page property),
    else ``default`` (kb/cards/default_deck.py; None: the note has no cards).

    The cards hook reads the cards of exactly these pages (kb/site/logseq_hooks.py turns page
    properties into front matter).
    """
    deck = note.front.meta.get("deck")
    if isinstance(deck, str) and deck.strip():
        return deck.strip()
    return note.properties.get("deck", "").strip() or default


@dataclass(frozen=True)
class Link:
    source: Note
    block: Block
    line: int        # source line of the reference
    kind: str        # "page", "tag" or "block"
    target: str      # the name as written, or the block id


@dataclass(frozen=True)
class SourceProblem:
    src_uri: str
    line: int
    message: str          # "{also}" in it stands for the other place the problem involves
    also: str = ""        # that place's src_uri ("" when none)
    also_line: int = 0    # and line (0: the file only)

    def text(self, shown=lambda src_uri: src_uri) -> str:
        """``path:line: message``, each file named by ``shown(src_uri)`` (the build's and lint's form)."""
        return f"{shown(self.src_uri)}:{self.line}: {self.detail(shown)}"

    def detail(self, shown=lambda src_uri: src_uri) -> str:
        """The message, the other place named by ``shown(src_uri)``."""
        if not self.also:
            return self.message
        place = shown(self.also) + (f":{self.also_line}" if self.also_line else "")
        return self.message.replace("{also}", place)

    def __str__(self) -> str:
        return self.text()


@dataclass
class Graph:
    notes: list[Note]                       # public notes and generated tag pages
    links: list[Link]
    problems: list[SourceProblem]
    by_name: dict[str, Note] = field(default_factory=dict)
    block_ids: dict[str, tuple[Note, Block]] = field(default_factory=dict)
    private_names: set[str] = field(default_factory=set)   # normalised titles of public: false notes
    _backlinks: tuple[int, dict] | None = field(default=None, repr=False, compare=False)   # _backlink_index
    _by_uri: tuple[tuple[int, int], dict] | None = field(default=None, repr=False, compare=False)   # note_at

    def note_at(self, src_uri: str) -> Note | None:
        """The note read from ``src_uri`` (the first, as a pass over ``notes`` finds it), from an
        index made on first use and again when ``notes`` changed length or was replaced (each page
        asking went over every note: a build grew with pages x notes)."""
        if self._by_uri is None or self._by_uri[0] != (id(self.notes), len(self.notes)):
            index: dict[str, Note] = {}
            for note in self.notes:
                index.setdefault(note.src_uri, note)
            self._by_uri = ((id(self.notes), len(self.notes)), index)
        return self._by_uri[1].get(src_uri)

    def resolve(self, name: str) -> Note | None:
        """The page a ``[[name]]`` or ``#name`` means, or None if it is not written yet."""
        return self.by_name.get(links.normalize(name))

    def backlinks(self, note: Note) -> list[tuple[Note, list[Block]]]:
        """The pages linking to ``note`` and, for each, its linking blocks in page order."""
        return [(source, list(blocks)) for source, blocks in self._backlink_index().get(id(note), [])]

    def _backlink_index(self) -> dict[int, list[tuple[Note, list[Block]]]]:
        """Every note's backlinks (by ``id`` of the note), from one pass over the links, made on
        first use and again if links were added since (each page asking for its own went over
        every link: a build grew with pages x links)."""
        if self._backlinks is None or self._backlinks[0] != len(self.links):
            grouped: dict[int, dict[str, tuple[Note, list[Block]]]] = {}
            for link in self.links:
                target = self.target_of(link)
                if target is None or target is link.source:
                    continue
                _, blocks = grouped.setdefault(id(target), {}).setdefault(link.source.src_uri, (link.source, []))
                if not any(block is link.block for block in blocks):
                    blocks.append(link.block)
            index = {key: sorted(by_source.values(), key=lambda item: links.normalize(item[0].title))
                     for key, by_source in grouped.items()}
            self._backlinks = (len(self.links), index)
        return self._backlinks[1]

    def missing(self) -> dict[str, list[str]]:
        """Names linked to but not written yet -> where (``src_uri:line``), sorted by name."""
        found: dict[str, tuple[str, list[str]]] = {}
        for link in self.links:
            if link.kind == "page" and self.resolve(link.target) is None:
                name, places = found.setdefault(links.normalize(link.target), (link.target, []))
                places.append(f"{link.source.src_uri}:{link.line}")
        return {name: places for name, places in sorted(found.values(), key=lambda item: links.normalize(item[0]))}

    def unwritten(self) -> dict[str, list[str]]:
        """The missing pages that are not private notes: a link to one is an error."""
        return {name: places for name, places in self.missing().items()
                if links.normalize(name) not in self.private_names}

    def target_of(self, link: Link) -> Note | None:
        """The page a link leads to: a block reference's page, else the page named; None if not written."""
        if link.kind == "block":
            found = self.block_ids.get(link.target)
            return found[0] if found else None
        return self.resolve(link.target)


def block_line(block: Block, offset: int) -> int:
    """Source line of the character at ``offset`` in ``block.content``."""
    index = block.content.count("\n", 0, offset)
    return block.content_lines[index] if index < len(block.content_lines) else block.line


def read_note(src_uri: str, text: str) -> Note:
    front = read_front_matter(text)
    blocks = parse_outline(front.body, front.body_first_line)
    title = front.meta.get("title") if isinstance(front.meta.get("title"), str) else None
    aliases, tags = list(front.aliases), list(front.tags)
    props = page_properties(blocks)
    if props:
        title = title or props.get("title")
        aliases += links.split_names(props.get("alias", ""))
        tags += links.split_names(props.get("tags", ""))
        if props.get("public", "").strip().lower() == "false":
            front.meta.setdefault("public", False)
    return Note(src_uri, (title or page_names.title_from_filename(src_uri)).strip(),
                front, blocks, aliases, tags, source_text=text)


def _references(note: Note, block: Block) -> list[links.Reference]:
    text = mask_math(block.content) if note.math else block.content
    return list(links.find_references(text))


# The notes the last build_graph read, by (src_uri, text), each with its references as
# (block, line, kind, target) once found: ``mkdocs serve`` builds the graph again on every save,
# and a note whose text is the same is not read again. A Note is not changed once read (pages
# render a copy of its outline), so the next graph may hold the same object.
_last_read: dict[tuple[str, str], list] = {}


def build_graph(sources: list[tuple[str, str]], missing_pages: bool = False) -> Graph:
    """The graph of the notes given as ``(src_uri, text)`` pairs; ``missing_pages``: a page is made
    for each name linked but not written (kb/notes/missing_pages.py), else those links stay unwritten."""
    global _last_read
    problems: list[SourceProblem] = []
    notes = []
    private: set[str] = set()
    read: dict[tuple[str, str], list] = {}
    in_order = []
    for src_uri, text in sorted(sources):
        known = _last_read.get((src_uri, text)) or [read_note(src_uri, text), None]
        read[(src_uri, text)] = known
        in_order.append(known)
        note = known[0]
        problems += [SourceProblem(src_uri, p.line, p.message) for p in note.front.problems]
        if note.public:
            notes.append(note)
        else:
            private.update(links.normalize(name) for name in [note.title, *note.aliases])
    graph = Graph(notes, [], problems, private_names=private)
    _index_names(graph)
    _index_block_ids(graph)
    for known in in_order:
        note = known[0]
        if not note.public:
            continue
        if known[1] is None:
            known[1] = [(block, block_line(block, ref.start), ref.kind, ref.target)
                        for block in walk(note.blocks) for ref in _references(note, block)]
        graph.links += [Link(note, block, line, kind, target) for block, line, kind, target in known[1]]
    _last_read = read
    _add_tag_pages(graph)
    if missing_pages:
        _add_missing_pages(graph)
    for link in graph.links:
        if link.kind == "block" and link.target not in graph.block_ids:
            graph.problems.append(SourceProblem(link.source.src_uri, link.line,
                                                f"block reference (({link.target})) names no block: "
                                                "no public page has a block with this id::"))
        if link.kind in ("page", "tag") and not link.target:
            graph.problems.append(SourceProblem(link.source.src_uri, link.line, "empty page link [[]]"))
    return graph


def _index_names(graph: Graph) -> None:
    owner: dict[str, tuple[Note, str]] = {}
    for note in graph.notes:
        for name in [note.title, *note.aliases]:
            key = links.normalize(name)
            if key in owner and owner[key][0] is not note:
                other, other_name = owner[key]
                graph.problems.append(SourceProblem(
                    note.src_uri, note.front.key_lines.get("title", 1),
                    f"page name '{name}' is already used by {{also}} ('{other_name}')",
                    also=other.src_uri))
                continue
            owner[key] = (note, name)
            graph.by_name[key] = note


def _index_block_ids(graph: Graph) -> None:
    for note in graph.notes:
        for block in walk(note.blocks):
            block_id = block.properties.get("id", "").strip().lower()
            if not block_id:
                continue
            if block_id in graph.block_ids:
                first, first_block = graph.block_ids[block_id]
                graph.problems.append(SourceProblem(
                    note.src_uri, block.property_lines.get("id", block.line),
                    f"block id {block_id} is already used at {{also}}: give each block its own 'id::'",
                    also=first.src_uri, also_line=first_block.property_lines.get("id", first_block.line)))
                continue
            graph.block_ids[block_id] = (note, block)


def tag_page_text(tag: str, tagged: list[Note]) -> str:
    """The Logseq source of a generated tag page."""
    lines = ["---", f"title: {json.dumps(tag, ensure_ascii=False)}", "---", ""]  # JSON is valid YAML
    if tagged:
        lines.append("带有这个标签（tag）的页面")
        lines += [f"  - [[{note.title}]]" for note in tagged]
    else:
        lines.append("这是一个标签（tag）页面：用到这个标签的块列在下面的链接引用（Linked references）中。")
    return "\n".join(lines) + "\n"


def _add_missing_pages(graph: Graph) -> None:
    for name in graph.unwritten():
        if not name.strip():
            continue     # an empty [[]] is reported as such
        page = read_note(page_names.filename_for_title(name), missing_page_text(name))
        page.generated = True
        graph.notes.append(page)
        graph.by_name[links.normalize(name)] = page


def _add_tag_pages(graph: Graph) -> None:
    names: dict[str, str] = {}
    for note in graph.notes:
        for tag in note.tags:
            names.setdefault(links.normalize(tag), tag)
    for link in graph.links:
        if link.kind == "tag" and link.target:
            names.setdefault(links.normalize(link.target), link.target)
    for key, tag in sorted(names.items()):
        if key in graph.by_name:
            continue
        tagged = [note for note in graph.notes if key in {links.normalize(t) for t in note.tags}]
        src_uri = page_names.filename_for_title(tag)
        page = read_note(src_uri, tag_page_text(tag, tagged))
        page.generated = True
        graph.notes.append(page)
        graph.by_name[key] = page
