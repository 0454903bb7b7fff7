"""Search in Chromium (issue 18): formulas found as their plain-text reading, the notes
ranked above notebook output, 项目指标 kept out of a learner's results. Issue 22: a query
fetches a few files of the chunked index (kb/site/search_shards.py) through kb's worker,
never the whole search_index.json, and keeps Material's highlighting and suggestions.

Screenshots land in test-output/.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlparse

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


# --- The chunked index (issue 22): kb's worker, kb/site/search_shards.py ---------------------

def search_requests(page) -> list[str]:
    """Paths under search/ (and the worker) the page requests, recorded from now on."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(unquote(urlparse(request.url).path)))
    return requests


def test_a_search_fetches_a_few_shards_and_pages_not_the_whole_index(page, site_url):
    requests = search_requests(page)
    page.goto(site_url + "/")
    search(page, "归一化 梯度")
    all_results(page)
    searched = [path for path in requests if "/search/" in path or "search-worker" in path]
    assert not any(path.endswith("search_index.json") for path in requests), searched
    assert searched.count("/search/manifest.json") == 1, searched
    # 归一化 needs its bigrams 归一 and 一化 (shards of 归 and 一), 梯度 the shard of 梯.
    terms = {path for path in searched if path.startswith("/search/terms/")}
    assert 1 <= len(terms) <= 3, searched
    pages = [path for path in searched if path.startswith("/search/pages/")]
    assert 1 <= len(pages) <= 20 and len(pages) == len(set(pages)), searched
    assert set(searched) <= {"/search/manifest.json", "/assets/javascripts/kb-search-worker.js", *terms, *pages}


@pytest.mark.parametrize("query, marked", [("归一化", "归一化"), ("BatchNorm", "batchnorm"), ("Ioffe 一瞥", None)])
def test_results_highlight_what_the_query_matched(page, site_url, query, marked):
    page.goto(site_url + "/")
    search(page, query)
    # textContent: marks in a folded "more on this page" have no inner text.
    marks = page.locator(".md-search-result__item mark").evaluate_all("marks => marks.map(m => m.textContent)")
    assert marks, query
    if marked is None:   # several words: each mark is one of them
        assert all(text.lower() in ("ioffe", "一瞥") for text in marks), marks
    else:
        assert all(text.lower().startswith(marked) for text in marks), marks


def test_the_suggestion_completes_the_last_word(page, site_url):
    page.goto(site_url + "/")
    search(page, "batc")
    suggest = page.locator(".md-search__suggest")
    page.wait_for_function("() => document.querySelector('.md-search__suggest').textContent === 'batch'")
    assert suggest.text_content() == "batch"


def test_a_result_opens_its_page_with_the_words_highlighted(page, site_url):
    page.goto(site_url + "/")
    search(page, "归一化")
    page.locator(".md-search-result__item > a").first.click()
    page.wait_for_url("**h=*")
    page.locator("mark[data-md-highlight]").first.wait_for(state="visible")
    assert all(text == "归一化" for text in page.locator("mark[data-md-highlight]").all_inner_texts())


@pytest.mark.parametrize("width, scheme", [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")])
def test_search_screenshots(browser, site_url, test_output, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 600 else 900},
                                  locale="zh-CN", color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(site_url + "/")
        if width < 600:   # on a phone the search box opens from the header's icon
            page.locator("label.md-header__button[for='__search']").click()
        search(page, "批归一化")
        page.screenshot(path=str(test_output / f"search-{width}px-{scheme}.png"))
        assert page.locator(".md-search-result__item mark").count() > 0
    finally:
        context.close()
