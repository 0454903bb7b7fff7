"""MkDocs hooks of the incremental rebuild (kb/site/incremental.py): ``mkdocs serve --dirty`` rebuilds
only the pages an edit changes, and the site-wide files stay whole.

* ``on_startup``: a dirty serve (``make serve``) keeps records between its builds; nothing else does.
* ``on_pre_build``: count this build's warnings (a build after one that warned is full).
* ``on_nav`` (after kb's navigation): decide which pages are rebuilt.
* ``on_env`` (before Material's tags plugin lists the tags): the clean pages' records put back.
* ``on_post_build`` (before Material's search plugin writes the index): the search index merged,
  this build's pages recorded.
* ``on_build_error``: records forgotten.

Without ``on_startup(dirty=True)`` (``mkdocs build``, the tests' builds) every hook does nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

# MkDocs loads this file by path; make the `kb` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so that `kb` imports

from mkdocs.plugins import event_priority  # noqa: E402

from kb.site import build_state, incremental  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page


def read_page(page: Page, config: MkDocsConfig, files: Files) -> None:
    """Read and render ``page`` as MkDocs' build reads each page (MkDocs 1.6's private
    ``_populate_page``, through the public ``Page`` methods and plugin events)."""
    config._current_page = page   # a page's YAML meta (``!relative``) reads it, as in MkDocs' build
    try:
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
        page.render(config, files)
        page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
    finally:
        config._current_page = None


def on_startup(*, command: str, dirty: bool) -> None:
    incremental.start(dirty=command == "serve" and dirty)


def on_pre_build(*, config: MkDocsConfig) -> None:
    incremental.count_warnings()


@event_priority(-100)   # after kb's navigation (kb/site/logseq_hooks.py) and every plugin's
def on_nav(nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation | None:
    incremental.plan_build(config, files, nav, build_state.of(config))
    return nav


@event_priority(110)    # before Material's tags plugin (100) lists every page's tags
def on_env(env, *, config: MkDocsConfig, files: Files):
    incremental.restore_clean_pages(config, files, build_state.of(config),
                                    lambda page: read_page(page, config, files))
    return env


@event_priority(100)    # before Material's search plugin (0) writes search_index.json
def on_post_build(*, config: MkDocsConfig) -> None:
    incremental.merge_search_index(config)
    incremental.record_build(config, build_state.of(config))


def on_build_error(*, error: Exception) -> None:
    incremental.forget()
