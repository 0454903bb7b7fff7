"""Flashcards on the note pages of the built site, in Chromium (Playwright), served on 127.0.0.1.

The Batch Normalization page is the original note: its clozes stay hidden until
clicked, its arrow and ``#card`` answers stay folded until opened, its Algorithm 1
image has the eight occlusion rectangles drawn over it, revealed one by one; all of
it by mouse and by keyboard, on a direct load and after Material's instant
navigation. Math inside clozes and answers is rendered. Accessibility (issue 9):
names, roles and states of the controls, and the WCAG AA contrast of the cloze
placeholder in the light and the dark palette.

Screenshots land in test-output/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest

from test_browser import browser, page  # noqa: F401 - fixtures: Chromium, a page that blocks other hosts

BN = "/pages/batch-normalization/"
DIMENSIONS = "/pages/batch-normalization/维度理解/"
IMAGE_SIZE = (760, 600)   # docs/assets/image_1724172031817_0.png, the occlusion image
# cId 1 of the seed's occlusion:: value: centre (191.5, 189.6), 131.1 x 111.0 natural pixels.
FIRST_RECT = (191.5155, 189.5944, 131.1120, 111.0464)

# Relative luminance and contrast ratio (WCAG 2.1) of the cloze placeholder against what
# is drawn behind it: its own translucent background over its ancestors' down to the canvas.
CONTRAST_JS = """el => {
  const parse = s => {
    const m = s.match(/^rgba?\\(([^)]+)\\)$/);
    if (!m) throw new Error('unexpected colour ' + s);
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, below) => {
    const a = top.a + below.a * (1 - top.a);
    const mix = k => (top[k] * top.a + below[k] * below.a * (1 - top.a)) / a;
    return {r: mix('r'), g: mix('g'), b: mix('b'), a};
  };
  const layers = [];
  for (let node = el; node; node = node.parentElement) layers.push(parse(getComputedStyle(node).backgroundColor));
  let bg = {r: 255, g: 255, b: 255, a: 1};   // the canvas
  for (const layer of layers.reverse()) bg = over(layer, bg);
  const fg = over(parse(getComputedStyle(el).color), bg);
  const lum = c => {
    const ch = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  };
  const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return {ratio: (hi + 0.05) / (lo + 0.05), fg: getComputedStyle(el).color,
          bg: [bg.r, bg.g, bg.b].map(Math.round).join(',')};
}"""


def open_note(page, site_url, path=BN):
    page.goto(site_url + path)
    page.locator("li.kb-block").first.wait_for(state="visible")


def block(page, line: int):
    return page.locator(f'article li.kb-block[data-line="{line}"]')


def own_cloze(page, line: int):
    """The cloze in the block's own text, not one in the 勘误 box the block may hold."""
    return block(page, line).locator(":scope > p .cloze")


def navigate_instantly_to_bn(page, site_url):
    """From the ResNet page, through its linked references, to the note: no full page load."""
    open_note(page, site_url, "/pages/resnet/")
    page.locator('.kb-backlinks__page a[data-page="Batch Normalization"]').click()
    page.locator("h1.kb-page-title", has_text="Batch Normalization").wait_for()
    block(page, 50).wait_for(state="visible")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1   # instant navigation


def check_arrow_answers(page):
    # "特点 :-> …": the question shows, the answer is folded until the <details> opens.
    for line, answer in [(96, "BN 后输入数据更接近 0 均值"), (98, "激活后再 Norm")]:
        card = block(page, line)
        assert card.get_by_text("特点", exact=True).is_visible()
        assert ":-&gt;" not in card.inner_html() and ":->" not in card.inner_text()
        hidden = card.locator("details.card-answer").get_by_text(answer, exact=False)
        assert hidden.count() == 1 and hidden.is_hidden()
        card.locator("details.card-answer > summary").click()
        assert hidden.is_visible()
    # "[[ResNet]] :-> `Skip -> …`": the question keeps its page link; the answer opens from the keyboard.
    card = block(page, 90)
    link = card.locator(':scope > p .kb-link[data-page="ResNet"]')
    assert link.is_visible() and link.evaluate("el => el.tagName") == "A"
    assert link.evaluate("el => new URL(el.href).pathname").endswith("/pages/resnet/")
    code = card.locator(":scope > details.card-answer code")
    assert code.text_content().startswith("Skip -> BN") and code.is_hidden()
    card.locator(":scope > details.card-answer > summary").focus()
    page.keyboard.press("Enter")
    assert code.is_visible()
    # Its child is not part of the answer: it shows without opening anything.
    assert block(page, 91).is_visible()


def check_card_children(page):
    card = block(page, 85)
    tag = card.locator(':scope > p a.kb-tag[data-page="card"]')
    assert tag.is_visible() and tag.inner_text() == "#card"   # the tag stays, as Logseq shows it
    child = block(page, 86)
    assert child.is_hidden()
    card.locator(":scope > details.card-answer > summary").click()
    assert child.is_visible() and "Normalization 一般是在输入层之前" in child.inner_text()


def check_occlusion(page, test_output, name):
    figure = block(page, 50).locator("figure.occlusion")
    figure.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('figure.occlusion img').complete")
    assert figure.evaluate("f => f.querySelector('img').naturalWidth") == IMAGE_SIZE[0]
    masks = figure.locator(".occlusion-mask")
    assert masks.count() == 8
    image = figure.locator("img").bounding_box()
    first = masks.nth(0).bounding_box()
    scale = image["width"] / IMAGE_SIZE[0]
    cx, cy, w, h = FIRST_RECT
    assert first["x"] - image["x"] == pytest.approx((cx - w / 2) * scale, abs=2)
    assert first["y"] - image["y"] == pytest.approx((cy - h / 2) * scale, abs=2)
    assert first["width"] == pytest.approx(w * scale, abs=2) and first["height"] == pytest.approx(h * scale, abs=2)
    # Masks cover the image: opaque, drawn on top of it.
    assert masks.nth(0).evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 235, 162)"
    centre = (first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).className", list(centre)) == "occlusion-mask"
    page.screenshot(path=str(test_output / f"{name}-occlusion-covered.png"),
                    clip={"x": image["x"], "y": image["y"], "width": image["width"], "height": image["height"]})
    # One by one: a click reveals the first only.
    masks.nth(0).click()
    assert figure.locator(".occlusion-mask.is-revealed").count() == 1
    assert masks.nth(0).get_attribute("aria-expanded") == "true"
    assert masks.nth(0).evaluate("m => getComputedStyle(m).backgroundColor") == "rgba(0, 0, 0, 0)"
    # The keyboard: Tab moves to the next mask, Enter reveals it, Space folds it again.
    masks.nth(0).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.cid") == "2"
    page.keyboard.press("Enter")
    assert figure.locator(".occlusion-mask.is-revealed").count() == 2
    assert masks.nth(1).get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(test_output / f"{name}-occlusion-two-revealed.png"),
                    clip={"x": image["x"], "y": image["y"], "width": image["width"], "height": image["height"]})
    page.keyboard.press(" ")
    assert figure.locator(".occlusion-mask.is-revealed").count() == 1
    assert masks.nth(1).get_attribute("aria-expanded") == "false"


def check_clozes(page):
    cloze = own_cloze(page, 83)
    assert cloze.locator(".cloze-placeholder").inner_text() == "[…]"
    assert cloze.locator(".cloze-answer").is_hidden()
    cloze.click()
    assert cloze.locator(".cloze-answer").is_visible() and cloze.inner_text() == "0-1 高斯分布"
    assert cloze.get_attribute("aria-expanded") == "true"
    second = own_cloze(page, 84)
    second.focus()
    page.keyboard.press("Enter")
    assert second.get_attribute("aria-expanded") == "true" and second.inner_text() == "不一定对称"
    page.keyboard.press(" ")
    assert second.locator(".cloze-answer").is_hidden() and second.get_attribute("aria-expanded") == "false"


def check_note_cards(page, test_output, name):
    check_clozes(page)
    check_arrow_answers(page)
    check_card_children(page)
    check_occlusion(page, test_output, name)


def test_note_cards_on_a_direct_load(page, site_url, test_output):
    open_note(page, site_url)
    block(page, 82).scroll_into_view_if_needed()
    page.screenshot(path=str(test_output / "note-cards-folded.png"))
    check_note_cards(page, test_output, "note-cards")
    block(page, 82).scroll_into_view_if_needed()
    page.screenshot(path=str(test_output / "note-cards-opened.png"))


def test_note_cards_after_instant_navigation(page, site_url, test_output):
    navigate_instantly_to_bn(page, site_url)
    check_note_cards(page, test_output, "note-cards-instant")


def test_a_linking_arrow_block_is_folded_in_the_linked_references_too(page, site_url):
    open_note(page, site_url, "/pages/resnet/")
    backlink = page.locator('li.kb-backlink[data-source="pages/Batch Normalization.md"][data-source-line="90"]')
    assert backlink.locator(':scope > p .kb-link[data-page="ResNet"]').is_visible()
    answer = backlink.locator("details.card-answer code")
    assert answer.is_hidden()
    backlink.locator("details.card-answer > summary").click()
    assert answer.is_visible()


def test_math_inside_clozes_and_answers_is_rendered_and_hidden_with_them(page, site_url, test_output):
    open_note(page, site_url, DIMENSIONS)
    cloze = page.locator("article .cloze", has=page.locator(".katex")).first
    math = cloze.locator(".katex")
    assert math.count() == 1 and math.is_hidden()
    cloze.click()
    assert math.is_visible() and "\\" not in cloze.inner_text()
    answer = page.locator("article details.card-answer", has=page.locator(".katex")).first
    assert answer.locator(".katex").first.is_hidden()
    answer.locator("summary").click()
    assert answer.locator(".katex").first.is_visible()
    assert "$" not in answer.inner_text() and "\\(" not in answer.inner_text()
    answer.scroll_into_view_if_needed()
    page.screenshot(path=str(test_output / "note-cards-math.png"))


# --- accessibility (issue 9) -----------------------------------------------------------------


def test_clozes_and_masks_are_named_buttons_with_a_state(page, site_url):
    open_note(page, site_url)
    clozes = page.locator("article li.kb-block > p .cloze")        # the note's own three
    erratum_clozes = page.locator("article .kb-erratum .cloze")     # the corrected cards' (docs/errata/)
    masks = page.locator("article li.kb-block .occlusion-mask")
    assert clozes.count() == 3 and erratum_clozes.count() >= 1 and masks.count() == 8
    for control in clozes.all() + erratum_clozes.all() + masks.all():
        assert control.get_attribute("role") == "button" and control.get_attribute("tabindex") == "0"
        assert control.get_attribute("aria-expanded") == "false"
    # Names: "填空" for a hidden cloze, its answer once revealed; "遮挡 N" for a mask.
    assert page.get_by_role("button", name="填空", exact=True).count() == 3 + erratum_clozes.count()
    assert page.get_by_role("button", name=re.compile(r"^遮挡 [1-8]$")).count() == 8
    cloze = clozes.first
    cloze.click()
    assert page.get_by_role("button", name="0-1 高斯分布", exact=True).count() == 1
    assert cloze.get_attribute("aria-expanded") == "true"
    # Folded answers are <details>: their summaries are named and reachable by Tab.
    summaries = page.locator("article li.kb-block > details.card-answer > summary")   # not an erratum's cards
    assert summaries.count() == 4
    assert all(s.inner_text() == "答案" for s in summaries.all())
    assert summaries.first.evaluate("s => s.tabIndex") == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_cloze_placeholder_contrast_passes_wcag_aa(page, site_url, test_output, scheme):
    page.emulate_media(color_scheme=scheme)
    open_note(page, site_url)
    expected = {"light": "default", "dark": "slate"}[scheme]
    assert page.evaluate("document.body.dataset.mdColorScheme") == expected
    placeholder = own_cloze(page, 83).locator(".cloze-placeholder")
    placeholder.scroll_into_view_if_needed()
    measured = placeholder.evaluate(CONTRAST_JS)
    page.screenshot(path=str(test_output / f"note-cloze-{scheme}.png"),
                    clip=block(page, 82).bounding_box())
    assert measured["ratio"] >= 4.5, f"{scheme}: {measured}"


def test_review_controls_have_labels_and_work_from_the_keyboard(page, site_url):
    # A listener from the start turns on Playwright's file-chooser interception before any key
    # is pressed (expect_file_chooser alone turns it on asynchronously, and lost the race at times).
    page.on("filechooser", lambda chooser: None)
    page.goto(site_url + "/review/")
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")
    review = page.locator("#kb-review")
    for button in review.locator("button").all():
        name = button.evaluate("b => b.textContent.trim() || b.getAttribute('aria-label') || ''")
        assert name, button.evaluate("b => b.outerHTML")
    assert page.get_by_role("combobox", name="复习范围").count() == 1
    assert page.get_by_role("button", name="显示答案（空格）").is_visible()
    # Tab reaches every visible control, the import of a progress file included.
    assert page.get_by_role("spinbutton", name="每天新卡").count() == 1
    controls = [".kb-review__show", ".kb-review__scope", ".kb-review__new-limit", ".kb-review__export",
                ".kb-review__import"]
    reached = set()
    page.locator(".kb-review__card").focus()   # the card comes first, its settings after it
    for _ in range(12):
        page.keyboard.press("Tab")
        reached |= {c for c in controls if page.evaluate("c => document.activeElement.matches(c)", c)}
    assert reached == set(controls)
    page.locator(".kb-review__import").focus()
    with page.expect_file_chooser():
        page.keyboard.press("Enter")
    # Space on a focused button presses that button, not the page's "show answer" shortcut.
    page.locator(".kb-review__export").focus()
    with page.expect_download():
        page.keyboard.press(" ")
    assert page.locator(".kb-review__back").is_hidden()
    # Space elsewhere shows the answer.
    page.locator(".kb-review__card").click(position={"x": 5, "y": 5})
    page.keyboard.press(" ")
    assert page.locator(".kb-review__back").is_visible()
    # The ratings' keys work with the focus on the rating buttons (where showing the answer puts it).
    card_id = page.locator(".kb-review__card").get_attribute("data-card-id")
    page.keyboard.press("3")
    page.wait_for_function("id => document.querySelector('.kb-review__card').dataset.cardId !== id", arg=card_id)
