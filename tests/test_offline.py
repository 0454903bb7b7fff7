"""Offline: with every request to another host blocked, the site still works.

The `page` fixture aborts, records and fails on any request that does not go to
the local server. Here every local request must succeed too, and each kind of page
must do its job: math, search, notebook outputs, the review page.
"""

from __future__ import annotations

import pytest

from test_browser import browser, page, search  # noqa: F401 - fixtures and a helper


@pytest.fixture()
def local_failures(page):
    failures: list[str] = []
    page.on("requestfailed", lambda request: failures.append(f"failed: {request.url}"))
    page.on("response", lambda response: response.status >= 400
            and failures.append(f"{response.status}: {response.url}"))
    return failures


PAGES = {
    "home": "/",
    "note": "/pages/batch-normalization/",
    "notebook": "/experiments/first_look/",
    "review": "/review/",
    "tags": "/tags/",
    "metrics": "/metrics/",
}


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_everything_it_needs_from_the_site(page, site_url, local_failures, name):
    page.goto(site_url + PAGES[name], wait_until="networkidle")
    assert page.locator("article h1").first.is_visible()
    assert local_failures == []


@pytest.mark.parametrize("name", ["home", "note", "notebook"])
def test_math_renders_offline_with_katex_fonts(page, site_url, name):
    page.goto(site_url + PAGES[name], wait_until="networkidle")
    page.locator(".katex").first.wait_for(state="visible")
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    assert "\\frac" not in page.locator("article").inner_text()


def test_search_works_offline(page, site_url):
    page.goto(site_url + "/")
    results = search(page, "归一化")
    assert results.count() > 0


def test_review_page_shows_a_card_offline(page, site_url, local_failures, test_output):
    page.goto(site_url + PAGES["review"])
    front = page.locator(".kb-review__card:not([hidden]) .kb-review__front")
    front.wait_for(state="visible")
    # A card's front is text, or an image with masks (the first card may be an occlusion).
    assert front.evaluate("el => el.textContent.trim() !== '' || el.querySelector('img') !== null")
    images = front.locator("img")
    for i in range(images.count()):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    page.wait_for_load_state("networkidle")
    assert local_failures == []
    page.screenshot(path=str(test_output / "offline-review.png"), full_page=True)
