"""MkDocs hooks for Logseq notes: thin glue around kb/notes/graph.py, kb/logseq/extension.py and kb/site/navigation.py.

* ``on_config``: add the ``kb.logseq.extension`` Markdown extension. MkDocs checks
  ``markdown_extensions`` before it loads hooks, and only a loaded hook makes
  ``kb`` importable, so the extension cannot be named in mkdocs.yml.
* ``on_files``: read the graph's own macros (``docs/.kb-macros.json``, written by
  ``kb import``), read every note under ``docs/pages/``, build the link graph,
  report its problems, leave out ``public: false`` notes, add the generated tag
  pages, read the errata under ``docs/errata/`` (not pages themselves; each problem,
  such as a target no longer found, is a warning with file:line) and add the 勘误
  page that lists them, give notes readable URLs, and log the pages not written yet (each link
  to one is a warning with file:line, so the strict build fails).
* ``on_page_read_source``: a note without YAML front matter gets one from its
  Logseq page properties (``title::``, ``deck::``, ...), so MkDocs does not read
  them as MultiMarkdown metadata.
* ``on_nav``: the notes in the learning path's order (kb/site/learning_path.py,
  kb/site/navigation.py); 项目指标 leaves the navigation for the footer.
* ``on_page_markdown``: tell the extension which page it renders; ``toc: false``
  hides the table of contents; ``tags`` becomes the list Material's tags plugin takes;
  the home page gets the 学习路径; 项目指标 stays out of the search index.
* ``on_page_content``: a note on the path ends with 上一篇 / 下一篇.
* ``on_post_build``: write the pages not written yet to ``not-written-yet.json``; remove the
  generated pages' files.

What the hooks learn is kept in the build's state (kb/site/build_state.py), not in module globals.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

# MkDocs loads this file by path; make the `kb` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so that `kb` imports

from mkdocs.structure.files import File  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

import yaml  # noqa: E402

from kb.cards import errata  # noqa: E402
from kb.cards.default_deck import default_deck  # noqa: E402
from kb.notes import frontmatter  # noqa: E402
from kb.notes import graph_macros  # noqa: E402
from kb.notes import page_names  # noqa: E402
from kb.notes.graph import Graph, Note, build_graph  # noqa: E402
from kb.notes.missing_pages import PAGE, missing_pages_mode  # noqa: E402
from kb.site import build_state, errata_page  # noqa: E402
from kb.site import learning_path  # noqa: E402
from kb.site import navigation  # noqa: E402
from kb.site.source_paths import shown_source  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.kb.logseq")

EXTENSION = "kb.logseq.extension"
MISSING_PAGES_FILE = "not-written-yet.json"
HUB_SEARCH_BOOST = 4   # Material's search: the document's score is multiplied by it

def on_config(config: MkDocsConfig) -> MkDocsConfig | None:
    if EXTENSION not in config.markdown_extensions:
        config.markdown_extensions.append(EXTENSION)
    return config


def on_files(files: Files, *, config: MkDocsConfig) -> Files | None:
    state = build_state.of(config)
    try:
        state.macros = graph_macros.load_macros(Path(config.docs_dir))
    except graph_macros.MacrosFileError as err:
        log.warning("%s", err)
    notes = [f for f in files.documentation_pages() if page_names.is_note(f.src_uri)]
    try:
        make_missing = missing_pages_mode(config.extra) == PAGE
    except ValueError as err:
        log.warning("%s", err)
        make_missing = False
    graph = state.graph = build_graph([(f.src_uri, f.content_string) for f in notes], missing_pages=make_missing)
    for problem in graph.problems:
        log.warning(problem.text(lambda uri: shown_source(config, uri)))
    public = {note.src_uri for note in graph.notes}
    for file in notes:
        if file.src_uri not in public:
            files.remove(file)
    _read_learning_path(state)
    _add_tag_pages(files, state)
    _read_errata(files, state)
    _give_readable_urls(files, graph, config)
    missing = graph.missing()
    log.info("Pages not written yet (%d): %s", len(missing), ", ".join(missing) or "none")
    # Every page the notes link to is written; a new link to a missing page is an
    # error of the strict build (the page still shows it, marked "not written yet").
    # A link to a private note (public: false) is the owner's choice, not an error.
    for name, places in graph.unwritten().items():
        for place in places:
            uri, _, line = place.rpartition(":")
            log.warning("%s:%s: [[%s]] links to a page that is not written yet", shown_source(config, uri), line, name)
    return files


def _read_learning_path(state: build_state.BuildState) -> None:
    graph = state.graph
    file = learning_path.path_file(state.config.config_file_path)
    try:
        state.path = learning_path.read(file, learning_path.PATH_FILE)
    except learning_path.LearningPathError as err:
        log.warning("%s", err)
        return
    if state.path is None:
        return

    def resolve(name: str) -> str | None:
        note = graph.resolve(name)
        return note.src_uri if note is not None and not note.generated else None

    notes = [(note.src_uri, note.title) for note in graph.notes if not note.generated]
    for problem in learning_path.problems(state.path, resolve, notes):
        log.warning("%s", problem)


def _add_tag_pages(files: Files, state: build_state.BuildState) -> None:
    # Backed by real files, since other hooks may read a page's abs_src_path.
    state.generated_dir = tempfile.TemporaryDirectory(prefix="kb-tag-pages-")
    for note in state.graph.notes:
        if note.generated:
            path = Path(state.generated_dir.name, note.src_uri)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(note.source_text, encoding="utf-8")
            files.append(File.generated(state.config, note.src_uri, abs_src_path=str(path)))


def _read_errata(files: Files, state: build_state.BuildState) -> None:
    """The errata under docs/errata/ (kb/cards/errata.py): not pages of their own; their problems fail the
    strict build; the generated 勘误 page lists them all."""
    sources = [f for f in files.documentation_pages() if errata.is_errata_file(f.src_uri)]
    for file in sources:
        files.remove(file)
    state.errata, problems = errata.collect([(f.src_uri, f.content_string) for f in sources], state.graph,
                                            state.shown)
    for problem in problems:
        log.warning("%s", problem)
    assert state.generated_dir is not None
    path = Path(state.generated_dir.name, errata_page.SRC_URI)
    path.write_text(errata_page.page_markdown(state.errata, state.graph), encoding="utf-8")
    files.append(File.generated(state.config, errata_page.SRC_URI, abs_src_path=str(path)))


def _give_readable_urls(files: Files, graph: Graph, config: MkDocsConfig) -> None:
    taken = {f.dest_uri: f.src_uri for f in files if graph.note_at(f.src_uri) is None}
    for note in graph.notes:
        file = files.get_file_from_path(note.src_uri)
        if file is None:
            continue
        if note.dest_uri in taken:
            line = note.front.key_lines.get("title", 1)
            log.warning("%s:%d: its URL %s is already taken by %s", shown_source(config, note.src_uri), line,
                        note.dest_uri, shown_source(config, taken[note.dest_uri]))
            continue
        taken[note.dest_uri] = note.src_uri
        file.dest_uri = note.dest_uri
        for cached in ("url", "abs_dest_path"):  # computed from the old dest_uri
            file.__dict__.pop(cached, None)


def on_page_read_source(page: Page, config: MkDocsConfig) -> str | None:
    """A note without YAML front matter gets one made from its Logseq page properties.

    Otherwise MkDocs reads leading ``key:: value`` lines (or any ``word: text`` first
    line) as MultiMarkdown metadata: it drops them from the page and keeps values
    such as ``": Batch Normalization"``. The note itself stays as written.
    """
    note = _note_of(page, config)
    if note is None or note.front.body_first_line != 1:  # no note, or YAML front matter
        return None
    meta = frontmatter.meta_from_page_properties(note.title, note.blocks)
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + note.source_text


def _note_of(page: Page, config: MkDocsConfig) -> Note | None:
    """The note a page shows, as the graph read it (None: not a note)."""
    graph = build_state.of(config).graph
    return graph.note_at(page.file.src_uri) if graph is not None else None


def on_nav(nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation | None:
    state = build_state.of(config)
    config.extra["kb_footer_links"] = navigation.footer_links(files)   # partials/copyright.html
    graph = state.graph
    if graph is None:
        return None
    nav = navigation.nest_notes(nav, graph, state.path)
    state.path_pages = [page for page in nav.pages if state.path is not None and graph.note_at(page.file.src_uri)
                        and not graph.note_at(page.file.src_uri).generated]
    # Each page's place on the path and its note's first step, looked up once here (each page
    # going over every page and step made the build grow with pages x steps).
    state.path_places = {}
    for index, page in enumerate(state.path_pages):
        state.path_places.setdefault(id(page), index)
    state.path_steps = {}
    for step in state.path.steps if state.path is not None else []:
        state.path_steps.setdefault(id(graph.resolve(step.title)), step)
    return nav


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
    state = build_state.of(config)
    note = _note_of(page, config)
    if note is None:
        config.mdx_configs[EXTENSION] = {}  # an ordinary page: the extension stays out
        if page.file.src_uri in navigation.FOOTER_PAGES:
            page.meta["search"] = {"exclude": True}   # a developer's page: not found by a learner's query
        if page.is_homepage and state.path is not None and learning_path.HOME_MARKER in markdown:
            link = _note_links(page, files, state.graph)
            return markdown.replace(learning_path.HOME_MARKER, learning_path.home_markdown(state.path, link))
        return None
    # MkDocs drops the blank lines after the front matter; count them back.
    body = note.front.body
    first_line = note.front.body_first_line + len(body) - len(body.lstrip("\n"))
    config.mdx_configs[EXTENSION] = {
        "graph": state.graph,
        "src_uri": note.src_uri,
        "first_line": first_line,
        "docs_dir": config.docs_dir,
        "source_path": state.shown(note.src_uri),
        "default_deck": default_deck(config.extra),
        "macros": state.macros,
        "errata": [e for e in errata.of_note(state.errata, note.src_uri) if e.target_line is not None],
        "cards": state.cards_of,   # the card builder, run once per note
    }
    if note.front.meta.get("toc") is False:
        page.meta.setdefault("hide", []).append("toc")
    if state.path is not None and any(step.topics and state.graph.resolve(step.title) is note
                                      for step in state.path.steps):
        # A hub (the original note) leads to every page of its topics: a search for the
        # subject's word lists it among the first (it was below the eighth result for 归一化).
        page.meta["search"] = {**(page.meta.get("search") or {}), "boost": HUB_SEARCH_BOOST}
    if "tags" in page.meta and not isinstance(page.meta["tags"], list):
        # Material's tags plugin takes only a list: one tag name becomes a list of one, and a
        # value of the wrong type (already a front matter problem with its line) none.
        page.meta["tags"] = frontmatter.names_of(page.meta["tags"])
    return None


def _note_links(page: Page, files: Files, graph: Graph):
    """``link(title)``: the URL of the note a title names, relative to ``page`` (None: no such note)."""
    def link(title: str) -> str | None:
        note = graph.resolve(title)
        note_file = files.get_file_from_path(note.src_uri) if note is not None else None
        return get_relative_url(note_file.url, page.url) if note_file is not None else None
    return link


def on_page_content(html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
    """A note on the learning path ends with links to the pages before and after it; a hub
    (a step with ``topics``) shows, under its title, where each topic is taught."""
    state = build_state.of(config)
    graph, path_pages = state.graph, state.path_pages
    position = state.path_places.get(id(page))
    if position is None:
        return None
    note = graph.note_at(page.file.src_uri)
    step = state.path_steps.get(id(note))
    hub = learning_path.hub_html(step, _note_links(page, files, graph)) if step is not None else ""
    if hub:
        title_end = html.find("</h1>")
        at = title_end + len("</h1>") if title_end >= 0 else 0
        html = html[:at] + hub + html[at:]

    def neighbour(index: int) -> tuple[str, str] | None:
        if not 0 <= index < len(path_pages):
            return None
        other = path_pages[index]
        return graph.note_at(other.file.src_uri).title, get_relative_url(other.url, page.url)

    return html + learning_path.neighbours_html(neighbour(position - 1), neighbour(position + 1))


def on_post_build(*, config: MkDocsConfig) -> None:
    state = build_state.of(config)
    if state.graph is None:
        return
    missing = state.graph.missing()
    path = Path(config.site_dir) / MISSING_PAGES_FILE
    path.write_text(json.dumps(missing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _remove_generated_files(state)


def _remove_generated_files(state: build_state.BuildState) -> None:
    """The tag pages' and the 勘误 page's files, once the pages are built."""
    if state.generated_dir is not None:
        state.generated_dir.cleanup()
        state.generated_dir = None
