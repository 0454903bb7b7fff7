"""Review progress that cannot be read, scheduled or stored, in Chromium: nothing readable is lost.

Each test plants progress in localStorage (or an import file) as a broken state would leave it,
then checks what the page keeps, what it sets aside in a backup key, and what it says.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from test_browser import browser, page  # noqa: F401 - fixtures: Chromium, a page that blocks other hosts
from test_review_browser import NEW_PER_DAY, STORAGE_KEY, cards_json, counts, open_review, review_one, stored

BACKUP_PREFIX = STORAGE_KEY + ".unreadable."
NOW = datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def reviewed(days_ago: float, due_in_days: float, **fields) -> dict:
    """A card's stored progress as ts-fsrs leaves it after a review (state 2: review)."""
    card = {"due": iso(NOW + timedelta(days=due_in_days)), "stability": 5.0, "difficulty": 5.0,
            "elapsed_days": 0, "scheduled_days": 5, "reps": 2, "lapses": 0, "learning_steps": 0, "state": 2,
            "last_review": iso(NOW - timedelta(days=days_ago))}
    card.update(fields)
    return card


def progress(cards: dict) -> dict:
    return {"format": "kb-review-progress", "version": 1, "cards": cards}


def plant(page, value: str) -> None:
    """Store ``value`` (text, as written) as the progress, then load the page afresh."""
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [STORAGE_KEY, value])
    page.reload()
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")


def backups(page) -> dict[str, str]:
    return page.evaluate("""prefix => Object.fromEntries(Object.keys(localStorage)
        .filter(k => k.startsWith(prefix)).map(k => [k, localStorage.getItem(k)]))""", BACKUP_PREFIX)


def message(page) -> str:
    return page.locator(".kb-review__message").inner_text()


@pytest.fixture
def card_ids(built_site) -> list[str]:
    return [card["id"] for card in cards_json(built_site)["cards"]]


@pytest.mark.parametrize("bad, problem", [
    ('{"format": "kb-review-progress", "version": 1, "cards": {', "不是 JSON"),       # cut short
    (json.dumps(progress([])), "缺少 cards 对象"),                                         # a wrong type
    (json.dumps({"format": "kb-review-progress", "version": 7, "cards": {}}), "不支持的进度版本"),
])
def test_unreadable_progress_is_backed_up_as_it_was_and_never_overwritten(page, site_url, bad, problem,
                                                                        card_ids, test_output):
    open_review(page, site_url)
    plant(page, bad)
    box = page.locator(".kb-review__message.is-error")
    box.wait_for()
    assert "无法读取" in message(page) and problem in message(page)
    [(key, kept)] = backups(page).items()
    assert kept == bad and key in message(page)
    page.screenshot(path=str(test_output / "review-unreadable-progress.png"))
    # Reviewing now writes fresh progress; the unreadable text stays in its backup, untouched.
    first = review_one(page, "good")
    assert list(stored(page)["cards"]) == [first]
    assert backups(page) == {key: bad}


def test_one_bad_card_among_good_ones_is_set_aside_and_the_others_kept(page, site_url, card_ids):
    good = {card_ids[0]: reviewed(1, 4), card_ids[1]: reviewed(2, 3)}
    bad = {card_ids[2]: reviewed(1, 4, due="yesterday"),
           card_ids[3]: reviewed(1, 4, stability=0),          # ts-fsrs refuses to schedule these two
           card_ids[4]: reviewed(1, 4, difficulty=0)}
    text = json.dumps(progress({**good, **bad}))
    open_review(page, site_url)
    plant(page, text)
    page.locator(".kb-review__message.is-error").wait_for()
    said = message(page)
    assert "3 项无法读取" in said and "其余 2 张卡片" in said, said
    assert f"卡片 {card_ids[2]} 的 due 不是日期" in said
    assert f"卡片 {card_ids[3]} 的 stability 为 0" in said and f"卡片 {card_ids[4]} 的 difficulty 为 0" in said
    assert counts(page) == {"due": 0, "learning": 0, "new": min(len(card_ids) - 2, NEW_PER_DAY), "learned": 2}
    assert stored(page) == progress(good)
    assert list(backups(page).values()) == [text]
    # A reload finds nothing more to set aside and keeps every readable review.
    page.reload()
    page.locator("#kb-review[data-ready=true]").wait_for(state="attached")
    assert counts(page)["learned"] == 2 and stored(page) == progress(good)
    assert len(backups(page)) == 1 and message(page) == ""


def test_a_card_reviewed_in_the_future_is_reset_and_says_so(page, site_url, card_ids, test_output):
    """After the clock is set back, a card's last review lies ahead: ts-fsrs throws on it."""
    future = reviewed(-2, -1)       # last reviewed two days from now, due yesterday
    other = reviewed(1, 4)
    open_review(page, site_url)
    plant(page, json.dumps(progress({card_ids[0]: future, card_ids[1]: other})))
    assert counts(page)["due"] == 1
    assert page.locator(".kb-review__card").get_attribute("data-card-id") == card_ids[0]
    review_one(page, "good")
    said = message(page)
    assert f"卡片 {card_ids[0]} 的上次复习时间" in said and "晚于现在" in said and "按新卡片重新开始" in said, said
    after = stored(page)["cards"]
    assert after[card_ids[1]] == other
    assert after[card_ids[0]]["reps"] == 1 and after[card_ids[0]]["last_review"] < iso(NOW + timedelta(hours=1))
    [(key, kept)] = backups(page).items()
    assert key in said and json.loads(kept)["cards"] == {card_ids[0]: future}
    page.screenshot(path=str(test_output / "review-reset-card.png"))


def test_any_other_scheduling_error_resets_the_card_and_is_shown(page, site_url, card_ids):
    """Whatever else ts-fsrs throws on a stored card is shown, and the card is not stuck."""
    open_review(page, site_url)
    plant(page, json.dumps(progress({card_ids[0]: reviewed(3, -1)})))
    # Both ways ts-fsrs is asked: for the buttons' intervals (preview) and when rating.
    page.evaluate("""() => { const rate = KBScheduler.rate, preview = KBScheduler.preview;
        KBScheduler.rate = (F, f, s, r, n) => { if (s) throw new Error("boom"); return rate(F, f, s, r, n); };
        KBScheduler.preview = (F, f, s, n) => { if (s) throw new Error("boom"); return preview(F, f, s, n); }; }""")
    review_one(page, "good")
    assert "ts-fsrs 无法为卡片" in message(page) and "boom" in message(page)
    assert stored(page)["cards"][card_ids[0]]["reps"] == 1


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_import_merges_by_card_keeping_the_more_recent_review(page, site_url, card_ids, tmp_path):
    mine = {card_ids[0]: reviewed(1, 4), card_ids[1]: reviewed(5, 1)}
    theirs = {card_ids[0]: reviewed(3, 2, reps=9),     # older than mine: mine stays
              card_ids[1]: reviewed(2, 6, reps=7),     # newer than mine: taken
              card_ids[2]: reviewed(1, 3)}             # not here: added
    open_review(page, site_url)
    plant(page, json.dumps(progress(mine)))
    page.locator(".kb-review__import").set_input_files(write(tmp_path, "other-device.json", progress(theirs)))
    page.locator(".kb-review__message", has_text="已导入 3 张卡片的进度").wait_for()
    said = message(page)
    assert "新增 1 张" in said and "更新 1 张" in said and "保留本机的 1 张" in said, said
    assert stored(page) == progress({card_ids[0]: mine[card_ids[0]], card_ids[1]: theirs[card_ids[1]],
                                     card_ids[2]: theirs[card_ids[2]]})
    assert counts(page)["learned"] == 3


def test_a_file_without_cards_changes_nothing(page, site_url, tmp_path):
    open_review(page, site_url)
    review_one(page, "good")
    before = stored(page)
    page.locator(".kb-review__import").set_input_files(write(tmp_path, "empty.json", progress({})))
    page.locator(".kb-review__message", has_text="没有卡片的进度").wait_for()
    assert "现有进度未改动" in message(page)
    assert stored(page) == before


def test_import_skips_cards_ts_fsrs_cannot_schedule_and_names_them(page, site_url, card_ids, tmp_path):
    good, bad = reviewed(1, 4), reviewed(1, 4, stability=0, difficulty=0)
    open_review(page, site_url)
    page.locator(".kb-review__import").set_input_files(
        write(tmp_path, "odd.json", progress({card_ids[0]: good, card_ids[1]: bad})))
    page.locator(".kb-review__message.is-error", has_text="已导入 1 张卡片的进度").wait_for()
    assert f"未导入：卡片 {card_ids[1]} 的 stability 为 0" in message(page)
    assert stored(page) == progress({card_ids[0]: good})


def test_an_import_too_large_for_storage_is_reported_and_nothing_changes(page, site_url, tmp_path, test_output):
    open_review(page, site_url)
    review_one(page, "good")
    before = stored(page)
    # About 12 MB: more than a browser keeps in localStorage for one site.
    many = {f"imported-{i:06d}": reviewed(1, 4) for i in range(48_000)}
    path = write(tmp_path, "huge.json", progress(many))
    assert (tmp_path / "huge.json").stat().st_size > 11_000_000
    page.locator(".kb-review__import").set_input_files(path)
    page.locator(".kb-review__message.is-error", has_text="存储空间不够").wait_for(timeout=30_000)
    assert "无法导入 huge.json" in message(page) and "现有进度未改动" in message(page)
    assert stored(page) == before
    page.screenshot(path=str(test_output / "review-import-too-large.png"))
