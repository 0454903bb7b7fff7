"""Search in Chromium (issue 18): formulas found as their plain-text reading, the notes
ranked above notebook output, 项目指标 kept out of a learner's results.

Screenshots land in test-output/.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from test_browser import all_results, browser, page, search, search_settled  # noqa: F401 - fixtures, helpers


def result_links(page) -> list[str]:
    """The page of each result item, in the order shown."""
    return [unquote(href) for href in page.locator(".md-search-result__item > a").evaluate_all(
        "links => links.map(a => new URL(a.href).pathname)")]


def test_a_formula_reads_as_plain_text_in_the_preview(page, site_url, test_output):
    page.goto(site_url + "/")
    search(page, "前向")
    page.screenshot(path=str(test_output / "search-formula-preview.png"))
    found = [text for text in all_results(page) if text.startswith("Batch Normalization/前向和反向传播")]
    assert found, all_results(page)[:5]
    preview = found[0]
    # Algorithm 1's inputs, read as text where they stand: the sentence used to read
    # "可学习参数 、" with the formulas cut out.
    assert "可学习参数 γ、β" in preview and "{x_1, …, x_m}" in preview, preview
    assert "\\mathcal" not in preview and "σ2" not in preview


def test_the_index_reads_formulas_instead_of_dropping_them(built_site):
    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    text = " ".join(d["text"] for d in docs).replace("\u200b", "")
    assert "√(σ_B² + ε)" in text           # \sqrt{\sigma_B^2 + \epsilon}
    for tex in ("\\frac", "\\sigma", "katex", "σ2", "μB"):   # no TeX, no KaTeX glyph text
        assert tex not in text, tex


@pytest.mark.parametrize("query", ["归一化", "批归一化", "方差"])
def test_no_printed_output_and_no_metrics_among_the_results(page, site_url, test_output, query):
    page.goto(site_url + "/")
    search(page, query)
    page.screenshot(path=str(test_output / f"search-ranking-{query}.png"))
    texts = all_results(page)
    links = result_links(page)
    assert not any("/metrics/" in link for link in links), links
    # The notebooks' printed results (first_look prints "per-channel mean ..." arrays).
    assert not any("per-channel mean after" in text or "1e-12: True" in text for text in texts), texts[:8]


def test_the_bn_note_is_in_the_top_eight_for_its_own_word(page, site_url):
    page.goto(site_url + "/")
    search(page, "归一化")
    all_results(page)
    top = result_links(page)[:8]
    assert any(link.rstrip("/").endswith("/pages/batch-normalization") or
               "/pages/batch-normalization/" in link for link in top), top


def test_metrics_page_is_not_found_even_by_its_own_words(page, site_url):
    page.goto(site_url + "/")
    search_settled(page, "项目指标")
    assert not any("/metrics/" in link for link in result_links(page))
