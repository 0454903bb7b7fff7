"""The site navigation for notes, generated from their titles (no hand-kept list).

MkDocs' own navigation would list ``docs/pages/`` flat, as Logseq stores it. Here
the notes become one section, ``笔记``, in which a namespaced page sits under its
parent: ``Batch Normalization/维度理解`` appears as ``维度理解`` inside the section
``Batch Normalization``, whose first entry is the parent page itself (when it is
written). Generated tag pages go into a section ``标签`` after the tags index.
Everything else in the navigation stays where MkDocs put it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.structure.nav import Section
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from kb import links

if TYPE_CHECKING:
    from mkdocs.structure.nav import Navigation

    from kb.graph import Graph

NOTES_SECTION = "笔记"
TAGS_SECTION = "标签"
TAGS_INDEX = "tags.md"


@dataclass
class _Node:
    name: str                      # the last segment of the title
    page: Page | None = None
    children: dict[str, "_Node"] = field(default_factory=dict)


def _namespace_tree(pages: list[tuple[str, Page]]) -> _Node:
    root = _Node("")
    for title, page in pages:
        node = root
        for segment in [part.strip() for part in title.split(links.NAMESPACE_SEPARATOR) if part.strip()]:
            node = node.children.setdefault(links.normalize(segment), _Node(segment))
        node.page = page
    return root


def _items(node: _Node, parent: Section | None) -> list:
    items = []
    for child in sorted(node.children.values(), key=lambda n: links.normalize(n.name)):
        if child.children:
            section = Section(child.name, [])
            section.parent = parent
            if child.page is not None:
                child.page.parent = section
                section.children.append(child.page)
            section.children += _items(child, section)
            items.append(section)
        elif child.page is not None:
            child.page.parent = parent
            items.append(child.page)
    return items


def _remove(items: list, wanted: set[int]) -> list:
    """``items`` without the pages in ``wanted`` (by id) and without sections left empty."""
    kept = []
    for item in items:
        if isinstance(item, Section):
            item.children = _remove(item.children, wanted)
            if item.children:
                kept.append(item)
        elif id(item) not in wanted:
            kept.append(item)
    return kept


def _first_index(items: list, page_ids: set[int]) -> int:
    for index, item in enumerate(items):
        pages = [item] if not isinstance(item, Section) else _pages(item.children)
        if any(id(page) in page_ids for page in pages):
            return index
    return len(items)


def _pages(items: list) -> list[Page]:
    found = []
    for item in items:
        if isinstance(item, Section):
            found += _pages(item.children)
        elif isinstance(item, Page):
            found.append(item)
    return found


def nest_notes(nav: Navigation, graph: Graph) -> Navigation:
    """Rebuild the navigation's note entries as a namespace tree; returns ``nav``."""
    notes, tag_pages = [], []
    tags_index = None
    for page in nav.pages:
        note = graph.note_at(page.file.src_uri)
        if note is not None:
            (tag_pages if note.generated else notes).append((note.title, page))
        elif page.file.src_uri == TAGS_INDEX:
            tags_index = page
    moved = {id(page) for _, page in notes + tag_pages} | ({id(tags_index)} if tags_index else set())
    position = _first_index(nav.items, moved)
    items = _remove(nav.items, moved)

    new_sections = []
    if notes:
        section = Section(NOTES_SECTION, [])
        section.children = _items(_namespace_tree(notes), section)
        new_sections.append(section)
        # A namespaced page is listed under its parent: the last segment is enough there.
        for title, page in notes:
            if links.namespace_parent(title):
                page.title = title.rsplit(links.NAMESPACE_SEPARATOR, 1)[1].strip()
    if tag_pages or tags_index:
        section = Section(TAGS_SECTION, [])
        if tags_index is not None:
            tags_index.parent = section
            section.children.append(tags_index)
        for _, page in sorted(tag_pages, key=lambda item: links.normalize(item[0])):
            page.parent = section
            section.children.append(page)
        new_sections.append(section)
    position = min(position, len(items))
    nav.items = items[:position] + new_sections + items[position:]
    _title_sections_from_index(items)
    _relink(nav)
    return nav


def _title_sections_from_index(items: list) -> None:
    """A folder's section takes the ``title:`` of its index page (``experiments/`` → 实验).

    MkDocs names such a section after the folder, in English; the pages have not been
    read yet when the navigation is made, so the index page's front matter is read here.
    """
    for item in items:
        if not isinstance(item, Section):
            continue
        _title_sections_from_index(item.children)
        index = next((child for child in item.children if isinstance(child, Page)
                      and child.file.name == "index" and child.file.abs_src_path), None)
        if index is not None:
            _, meta = get_data(Path(index.file.abs_src_path).read_text(encoding="utf-8-sig"))
            if isinstance(meta.get("title"), str) and meta["title"].strip():
                item.title = meta["title"].strip()


def _relink(nav: Navigation) -> None:
    """Previous/next links follow the new order."""
    pages = _pages(nav.items)
    for index, page in enumerate(pages):
        page.previous_page = pages[index - 1] if index > 0 else None
        page.next_page = pages[index + 1] if index + 1 < len(pages) else None
    nav.pages = pages
