"""MkDocs hooks of the knowledge base: thin glue around the pure functions in kb/.

* ``on_config``: the repository address for "编辑此页" links, from the
  ``REPO_URL`` variable or else the git remote ``origin`` when it is on GitHub.
* ``on_page_markdown``: snippet includes checked first (a missing file or section
  is reported with the page's file:line and shown as missing); then the dates shown on the page ("最后更新" from front matter
  ``updated``, else git; "创建日期" from ``date``), through the fields Material's
  ``partials/source-file.html`` already displays.
* ``on_page_content``: render math with KaTeX (Markdown and notebook pages);
  a formula KaTeX rejects is reported with the page's source path, which fails
  the strict build. Then the page's description (front matter, else its first
  paragraph) for the description and Open Graph tags.
* ``on_env``: Material's navigation template skips the index search of sections a pruned
  navigation draws collapsed (kb/site/nav_template.py).
* ``on_post_build``: copy KaTeX's CSS and fonts into the site (no CDN).
"""

from __future__ import annotations

import itertools
import logging
import re
import sys
from html import escape as escape_html
from html import unescape as unescape_html
from pathlib import Path
from typing import TYPE_CHECKING

# MkDocs loads this file by path; make the `kb` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so that `kb` imports

from mkdocs.plugins import event_priority  # noqa: E402

from kb.notebooks import headings as notebook_headings  # noqa: E402
from kb.paths import build_cache  # noqa: E402
from kb.site import build_state, commit_dates, github_pages, incremental  # noqa: E402
from kb.site import katex  # noqa: E402
from kb.site import nav_template  # noqa: E402
from kb.site import page_meta  # noqa: E402
from kb.site import snippet_check  # noqa: E402
from kb.site.source_paths import shown_source  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.kb")

def _katex(config: MkDocsConfig) -> katex.KatexRenderer:
    """This build's KaTeX renderer, its formulas cached in .cache/katex/pages.json beside mkdocs.yml."""
    state = build_state.of(config)
    if state.katex_renderer is None:
        cache = build_cache(config.config_file_path) / "katex" / "pages.json"
        # A partial rebuild of mkdocs serve (kb/site/incremental.py) keeps the other pages' formulas.
        state.katex_renderer = katex.KatexRenderer(cache_file=cache, keep_unused=incremental.is_partial(config))
    return state.katex_renderer


def on_config(config: MkDocsConfig) -> MkDocsConfig | None:
    # REPO_URL (set by the GitHub workflow) wins; else the origin remote, if on GitHub.
    if config.repo_url:
        return None
    repo = github_pages.origin_repo_url(Path(config.config_file_path).parent)
    if repo:
        config.repo_url = repo
        config.repo_name = repo.removeprefix("https://github.com/")
    else:
        # No repository to edit in: without this, MkDocs would turn edit_uri alone
        # into a relative "edit/main/docs/..." link that leads nowhere.
        config.edit_uri = None
    return config


def _snippet_base_paths(config: MkDocsConfig) -> list[Path]:
    options = config.mdx_configs.get("pymdownx.snippets", {})
    bases = options.get("base_path", ["."])
    bases = [bases] if isinstance(bases, str) else bases
    return [Path.cwd() / base for base in bases]  # relative to where mkdocs runs, as pymdownx reads them


def on_env(env, *, config: MkDocsConfig, files: Files):
    return nav_template.install(env) if config.theme.name == "material" else env


def on_page_markdown(markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
    if page.file.abs_src_path and page.file.src_uri.endswith(".md"):
        source = Path(page.file.abs_src_path)
        bad = snippet_check.check_includes(
            shown_source(config, page.file.src_uri), source.read_text(encoding="utf-8"),
            _snippet_base_paths(config))
        for _, problem in bad:
            log.warning(problem)
        if bad:  # else pymdownx stops the build with a traceback naming no page
            markdown = snippet_check.replace_bad_includes(markdown, (line for line, _ in bad))
    state = build_state.of(config)
    if state.commit_dates is None:
        state.commit_dates = commit_dates.CommitDates()
    updated, created = page_meta.page_dates(page.meta, Path(page.file.abs_src_path), state.commit_dates.of)
    if updated:
        page.meta["revision_date"] = updated
    if created:
        page.meta["git_creation_date_localized"] = created
    return markdown


def on_page_content(html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
    offsets: list[int] = []
    rendered, errors = katex.render_arithmatex(html, _katex(config), offsets)
    places = [_math_place(config, page, html, offset) for offset in offsets]
    if page.file.src_uri.endswith(".ipynb"):
        rendered = katex.strip_notebook_loaders(rendered)
        rendered, aligned = notebook_headings.align_heading_ids(rendered, page.toc)
        if not aligned:
            log.warning("%s: the notebook's headings do not match its table of contents",
                        shown_source(config, page.file.src_uri))
        rendered, more = katex.render_notebook_math(rendered, _katex(config))
        errors += more
    for place, error in itertools.zip_longest(places, errors):
        log.warning("%s: math: %s", place or shown_source(config, page.file.src_uri), error)
    description = (page.meta.get("description")
                   or build_state.of(config).cached("description", [rendered],
                                                     lambda: page_meta.description_from_html(rendered))
                   or config.site_description or "")
    # The themes write it into content="..." as it is (MkDocs' Jinja does not escape):
    # a quotation mark in the text would end the attribute.
    page.meta["description"] = escape_html(str(description), quote=True)
    return rendered


RE_BLOCK_LINE = re.compile(r'<li class="kb-block[^"]*" data-line="(\d+)"')   # kb/logseq/block_render.py li_attributes


def _math_place(config: MkDocsConfig, page: Page, html: str, offset: int) -> str:
    """``file:line`` of the formula at ``offset`` in a page's HTML, as kb lint finds it: the first
    source line with the formula's TeX from the line of the note block holding it (the last
    block opened before it; on a page that is not a note, from the top)."""
    source = shown_source(config, page.file.src_uri)
    blocks = RE_BLOCK_LINE.findall(html, 0, offset)
    start = int(blocks[-1]) if blocks else 1
    match = katex.RE_ARITHMATEX.match(html, offset)
    tex = unescape_html(match.group("display") or match.group("inline") or "").strip().split("\n")[0]
    text = Path(page.file.abs_src_path).read_text(encoding="utf-8-sig") if page.file.abs_src_path else ""
    rows = text.split("\n")
    line = next((n for n in range(start, len(rows) + 1) if tex and tex in rows[n - 1]), blocks and start)
    return f"{source}:{line}" if line else source


@event_priority(100)   # before Material's search plugin indexes page.content
def on_page_context(context, *, page: Page, config: MkDocsConfig, nav):
    # The page's formulas wait in the build state (by page URL) from page context to post page.
    aside = build_state.of(config).math_aside
    page.content, aside[page.url] = katex.set_math_aside(page.content or "", page_meta.math_reading)
    return context


def on_post_page(output: str, *, page: Page, config: MkDocsConfig) -> str:
    return katex.put_math_back(output, build_state.of(config).math_aside.pop(page.url, []))


def on_post_build(*, config: MkDocsConfig) -> None:
    katex.copy_assets(Path(config.site_dir))
    state = build_state.of(config)
    if state.katex_renderer is not None:
        state.katex_renderer.close()   # writes the formula cache; the next build (mkdocs serve) starts afresh
        state.katex_renderer = None
