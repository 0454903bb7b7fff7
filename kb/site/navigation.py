"""The site navigation for notes: the learning path's order, else their titles.

MkDocs' own navigation would list ``docs/pages/`` flat, as Logseq stores it. Here
the notes become one section, ``笔记``. With a learning path (kb/site/learning_path.py)
it holds one section per stage, the pages in the path's order. Without one, a
namespaced page sits under its parent: ``Batch Normalization/维度理解`` appears as
``维度理解`` inside the section ``Batch Normalization``, whose first entry is the
parent page itself (when it is written). Either way a namespaced page is listed by
its last segment. Generated tag pages go into a section ``标签`` after the tags
index. Pages for the project's developers (``FOOTER_PAGES``) leave the navigation
and are linked from the footer. Everything else stays where MkDocs put it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.structure.nav import Section
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from kb.notes import links

if TYPE_CHECKING:
    from mkdocs.structure.nav import Navigation

    from kb.notes.graph import Graph
    from kb.site.learning_path import LearningPath

NOTES_SECTION = "笔记"
TAGS_SECTION = "标签"
TAGS_INDEX = "tags.md"
FOOTER_PAGES = ("metrics.md",)   # 项目指标: for the project's developers, not for learners


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


def _stage_items(path: LearningPath, graph: Graph, notes: list[tuple[str, Page]], parent: Section) -> list:
    """One section per stage of the path, its pages in the path's order."""
    page_of = {id(graph.resolve(title)): page for title, page in notes}
    sections = []
    for stage in path.stages:
        section = Section(stage.name, [])
        section.parent = parent
        for step in stage.steps:
            page = page_of.get(id(graph.resolve(step.title)))
            if page is not None:   # kb/learning_path.problems reports the others
                page.parent = section
                section.children.append(page)
        if section.children:
            sections.append(section)
    return sections


def nest_notes(nav: Navigation, graph: Graph, path: LearningPath | None = None) -> Navigation:
    """Rebuild the navigation's note entries in the path's order, else as a namespace tree.

    Returns ``nav``; the pages in ``FOOTER_PAGES`` are no longer in it.
    """
    notes, tag_pages = [], []
    tags_index = None
    footer = set()
    for page in nav.pages:
        note = graph.note_at(page.file.src_uri)
        if note is not None:
            (tag_pages if note.generated else notes).append((note.title, page))
        elif page.file.src_uri == TAGS_INDEX:
            tags_index = page
        elif page.file.src_uri in FOOTER_PAGES:
            footer.add(id(page))
    moved = {id(page) for _, page in notes + tag_pages} | ({id(tags_index)} if tags_index else set())
    items = _remove(nav.items, footer)
    position = _first_index(items, moved)
    items = _remove(items, moved)

    new_sections = []
    if notes:
        section = Section(NOTES_SECTION, [])
        if path is not None:
            section.children = _stage_items(path, graph, notes, section)
        else:
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


def _front_matter_title(page_file) -> str | None:
    _, meta = get_data(Path(page_file.abs_src_path).read_text(encoding="utf-8-sig"))
    title = meta.get("title")
    return title.strip() if isinstance(title, str) and title.strip() else None


def footer_links(files) -> list[dict[str, str]]:
    """The ``FOOTER_PAGES`` that exist, as ``{"title", "url"}`` (URL relative to the site root)."""
    found = []
    for src_uri in FOOTER_PAGES:
        page_file = files.get_file_from_path(src_uri)
        if page_file is not None and page_file.abs_src_path:
            found.append({"title": _front_matter_title(page_file) or page_file.name, "url": page_file.url})
    return found


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
        if index is not None and _front_matter_title(index.file):
            item.title = _front_matter_title(index.file)


def _relink(nav: Navigation) -> None:
    """Previous/next links follow the new order."""
    pages = _pages(nav.items)
    for index, page in enumerate(pages):
        page.previous_page = pages[index - 1] if index > 0 else None
        page.next_page = pages[index + 1] if index + 1 < len(pages) else None
    nav.pages = pages
