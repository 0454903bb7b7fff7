"""kb/site/katex.py: build-time math rendering, its errors, and notebook clean-up."""

from __future__ import annotations

import pytest

from conftest import build_site, write_config
from kb.site import katex


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


def test_strict_build_fails_on_a_bad_formula_and_names_the_page_and_line(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# ok\n", encoding="utf-8")
    (docs / "broken.md").write_text("# 坏公式\n\n$\\frac{1}{$\n", encoding="utf-8")
    result = build_site(tmp_path / "site", write_config(tmp_path, docs))
    assert result.returncode != 0
    assert "broken.md:3: math: KaTeX parse error" in result.stdout + result.stderr   # a page, not a note


# --- the formula cache between builds -----------------------------------------------------


def test_a_second_build_takes_its_formulas_from_the_cache_without_starting_node(tmp_path):
    cache = tmp_path / "katex" / "pages.json"
    first = katex.KatexRenderer(cache_file=cache)
    html = {tex: first.render(tex, display) for tex, display in [("x^2", False), (r"\sum_i x_i", True)]}
    first.close()
    assert first.rendered_now == 2 and cache.is_file()

    second = katex.KatexRenderer(cache_file=cache)
    again = {tex: second.render(tex, display) for tex, display in [("x^2", False), (r"\sum_i x_i", True)]}
    assert again == html and second.rendered_now == 0
    assert second._proc is None          # Node was never started
    assert second.render("y", False).startswith('<span class="katex">') and second.rendered_now == 1
    second.close()


def test_only_the_formulas_a_build_used_are_kept(tmp_path):
    cache = tmp_path / "pages.json"
    for formulas in (["a", "b"], ["b"]):
        r = katex.KatexRenderer(cache_file=cache)
        for tex in formulas:
            r.render(tex, False)
        r.close()
    r = katex.KatexRenderer(cache_file=cache)
    r.render("a", False)
    r.render("b", False)
    r.close()
    assert r.rendered_now == 1               # "a" was dropped by the build that did not use it


def test_two_builds_writing_the_cache_at_once_do_not_collide(tmp_path, monkeypatch):
    """Each build writes its own file beside the cache and renames it over the cache; a second
    build finishing its write while the first is between writing and renaming does not take the
    first one's file (FileNotFoundError seen with one fixed ``pages.json.partial``)."""
    import os
    cache = tmp_path / "pages.json"
    first, second = {("a", False): "<a/>"}, {("b", True): "<b/>"}
    real_replace, nested = os.replace, []

    def replace_after_another_build(source, target):
        if not nested:                       # the first build is about to rename: the second writes now
            nested.append(source)
            katex._write_cache(cache, second)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_after_another_build)
    katex._write_cache(cache, first)
    assert nested and katex._read_cache(cache) == first      # the last rename wins, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages.json"]   # no file left behind


def test_a_damaged_or_outdated_cache_is_rendered_again(tmp_path):
    import json
    cache = tmp_path / "pages.json"
    cache.write_text("{not json", encoding="utf-8")
    r = katex.KatexRenderer(cache_file=cache)
    right = r.render("x", False)
    r.close()
    assert r.rendered_now == 1
    data = json.loads(cache.read_text(encoding="utf-8"))
    data["version"] = "katex 0.0.1"
    data["formulas"] = [["x", False, "<span>stale</span>"]]
    cache.write_text(json.dumps(data), encoding="utf-8")
    r = katex.KatexRenderer(cache_file=cache)
    assert r.render("x", False) == right and r.rendered_now == 1
    r.close()


def test_a_bad_formula_is_not_cached(tmp_path):
    cache = tmp_path / "pages.json"
    for _ in range(2):
        r = katex.KatexRenderer(cache_file=cache)
        with pytest.raises(katex.KatexError):
            r.render(r"\frac{1}{", False)
        r.close()


# --- math set aside while the search plugin reads a page ----------------------------------


def test_math_set_aside_and_put_back_gives_the_same_page(renderer):
    page, errors = katex.render_arithmatex(
        '<p>均值 <span class="arithmatex">\\(\\mu_B\\)</span> 与方差 <span class="arithmatex">\\(\\sigma^2\\)'
        '</span></p>\n<div class="arithmatex">\\[\\hat{x} = \\frac{x - \\mu}{\\sigma}\\]</div><p>完</p>', renderer)
    assert errors == []
    aside, formulas = katex.set_math_aside(page)
    assert len(formulas) == 3 and "katex" not in aside and len(aside) < len(page) / 5
    assert "均值" in aside and "与方差" in aside and "<p>完</p>" in aside
    assert katex.put_math_back(aside, formulas) == page


def test_built_pages_have_their_math_back_and_the_index_has_their_words(built_site):
    import json
    pages = list(built_site.rglob("*.html"))
    assert not [p for p in pages if "data-kb-math" in p.read_text(encoding="utf-8")]
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert home.count('<span class="katex">') >= 1
    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    note = " ".join(d["text"] for d in docs if d["location"].startswith("pages/batch-normalization/"))
    assert "归一化" in note and "katex" not in note
