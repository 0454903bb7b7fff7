"""The review page and the flashcards on the pages, in Chromium (Playwright), served on 127.0.0.1.

Screenshots land in test-output/ for a person to look at.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from conftest import ROOT
from test_browser import browser, page  # noqa: F401 - fixtures: Chromium, a page that blocks other hosts

STORAGE_KEY = "kb-review-progress"
NEW_PER_DAY = 20   # new cards a day unless the learner sets another number (issue 18)


def cards_json(built_site):
    return json.loads((built_site / "cards.json").read_text(encoding="utf-8"))


def open_review(page, site_url):
    page.goto(site_url + "/review/")
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")


def counts(page) -> dict[str, int]:
    return {key: int(page.locator(f'#kb-review [data-count="{key}"]').inner_text())
            for key in ("due", "learning", "new", "learned")}


def stored(page) -> dict:
    return json.loads(page.evaluate(f"localStorage.getItem('{STORAGE_KEY}') || 'null'")) or {}


def review_one(page, rating: str) -> str:
    card = page.locator(".kb-review__card")
    card.wait_for(state="visible")
    card_id = card.get_attribute("data-card-id")
    assert page.locator(".kb-review__back").is_hidden()
    page.locator(".kb-review__show").click()
    assert page.locator(".kb-review__back").is_visible() and page.locator(".kb-review__front").is_hidden()
    page.locator(f'.kb-review__ratings [data-rating="{rating}"]').click()
    page.wait_for_function("id => document.querySelector('.kb-review__card').dataset.cardId !== id", arg=card_id)
    return card_id


def test_review_two_cards_reload_export_and_import(page, site_url, built_site, test_output, tmp_path):
    total = len(cards_json(built_site)["cards"])
    assert total >= 15   # every card of the original note
    open_review(page, site_url)
    assert counts(page) == {"due": 0, "learning": 0, "new": NEW_PER_DAY, "learned": 0}
    page.screenshot(path=str(test_output / "review-front.png"), full_page=True)

    first = review_one(page, "good")
    second = review_one(page, "easy")
    assert first != second
    # good on a new card: its next learning step (it comes back today); easy: in review.
    assert counts(page) == {"due": 0, "learning": 1, "new": NEW_PER_DAY - 2, "learned": 1}
    progress = stored(page)
    assert sorted(progress["cards"]) == sorted([first, second])
    assert progress["cards"][second]["reps"] == 1 and progress["cards"][second]["state"] == 2  # easy: review

    page.reload()
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")
    assert counts(page) == {"due": 0, "learning": 1, "new": NEW_PER_DAY - 2, "learned": 1}
    assert page.locator(".kb-review__card").get_attribute("data-card-id") not in (first, second)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出进度").click()
    exported = tmp_path / "progress.json"
    download_info.value.save_as(exported)
    assert json.loads(exported.read_text(encoding="utf-8")) == progress

    page.evaluate("localStorage.clear()")
    page.reload()
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")
    assert counts(page)["new"] == NEW_PER_DAY
    page.locator(".kb-review__import").set_input_files(str(exported))
    page.locator(".kb-review__message", has_text="已导入 2 张卡片的进度").wait_for()
    # Today's count of new cards went with localStorage.clear(): 20 more may come today.
    assert counts(page) == {"due": 0, "learning": 1, "new": NEW_PER_DAY, "learned": 1}
    assert stored(page) == progress


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "不是 JSON"),
    (json.dumps({"format": "something-else", "version": 1, "cards": {}}).encode(), "不是复习进度"),
    (json.dumps({"format": "kb-review-progress", "version": 1,
                 "cards": {"x-c1": {"due": "yesterday", "stability": 1, "difficulty": 5, "elapsed_days": 0,
                                    "scheduled_days": 0, "reps": 1, "lapses": 0, "learning_steps": 0,
                                    "state": 2, "last_review": None}}}).encode(), "x-c1 的 due 不是日期"),
])
def test_invalid_progress_file_is_rejected_and_nothing_is_overwritten(page, site_url, tmp_path, content,
                                                                      reason, test_output):
    open_review(page, site_url)
    review_one(page, "good")
    before = stored(page)
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    page.locator(".kb-review__import").set_input_files(str(bad))
    message = page.locator(".kb-review__message.is-error")
    message.wait_for()
    assert "无法导入" in message.inner_text() and reason in message.inner_text()
    assert "现有进度未改动" in message.inner_text()
    assert stored(page) == before
    page.screenshot(path=str(test_output / "review-import-rejected.png"))


def test_removed_cards_are_not_shown_or_counted(page, site_url, built_site):
    total = len(cards_json(built_site)["cards"])
    open_review(page, site_url)
    gone = {"due": "2020-01-01T00:00:00.000Z", "stability": 1, "difficulty": 5, "elapsed_days": 0,
            "scheduled_days": 1, "reps": 3, "lapses": 0, "learning_steps": 0, "state": 2,
            "last_review": "2019-12-31T00:00:00.000Z"}
    page.evaluate("([key, value]) => localStorage.setItem(key, JSON.stringify(value))",
                  [STORAGE_KEY, {"format": "kb-review-progress", "version": 1, "cards": {"removed-note-c1": gone}}])
    page.reload()
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")
    # Due long ago, but no longer in the notes: neither counted nor shown.
    assert counts(page) == {"due": 0, "learning": 0, "new": NEW_PER_DAY, "learned": 0}
    assert page.locator(".kb-review__card").get_attribute("data-card-id") != "removed-note-c1"


def test_review_by_page_and_by_tag(page, site_url, built_site):
    cards = cards_json(built_site)["cards"]
    open_review(page, site_url)
    bn = [c for c in cards if c["page"] == "Batch Normalization"]
    page.locator(".kb-review__scope").select_option("page:Batch Normalization")
    assert counts(page)["new"] == min(len(bn), NEW_PER_DAY) and len(bn) >= 15
    tagged = [c for c in cards if "Algorithm" in c["tags"]]
    page.locator(".kb-review__scope").select_option("tag::Algorithm")
    assert counts(page)["new"] == min(len(tagged), NEW_PER_DAY) > 0
    shown = page.locator(".kb-review__card").get_attribute("data-card-id")
    assert shown in {c["id"] for c in tagged}


def test_occlusion_card_shows_its_masks_and_math_is_rendered(page, site_url, test_output):
    open_review(page, site_url)
    page.locator(".kb-review__scope").select_option("page:Batch Normalization")
    # The occlusion cards come first in the note; the first asks cId 1 with all others covered.
    page.locator(".kb-review__front figure.occlusion img").wait_for(state="visible")
    page.wait_for_function("document.querySelector('.kb-review__front figure.occlusion img').complete")
    assert page.locator(".kb-review__front .occlusion-mask.is-asked").count() == 1
    assert page.locator(".kb-review__front .occlusion-mask").count() == 8
    box = page.locator(".kb-review__front .occlusion-mask.is-asked").bounding_box()
    image = page.locator(".kb-review__front figure.occlusion img").bounding_box()
    assert box["width"] > 0 and image["width"] > box["width"]
    page.screenshot(path=str(test_output / "review-occlusion.png"), full_page=True)


def test_review_page_works_after_instant_navigation(page, site_url):
    page.goto(site_url + "/")
    page.locator("a[href$='review/']").first.click()
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no full page load
    decks = page.locator(".kb-review__decks a")
    assert unquote(decks.first.get_attribute("href")).endswith("/归一化知识库.apkg")
    assert "归一化知识库" in decks.first.inner_text()


# --- the cards on a note page ------------------------------------------------------------------


def test_note_page_cloze_hidden_until_clicked_even_after_instant_navigation(page, site_url, test_output):
    open_review(page, site_url)
    page.locator(".kb-review__scope").select_option("page:Batch Normalization")
    page.locator(".kb-review__meta a", has_text="Batch Normalization").click()   # a link in the content
    cloze = page.locator(".cloze", has_text="0-1 高斯分布").first
    cloze.wait_for(state="attached")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert cloze.locator(".cloze-answer").is_hidden()
    cloze.click()
    assert cloze.locator(".cloze-answer").is_visible()
    assert cloze.get_attribute("aria-expanded") == "true"
    page.screenshot(path=str(test_output / "note-cloze.png"))
