"""MkDocs hooks for notebook pages (mkdocs-jupyter): thin glue around ``kb/notebooks/pages.py``.

* ``on_page_content``: take the template's inline CSS out of the page (a placeholder
  ``<link>`` stays), re-encode the figures as palette PNGs (each a button that shows
  it at full size), resolve links to ``.md`` /
  ``.ipynb`` sources; a link to a missing page is a warning, so the strict build fails.
* ``on_post_page``: point the placeholder at the one shared stylesheet, pruned to the
  rules the notebook pages can use; its name carries a hash of its content.
* ``on_post_build``: write that stylesheet to ``site/assets/notebook/``.

The palette PNGs and the pruned stylesheet are kept in ``.cache/kb-notebook-pages/``
(about a second of work a build, saved on the next ones).

Runs after ``kb/site/hooks.py`` (KaTeX, heading ids), as listed in mkdocs.yml.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so that `kb` imports

from mkdocs.utils import get_relative_url  # noqa: E402

from kb.notebooks import pages as notebook_pages  # noqa: E402
from kb.paths import build_cache  # noqa: E402
from kb.site import build_state  # noqa: E402
from kb.site.source_paths import shown_source  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.kb.notebooks")

STYLESHEET_DIR = "assets/notebook"


class _DiskCache:
    """Strings by key, in files under ``.cache/`` (ignored by git): later builds reuse them.

    The palette PNGs and the pruned stylesheet take about a second to compute and
    change only with the notebooks; mkdocs-jupyter caches its part the same way.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __contains__(self, key: str) -> bool:
        return (self.folder / key).is_file()

    def __getitem__(self, key: str) -> str:
        return (self.folder / key).read_text(encoding="utf-8")

    def __setitem__(self, key: str, value: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / key).write_text(value, encoding="utf-8")


class _Build:
    """What one build learns from its notebook pages."""

    def __init__(self, cache: _DiskCache) -> None:
        self.cache = cache
        self.css_blocks: list[str] = []     # the template's CSS, each distinct block once
        self.contents: list[str] = []       # the notebook pages' content, for used classes
        self.stylesheet: tuple[str, str] | None = None  # (file name, CSS), once computed

    def stylesheet_file(self) -> tuple[str, str]:
        if self.stylesheet is None:
            css = "\n".join(self.css_blocks)
            if not any(m in c for c in self.contents for m in notebook_pages.WIDGET_MARKERS):
                used = sorted(notebook_pages.used_classes(self.contents))
                key = "css-" + hashlib.sha256("\n".join([css, *used]).encode()).hexdigest()
                if key not in self.cache:
                    self.cache[key] = notebook_pages.prune_css(css, set(used))
                css = self.cache[key]
            self.stylesheet = (notebook_pages.stylesheet_name(css), css)
        return self.stylesheet


def _build(config: MkDocsConfig) -> _Build:
    """This build's notebook pages (kept in the build state, kb/site/build_state.py)."""
    state = build_state.of(config)
    if state.notebook_pages is None:
        state.notebook_pages = _Build(_DiskCache(build_cache(config.config_file_path) / "kb-notebook-pages"))
    return state.notebook_pages


def on_page_content(html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
    if not page.file.src_uri.endswith(".ipynb"):
        return None
    build = _build(config)
    html, css = notebook_pages.split_template_styles(html)
    for block in css:
        if block not in build.css_blocks:
            build.css_blocks.append(block)
    html = notebook_pages.recompress_png_images(html, build.cache)
    html = notebook_pages.mark_figures(html)
    html = notebook_pages.keep_code_out_of_search(html)

    def url_of(src_path: str) -> str | None:
        target = files.get_file_from_path(src_path)
        if target is None or not target.is_documentation_page():
            return None
        return get_relative_url(target.url, page.url)

    html, missing = notebook_pages.resolve_links(html, page.file.src_uri, url_of)
    for link in missing:
        log.warning("%s: link to a page that does not exist: %s", shown_source(config, page.file.src_uri), link)
    build.contents.append(html)
    return html


def on_post_page(output: str, *, page: Page, config: MkDocsConfig) -> str | None:
    if notebook_pages.STYLESHEET_PLACEHOLDER not in output:
        return None
    name, _ = _build(config).stylesheet_file()
    href = get_relative_url(f"{STYLESHEET_DIR}/{name}", page.url)
    return output.replace(notebook_pages.STYLESHEET_PLACEHOLDER, href)


def on_post_build(*, config: MkDocsConfig) -> None:
    build = _build(config)
    if not build.css_blocks:
        return
    name, css = build.stylesheet_file()
    folder = Path(config.site_dir) / STYLESHEET_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("jupyter.*.css"):
        if old.name != name:
            old.unlink()
    (folder / name).write_text(css, encoding="utf-8")
