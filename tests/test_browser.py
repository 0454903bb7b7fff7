"""The built site in a real browser: Debian's Chromium driven by Playwright, served on 127.0.0.1.

Screenshots land in test-output/ for a person to look at.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

from playwright import sync_api as playwright_sync  # noqa: E402 - pinned in requirements.txt

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not shutil.which("chromium") and not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it).")
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    remote = []
    # Everything must come from this machine: record, and block, any other host.
    context.route("**/*", lambda route: (
        route.continue_() if urlparse(route.request.url).hostname in LOCAL_HOSTS
        else (remote.append(route.request.url), route.abort())))
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()
    assert remote == [], f"requests to other hosts: {remote}"


def search(page, query: str):
    box = page.locator("input.md-search__input")
    box.click()  # at desktop width the search box is in the header
    box.fill(query)
    box.press("End")  # Material's search only runs after a key event
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=15_000)
    return results


def test_home_page_shows_rendered_math(page, site_url, test_output):
    page.goto(site_url + "/")
    page.locator(".katex-display").first.wait_for(state="visible")
    text = page.locator("article").inner_text()
    assert "\\(" not in text and "\\[" not in text and "\\frac" not in text
    # KaTeX's own font is in use: the stylesheet and fonts came from the site.
    font = page.evaluate(
        "getComputedStyle(document.querySelector('.katex .mathnormal')).fontFamily")
    assert "KaTeX_Math" in font
    assert page.evaluate("document.fonts.check('16px KaTeX_Math')")
    page.screenshot(path=str(test_output / "home.png"), full_page=True)


def test_notebook_page_shows_rendered_math_and_outputs(page, site_url, test_output):
    page.goto(site_url + "/experiments/first_look/")
    page.locator(".jp-RenderedMarkdown .katex").first.wait_for(state="visible")
    text = page.locator("article").inner_text()
    assert "$$" not in text and "max |numpy - torch|" in text
    page.screenshot(path=str(test_output / "notebook.png"), full_page=True)


def all_results(page):
    """Every result item: Material renders ten, and more as the list is scrolled."""
    items = page.locator(".md-search-result__item")
    count = -1
    while items.count() != count:
        count = items.count()
        page.locator(".md-search__scrollwrap").evaluate("el => el.scrollTop = el.scrollHeight")
        page.wait_for_timeout(300)
    # jieba separates words with zero-width spaces in the index; the reader sees none.
    return [t.replace("\u200b", "") for t in items.all_inner_texts()]


@pytest.mark.parametrize("query", ["归一化", "批归一化", "Ioffe", "BatchNorm"])
def test_search_finds_chinese_and_english_words(page, site_url, test_output, query):
    page.goto(site_url + "/")
    search(page, query)
    page.screenshot(path=str(test_output / f"search-{query}.png"))
    found = all_results(page)
    assert found and all(query.lower() in text.lower() for text in found[:3]), found[:3]


def test_search_finds_the_home_page_section_that_cites_ioffe(page, site_url):
    page.goto(site_url + "/")
    # Many notes cite Ioffe & Szegedy now and rank above it for "Ioffe" alone.
    search(page, "Ioffe 一瞥")
    # An item shows the page's title, then the section's.
    assert any("批归一化一瞥" in text.split("\n")[:2] for text in all_results(page))


def search_settled(page, query: str) -> None:
    """Type ``query`` and wait until the result count shows (also when nothing is found)."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(query)
    box.press("End")
    page.locator(".md-search-result__meta").wait_for(state="visible")
    page.wait_for_timeout(500)


def test_search_does_not_match_tex(page, site_url):
    page.goto(site_url + "/")
    search_settled(page, "frac")
    assert page.locator(".md-search-result__item").count() == 0
