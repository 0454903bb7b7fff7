"""Notebook pages: one shared, pruned stylesheet instead of ~590 KB of inline CSS each,
palette PNG figures, links resolved to pages; and the experiments on the built site.

The pruned stylesheet is checked where it matters: in Chromium, every element of every
notebook page gets the same computed style as with mkdocs-jupyter's full CSS.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from kb.notebooks import pages as notebook_pages
from kb.notebooks import run as notebooks

NOTEBOOK_PAGES = [p.relative_to(ROOT / "docs").with_suffix("").as_posix() + "/"
                  for p in notebooks.notebook_paths()]
EXPERIMENT_PAGES = [p for p in NOTEBOOK_PAGES if re.match(r"experiments/\d\d_", p)]
# Measured: 55-185 KB (the most with two figures); 650-890 KB with the inline CSS.
MAX_NOTEBOOK_PAGE_BYTES = 300_000
# Measured: 147 KB pruned, from 590 KB.
MAX_STYLESHEET_BYTES = 250_000

RE_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL)


# --- pure functions ----------------------------------------------------------------------

TEMPLATE_PAGE = """<script>clipboard()</script>
<style type="text/css">
    pre { line-height: 125%; }
</style>
<style type="text/css">
.jupyter-wrapper{--jp-ui-font-size1: 13px}.jp-Toolbar{display:flex}
</style>
<div class="jupyter-wrapper">
<div class="jp-Cell jp-CodeCell"><div class="jp-OutputArea-output">
<style scoped>.dataframe td { color: red }</style><table class="dataframe"></table>
</div></div>
</div>
<style>
['pre { line-height: 125%; }']
</style>
"""


def test_template_styles_leave_the_page_output_styles_stay():
    content, css = notebook_pages.split_template_styles(TEMPLATE_PAGE)
    assert css == ["pre { line-height: 125%; }",
                   ".jupyter-wrapper{--jp-ui-font-size1: 13px}.jp-Toolbar{display:flex}"]
    assert content.count("<style") == 1 and ".dataframe td" in content  # the output's own
    assert "['pre" not in content
    link = f'<link rel="stylesheet" href="{notebook_pages.STYLESHEET_PLACEHOLDER}">'
    assert content.count(link) == 1
    assert content.index("<script>clipboard()") < content.index(link) < content.index("jupyter-wrapper")


def test_a_page_without_the_template_is_left_alone():
    page = "<p>no notebook here</p><style>p{}</style>"
    assert notebook_pages.split_template_styles(page) == (page, [])


def test_prune_drops_rules_for_unused_jupyterlab_classes_only():
    css = (
        '@charset "UTF-8";'
        ".jupyter-wrapper{--jp-border-width:1px}"
        ".jp-Cell{margin:0}"
        ".jp-Toolbar .jp-Button{color:red}"               # a class no page has
        ".jp-Cell,.bp3-button{padding:0}"                  # one selector of two survives
        ".jp-Cell:not(.jp-mod-active){opacity:1}"          # :not() requires nothing
        ".md-typeset__scrollwrap .jp-Cell{overflow:auto}"  # Material's JS adds md-* classes
        ".ansi-red-fg{color:#e75c58}"
        ".jp-Foo:is(.a,.b){x:y}"
        '.jp-Unused::after{content:"}{"}'                 # braces inside a string
        "/* a comment */"
        "@media print{.jp-Cell{display:block}.lm-Widget{display:none}}"
        "@media (max-width:1px){.jp-Toolbar{display:none}}"
        "@font-face{font-family:x;src:url(x.woff)}"
        "@keyframes spin{from{transform:rotate(0)}to{transform:rotate(1turn)}}"
    )
    pruned = notebook_pages.prune_css(css, used={"jupyter-wrapper", "jp-Cell"})
    for kept in ('@charset "UTF-8";', ".jupyter-wrapper{--jp-border-width:1px}",
                 ".jp-Cell{margin:0}", ".jp-Cell{padding:0}",
                 ".jp-Cell:not(.jp-mod-active){opacity:1}",
                 ".md-typeset__scrollwrap .jp-Cell{overflow:auto}", ".ansi-red-fg{color:#e75c58}",
                 ".jp-Foo:is(.a,.b){x:y}", "@media print{.jp-Cell{display:block}}",
                 "@font-face{font-family:x;src:url(x.woff)}",
                 "@keyframes spin{from{transform:rotate(0)}to{transform:rotate(1turn)}}"):
        assert kept in pruned, kept
    for dropped in ("jp-Toolbar", "jp-Button", "bp3-button", "lm-Widget", "jp-Unused",
                    "a comment", "max-width"):
        assert dropped not in pruned, dropped


def test_stylesheet_name_follows_its_content():
    a, b = notebook_pages.stylesheet_name("p{}"), notebook_pages.stylesheet_name("p{ }")
    assert a != b and re.fullmatch(r"jupyter\.[0-9a-f]{12}\.css", a)


def _plot_png() -> bytes:
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2), dpi=80)
    x = np.linspace(0, 6, 200)
    ax.plot(x, np.sin(x), label="sin")
    ax.plot(x, np.cos(x), "--", label="cos")
    ax.legend()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=int)


def test_a_line_plot_becomes_a_smaller_palette_png_that_looks_the_same():
    png = _plot_png()
    smaller = notebook_pages.palette_png(png)
    assert smaller is not None and len(smaller) < len(png) / 2
    assert Image.open(io.BytesIO(smaller)).mode == "P"
    assert np.abs(_pixels(png) - _pixels(smaller)).mean() <= notebook_pages.MAX_MEAN_ERROR


def test_an_image_that_a_palette_would_spoil_is_kept():
    noise = np.random.default_rng(0).integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="png")
    assert notebook_pages.palette_png(buffer.getvalue()) is None


def test_inline_pngs_are_replaced_in_the_html():
    data = base64.b64encode(_plot_png()).decode()
    html = f'<div><img alt="" src="data:image/png;base64,{data}"></div>'
    new = notebook_pages.recompress_png_images(html)
    [encoded] = re.findall(r'src="data:image/png;base64,([^"]+)"', new)
    assert len(encoded) < len(data) / 2
    assert np.abs(_pixels(base64.b64decode(encoded)) - _pixels(base64.b64decode(data))).mean() < 2


def test_recompressed_images_come_from_the_cache_when_there():
    data = base64.b64encode(_plot_png()).decode()
    html = f'<img src="data:image/png;base64,{data}">'
    cache: dict[str, str] = {}
    first = notebook_pages.recompress_png_images(html, cache)
    assert len(cache) == 1 and first != html
    [key] = cache
    cache[key] = "Y2FjaGVk"  # what a later build finds: used as it is
    assert notebook_pages.recompress_png_images(html, cache) == '<img src="data:image/png;base64,Y2FjaGVk">'


def test_links_to_sources_become_links_to_pages():
    pages = {"pages/Batch Normalization.md": "../../pages/batch-normalization/",
             "experiments/index.md": "../", "experiments/02_b.ipynb": "../02_b/"}
    html = ('<a href="../pages/Batch%20Normalization.md#公式">BN</a> '
            '<a href="index.md">index</a> <a href="02_b.ipynb">next</a> '
            '<a href="https://arxiv.org/abs/1502.03167">paper</a> <a href="#top">top</a> '
            '<a href="missing.md">gone</a>')
    new, missing = notebook_pages.resolve_links(html, "experiments/01_a.ipynb", pages.get)
    assert '<a href="../../pages/batch-normalization/#公式">BN</a>' in new
    assert '<a href="../">index</a>' in new and '<a href="../02_b/">next</a>' in new
    assert 'href="https://arxiv.org/abs/1502.03167"' in new and 'href="#top"' in new
    assert missing == ["missing.md"]


# --- the built site ----------------------------------------------------------------------


def _page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("url", NOTEBOOK_PAGES)
def test_notebook_page_links_one_shared_stylesheet_instead_of_inline_css(built_site: Path, url):
    page = _page(built_site, url)
    inline = [css for css in RE_STYLE_BLOCK.findall(page) if "jp-" in css or "highlight-ipynb" in css]
    assert inline == []
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]*assets/notebook/[^"]+)"', page)
    assert len(hrefs) == 1
    sheet = (built_site / url / hrefs[0]).resolve()
    assert sheet.is_file() and sheet.parent == (built_site / "assets" / "notebook").resolve()
    css = sheet.read_text(encoding="utf-8")
    assert ".jp-OutputArea" in css and ".highlight-ipynb" in css  # JupyterLab and Pygments
    assert "bp3-" not in css and ".jp-Toolbar" not in css          # pruned
    assert len(sheet.read_bytes()) <= MAX_STYLESHEET_BYTES


@pytest.mark.parametrize("url", NOTEBOOK_PAGES)
def test_notebook_page_weight_stays_in_check(built_site: Path, url):
    size = len((built_site / url / "index.html").read_bytes())
    assert size <= MAX_NOTEBOOK_PAGE_BYTES, f"{url}: {size} bytes"


def test_all_notebook_pages_share_the_same_stylesheet(built_site: Path):
    names = {re.search(r'assets/notebook/([^"]+)"', _page(built_site, url)).group(1)
             for url in NOTEBOOK_PAGES}
    assert len(names) == 1
    assert sorted(p.name for p in (built_site / "assets" / "notebook").iterdir()) == sorted(names)


@pytest.mark.parametrize("url", EXPERIMENT_PAGES)
def test_experiment_page_shows_its_figures_and_links_theory_and_index(built_site: Path, url):
    page = _page(built_site, url)
    figures = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', page)
    assert figures
    for data in figures:  # re-encoded with a palette at build time
        assert Image.open(io.BytesIO(base64.b64decode(data))).mode == "P"
    assert 'href="../"' in page  # the experiments index
    notebook = page[page.index('<div class="jupyter-wrapper">'):]
    # The notebook itself links the note that explains its theory (the navigation lists
    # only the first note of a section that is not open).
    assert re.search(r'href="\.\./\.\./pages/[^"]+/"', notebook), url
    assert re.findall(r'<a\b[^>]*href="[^"#:]*\.(?:md|ipynb)[#"]', notebook) == []  # all resolved


def test_code_source_and_prompts_are_marked_out_of_search():
    from material.plugins.search.plugin import Parser
    html = ('<div class="jp-Cell jp-CodeCell"><div class="jp-Cell-inputWrapper" tabindex="0">'
            '<div class="jp-InputArea"><div class="jp-InputPrompt jp-InputArea-prompt">In [1]:</div>'
            '<div class="jp-CodeMirrorEditor"><div class="CodeMirror"><div class="zeroclipboard-container">'
            '<clipboard-copy for="cell-1"><div><span class="notice" hidden>Copied!</span></div>'
            '</clipboard-copy></div><div class="highlight-ipynb hl-python"><pre><span>import</span> torch'
            '</pre></div><div class="clipboard-copy-txt" id="cell-1">import torch</div>'
            '</div></div></div></div><div class="jp-Cell-outputWrapper">'
            '<div class="jp-OutputPrompt jp-OutputArea-prompt">Out[1]:</div>'
            '<div class="jp-RenderedText"><pre>结果 0.25</pre></div></div></div>'
            '<div class="jp-MarkdownCell"><div class="jp-Cell-inputWrapper"><p>批归一化的说明</p></div></div>')
    parser = Parser()
    parser.feed(notebook_pages.keep_code_out_of_search(html))
    parser.close()
    text = " ".join("".join(section.text) for section in parser.data)
    assert "批归一化的说明" in text    # prose is found
    # Printed output is not (issue 18: for 归一化, results 2-4 were notebooks' printed arrays).
    assert not any(word in text for word in ("import", "In [1]", "Out[1]", "Copied!", "结果 0.25")), text


def test_search_finds_notebook_prose_but_not_their_code(built_site: Path):
    import json
    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    notebook_text = " ".join(d["text"] for d in docs if d["location"].startswith("experiments/0"))
    assert "import torch" not in notebook_text and "Copied!" not in notebook_text
    assert "In [1]" not in notebook_text
    assert "per-channel mean after" not in " ".join(d["text"] for d in docs if d["location"].startswith("experiments/"))
    # Each experiment's prose is still there (its first Markdown paragraph mentions BN).
    for url in EXPERIMENT_PAGES[:4]:
        texts = [d["text"] for d in docs if d["location"].startswith(url)]
        assert any("批归一化" in t or "BN" in t for t in texts), url


def test_experiments_index_lists_the_four_experiments(built_site: Path):
    index = _page(built_site, "experiments")
    for url in EXPERIMENT_PAGES[:4]:
        assert f'href="{url.split("/", 1)[1]}"' in index, url


def test_home_page_links_the_experiments(built_site: Path):
    assert 'href="experiments/"' in _page(built_site, "")


# --- in Chromium ---------------------------------------------------------------------------

playwright_sync = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]

# For every element of the notebook: its box, the properties the notebook CSS sets most,
# and what its ::before shows. (All ~350 properties of all elements take a minute a page.)
STYLE_PROPERTIES = [
    "display", "position", "float", "box-sizing", "width", "height", "min-width", "max-width",
    "margin-top", "margin-right", "margin-bottom", "margin-left", "padding-top", "padding-right",
    "padding-bottom", "padding-left", "border-top-width", "border-left-width", "border-top-style",
    "border-top-color", "border-radius", "color", "background-color", "font-family", "font-size",
    "font-weight", "font-style", "line-height", "letter-spacing", "white-space", "word-break",
    "text-align", "text-decoration-line", "vertical-align", "overflow-x", "overflow-y",
    "flex-basis", "flex-direction", "flex-grow", "align-items", "visibility", "opacity",
    "box-shadow", "cursor", "z-index",
]
COMPUTED_STYLES = """(props) => {
  const out = [];
  for (const el of document.querySelectorAll('.jupyter-wrapper, .jupyter-wrapper *')) {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    let s = [r.x, r.y, r.width, r.height].join(',');
    for (const p of props) s += ';' + p + ':' + cs.getPropertyValue(p);
    const before = getComputedStyle(el, '::before');
    out.push(s + ';::before:' + before.content + ' ' + before.display);
  }
  return out;
}"""
# The smallest notebook page and the one with the most outputs: the stylesheet is shared,
# and a pruned rule is one that no notebook page's elements can match.
PAGES_IN_BROWSER = [p for p in NOTEBOOK_PAGES
                    if p == "experiments/first_look/" or p.startswith("experiments/02_")]


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it).")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def full_css() -> str:
    """mkdocs-jupyter's CSS for a notebook page, unpruned, as its template writes it."""
    from mkdocs_jupyter import convert

    content = convert.nb2html(str(notebooks.notebook_paths()[0]), theme="")  # as the plugin calls it
    _, blocks = notebook_pages.split_template_styles(content)
    return "\n".join(blocks)


def _computed_styles(browser, url: str, site_url: str, css: str | None = None):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    remote = []
    context.route("**/*", lambda route: (
        route.continue_() if route.request.url.startswith(site_url)
        else (remote.append(route.request.url), route.abort())))
    if css is not None:
        context.route("**/assets/notebook/*.css",
                      lambda route: route.fulfill(status=200, content_type="text/css", body=css))
    page = context.new_page()
    page.goto(f"{site_url}/{url}", wait_until="load")
    styles = page.evaluate(COMPUTED_STYLES, STYLE_PROPERTIES)
    context.close()
    assert remote == []
    return styles


@pytest.mark.parametrize("url", PAGES_IN_BROWSER)
def test_pruned_stylesheet_styles_every_element_as_the_full_one(chromium, site_url, full_css, url):
    pruned = _computed_styles(chromium, url, site_url)
    full = _computed_styles(chromium, url, site_url, css=full_css)
    assert len(pruned) == len(full) > 100
    differing = [i for i, (a, b) in enumerate(zip(pruned, full)) if a != b]
    assert differing == [], f"{len(differing)} elements styled differently, e.g. " + \
        str({p.split(":")[0] for a, b in zip(pruned, full) if a != b for p in
             set(a.split(";")) ^ set(b.split(";"))})[:300]


def test_stylesheet_loads_after_instant_navigation(chromium, built_site, site_url, test_output):
    # Material's instant navigation swaps the page without loading a new document; the
    # notebook's stylesheet must still apply. Instant navigation only follows the URLs of
    # the sitemap, written for the configured site_url: serve one for the test server.
    sitemap = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    base = min(re.findall(r"<loc>([^<]+)</loc>", sitemap), key=len)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/sitemap.xml", lambda route: route.fulfill(
        status=200, content_type="application/xml", body=sitemap.replace(base, site_url + "/")))
    page = context.new_page()
    page.goto(f"{site_url}/experiments/", wait_until="load")
    page.evaluate("window.__kbSameDocument = true")
    # Material rewrites the links to absolute URLs for its instant navigation.
    page.locator(f'article a[href$="/{EXPERIMENT_PAGES[0]}"]').first.click()
    page.wait_for_url(f"**/{EXPERIMENT_PAGES[0]}")
    page.locator(".jp-OutputArea-output img").first.wait_for(state="visible")
    assert page.evaluate("window.__kbSameDocument === true"), \
        "the click loaded a new document: not an instant navigation"
    # A stylesheet that comes with swapped-in content loads asynchronously.
    page.wait_for_function("""() => [...document.styleSheets].some(
        s => (s.href || '').includes('/assets/notebook/') && s.cssRules.length > 100)""",
                           timeout=15_000)
    prompt = page.evaluate(
        "getComputedStyle(document.querySelector('.jp-InputPrompt')).flexBasis")
    page.screenshot(path=str(test_output / "experiment.png"), full_page=False)
    context.close()
    assert prompt not in ("", "auto")  # the notebook CSS gives prompts their width


def test_figures_are_marked_as_buttons_that_open_them_full_size():
    html = ('<div class="jp-RenderedImage"><img alt="x" class="" src="data:image/png;base64,iVBOR"></div>'
            '<p><img src="../assets/logo.png"></p>')
    marked = notebook_pages.mark_figures(html)
    assert marked.count("data-kb-figure") == 1 and 'role="button" title="点击看原尺寸"' in marked
    assert '<img src="../assets/logo.png">' in marked   # only inline PNG figures
