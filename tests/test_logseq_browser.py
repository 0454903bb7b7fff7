"""The original note in a real browser (Debian's Chromium, served on 127.0.0.1).

A screenshot of the whole page lands in test-output/logseq-note.png for a person to look at.
"""

from __future__ import annotations

import shutil

import pytest

from playwright import sync_api as playwright_sync  # noqa: E402 - pinned in requirements.txt

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def note_page(site_url):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it).")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        remote = []
        context.route("**/*", lambda route: (
            route.continue_() if route.request.url.startswith(site_url)
            else (remote.append(route.request.url), route.abort())))
        page = context.new_page()
        page.goto(site_url + "/pages/batch-normalization/")
        page.locator("li.kb-block .katex").first.wait_for(state="visible")
        yield page
        browser.close()
        assert remote == [], f"requests to other hosts: {remote}"


def test_outline_shows_nested_blocks_and_formulas(note_page, test_output):
    question = note_page.locator('li.kb-block[data-line="64"]')
    answer = question.locator('li.kb-block[data-line="68"] .katex')
    assert answer.is_visible()
    # A child is drawn to the right of its parent: the outline's nesting is visible.
    parent_x = question.bounding_box()["x"]
    child_x = note_page.locator('li.kb-block[data-line="67"]').bounding_box()["x"]
    assert child_x > parent_x + 20
    for image in note_page.locator("article img").all():
        image.scroll_into_view_if_needed()
        assert note_page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    note_page.screenshot(path=str(test_output / "logseq-note.png"), full_page=True)


