"""MkDocs hooks of the render cache (kb/site/render_cache.py): a page is converted only when something
its HTML depends on changed, in ``mkdocs build`` and on each rebuild of ``mkdocs serve``.

* ``on_pre_build``: a new record of the build's conversions (``KB_RENDER_CACHE=off``: none).
* ``on_files``: the site's part of every page's fingerprint (kb's code, packages, static files).
* ``on_pre_page``: a Markdown page's ``render`` goes through the cache. It runs after every
  ``on_page_markdown`` hook, so the fingerprint is taken of the Markdown they left, with the
  Logseq extension's settings kb/site/logseq_hooks.py gave the page.
* ``on_post_build``: entries this build did not use are deleted; how many pages were converted
  and how many put back is logged.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

# MkDocs loads this file by path; make the `kb` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so that `kb` imports

from kb.logseq.page_dependencies import GraphDependencies  # noqa: E402
from kb.notes.graph import Graph  # noqa: E402
from kb.site import build_state, incremental, render_cache, search_cache  # noqa: E402
from kb.site.logseq_hooks import EXTENSION  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.kb.render_cache")

_cache: render_cache.RenderCache | None = None
_site: str = ""                                  # the site's part of each fingerprint (on_files)
_snippets: str | None = None                     # the snippet files' digest, once a page includes one
_graph_deps: GraphDependencies | None = None     # for the graph of this build


def cache_folder(config: MkDocsConfig) -> Path:
    """``.cache/render/<config name>/`` beside the config file: one folder per site."""
    config_file = Path(config.config_file_path)
    return config_file.parent / render_cache.CACHE_DIR / config_file.stem


def on_pre_build(*, config: MkDocsConfig) -> None:
    global _cache, _snippets, _graph_deps
    _cache = render_cache.RenderCache(cache_folder(config)) if render_cache.enabled() else None
    _snippets = None
    _graph_deps = None


def on_files(files: Files, *, config: MkDocsConfig) -> Files | None:
    global _site
    if _cache is not None:
        code = render_cache.code_version()
        _site = render_cache.fingerprint(code, str(config.config_file_path),
                                         str(config.use_directory_urls), render_cache.static_files_digest(files))
        # The other per-page results kept between builds (kb/site/result_cache.py): cards,
        # descriptions, search entries.
        state = build_state.of(config)
        state.cache_folder, state.code_key, state.site_key = _cache.folder, code, _site
        index = search_cache.search_index_of(config.plugins)
        if index is not None:
            search_cache.reuse_entries(index, lambda parts, compute: state.cached(search_cache.KIND, parts, compute))
    return None


def on_pre_page(page: Page, *, config: MkDocsConfig, files: Files) -> Page | None:
    if _cache is not None and page.file.src_uri.endswith(".md") and "render" not in vars(page):
        page.render = functools.partial(_render, page)
    return None


def _render(page: Page, config: MkDocsConfig, files: Files) -> None:
    assert _cache is not None
    _cache.render(page, config, files, page_fingerprint(page, config))


def page_fingerprint(page: Page, config: MkDocsConfig) -> str:
    """Everything ``page``'s conversion depends on but the files its links look up (recorded by
    the cache), as one digest."""
    global _snippets, _graph_deps
    logseq = dict(config.mdx_configs.get(EXTENSION) or {})
    graph = logseq.pop("graph", None)
    others = {name: options for name, options in config.mdx_configs.items() if name != EXTENSION}
    parts = [_site, page.file.src_uri, page.url, page.markdown or "",
             render_cache.stable(config.markdown_extensions), render_cache.stable(others),
             render_cache.stable(logseq)]
    if render_cache.SNIPPET_MARK in (page.markdown or ""):
        if _snippets is None:
            _snippets = render_cache.snippets_digest(config)
        parts.append(_snippets)
    if isinstance(graph, Graph):
        if _graph_deps is None or _graph_deps.graph is not graph:
            _graph_deps = GraphDependencies(graph, dict(logseq.get("macros") or {}))
        note = _graph_deps.note_at(page.file.src_uri)
        if note is not None:
            parts.append(_graph_deps.of(note, logseq.get("default_deck") or None))
    return render_cache.fingerprint(*parts)


def on_post_build(*, config: MkDocsConfig) -> None:
    if _cache is None:
        return
    # A partial rebuild of mkdocs serve (kb/site/incremental.py) did not use the clean pages' entries.
    removed = 0 if incremental.is_partial(config) else _cache.prune()
    for kind, (reused, computed, dropped) in sorted(build_state.of(config).save_results().items()):
        log.info("Kept %s: %d reused, %d computed (%d old entries removed)", kind, reused, computed, dropped)
    log.info("Render cache: %d pages converted, %d put back from %s (%d old entries removed)",
             len(_cache.converted), len(_cache.reused), _cache.folder, removed)
