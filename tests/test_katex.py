"""kb/katex.py: build-time math rendering, its errors, and notebook clean-up."""

from __future__ import annotations

import pytest

from conftest import build_site, write_config
from kb import katex


@pytest.fixture(scope="module")
def renderer():
    r = katex.KatexRenderer()
    yield r
    r.close()


def test_arithmatex_inline_and_display_become_katex(renderer):
    page = ('<p>a <span class="arithmatex">\\(x &lt; y\\)</span> b</p>\n'
            '<div class="arithmatex">\\[\\frac{1}{m}\\]</div>')
    out, errors = katex.render_arithmatex(page, renderer)
    assert errors == []
    assert '<kb-math class="arithmatex" data-search-exclude><span class="katex">' in out
    assert '<div class="arithmatex" data-search-exclude><span class="katex-display">' in out
    # The TeX reached KaTeX unescaped: "<" is an operator, not the entity's letters.
    assert '<annotation encoding="application/x-tex">x &lt; y</annotation>' in out
    assert "\\(" not in out and "\\[" not in out


def test_bad_formula_is_reported_and_left_visible(renderer):
    page = '<span class="arithmatex">\\(\\frac{1}{\\)</span>'
    out, errors = katex.render_arithmatex(page, renderer)
    assert len(errors) == 1 and "\\frac{1}{" in errors[0] and "KaTeX parse error" in errors[0]
    assert out == page


def test_notebook_math_only_inside_markdown_cells(renderer):
    cell = ('<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">'
            '<p>cost $5 and $x_i$ then</p><p>$$\\sum_i x_i$$</p></div>')
    code = '<pre>print("$x$")</pre>'
    out, errors = katex.render_notebook_math(cell + code, renderer)
    assert errors == []
    assert out.count('class="katex"') == 2  # $x_i$ and the display sum
    assert "cost $5 and" in out  # a lone dollar is money, not math
    assert out.endswith(code)  # code outputs keep their dollars


def test_notebook_loaders_are_stripped():
    page = ('<script src=""> </script><script type="text/x-mathjax-config">init()</script>'
            '<script type="module">const m = await import("https://cdn/mermaid.mjs")</script>'
            '<script>keep()</script>')
    assert katex.strip_notebook_loaders(page) == "<script>keep()</script>"


def test_strict_build_fails_on_a_bad_formula_and_names_the_page(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# ok\n", encoding="utf-8")
    (docs / "broken.md").write_text("# 坏公式\n\n$\\frac{1}{$\n", encoding="utf-8")
    result = build_site(tmp_path / "site", write_config(tmp_path, docs))
    assert result.returncode != 0
    assert "broken.md: math: KaTeX parse error" in result.stdout + result.stderr
