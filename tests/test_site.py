"""The built site: strict build, math rendered at build time, search index, no other host."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

from conftest import ROOT

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Namespace URIs name a vocabulary; nothing is fetched from them.
NAMESPACE_URIS = ("http://www.w3.org/",)
# Attributes that make the browser fetch something, per element.
FETCHING_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
# <link rel=...> values that fetch their href (not e.g. rel="canonical").
FETCHING_LINK_RELS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest",
                      "preconnect", "dns-prefetch", "apple-touch-icon", "shortcut"}
RE_URL_IN_CODE = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'`)]*""")


def is_remote(url: str) -> bool:
    url = url.strip()
    if url.startswith(NAMESPACE_URIS):
        return False
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "javascript", "mailto"):
        return False
    return bool(parsed.netloc) and parsed.hostname not in LOCAL_HOSTS


class RemoteReferenceFinder(HTMLParser):
    """Collects every URL on another host that loading the page would request."""

    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []
        self._in_code_element: str | None = None

    def _check(self, what: str, url: str) -> None:
        for candidate in url.split(",") if "srcset" in what else [url]:
            candidate = candidate.strip().split(" ")[0]
            if candidate and is_remote(candidate):
                self.remote.append(f"{what}: {candidate}")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in FETCHING_ATTRS.get(tag, ()):
            if attrs.get(name):
                self._check(f"<{tag} {name}>", attrs[name])
        if tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & FETCHING_LINK_RELS:
                self._check(f"<link rel={attrs.get('rel')}>", attrs["href"])
        if attrs.get("style"):
            for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs["style"]):
                self._check("style url()", url)
        if tag in ("script", "style"):
            self._in_code_element = tag

    def handle_endtag(self, tag):
        if tag == self._in_code_element:
            self._in_code_element = None

    def handle_data(self, data):
        if self._in_code_element:
            for url in RE_URL_IN_CODE.findall(data):
                if url.startswith("//"):
                    url = "https:" + url
                self._check(f"inline <{self._in_code_element}>", url)


def remote_references(page: str) -> list[str]:
    finder = RemoteReferenceFinder()
    finder.feed(page)
    finder.close()
    return finder.remote


def built_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- the checker itself ---------------------------------------------------------


def test_remote_reference_finder_catches_each_kind_of_request():
    page = """
    <script src="https://cdn.example.com/x.js"></script>
    <link rel="stylesheet" href="//fonts.example.org/css">
    <img srcset="a.png 1x, https://img.example.net/b.png 2x">
    <div style="background: url('https://bg.example.com/i.png')"></div>
    <script type="module">await import("https://cdnjs.example.com/mermaid.mjs")</script>
    <style>@import url(https://style.example.com/s.css);</style>
    """
    found = remote_references(page)
    hosts = sorted(urlparse(item.split(": ", 1)[1]).hostname for item in found)
    assert hosts == ["bg.example.com", "cdn.example.com", "cdnjs.example.com",
                     "fonts.example.org", "img.example.net", "style.example.com"]


def test_remote_reference_finder_allows_links_namespaces_and_local_assets():
    page = """
    <a href="https://arxiv.org/abs/1502.03167">paper</a>
    <link rel="canonical" href="https://example.com/page/">
    <math xmlns="http://www.w3.org/1998/Math/MathML"></math>
    <script src="../assets/bundle.js"></script>
    <img src="data:image/png;base64,AAAA">
    <script src="http://127.0.0.1:8000/x.js"></script>
    """
    assert remote_references(page) == []


# --- the built site -----------------------------------------------------------------


def test_strict_build_produces_the_pages(built_site: Path):
    assert (built_site / "index.html").is_file()
    assert (built_site / "experiments" / "first_look" / "index.html").is_file()
    assert (built_site / "search" / "search_index.json").is_file()


def test_no_built_page_references_another_host(built_site: Path):
    offenders = {}
    for page in built_pages(built_site):
        found = remote_references(page.read_text(encoding="utf-8"))
        if found:
            offenders[str(page.relative_to(built_site))] = found
    for css in built_site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if is_remote(url):
                offenders.setdefault(str(css.relative_to(built_site)), []).append(url)
    assert offenders == {}


def test_math_is_rendered_at_build_time_without_math_javascript(built_site: Path):
    for page in (built_site / "index.html", built_site / "experiments/first_look/index.html"):
        text = page.read_text(encoding="utf-8")
        assert 'class="katex"' in text, page
        # No TeX left for a script to typeset, and no script to do it.
        body = re.sub(r"<script.*?</script>", "", text, flags=re.DOTALL)
        body = re.sub(r'<annotation encoding="application/x-tex">.*?</annotation>', "", body,
                      flags=re.DOTALL)
        assert "\\(" not in body and "\\[" not in body, page
        scripts = " ".join(re.findall(r"<script.*?</script>", text, flags=re.DOTALL)).lower()
        assert "mathjax" not in scripts and "katex" not in scripts, page
    index = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'class="katex-display"' in index  # the display formula, as display math


def test_notebook_dollar_math_is_rendered(built_site: Path):
    text = (built_site / "experiments/first_look/index.html").read_text(encoding="utf-8")
    rendered = re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', text)
    assert "\\frac{\\sigma^2}{\\sigma^2+\\epsilon}" in [html.unescape(t) for t in rendered]
    assert "$$" not in re.sub(r"<script.*?</script>", "", text, flags=re.DOTALL)


def test_katex_stylesheet_and_fonts_are_served_locally(built_site: Path):
    css = built_site / "assets" / "katex" / "katex.min.css"
    assert css.is_file()
    fonts = re.findall(r"url\((fonts/[^)]+)\)", css.read_text(encoding="utf-8"))
    assert fonts, "KaTeX's CSS names its fonts"
    missing = [f for f in fonts if not (css.parent / f).is_file()]
    assert missing == []


def test_chinese_headings_get_real_anchors(built_site: Path):
    text = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'id="批归一化一瞥"' in text
    assert 'id=""' not in text


def test_snippet_section_is_included_verbatim(built_site: Path):
    source = (ROOT / "snippets" / "batch_norm.py").read_text(encoding="utf-8")
    section = re.search(r"# --8<-- \[start:batch_norm\]\n(.*?)# --8<-- \[end:batch_norm\]",
                        source, re.DOTALL).group(1)
    page = (built_site / "pages" / "batch-normalization" / "前向和反向传播" / "index.html").read_text(encoding="utf-8")
    blocks = [html.unescape(re.sub(r"<[^>]+>", "", code))
              for code in re.findall(r"<code>(.*?)</code>", page, re.DOTALL)]
    assert section.rstrip("\n") in [b.rstrip("\n") for b in blocks]


def test_search_index_is_chinese_segmented_and_free_of_math(built_site: Path):
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["zh"]
    text = " ".join(doc["title"] + " " + doc["text"] for doc in index["docs"])
    # jieba put zero-width spaces between Chinese words at build time.
    assert "\u200b归一化\u200b" in text
    assert "Ioffe" in text
    for tex in ("\\frac", "\\mu", "\\sigma", "katex", "σ2", "μB"):   # formulas are read, not copied
        assert tex not in text, tex
