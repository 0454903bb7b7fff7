"""Per-page metadata for search engines and link previews: description and dates.

Pure functions (plus one ``git`` call); the MkDocs glue is in ``kb/site/hooks.py``.

* The description comes from the front matter's ``description``, else from the
  first paragraph or list item of the rendered page, with math and code left out.
* The page shows "最后更新" from the front matter's ``updated``, else from the last
  git commit that touched the source; "创建日期" from ``date`` when given.
"""

from __future__ import annotations

import datetime as dt
import functools
import html as htmllib
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from kb.site import katex

DESCRIPTION_LIMIT = 150  # characters; what search engines show of a description

# Void elements never get an end tag, so they never open a subtree.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}
_SKIPPED_TAGS = {"script", "style", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
                 "svg", "math", "nav", "aside", "figure", "table"}
_TEXT_BLOCKS = {"p", "li", "dd"}

# Rendered math (katex.RE_RENDERED_MATH): inline formulas read as their TeX source,
# which KaTeX keeps in an <annotation>; display formulas are left out.
READINGS_KEPT = 8192     # formulas whose reading math_reading keeps (the project has about 700)
RE_TEX_ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>',
                               re.DOTALL)


@functools.lru_cache(maxsize=READINGS_KEPT)
def math_reading(formula_html: str) -> str:
    r"""A rendered formula (katex.RE_RENDERED_MATH) as plain text, read from the TeX that
    KaTeX keeps in its <annotation>: ``\sqrt{\sigma^2 + \epsilon}`` → ``√(σ² + ε)``.
    Read once per formula and process (a pure function of its argument): every page's search
    text asks for each of its formulas, and a formula recurs on many pages and in backlinks."""
    tex = RE_TEX_ANNOTATION.search(formula_html)
    return tex_to_text(htmllib.unescape(tex.group(1))).strip() if tex else ""


def _math_as_tex(html: str) -> str:
    def as_text(match: re.Match[str]) -> str:
        if not match.group(0).startswith("<kb-math"):
            return ""   # a display formula
        # Escaped again: the parser unescapes the result.
        return htmllib.escape(math_reading(match.group(0)), quote=False)

    return katex.RE_RENDERED_MATH.sub(as_text, html)


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


# TeX in a description (a link preview shows plain text): commands as Unicode.
_TEX_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "Gamma": "Γ", "delta": "δ", "Delta": "Δ",
    "epsilon": "ε", "varepsilon": "ε", "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "Sigma": "Σ", "tau": "τ", "phi": "φ", "omega": "ω",
    "nabla": "∇", "partial": "∂", "sum": "∑", "prod": "∏", "cdot": "·", "times": "×",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "approx": "≈", "to": "→",
    "rightarrow": "→", "infty": "∞", "pm": "±", "in": "∈", "ldots": "…", "dots": "…",
    "cdots": "⋯", "ell": "ℓ", "max": "max", "min": "min", "log": "log", "exp": "exp", "odot": "⊙",
}
_TEX_FONTS = ("mathrm", "mathbf", "mathcal", "mathbb", "mathit", "text", "textrm",
              "operatorname", "boldsymbol")
_SUPERSCRIPT_CHARS = set("0123456789+-")
_SUPERSCRIPTS = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


def _operand(text: str) -> str:
    """``text`` as one operand of ``/`` or ``^``: in parentheses unless one character."""
    return text if len(text) <= 1 else f"({text})"


def _group(tex: str, start: int) -> tuple[str, int]:
    """The argument at ``start``: a ``{...}`` group (without braces) or one character."""
    while start < len(tex) and tex[start] == " ":
        start += 1
    if start >= len(tex):
        return "", start
    if tex[start] != "{":
        return tex[start], start + 1
    depth = 0
    for end in range(start, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[end], 0)
        if depth == 0:
            return tex[start + 1:end], end + 1
    return tex[start + 1:], len(tex)


def tex_to_text(tex: str) -> str:
    """Inline TeX as readable plain text: ``\\frac{1}{m}\\sum_i x_i`` → ``1/m ∑_i x_i``."""
    out, i = [], 0
    while i < len(tex):
        if tex[i] == "\\":
            match = re.match(r"\\([A-Za-z]+)|\\(.)", tex[i:])
            if match is None:   # a lone backslash at the end
                break
            name = match.group(1) or match.group(2)
            i += match.end()
            if name in ("frac", "dfrac", "tfrac"):
                top, i = _group(tex, i)
                bottom, i = _group(tex, i)
                out.append(f"{_operand(tex_to_text(top))}/{_operand(tex_to_text(bottom))}")
            elif name == "sqrt":
                inner, i = _group(tex, i)
                out.append(f"√({tex_to_text(inner)})")
            elif name == "hat":
                inner, i = _group(tex, i)
                out.append(tex_to_text(inner) + "\u0302")
            elif name in _TEX_FONTS:
                inner, i = _group(tex, i)
                out.append(tex_to_text(inner))
            elif name in _TEX_SYMBOLS:
                out.append(_TEX_SYMBOLS[name])
            elif name in (",", ";", ":", "quad", "qquad", " "):
                out.append(" ")
            elif name in ("{", "}", "%", "_", "&", "#"):
                out.append(name)
            # \left, \right, \! and other layout commands: nothing
        elif tex[i] == "^":
            inner, i = _group(tex, i + 1)
            inner = tex_to_text(inner)
            out.append(inner.translate(_SUPERSCRIPTS) if inner and set(inner) <= _SUPERSCRIPT_CHARS
                       else f"^{_operand(inner)}")
        elif tex[i] in "{}":
            i += 1
        else:
            out.append(tex[i])
            i += 1
    return "".join(out)


# Where a description may end: a sentence, else a clause ("." only before a space, so
# "arXiv:1502.03167" and "3.2 节" are not cut).
_SENTENCE_END = re.compile(r"[。！？；]|[.!?;](?=\s)")
_CLAUSE_END = re.compile(r"[，、：]|[,:](?=\s)")


def _cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: at the end of a sentence or clause when
    one ends in the second half of the limit, else mid-word; "…" marks a cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    for pattern in (_SENTENCE_END, _CLAUSE_END):
        ends = [m.start() for m in pattern.finditer(head) if m.start() >= limit // 2]
        if ends:
            end = ends[-1]
            return head[: end + 1] if head[end] in "。！？.!?" else head[:end] + "…"
    return head.rstrip() + "…"


def description_from_html(html: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """The first paragraph's text, whitespace collapsed, math as plain text, cut at
    ``limit`` characters."""
    parser = _FirstTextBlock()
    parser.feed(_math_as_tex(html))
    parser.close()
    text = re.sub(r"\s+", " ", "".join(parser.parts).replace("\u200b", "")).strip()
    return _cut(text, limit)


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


def page_dates(meta: dict, source: Path,
               last_commit_date: Callable[[Path], str | None] = git_last_commit_date) -> tuple[str | None, str | None]:
    """(updated, created) for a page: front matter first, else git for ``updated`` (the build
    asks kb/site/commit_dates.py, which reads the history once)."""
    updated = format_date(meta.get("updated")) or last_commit_date(source)
    return updated, format_date(meta.get("date"))
