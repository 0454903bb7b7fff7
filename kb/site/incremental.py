"""Incremental rebuilds for ``mkdocs serve --dirty`` (``make serve``): a save rebuilds only the pages
whose output it changes, and everything site-wide stays whole (issue 22).

MkDocs' dirty mode skips every page whose ``file.is_modified()`` is false: it is neither read nor
written. Here that answer comes from what each page shows, not from file dates:

* the site's part (:func:`site_key`): kb's code and the packages, the config files, the theme's
  own templates, the static files, the snippets, the learning path, the graph's macros and
  errata, and the navigation (every page's place, URL and title as the graph names it, section
  titles). When it changes, every page is rebuilt: a page added, removed, renamed or retitled
  changes the navigation, the previous/next links and the 404 page of every page.
* a note's part (:func:`note_key`): the note's own text and everything of the graph its page
  shows (kb/logseq/page_dependencies.py: backlinks, resolved names, block references, embeds,
  queries), the same dependencies the render cache fingerprints.
* a page that is not a note (home, tags index, review page, notebooks, the 勘误 page) is always
  rebuilt: what it shows is not tracked.

A page is clean when its key is the one it had in the previous build of this session and its
output file is still there; every other page is built as in a full build. The previous build's
record of a clean page (title, metadata, anchors, cards: :class:`PageRecord`) is put back on its
``Page``, so the navigation, Material's tags index, cards.json, the Anki deck, the home page's
deck links and the sitemap see every page. The search index keeps the previous build's entries
of the clean pages (read back from ``search/search_index.json`` in the site) and takes the
rebuilt pages' new ones, in the order a full build writes them.

Safety nets: a build that logged a warning or failed forgets its records (the next build is
full); when a rebuilt page's title or navigation metadata differs from its record, the clean
pages are read and built too (the navigation changed in a way the site key did not see).

The records live in this module (one :class:`Session` per ``mkdocs serve`` process, started by
``on_startup(dirty=True)``): hooks are loaded afresh for every rebuild, this package is not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.utils import CountHandler

from kb.logseq.page_dependencies import GraphDependencies
from kb.site import render_cache

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

    from kb.cards.page_cards import PageCards
    from kb.site.build_state import BuildState

log = logging.getLogger("mkdocs.hooks.kb.incremental")

PLAN_KEY = "kb_incremental_plan"
SEARCH_INDEX = Path("search") / "search_index.json"
DIRTY_BUILD_LOG = logging.getLogger("mkdocs.commands.build")
DIRTY_WARNING = "A 'dirty' build is being performed"
NAV_META = ("icon", "status", "subtitle", "hide")   # what Material's navigation shows of a page's meta


@dataclass
class PageRecord:
    """What a built page left that other pages and the site-wide files need."""
    key: str
    dest_path: str
    title: str | None
    meta: dict
    title_from_render: str | None
    anchors: set[str] | None
    cards: PageCards | None          # its cards when they go to a deck (cards_hooks' deck_pages)


@dataclass
class Session:
    """The records of one ``mkdocs serve --dirty`` process's builds of one site."""
    config_file: str
    site_dir: str
    site_key: str = ""
    records: dict[str, PageRecord] = field(default_factory=dict)   # by src_uri


@dataclass
class Plan:
    """This build's decision: which pages are rebuilt."""
    session: Session
    site_key: str
    keys: dict[str, str | None]        # src_uri -> key (None: not tracked, always rebuilt)
    clean: set[str]                    # src_uri of the pages not rebuilt
    files: Files                       # this build's files: its pages in the order they are built

    @property
    def partial(self) -> bool:
        return bool(self.clean)


_session: Session | None = None
_active = False
_warnings: CountHandler | None = None   # on MkDocs' logger from one build's start to the next's


def start(dirty: bool) -> None:
    """``on_startup``: a serve process with dirty builds keeps records; any other does not."""
    global _session, _active
    _session, _active = None, dirty
    if dirty:
        DIRTY_BUILD_LOG.addFilter(_dirty_build_warning)
    else:
        DIRTY_BUILD_LOG.removeFilter(_dirty_build_warning)


def _dirty_build_warning(record: logging.LogRecord) -> bool:
    """MkDocs warns that a dirty build "will likely lead to inaccurate navigation and other links":
    what this module takes care of. The warning would fail every build of the strict config."""
    return not (_active and record.levelno == logging.WARNING and record.getMessage().startswith(DIRTY_WARNING))


def count_warnings() -> None:
    """``on_pre_build``: count this build's warnings; the previous build's, if any, make this one full
    (a page that warned is not known to be as a full build makes it: its messages are logged again)."""
    global _warnings
    if _warnings is not None:
        logging.getLogger("mkdocs").removeHandler(_warnings)
        if _warnings.get_counts():
            forget()
    _warnings = CountHandler()
    _warnings.setLevel(logging.WARNING)
    logging.getLogger("mkdocs").addHandler(_warnings)


def plan_of(config: MkDocsConfig) -> Plan | None:
    return config.get(PLAN_KEY) if hasattr(config, "get") else None


def is_partial(config: MkDocsConfig) -> bool:
    """Whether this build rebuilds only some pages (the render cache then keeps its other entries)."""
    plan = plan_of(config)
    return plan is not None and plan.partial


# --- keys -------------------------------------------------------------------------------------

def _file_digest(path: str | Path | None) -> str:
    if not path:
        return "-"
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _tree_stat_digest(folder: str | Path | None) -> str:
    digest = hashlib.sha256()
    root = Path(folder) if folder else None
    for path in sorted(root.rglob("*")) if root is not None and root.is_dir() else []:
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _config_files(config: MkDocsConfig) -> list[str]:
    """The config file and the ones it inherits (``INHERIT:``)."""
    found, path = [], config.config_file_path
    while path and path not in found and os.path.isfile(path):
        found.append(path)
        parent = None
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith("INHERIT:"):
                parent = os.path.join(os.path.dirname(path), line.partition(":")[2].strip().strip("'\""))
        path = parent
    return found


def _nav_signature(items: list, state: BuildState, out: list[str]) -> None:
    for item in items:
        if getattr(item, "is_section", False):
            out.append(f"section {item.title}")
            _nav_signature(item.children, state, out)
            out.append("end")
        elif getattr(item, "is_page", False):
            note = state.graph.note_at(item.file.src_uri) if state.graph is not None else None
            # A note's title is the graph's; another page's comes from its own text.
            title = note.title if note is not None else _file_digest(item.file.abs_src_path)
            out.append(f"page {item.file.src_uri}\0{item.url}\0{title}\0{item.__dict__.get('title')}")
        else:
            out.append(f"link {getattr(item, 'title', '')}\0{getattr(item, 'url', '')}")


def site_key(config: MkDocsConfig, files: Files, nav: Navigation, state: BuildState) -> str:
    """Everything every page's output depends on (see the module's docstring)."""
    from kb.site import learning_path
    nav_parts: list[str] = []
    _nav_signature(nav.items, state, nav_parts)
    pages = [f"{f.src_uri}\0{f.dest_uri}" for f in sorted(files.documentation_pages(), key=lambda f: f.src_uri)]
    theme_dir = config.theme.custom_dir if hasattr(config.theme, "custom_dir") else None
    return render_cache.fingerprint(
        render_cache.code_version(),
        *(f"{path}\0{_file_digest(path)}" for path in _config_files(config)),
        str(config.site_url), str(config.use_directory_urls),
        _tree_stat_digest(theme_dir),
        render_cache.static_files_digest(files),
        render_cache.snippets_digest(config),
        _file_digest(learning_path.path_file(config.config_file_path)),
        render_cache.stable(state.macros),
        render_cache.stable(state.errata),
        "\n".join(pages),
        "\n".join(nav_parts),
    )


def note_key(deps: GraphDependencies, src_uri: str, url: str, default_deck: str | None) -> str | None:
    """What a note's page shows of the graph (None: not a note, so not tracked)."""
    note = deps.note_at(src_uri)
    if note is None:
        return None
    return render_cache.fingerprint(src_uri, url, deps.of(note, default_deck))


# --- the build ----------------------------------------------------------------------------------

def plan_build(config: MkDocsConfig, files: Files, nav: Navigation, state: BuildState) -> Plan | None:
    """``on_nav``: decide which pages are rebuilt and tell MkDocs (each file's ``is_modified``)."""
    global _session
    if not _active:
        return None
    from kb.cards.default_deck import default_deck
    session = _session
    if session is None or session.config_file != config.config_file_path or session.site_dir != config.site_dir:
        session = _session = Session(config.config_file_path, config.site_dir)
    key = site_key(config, files, nav, state)
    same_site = key == session.site_key and (Path(config.site_dir) / SEARCH_INDEX).is_file()
    deps = GraphDependencies(state.graph, dict(state.macros)) if state.graph is not None else None
    deck = default_deck(config.extra) or None
    keys: dict[str, str | None] = {}
    clean: set[str] = set()
    for file in files.documentation_pages():
        page_key = note_key(deps, file.src_uri, file.url, deck) if deps is not None else None
        keys[file.src_uri] = page_key
        record = session.records.get(file.src_uri)
        if (same_site and page_key is not None and record is not None and record.key == page_key
                and record.dest_path == file.abs_dest_path and os.path.isfile(file.abs_dest_path)):
            clean.add(file.src_uri)
    for file in files.documentation_pages():
        _set_modified(file, file.src_uri not in clean)
    plan = Plan(session, key, keys, clean, files)
    config[PLAN_KEY] = plan
    log.info("Incremental build: %d of %d pages rebuilt%s", len(keys) - len(clean), len(keys),
             "" if same_site else " (the site changed: all)")
    return plan


def _set_modified(file: File, modified: bool) -> None:
    file.is_modified = lambda: modified   # read by MkDocs' dirty build for this file only


def restore_clean_pages(config: MkDocsConfig, files: Files, state: BuildState, populate) -> None:
    """``on_env`` (before Material's tags plugin lists the tags): put each clean page's record back on it.

    When a rebuilt page's title or navigation metadata is not what its record says, the
    navigation changed after all: every clean page is read now (``populate(page)``) and built.
    """
    plan = plan_of(config)
    if plan is None or not plan.clean:
        return
    records = plan.session.records
    pages = [f.page for f in files.documentation_pages() if f.page is not None]
    changed = [p.file.src_uri for p in pages if p.file.src_uri not in plan.clean
               and p.file.src_uri in records and _nav_view(p) != _nav_view_of(records[p.file.src_uri])]
    if changed:
        log.info("Incremental build: the navigation changed (%s): every page rebuilt", ", ".join(changed[:3]))
        for page in pages:
            if page.file.src_uri in plan.clean:
                _set_modified(page.file, True)
                populate(page)
        plan.clean = set()
        return
    for page in pages:
        record = records.get(page.file.src_uri) if page.file.src_uri in plan.clean else None
        if record is None:
            continue
        page.meta = dict(record.meta)
        page._title_from_render = record.title_from_render
        page.present_anchor_ids = set(record.anchors) if record.anchors is not None else None
        page.title = record.title
        if record.cards is not None:
            state.deck_pages[page.file.src_uri] = record.cards
    _restore_tag_mappings(config, pages, plan)
    # The deck in the navigation's order, as on_page_markdown would have filled it.
    state.deck_pages = {p.file.src_uri: state.deck_pages[p.file.src_uri] for p in pages
                        if p.file.src_uri in state.deck_pages}


def _nav_view(page: Page) -> tuple:
    return (page.title, tuple(repr(page.meta.get(name)) for name in NAV_META))


def _nav_view_of(record: PageRecord) -> tuple:
    title = record.title
    return (title, tuple(repr(record.meta.get(name)) for name in NAV_META))


def _restore_tag_mappings(config: MkDocsConfig, pages: list[Page], plan: Plan) -> None:
    """Material's tags plugin learns a page's tags in ``on_page_markdown``: the clean pages' are
    added here, every page's in the order a full build adds them."""
    from material.plugins.tags.plugin import TagsPlugin
    for plugin in config.plugins.values():
        if not isinstance(plugin, TagsPlugin) or plugin.mappings is None:
            continue
        known = plugin.mappings.data
        ordered: dict[str, Any] = {}
        for page in pages:
            if page.file.src_uri in plan.clean:
                if not plugin.config.enabled or not plugin.filter(page.file):
                    continue
                mapping = plugin.mappings.add(page, "")
                known.pop(page.url, None)
                if mapping is not None:
                    ordered[page.url] = mapping
            elif page.url in known:
                ordered[page.url] = known.pop(page.url)
        ordered.update(known)
        plugin.mappings.data = ordered


def merge_search_index(config: MkDocsConfig) -> None:
    """``on_post_build``, before the search plugin writes: the clean pages keep the previous
    build's entries, in the navigation's order of pages, as a full build writes them."""
    plan = plan_of(config)
    if plan is None or not plan.clean:
        return
    from material.plugins.search.plugin import SearchPlugin
    plugin = next((p for p in config.plugins.values() if isinstance(p, SearchPlugin)), None)
    if plugin is None or not plugin.config.enabled:
        return
    previous = json.loads((Path(config.site_dir) / SEARCH_INDEX).read_text(encoding="utf-8"))
    by_page: dict[str, list[dict]] = {}
    for entry in plugin.search_index.entries:
        by_page.setdefault(_page_of(entry), []).append(entry)
    old: dict[str, list[dict]] = {}
    for entry in previous.get("docs", []):
        old.setdefault(_page_of(entry), []).append(entry)
    entries: list[dict] = []
    for page in (f.page for f in plan.files.documentation_pages() if f.page is not None):
        entries += old.get(page.url, []) if page.file.src_uri in plan.clean else by_page.get(page.url, [])
    plugin.search_index.entries = entries


def _page_of(entry: dict) -> str:
    return str(entry.get("location", "")).partition("#")[0]


def record_build(config: MkDocsConfig, state: BuildState) -> None:
    """``on_post_build``: remember each rebuilt page for the next build."""
    plan = plan_of(config)
    if plan is None:
        return
    session, files = plan.session, plan.files
    records: dict[str, PageRecord] = {}
    for file in files.documentation_pages():
        page = file.page
        if file.src_uri in plan.clean:
            records[file.src_uri] = session.records[file.src_uri]
            continue
        key = plan.keys.get(file.src_uri)
        if page is None or key is None:
            continue
        records[file.src_uri] = PageRecord(
            key=key, dest_path=file.abs_dest_path, title=page.title, meta=dict(page.meta),
            title_from_render=page._title_from_render,
            anchors=set(page.present_anchor_ids) if page.present_anchor_ids is not None else None,
            cards=state.deck_pages.get(file.src_uri))
    written = {f.abs_dest_path for f in files}
    for record in session.records.values():
        if record.dest_path not in written:   # a page removed, or moved to another URL
            _remove_page_file(Path(record.dest_path), Path(config.site_dir))
    session.records, session.site_key = records, plan.site_key


def _remove_page_file(path: Path, site_dir: Path) -> None:
    """A page's old output file, and the folders it leaves empty (up to the site's)."""
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != site_dir and site_dir in folder.parents and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def forget() -> None:
    """After a failed build or one that warned: the next build is full."""
    if _session is not None:
        _session.records, _session.site_key = {}, ""
