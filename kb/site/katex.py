"""Render math to HTML at build time with the pinned npm KaTeX.

Pages carry no math JavaScript: every formula is turned into KaTeX's HTML (plus
MathML for screen readers) while the site is built. One long-lived Node process
(`katex_render.cjs`) renders all formulas of a build, a few milliseconds each.

Two sources of math are handled:

* Markdown pages, where ``pymdownx.arithmatex`` (generic mode) has wrapped each
  formula as ``<span class="arithmatex">\\(..\\)</span>`` or
  ``<div class="arithmatex">\\[..\\]</div>``;
* notebook pages (mkdocs-jupyter), whose Markdown cells keep ``$..$`` and
  ``$$..$$`` as raw text.

Rendered formulas carry ``data-search-exclude``; while the search plugin reads a page
they are set aside for their plain-text reading (``set_math_aside``), so the index holds
words and readable formulas, not TeX or KaTeX's glyph soup. Notebook pages also lose the MathJax and Mermaid
loaders that mkdocs-jupyter's template adds (an empty ``<script src="">`` and an
``import()`` from a CDN).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from kb.paths import NODE_MODULES, ROOT
RENDERER = Path(__file__).with_name("katex_render.cjs")
KATEX_DIST = NODE_MODULES / "katex" / "dist"

# Arithmatex (generic) output: the TeX keeps its delimiters and is HTML-escaped.
RE_ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])\s*</(?P=tag)>",
    re.DOTALL,
)

# Raw dollar math in the rendered Markdown cells of a notebook page.
RE_NOTEBOOK_MD_CELL = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)',
    re.DOTALL,
)
RE_DOLLAR_MATH = re.compile(
    r"(?<![\\$])\$\$(?P<display>.+?)\$\$|(?<![\\$\w])\$(?P<inline>[^$\s](?:[^$]*?[^$\s])?)\$(?![\w$])",
    re.DOTALL,
)


class KatexError(ValueError):
    """A formula KaTeX cannot parse; the message names the formula."""


class KatexRenderer:
    """A Node process running KaTeX, with a cache so repeated formulas cost nothing.

    With ``cache_file``, the formulas rendered by earlier builds are read from that file
    (kept under ``.cache/``, ignored by git), so a build renders only new formulas and
    starts Node only if there is one. The file is keyed by KaTeX's version and the
    renderer script: an upgrade renders everything again. ``close()`` writes back the
    formulas this build used (``keep_unused``: all it knows, for a build of some pages only).
    """

    def __init__(self, node: str = "node", cache_file: Path | None = None, keep_unused: bool = False) -> None:
        if not (KATEX_DIST / "katex.min.css").is_file():
            raise RuntimeError(
                f"KaTeX is not installed ({KATEX_DIST} is missing): run `npm ci` "
                "(the Makefile's `make build` does it)."
            )
        node_path = shutil.which(node)
        if node_path is None:
            raise RuntimeError("Node.js is needed to render math at build time: `node` not found.")
        self._node = node_path
        self._proc: subprocess.Popen[str] | None = None
        self._cache: dict[tuple[str, bool], str] = {}
        self._used: set[tuple[str, bool]] = set()
        self._cache_file = cache_file
        self._keep_unused = keep_unused
        self._rendered_now = 0
        if cache_file is not None:
            self._cache = _read_cache(cache_file)

    @property
    def rendered_now(self) -> int:
        """How many formulas this renderer had KaTeX render (not found in the cache)."""
        return self._rendered_now

    def _process(self) -> subprocess.Popen[str]:
        if self._proc is None:
            self._proc = subprocess.Popen(
                [self._node, str(RENDERER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
                cwd=ROOT,
            )
        return self._proc

    def render(self, tex: str, display: bool) -> str:
        key = (tex, display)
        if key not in self._cache:
            proc = self._process()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            proc.stdin.flush()
            reply = json.loads(proc.stdout.readline())
            if "error" in reply:
                raise KatexError(f"{reply['error']} in formula {tex!r}")
            self._cache[key] = reply["html"]
            self._rendered_now += 1
        self._used.add(key)
        return self._cache[key]

    def close(self) -> None:
        if self._cache_file is not None and self._used:
            kept = self._cache if self._keep_unused else {key: self._cache[key] for key in self._used}
            _write_cache(self._cache_file, kept)
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=10)


def _cache_version() -> str:
    """KaTeX's version and the renderer script: what a cached formula depends on."""
    package = json.loads((KATEX_DIST.parent / "package.json").read_text(encoding="utf-8"))
    script = hashlib.sha256(RENDERER.read_bytes()).hexdigest()[:16]
    return f"katex {package['version']}, {RENDERER.name} {script}"


def _read_cache(path: Path) -> dict[tuple[str, bool], str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["version"] != _cache_version():
            return {}
        return {(tex, bool(display)): rendered for tex, display, rendered in data["formulas"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}   # no cache, or a damaged one: render again


def _write_cache(path: Path, formulas: dict[tuple[str, bool], str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": _cache_version(),
            "formulas": [[tex, display, rendered] for (tex, display), rendered in sorted(formulas.items())]}
    # A file of this build's own beside the cache, then renamed over it: a build stopped halfway
    # never leaves half a file, and two builds at once never rename each other's.
    handle, partial = tempfile.mkstemp(prefix=path.name + ".", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(json.dumps(data, ensure_ascii=False))
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _wrap(rendered: str, display: bool) -> str:
    # Material's search parser compares elements by tag name only, so an excluded
    # <span> is "closed" by the first inner </span> of KaTeX's output and the rest
    # of the formula leaks into the index. KaTeX emits no <div> and no <kb-math>.
    tag = "div" if display else "kb-math"
    return f'<{tag} class="arithmatex" data-search-exclude>{rendered}</{tag}>'


# The formulas as _wrap writes them, and the empty stand-in that replaces each while
# the search plugin reads the page (set_math_aside / put_math_back).
RE_RENDERED_MATH = re.compile(
    r'<kb-math class="arithmatex" data-search-exclude>.*?</kb-math>'
    r'|<div class="arithmatex" data-search-exclude>.*?</div>', re.DOTALL)
RE_MATH_STAND_IN = re.compile(r'<kb-math data-kb-math="(\d+)">[^<]*</kb-math>')


def set_math_aside(page_html: str, reading=lambda formula: "") -> tuple[str, list[str]]:
    """``page_html`` with each rendered formula replaced by a stand-in holding its plain-text
    reading (``reading(formula_html)``, e.g. ``√(σ² + ε)``), and the formulas in order.
    The search index gets the reading, not KaTeX's markup (well over half of a page's
    bytes, and its text reads "σ2"); Material's search parser also reads far less."""
    formulas: list[str] = []

    def stand_in(match: re.Match[str]) -> str:
        formulas.append(match.group(0))
        return f'<kb-math data-kb-math="{len(formulas) - 1}">{html.escape(reading(match.group(0)))}</kb-math>'

    return RE_RENDERED_MATH.sub(stand_in, page_html), formulas


def put_math_back(output: str, formulas: list[str]) -> str:
    """The written page with each stand-in replaced by its formula again."""
    return RE_MATH_STAND_IN.sub(lambda match: formulas[int(match.group(1))], output)


def _math_replacer(renderer: KatexRenderer, errors: list[str], offsets: list[int] | None = None):
    """A ``re.sub`` callback for patterns with ``inline`` / ``display`` groups."""

    def replace(match: re.Match[str]) -> str:
        display = match.group("display") is not None
        tex = html.unescape(match.group("display") if display else match.group("inline"))
        try:
            return _wrap(renderer.render(tex.strip(), display), display)
        except KatexError as err:
            errors.append(str(err))
            if offsets is not None:
                offsets.append(match.start())
            return match.group(0)

    return replace


def render_arithmatex(page_html: str, renderer: KatexRenderer,
                      offsets: list[int] | None = None) -> tuple[str, list[str]]:
    """Replace arithmatex placeholders by KaTeX HTML; return the page and any errors.

    With ``offsets``, where each formula in error starts in ``page_html`` is appended to it.
    """
    errors: list[str] = []
    return RE_ARITHMATEX.sub(_math_replacer(renderer, errors, offsets), page_html), errors


def render_notebook_math(page_html: str, renderer: KatexRenderer) -> tuple[str, list[str]]:
    """Render ``$..$`` / ``$$..$$`` inside the Markdown cells of a notebook page."""
    errors: list[str] = []
    replace_math = _math_replacer(renderer, errors)

    def replace_cell(match: re.Match[str]) -> str:
        return match.group(1) + RE_DOLLAR_MATH.sub(replace_math, match.group(2)) + match.group(3)

    return RE_NOTEBOOK_MD_CELL.sub(replace_cell, page_html), errors


# Script tags in mkdocs-jupyter's template that load math or diagrams from elsewhere.
RE_NOTEBOOK_LOADERS = re.compile(
    r'<script src="">\s*</script>'
    r'|<script type="text/x-mathjax-config">.*?</script>'
    r'|<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>',
    re.DOTALL,
)


def strip_notebook_loaders(page_html: str) -> str:
    """Drop the MathJax config, the empty MathJax ``<script src="">`` and the CDN Mermaid loader."""
    return RE_NOTEBOOK_LOADERS.sub("", page_html)


def copy_assets(site_dir: Path) -> None:
    """Copy KaTeX's stylesheet and fonts (no CDN) to ``site/assets/katex``."""
    target = Path(site_dir) / "assets" / "katex"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(KATEX_DIST / "katex.min.css", target / "katex.min.css")
    shutil.copytree(KATEX_DIST / "fonts", target / "fonts", dirs_exist_ok=True)
