"""Cards on a note page (kb/card_blocks.py markup + docs/assets/cards.js/cards.css) in Chromium.

The page is a static fixture made from the original note's card lines, so this
checks the markup the page renderer will call, independently of that renderer.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pytest

from conftest import ROOT
from kb import katex
from kb.card_blocks import page_markup, root_prefix
from kb.card_html import folded_answer
from test_browser import browser, page  # noqa: F401 - fixtures
from test_cards import SEED_CARD_LINES, outline_of
from kb.cards import PageInfo

ASSETS = ROOT / "docs" / "assets"
FIGURE = ASSETS / "image_1724172031817_0.png"


def render_blocks(blocks, info) -> str:
    items = []
    for block in blocks:
        markup = page_markup(block, info)
        body = markup.content_html if markup else f"<p>{html.escape(block.content)}</p>"
        children = render_blocks(block.children, info) if block.children else ""
        if markup and markup.fold_children and children:
            children = folded_answer(children)
        items.append(f'<li data-line="{block.line}">{body}{children}</li>')
    return f"<ul>{''.join(items)}</ul>"


@pytest.fixture()
def fixture_page(page, tmp_path):  # noqa: F811 - the imported fixture
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / FIGURE.name).write_bytes(FIGURE.read_bytes())
    info = PageInfo(title="Batch Normalization", deck="being/Normalization", source="docs/bn.md",
                    url="", src_uri="bn.md", docs_dir=tmp_path)
    lines = dict(SEED_CARD_LINES)
    lines[100] = "方差的无偏估计是 {{c1 $\\frac{m}{m-1}\\sigma_B^2$}}"
    body = render_blocks(outline_of(lines), info)
    renderer = katex.KatexRenderer()
    try:
        body, errors = katex.render_arithmatex(body, renderer)
    finally:
        renderer.close()
    assert errors == []
    data_url = "data:image/png;base64," + base64.b64encode(FIGURE.read_bytes()).decode()
    body = body.replace(f'src="assets/{FIGURE.name}"', f'src="{data_url}"')
    page.set_content(f'<!doctype html><html><body><article class="md-typeset">{body}</article></body></html>')
    page.add_style_tag(path=str(ASSETS / "cards.css"))
    page.add_script_tag(path=str(ASSETS / "cards.js"))
    return page


def test_root_prefix():
    assert root_prefix("") == "" and root_prefix("review/") == "../"
    assert root_prefix("pages/batch-normalization/") == "../../" and root_prefix("a/b.html") == "../"


def test_cloze_reveals_by_click_and_by_keyboard(fixture_page, test_output):
    pg = fixture_page
    clozes = pg.locator(".cloze[role=button]")
    assert clozes.count() == 4
    first = clozes.nth(0)
    assert first.locator(".cloze-answer").is_hidden() and first.inner_text() == "[…]"
    first.click()
    assert first.locator(".cloze-answer").is_visible() and "0-1 高斯分布" in first.inner_text()
    second = clozes.nth(1)
    second.focus()
    pg.keyboard.press("Enter")
    assert second.get_attribute("aria-expanded") == "true" and "不一定对称" in second.inner_text()
    pg.keyboard.press("Space")
    assert second.locator(".cloze-answer").is_hidden()   # Space folds it again
    # Math inside a cloze is rendered by KaTeX and hidden with the cloze.
    math = clozes.nth(3)
    assert math.locator(".katex").count() == 1 and math.locator(".katex").is_hidden()
    math.click()
    assert math.locator(".katex").is_visible()
    pg.screenshot(path=str(test_output / "cards-fixture-clozes.png"), full_page=True)


def test_arrow_and_card_answers_are_folded(fixture_page):
    pg = fixture_page
    answers = pg.locator("details.card-answer")
    assert answers.count() == 4   # three arrows and one #card
    skip = pg.locator("details.card-answer", has_text="Skip -> BN")
    assert skip.locator("code").is_hidden()
    skip.locator("summary").click()
    assert skip.locator("code").is_visible()
    card = pg.locator("li[data-line='85']")
    assert "#card" not in card.inner_text()
    assert card.get_by_text("Normalization 一般是在输入层之前", exact=False).is_hidden()
    card.locator("summary").focus()
    pg.keyboard.press("Enter")
    assert card.get_by_text("Normalization 一般是在输入层之前", exact=False).is_visible()


def test_occlusion_masks_are_drawn_over_the_image_and_revealed_one_by_one(fixture_page, test_output):
    pg = fixture_page
    pg.wait_for_function("document.querySelector('figure.occlusion img').complete")
    masks = pg.locator(".occlusion-mask[role=button]")
    assert masks.count() == 8
    image = pg.locator("figure.occlusion img").bounding_box()
    first = masks.nth(0).bounding_box()
    # cId 1: centre (191.5, 189.6), 131.1 x 111.0 natural pixels of the 760 x 600 image.
    scale = image["width"] / 760
    assert first["x"] - image["x"] == pytest.approx((191.5155 - 131.112 / 2) * scale, abs=2)
    assert first["y"] - image["y"] == pytest.approx((189.5944 - 111.0464 / 2) * scale, abs=2)
    assert first["width"] == pytest.approx(131.112 * scale, abs=2)
    masks.nth(0).click()
    assert pg.locator(".occlusion-mask.is-revealed").count() == 1
    masks.nth(5).focus()
    pg.keyboard.press("Enter")
    assert pg.locator(".occlusion-mask.is-revealed").count() == 2
    assert masks.nth(5).get_attribute("aria-expanded") == "true"
    pg.screenshot(path=str(test_output / "cards-fixture-occlusion.png"), full_page=True)


def test_bare_cloze_spans_of_the_page_renderer_are_upgraded(page):  # noqa: F811
    page.set_content('<p>BN 层希望得到 <span class="cloze" data-cloze="1">0-1 高斯分布</span> 的数据</p>')
    page.add_style_tag(path=str(ASSETS / "cards.css"))
    page.add_script_tag(path=str(ASSETS / "cards.js"))
    page.evaluate("KBCards.upgrade(document)")   # as document$ does after each page swap
    cloze = page.locator(".cloze")
    assert cloze.get_attribute("role") == "button" and cloze.locator(".cloze-answer").is_hidden()
    cloze.click()
    assert cloze.locator(".cloze-answer").is_visible()
