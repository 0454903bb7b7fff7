"""Make notebook pages light: shared, pruned CSS; smaller figures; working links.

mkdocs-jupyter writes about 590 KB of CSS into every notebook page as inline
``<style>`` blocks (JupyterLab's whole stylesheet, the theme and Pygments), plus a
copy of the Pygments rules as a Python list repr (``['pre { ...']``, a bug: not CSS).
Here, as pure functions for ``kb/site/notebook_hooks.py``:

* ``split_template_styles`` takes the template's blocks out of a page (the styles of
  the notebook's own outputs stay) and leaves one ``<link rel="stylesheet">`` where the
  first one was, so the cascade keeps its order; browsers cache the shared file;
* ``prune_css`` drops the rules that can match nothing on the site's notebook pages:
  rules that need a class of JupyterLab's own widget namespaces (``jp-``, ``lm-``,
  ``p-``, ``bp3-``, ``cm-``, ``CodeMirror``) that no notebook page carries. Those
  classes come from nbconvert's static HTML only (no JupyterLab code runs on the page),
  so the set of classes in the built pages is the set that can ever match. Rules
  about other classes (Material's ``md-*``, added by its JavaScript; ANSI colours;
  Pygments) are kept as they are;
* ``recompress_png_images`` re-encodes the figures (``data:image/png``) with an
  8-bit palette when that changes no pixel by much (matplotlib's line plots: about
  5x smaller);
* ``mark_figures`` makes each figure a button that opens it at full size;
* ``keep_code_out_of_search`` marks the code cells' source, their printed output,
  the copy buttons and the ``In``/``Out`` prompts ``data-search-exclude`` (Material's
  search skips such elements): a search finds the notebook's prose, not ``import
  torch``, printed arrays and "In [1]: Copied!";
* ``resolve_links`` turns relative links to ``.md`` / ``.ipynb`` sources in notebook
  Markdown cells into the pages' URLs, as MkDocs does for Markdown pages (nbconvert
  renders those cells, so MkDocs never sees the links); a link to a missing page is
  reported.
"""

from __future__ import annotations

import base64
import hashlib
import io
import posixpath
import re
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

STYLESHEET_PLACEHOLDER = "@@kb-notebook-stylesheet@@"
WRAPPER_START = '<div class="jupyter-wrapper">'
RE_STYLE = re.compile(r"<style\b[^>]*>(?P<css>.*?)</style>\s*", re.DOTALL)
RE_CLASS_ATTR = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
PRUNABLE_PREFIXES = ("jp-", "lm-", "p-", "bp3-", "cm-", "CodeMirror")
# A notebook with widgets gets JupyterLab code on the page: then nothing is pruned.
WIDGET_MARKERS = ("application/vnd.jupyter.widget", "jupyter-widgets")


# --- the template's styles -----------------------------------------------------------


def split_template_styles(content: str) -> tuple[str, list[str]]:
    """Take mkdocs-jupyter's template ``<style>`` blocks out of a notebook page's content.

    Returns the content, with ``<link rel="stylesheet" href="STYLESHEET_PLACEHOLDER">``
    where the first block was, and the CSS of the blocks taken out, in page order.
    Blocks inside the notebook (between the ``jupyter-wrapper`` div and the content's
    last ``</div>``) belong to cell outputs and stay. The trailing Python list repr of
    the Pygments CSS is dropped.
    """
    inside_start = content.find(WRAPPER_START)
    inside_end = content.rfind("</div>")
    if inside_start < 0:
        return content, []
    css: list[str] = []
    pieces: list[str] = []
    position = 0
    for match in RE_STYLE.finditer(content):
        if inside_start <= match.start() < inside_end:
            continue
        first = not pieces
        pieces.append(content[position:match.start()])
        if first:
            pieces.append(f'<link rel="stylesheet" href="{STYLESHEET_PLACEHOLDER}">\n')
        text = match.group("css").strip()
        if text and not text.startswith("['"):
            css.append(text)
        position = match.end()
    if not pieces:
        return content, []
    pieces.append(content[position:])
    return "".join(pieces), css


def stylesheet_name(css: str) -> str:
    """A file name that changes with the content, so browsers may cache it for good."""
    return f"jupyter.{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"


def used_classes(pages: Iterable[str]) -> set[str]:
    """Every class named in a ``class`` attribute of the given HTML."""
    found: set[str] = set()
    for page in pages:
        for match in RE_CLASS_ATTR.finditer(page):
            found.update((match.group(1) or match.group(2) or "").split())
    return found


# --- pruning ---------------------------------------------------------------------------


def _skip_string(css: str, i: int) -> int:
    quote = css[i]
    i += 1
    while i < len(css) and css[i] != quote:
        i += 2 if css[i] == "\\" else 1
    return i + 1


def _skip_comment(css: str, i: int) -> int:
    end = css.find("*/", i + 2)
    return len(css) if end < 0 else end + 2


def _block_end(css: str, i: int) -> int:
    """Given the index just after a ``{``, the index just after its matching ``}``."""
    depth = 1
    while i < len(css):
        c = css[i]
        if c in "\"'":
            i = _skip_string(css, i)
            continue
        if css.startswith("/*", i):
            i = _skip_comment(css, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(css)


def _statements(css: str) -> list[tuple[str, str | None]]:
    """Top-level statements: (prelude, block body) or (at-rule text, None)."""
    out: list[tuple[str, str | None]] = []
    i, n = 0, len(css)
    start = 0
    while i < n:
        c = css[i]
        if c in "\"'":
            i = _skip_string(css, i)
        elif css.startswith("/*", i):
            i = _skip_comment(css, i)
            if css[start:i].strip().startswith("/*"):
                start = i  # a comment between statements: dropped
        elif c == ";" and css[start:i].lstrip().startswith("@"):
            out.append((css[start:i + 1].strip(), None))
            i += 1
            start = i
        elif c == "{":
            end = _block_end(css, i + 1)
            out.append((css[start:i].strip(), css[i + 1:end - 1]))
            i = end
            start = i
        else:
            i += 1
    return out


def _split_selectors(selectors: str) -> list[str]:
    parts, depth, current, i = [], 0, [], 0
    while i < len(selectors):
        c = selectors[i]
        if c in "\"'":
            end = _skip_string(selectors, i)
            current.append(selectors[i:end])
            i = end
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(c)
        i += 1
    parts.append("".join(current).strip())
    return [p for p in parts if p]


RE_NOT = re.compile(r":not\((?:[^()]|\([^()]*\))*\)")
RE_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
RE_SELECTOR_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
FORGIVING_PSEUDO = (":is(", ":where(", ":has(", ":matches(", ":-webkit-any(", ":-moz-any(")


def selector_may_match(selector: str, used: set[str]) -> bool:
    """False only when the selector needs a JupyterLab class that no page carries."""
    if any(p in selector for p in FORGIVING_PSEUDO):
        return True
    required = RE_SELECTOR_CLASS.findall(RE_ATTRIBUTE.sub("", RE_NOT.sub("", selector)))
    return all(c in used or not c.startswith(PRUNABLE_PREFIXES) for c in required)


def prune_css(css: str, used: set[str]) -> str:
    """Drop the style rules (and selectors) of ``css`` that cannot match given the ``used`` classes."""
    out: list[str] = []
    for prelude, body in _statements(css):
        if body is None:
            out.append(prelude)
        elif prelude.startswith("@"):
            if re.match(r"@(media|supports|document|layer|container)\b", prelude):
                inner = prune_css(body, used)
                if inner:
                    out.append(f"{prelude}{{{inner}}}")
            else:
                out.append(f"{prelude}{{{body}}}")  # @font-face, @keyframes, @page: as they are
        else:
            kept = [s for s in _split_selectors(prelude) if selector_may_match(s, used)]
            if kept:
                out.append(f"{','.join(kept)}{{{body}}}")
    return "\n".join(out)


# --- figures ---------------------------------------------------------------------------

RE_PNG_DATA = re.compile(r'(<img\b[^>]*\bsrc=")data:image/png;base64,([A-Za-z0-9+/=\s]+)(")')
MAX_MEAN_ERROR = 1.5  # of 255, averaged over pixels and channels: not visible


def palette_png(png: bytes) -> bytes | None:
    """The image as an 8-bit palette PNG if that is smaller and looks the same, else None."""
    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGBA")
    quantized = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                               dither=Image.Dither.NONE)
    error = np.abs(np.asarray(image, dtype=np.int16)
                   - np.asarray(quantized.convert("RGBA"), dtype=np.int16)).mean()
    if error > MAX_MEAN_ERROR:
        return None
    buffer = io.BytesIO()
    quantized.save(buffer, format="png", optimize=True)
    smaller = buffer.getvalue()
    return smaller if len(smaller) < len(png) else None


def recompress_png_images(html: str, cache=None) -> str:
    """Replace each inline PNG by its palette version where ``palette_png`` allows.

    ``cache`` maps a key of the original image to the base64 to use (a dict, or
    anything with ``in``, ``[]`` and ``[]=``).
    """
    cache = {} if cache is None else cache

    def replace(match: re.Match[str]) -> str:
        data = re.sub(r"\s", "", match.group(2))
        key = "png-" + hashlib.sha256(data.encode()).hexdigest()
        if key not in cache:
            smaller = palette_png(base64.b64decode(data))
            cache[key] = base64.b64encode(smaller).decode() if smaller else data
        return f"{match.group(1)}data:image/png;base64,{cache[key]}{match.group(3)}"

    return RE_PNG_DATA.sub(replace, html)


RE_FIGURE_TAG = re.compile(r'<img\b(?=[^>]*\bsrc="data:image/png)')


def mark_figures(html: str) -> str:
    """Each figure (an inline PNG) marked as a button that opens it at full size
    (docs/assets/figures.js): a page shows it scaled to the column."""
    return RE_FIGURE_TAG.sub('<img data-kb-figure tabindex="0" role="button" title="点击看原尺寸"', html)


# --- links -----------------------------------------------------------------------------

RE_HREF = re.compile(r'(<a\b[^>]*\bhref=")([^"#?]*\.(?:md|ipynb))((?:#[^"]*)?)(")')


def resolve_links(html: str, src_uri: str,
                  url_of: Callable[[str], str | None]) -> tuple[str, list[str]]:
    """Rewrite relative links to page sources into links to the pages.

    ``src_uri`` is the notebook's path in ``docs/``; ``url_of(path)`` gives the URL,
    relative to this page, of the page built from ``path`` (a path in ``docs/``), or
    None if there is none. Returns the HTML and the links that lead nowhere.
    """
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        href = match.group(2)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("/"):
            return match.group(0)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), unquote(href)))
        url = url_of(target)
        if url is None:
            missing.append(unquote(href) + match.group(3))
            return match.group(0)
        return f"{match.group(1)}{url}{match.group(3)}{match.group(4)}"

    return RE_HREF.sub(replace, html), missing


# --- search ------------------------------------------------------------------------

# What a search should not find on a notebook page: the "In [n]:" and "Out[n]:" prompts,
# the printed output (arrays and numbers, jp-RenderedText: it crowded out the notes), the
# copy button ("Copied!") and the code cells' source (the <pre> right inside the
# highlighted block, and the hidden copy of it the button copies). Material's search parser compares elements by tag name only, so an
# excluded element must not hold another element of its own tag: a whole cell wrapper
# (<div> in <div>) would be let in again at its first inner </div>.
_SEARCH_EXCLUDED = re.compile(
    r'<div class="(?:jp-InputPrompt|jp-OutputPrompt|clipboard-copy-txt|jp-RenderedText)\b|<clipboard-copy\b'
    r'|(?<=<div class="highlight-ipynb hl-python">)<pre\b')


def keep_code_out_of_search(html: str) -> str:
    """``html`` with the prompts, copy buttons and code source marked ``data-search-exclude``."""
    def mark(match: re.Match[str]) -> str:
        tag, rest = match.group(0).split(" ", 1) if " " in match.group(0) else (match.group(0), "")
        return f"{tag} data-search-exclude{' ' + rest if rest else ''}"
    return _SEARCH_EXCLUDED.sub(mark, html)
