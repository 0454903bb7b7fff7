"""kb/figures/algorithm1.py: the occlusion figure, redrawn so its rectangles cover its text."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kb.cards import occlusion
from kb.figures import algorithm1
from kb.paths import ASSETS
from test_cards import SEED_OCCLUSION


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    path = tmp_path_factory.mktemp("figure") / "algorithm1.png"
    boxes = algorithm1.draw(path)
    return path, boxes


def test_the_rectangles_come_from_the_original_note():
    # The note's line 51 as tests/test_cards.py reads it (not with the figure's reader),
    # decoded as the cards decode it: the figure's rectangles are the cards' masks.
    (entry,) = occlusion.decode(SEED_OCCLUSION)
    rects = algorithm1.occlusion_rects()
    assert rects == {rect.cid: rect for rect in entry.rects}
    # cId 1 as the note writes it: centre (191.52, 189.59), 131.11 × 111.05 pixels.
    assert (rects[1].left, rects[1].top) == pytest.approx((191.51552907708853 - 131.11198792174014 / 2,
                                                           189.59441665442523 - 111.04636367951264 / 2))


def test_every_rectangle_contains_its_text(drawn):
    _, boxes = drawn
    rects = algorithm1.occlusion_rects()
    assert sorted(boxes) == sorted(rects) == list(range(1, 9))
    for cid, box in boxes.items():
        rect = rects[cid]
        cover = algorithm1.Box(rect.left, rect.top, rect.left + rect.width, rect.top + rect.height)
        assert box.inside(cover), (cid, box, cover)
        # The text fills a good part of its rectangle: not a dot in a corner.
        assert (box.right - box.left) > 0.5 * rect.width, cid


def test_the_masks_hide_all_ink_between_the_rules(drawn):
    # Paint the eight rectangles white: no dark pixel may remain in the algorithm's
    # body (between the rule under "Output" and the rule above the caption).
    path, _ = drawn
    pixels = np.asarray(Image.open(path).convert("L")).copy()
    assert pixels.shape == (algorithm1.HEIGHT, algorithm1.WIDTH)
    body = pixels[130:495]
    assert (body < 128).sum() > 2000   # there is text to hide
    for rect in algorithm1.occlusion_rects().values():
        pixels[int(rect.top):int(np.ceil(rect.top + rect.height)) + 1,
               int(rect.left):int(np.ceil(rect.left + rect.width)) + 1] = 255
    assert (pixels[130:495] < 128).sum() == 0


def test_the_committed_figure_is_what_the_script_draws(drawn):
    path, _ = drawn
    committed = np.asarray(Image.open(ASSETS / "image_1724172031817_0.png").convert("RGB"))
    fresh = np.asarray(Image.open(path).convert("RGB"))
    assert committed.shape == fresh.shape
    assert np.abs(committed.astype(int) - fresh.astype(int)).max() <= 8, \
        "run `python -m kb.figures.algorithm1` and commit the figure"
