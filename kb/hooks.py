"""MkDocs hooks of the knowledge base: thin glue around the pure functions in kb/.

* ``on_page_content``: render math with KaTeX (Markdown and notebook pages);
  a formula KaTeX rejects is reported with the page's source path, which fails
  the strict build.
* ``on_post_build``: copy KaTeX's CSS and fonts into the site (no CDN).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

# MkDocs loads this file by path; make the `kb` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb import katex  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.kb")

_renderer: katex.KatexRenderer | None = None


def _katex() -> katex.KatexRenderer:
    global _renderer
    if _renderer is None:
        _renderer = katex.KatexRenderer()
    return _renderer


def on_page_content(html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
    rendered, errors = katex.render_arithmatex(html, _katex())
    if page.file.src_uri.endswith(".ipynb"):
        rendered = katex.strip_notebook_loaders(rendered)
        rendered, more = katex.render_notebook_math(rendered, _katex())
        errors += more
    for error in errors:
        log.warning("%s: math: %s", page.file.src_uri, error)
    return rendered


def on_post_build(*, config: MkDocsConfig) -> None:
    katex.copy_assets(Path(config.site_dir))


def on_shutdown() -> None:
    global _renderer
    if _renderer is not None:
        _renderer.close()
        _renderer = None
