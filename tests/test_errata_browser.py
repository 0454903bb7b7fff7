"""The 勘误 boxes in Chromium: what a screen reader is given, on the note page and on a card's back.

The small site of tests/test_errata.py, with the site's scripts and styles; screenshots
land in test-output/ for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, build_site, serve, write_config
from test_browser import browser  # noqa: F401 - the module's Chromium
from test_errata import make_docs


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("errata-browser")
    docs = make_docs(root)
    shutil.copytree(ROOT / "docs" / "assets", docs / "assets")
    shutil.copy(ROOT / "docs" / "review.md", docs / "review.md")
    result = build_site(root / "site", write_config(root, docs))
    assert result.returncode == 0, result.stdout + result.stderr
    with serve(root / "site") as url:
        yield url


@pytest.fixture()
def page(browser):  # noqa: F811 - the fixture imported above
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_each_box_is_a_note_a_screen_reader_announces_by_its_label(page, site_url, test_output: Path):
    page.goto(f"{site_url}/pages/errata-note/")
    for label in ("勘误（有误）", "勘误（不严谨）", "勘误（卡片不好记）"):
        note = page.get_by_role("note", name=label)
        assert note.count() == 1, label
        assert note.is_visible() and "勘误" in note.inner_text()
    assert page.get_by_role("note").count() == 3            # a typo has no box on the page
    link = page.get_by_role("note", name="勘误（有误）").get_by_role("link", name="arXiv:1502.03167")
    assert link.get_attribute("href") == "https://arxiv.org/abs/1502.03167"
    page.get_by_role("note", name="勘误（卡片不好记）").screenshot(path=str(test_output / "erratum-box.png"))


def test_an_imprecise_erratum_shows_on_the_back_of_its_card_only(page, site_url, test_output: Path):
    page.goto(f"{site_url}/review/")
    show = page.locator(".kb-review__show")
    show.wait_for(state="visible")
    for _ in range(5):   # the fixture's five cards, in the review page's order
        front_has_it = page.locator(".kb-review__front").get_by_role("note").count()
        is_imprecise = "BN 层希望得到" in page.locator(".kb-review__front").inner_text()
        show.click()
        back = page.locator(".kb-review__back")
        if is_imprecise:
            assert front_has_it == 0
            note = back.get_by_role("note", name="勘误（不严谨）")
            assert note.is_visible() and "只在输入近似高斯时成立" in note.inner_text()
            page.locator(".kb-review__card").screenshot(path=str(test_output / "erratum-card-back.png"))
            return
        assert back.get_by_role("note").count() == 0
        page.locator('[data-rating="easy"]').click()
    pytest.fail("the imprecise card never came")
