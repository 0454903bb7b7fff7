"""Logseq's folded blocks and numbered lists in a real browser (Debian's Chromium).

A small site with one note: a ``collapsed:: true`` block (its children hidden until
the reader opens the fold, by click or keyboard) and a numbered list
(``logseq.order-list-type:: number``: the number stands where the bullet would).
The screenshot lands in test-output/logseq-folds.png for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, build_site, serve, write_config
from test_logseq_browser import ARGS, CHROMIUM

from playwright import sync_api as playwright_sync  # noqa: E402 - pinned in requirements.txt

NOTE = """\
- 折叠的块
  collapsed:: true
  - 藏起来的子块
- 归一化的步骤
  - 求均值
    logseq.order-list-type:: number
  - 求方差
    logseq.order-list-type:: number
"""


@pytest.fixture(scope="module")
def folds_page(tmp_path_factory):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it).")
    folder = tmp_path_factory.mktemp("folds")
    docs = folder / "docs"
    shutil.copytree(ROOT / "docs" / "assets", docs / "assets")     # the site's stylesheets and scripts
    (docs / "pages").mkdir(parents=True)
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "tags.md").write_bytes((ROOT / "docs" / "tags.md").read_bytes())
    (docs / "pages" / "Folds.md").write_text(NOTE, encoding="utf-8")
    site = folder / "site"
    build = build_site(site, write_config(folder, docs))
    assert build.returncode == 0, build.stdout + build.stderr
    with serve(site) as url, playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context(viewport={"width": 1000, "height": 700}, locale="zh-CN").new_page()
        page.goto(url + "/pages/folds/")
        yield page
        browser.close()


def bullet_display(page, line: int) -> str:
    return page.evaluate(f"""() => getComputedStyle(
        document.querySelector('li.kb-block[data-line="{line}"]'), '::before').display""")


def test_a_collapsed_block_opens_on_click_and_keyboard(folds_page, test_output: Path):
    child = folds_page.get_by_text("藏起来的子块")
    summary = folds_page.locator("details.kb-collapsed > summary")
    assert folds_page.get_by_text("折叠的块").is_visible() and not child.is_visible()
    folds_page.screenshot(path=str(test_output / "logseq-folds.png"), full_page=True)
    summary.click()
    assert child.is_visible()
    summary.click()
    assert not child.is_visible()
    summary.focus()
    folds_page.keyboard.press("Enter")
    assert child.is_visible()


def test_numbered_blocks_show_their_number_instead_of_a_bullet(folds_page):
    numbers = folds_page.locator(".kb-list-number").all_inner_texts()
    assert numbers == ["1.", "2."]
    assert bullet_display(folds_page, 5) == "none" and bullet_display(folds_page, 7) == "none"
    assert bullet_display(folds_page, 4) != "none"      # the parent keeps its bullet
