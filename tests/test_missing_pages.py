"""The pages the notes link to but nobody has written yet: a pinned list that can only shrink.

The build logs this list and writes it to ``site/not-written-yet.json`` (kb/site/logseq_hooks.py).
A new link to a missing page fails here: write the page, or fix the link. A page that
gets written must also come off ``PINNED``, so the list always says where the site stands.
The content work brings it to zero.
"""

from __future__ import annotations

import json
from pathlib import Path

PINNED: set[str] = set()   # every page the notes link to is written


def test_no_new_link_to_a_page_that_is_not_written(built_site: Path):
    missing = json.loads((built_site / "not-written-yet.json").read_text(encoding="utf-8"))
    new = {name: places for name, places in missing.items() if name not in PINNED}
    assert new == {}, (
        "links to pages that are not written yet (write the page, or fix the link): "
        + "; ".join(f"[[{name}]] at {', '.join(places)}" for name, places in new.items()))


def test_written_pages_come_off_the_pinned_list(built_site: Path):
    missing = json.loads((built_site / "not-written-yet.json").read_text(encoding="utf-8"))
    written = sorted(PINNED - set(missing))
    assert written == [], (
        f"these pages are written now: remove them from PINNED in {Path(__file__).name}: {written}")
