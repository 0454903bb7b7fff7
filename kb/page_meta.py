"""Per-page metadata for search engines and link previews: description and dates.

Pure functions (plus one ``git`` call); the MkDocs glue is in ``kb/hooks.py``.

* The description comes from the front matter's ``description``, else from the
  first paragraph or list item of the rendered page, with math and code left out.
* The page shows "最后更新" from the front matter's ``updated``, else from the last
  git commit that touched the source; "创建日期" from ``date`` when given.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

DESCRIPTION_LIMIT = 150  # characters; what search engines show of a description

# Void elements never get an end tag, so they never open a subtree.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}
_SKIPPED_TAGS = {"script", "style", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
                 "svg", "math", "nav", "aside", "figure", "table"}
_TEXT_BLOCKS = {"p", "li", "dd"}

# Rendered math (kb/katex.py): inline formulas read as their TeX source, which KaTeX
# keeps in an <annotation>; display formulas are left out. KaTeX emits no <div> and
# no <kb-math> of its own, so the first closing tag ends the formula.
RE_INLINE_MATH = re.compile(r"<kb-math\b[^>]*>.*?</kb-math>", re.DOTALL)
RE_TEX_ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>',
                               re.DOTALL)
RE_DISPLAY_MATH = re.compile(r'<div class="arithmatex"[^>]*>.*?</div>', re.DOTALL)


def _math_as_tex(html: str) -> str:
    def inline(match: re.Match[str]) -> str:
        tex = RE_TEX_ANNOTATION.search(match.group(0))
        return tex.group(1) if tex else ""

    return RE_DISPLAY_MATH.sub("", RE_INLINE_MATH.sub(inline, html))


class _FirstTextBlock(HTMLParser):
    """Collects the text of the first <p>/<li>/<dd> that has any, skipping code blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, starts a skipped subtree)
        self.parts: list[str] = []
        self.block_depth: int | None = None
        self.done = False

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in _VOID or self.done:
            return
        classes = dict(attrs).get("class") or ""
        self.stack.append((tag, tag in _SKIPPED_TAGS or "headerlink" in classes))
        if tag in _TEXT_BLOCKS and self.block_depth is None and not self._skipping():
            self.block_depth = len(self.stack)

    def handle_endtag(self, tag):
        if tag in _VOID or self.done:
            return
        # Tolerate unbalanced HTML: close up to the matching open tag.
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break
        if self.block_depth is not None and len(self.stack) < self.block_depth:
            if "".join(self.parts).strip():
                self.done = True
            else:
                self.parts, self.block_depth = [], None

    def handle_data(self, data):
        if self.block_depth is not None and not self.done and not self._skipping():
            self.parts.append(data)


def description_from_html(html: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """The first paragraph's text, whitespace collapsed, cut at ``limit`` characters."""
    parser = _FirstTextBlock()
    parser.feed(_math_as_tex(html))
    parser.close()
    text = re.sub(r"\s+", " ", "".join(parser.parts).replace("\u200b", "")).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def format_date(value: object) -> str | None:
    """A front-matter date (YAML date, datetime or string) as ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def git_last_commit_date(path: Path) -> str | None:
    """Date (``YYYY-MM-DD``) of the last commit that touched ``path``; None if uncommitted."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", str(path)],
            cwd=Path(path).parent, capture_output=True, text=True, check=False, timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def page_dates(meta: dict, source: Path) -> tuple[str | None, str | None]:
    """(updated, created) for a page: front matter first, else git for ``updated``."""
    updated = format_date(meta.get("updated")) or git_last_commit_date(source)
    return updated, format_date(meta.get("date"))
