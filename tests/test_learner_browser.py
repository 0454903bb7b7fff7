"""A learner's way through the site in Chromium (issue 18): desktop and a 390×844 phone,
light and dark palettes. The review queue teaches along the learning path, the review
page behaves like Anki's, nothing scrolls sideways on a phone, and every text and control
has WCAG AA contrast (measured in the browser, not eyeballed).

Screenshots land in test-output/ for a person to look at.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from urllib.parse import urlparse

import pytest

from conftest import ROOT
from kb.site import learning_path
from test_browser import LOCAL_HOSTS, browser  # noqa: F401 - fixture: Chromium
from test_review_browser import NEW_PER_DAY, STORAGE_KEY, cards_json, counts, stored

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGES = {"home": "/", "note": "/pages/batch-normalization/", "review": "/review/"}
INTERVAL = re.compile(r"<1m|\d+m|\d+h|\d+d|\d+(?:\.\d)?mo|\d+(?:\.\d)?y")


def new_page(browser, *, viewport=DESKTOP, scheme="light", phone=False):
    context = browser.new_context(viewport=viewport, locale="zh-CN", color_scheme=scheme,
                                  has_touch=phone, is_mobile=phone,
                                  device_scale_factor=1)
    context.route("**/*", lambda route: (
        route.continue_() if urlparse(route.request.url).hostname in LOCAL_HOSTS else route.abort()))
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture()
def desktop(browser):
    context, page = new_page(browser)
    yield page
    context.close()


@pytest.fixture()
def phone(browser):
    context, page = new_page(browser, viewport=PHONE, phone=True)
    yield page
    context.close()


def open_review(page, site_url):
    page.goto(site_url + "/review/")
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")
    page.locator(".kb-review__card").wait_for(state="visible")


def reveal(page):
    page.locator(".kb-review__show").click()
    page.locator(".kb-review__back").wait_for(state="visible")


def rate(page, rating: str) -> str:
    card_id = page.locator(".kb-review__card").get_attribute("data-card-id")
    page.locator(f'.kb-review__ratings [data-rating="{rating}"]').click()
    page.wait_for_function("id => document.querySelector('.kb-review__card').dataset.cardId !== id"
                           " || !document.querySelector('.kb-review__done').hidden", arg=card_id)
    return card_id


# --- the queue follows the learning path ----------------------------------------------------


def test_a_fresh_profile_starts_with_the_first_pages_of_the_path(desktop, site_url, built_site, test_output):
    path = learning_path.read(ROOT / learning_path.PATH_FILE, learning_path.PATH_FILE)
    pages_with_cards = {card["page"] for card in cards_json(built_site)["cards"]}
    first_pages = [step.title for step in path.steps if step.title in pages_with_cards][:2]
    open_review(desktop, site_url)
    desktop.screenshot(path=str(test_output / "learner-review-first-card.png"), full_page=True)
    shown = desktop.locator(".kb-review__meta a").inner_text()
    assert shown == first_pages[0], (shown, first_pages)
    # The first day's new cards come from the first pages of the path, in order.
    by_id = {card["id"]: card for card in cards_json(built_site)["cards"]}
    seen = []
    for _ in range(5):
        reveal(desktop)
        seen.append(by_id[rate(desktop, "easy")]["page"])
    assert set(seen) <= set(first_pages), seen


def test_no_card_front_shows_an_arrow_and_the_answer_button_hides(desktop, site_url, built_site, test_output):
    open_review(desktop, site_url)
    types = {card["id"]: card["type"] for card in cards_json(built_site)["cards"]}
    arrows = 0
    for _ in range(NEW_PER_DAY):
        card_id = desktop.locator(".kb-review__card").get_attribute("data-card-id")
        front = desktop.locator(".kb-review__front").inner_text()
        assert ":->" not in front and ":<-" not in front, (card_id, front)
        arrows += types[card_id] == "arrow"
        if types[card_id] == "arrow" and arrows == 1:
            desktop.screenshot(path=str(test_output / "learner-arrow-front.png"))
        reveal(desktop)
        # The theme's button style once overrode [hidden]: the button stayed after the answer showed.
        assert desktop.locator(".kb-review__show").is_hidden()
        assert desktop.evaluate("getComputedStyle(document.querySelector('.kb-review__show')).display") == "none"
        if types[card_id] == "arrow" and arrows == 1:
            desktop.screenshot(path=str(test_output / "learner-arrow-back.png"))
        rate(desktop, "easy")
    assert arrows >= 1


def test_rating_buttons_show_the_interval_that_is_then_stored(desktop, site_url, test_output):
    open_review(desktop, site_url)
    reveal(desktop)
    buttons = desktop.locator(".kb-review__ratings [data-rating]")
    desktop.wait_for_function("() => [...document.querySelectorAll('.kb-review__interval')]"
                              ".every(s => s.textContent.length > 0)")
    shown = {b.get_attribute("data-rating"): b.locator(".kb-review__interval").inner_text()
             for b in buttons.all()}
    desktop.screenshot(path=str(test_output / "learner-intervals.png"))
    assert all(INTERVAL.fullmatch(text) for text in shown.values()), shown
    assert shown["again"] == "<1m" or shown["again"].endswith("m"), shown
    assert shown["easy"].endswith("d"), shown   # a new card rated easy goes to review
    card_id = rate(desktop, "easy")
    due = datetime.fromisoformat(stored(desktop)["cards"][card_id]["due"].replace("Z", "+00:00"))
    days = (due - datetime.now(timezone.utc)).total_seconds() / 86400
    assert round(days) == int(shown["easy"][:-1]), (days, shown["easy"])


def test_counts_stay_true_and_focus_stays_on_the_card(desktop, site_url):
    open_review(desktop, site_url)
    desktop.keyboard.press(" ")                    # 显示答案
    desktop.locator(".kb-review__back").wait_for(state="visible")
    card_id = desktop.locator(".kb-review__card").get_attribute("data-card-id")
    desktop.keyboard.press("1")                    # 重来
    desktop.wait_for_function("id => document.querySelector('.kb-review__card').dataset.cardId !== id",
                              arg=card_id)
    # A card rated 重来 a moment ago is learning again, not 已学.
    assert counts(desktop) == {"due": 0, "learning": 1, "new": NEW_PER_DAY - 1, "learned": 0}
    inside = desktop.evaluate("document.querySelector('.kb-review__card').contains(document.activeElement)")
    assert inside, desktop.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    # The keyboard goes on from there: Space shows the next answer.
    desktop.keyboard.press(" ")
    desktop.locator(".kb-review__back").wait_for(state="visible")
    # A minute later the card is due again, and the counts say so without a new rating.
    desktop.evaluate("""([key, id]) => { const p = JSON.parse(localStorage.getItem(key));
        p.cards[id].due = new Date(Date.now() - 1000).toISOString(); localStorage.setItem(key, JSON.stringify(p)); }""",
                     [STORAGE_KEY, card_id])
    desktop.wait_for_function("() => document.querySelector('[data-count=due]').textContent === '1'",
                              timeout=30_000)


def test_the_daily_limit_of_new_cards_is_settable_and_kept(desktop, site_url):
    open_review(desktop, site_url)
    assert desktop.locator(".kb-review__new-limit").input_value() == str(NEW_PER_DAY)
    desktop.locator(".kb-review__new-limit").fill("2")
    desktop.locator(".kb-review__new-limit").dispatch_event("change")
    assert counts(desktop)["new"] == 2
    for _ in range(2):
        reveal(desktop)
        rate(desktop, "easy")
    done = desktop.locator(".kb-review__done")
    assert done.is_visible() and "今天的新卡" in done.inner_text()
    assert counts(desktop) == {"due": 0, "learning": 0, "new": 0, "learned": 2}
    desktop.reload()
    desktop.locator("#kb-review[data-ready=true]").wait_for(state="attached")
    assert desktop.locator(".kb-review__new-limit").input_value() == "2"
    assert desktop.locator(".kb-review__done").is_visible()


# --- phone ---------------------------------------------------------------------------------


def test_touch_screens_get_no_key_hints_and_the_card_comes_first(phone, site_url, test_output):
    open_review(phone, site_url)
    phone.screenshot(path=str(test_output / "learner-review-phone.png"))
    assert phone.locator(".kb-review__show").inner_text().strip() == "显示答案"
    show = phone.locator(".kb-review__show").bounding_box()
    assert show["y"] + show["height"] <= PHONE["height"], show   # no screen of introduction first
    reveal(phone)
    for button in phone.locator(".kb-review__ratings [data-rating]").all():
        assert "（" not in button.inner_text(), button.inner_text()
    phone.screenshot(path=str(test_output / "learner-review-phone-answer.png"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_nothing_scrolls_sideways_at_390_px(browser, site_url, test_output, name, scheme):
    context, page = new_page(browser, viewport=PHONE, scheme=scheme, phone=True)
    try:
        page.goto(site_url + PAGES[name])
        if name == "review":
            page.locator(".kb-review__card").wait_for(state="visible")
        page.screenshot(path=str(test_output / f"learner-390-{name}-{scheme}.png"), full_page=True)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (name, widths, page.evaluate(WIDEST_JS))
    finally:
        context.close()


WIDEST_JS = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))"""


# --- contrast ------------------------------------------------------------------------------

# Every element that shows text (its own text nodes, or a control's value): its colour over
# the backgrounds behind it, composited as the browser paints them; WCAG 2 contrast ratio.
CONTRAST_JS = r"""() => {
  const parse = c => {   // rgb(), rgba() and color(srgb r g b / a) (what color-mix() computes to)
    const srgb = c.match(/color\(srgb ([^)]+)\)/);
    if (srgb) { const p = srgb[1].split(/[ \/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
    const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3] + bottom[3] * (1 - top[3]);
    if (!a) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a).concat([a]); };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const background = el => { let layers = [];
    for (let e = el; e; e = e.parentElement) { const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; } }
    let color = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) color = over(layers[i], color);
    return color; };
  const visible = el => el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) &&
    el.getClientRects().length > 0 && !el.closest('[hidden], .md-search, .md-sidebar--secondary:not(:hover) .md-nav__link--passed');
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const isControl = el.matches('input:not([type=file]):not([type=checkbox]):not([type=radio]), select, textarea');
    const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!(ownText || isControl) || !visible(el)) continue;
    if (el.closest('svg, .katex .katex-mathml, .md-tooltip, .md-tooltip2')) continue;
    const style = getComputedStyle(el);
    if (parseFloat(style.fontSize) === 0) continue;
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) found.push({ el: el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''),
      text: (el.value || el.textContent).trim().slice(0, 30), ratio: Math.round(ratio * 100) / 100, needed,
      color: style.color, background: 'rgb(' + bg.slice(0, 3).map(Math.round).join(',') + ')' });
  }
  return found;
}"""


def contrast_failures(page) -> list[dict]:
    return page.evaluate(CONTRAST_JS)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_text_and_control_has_aa_contrast(browser, site_url, test_output, name, scheme):
    context, page = new_page(browser, scheme=scheme)
    try:
        page.goto(site_url + PAGES[name])
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == \
            {"light": "default", "dark": "slate"}[scheme]
        states = [("", None)]
        if name == "review":
            page.locator(".kb-review__card").wait_for(state="visible")
            states = [("front", None), ("back", lambda: reveal(page))]
        for state, action in states:
            if action:
                action()
                page.wait_for_timeout(300)
            page.screenshot(path=str(test_output / f"learner-contrast-{name}{state and '-' + state}-{scheme}.png"),
                            full_page=True)
            failures = contrast_failures(page)
            assert failures == [], json.dumps(failures[:12], ensure_ascii=False, indent=1)
    finally:
        context.close()


# --- notebook figures ----------------------------------------------------------------------

RE_FIGURE_STYLE = re.compile(r'"figure\.dpi\\": (\d+), \\"font\.size\\": (\d+)')


@pytest.mark.parametrize("notebook", sorted(p.stem for p in (ROOT / "docs" / "experiments").glob("0*.ipynb")))
def test_notebook_figures_are_readable_and_open_full_size(desktop, site_url, test_output, notebook):
    """Figures were 792×226 with 6 px tick labels; now their text is at least 10 px on the page."""
    style = RE_FIGURE_STYLE.search((ROOT / "docs" / "experiments" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    assert style, "the notebook sets figure.dpi and font.size in plt.rcParams.update"
    dpi, points = map(int, style.groups())
    desktop.goto(f"{site_url}/experiments/{notebook}/")
    figures = desktop.locator(".jp-RenderedImage img")
    assert figures.count() >= 1
    for figure in figures.all():
        figure.scroll_into_view_if_needed()
        shown, natural = figure.evaluate("img => [img.getBoundingClientRect().width, img.naturalWidth]")
        text_px = points / 72 * dpi * shown / natural     # the font's size on the screen
        assert text_px >= 10, (notebook, shown, natural, text_px)
    first = figures.first
    first.click()
    dialog = desktop.locator("dialog.kb-figure-full[open]")
    dialog.wait_for(state="visible")
    full = dialog.locator("img")
    assert full.evaluate("img => img.getBoundingClientRect().width === img.naturalWidth && img.naturalWidth > 0")
    desktop.screenshot(path=str(test_output / f"learner-figure-full-{notebook}.png"))
    desktop.keyboard.press("Escape")
    dialog.wait_for(state="detached")
