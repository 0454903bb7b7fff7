"""Hiccup: the safe subset becomes HTML, everything else is shown as code (golden case 27 pins the HTML)."""

from __future__ import annotations

import pytest

from kb.logseq.hiccup import render


@pytest.mark.parametrize("source, expected", [
    ('[:span.a.b#c "x"]', '<span class="a b" id="c">x</span>'),
    ('[:p "a<b & c"]', "<p>a&lt;b &amp; c</p>"),
    ('[:ol [:li 1] [:li 2.5]]', "<ol><li>1</li><li>2.5</li></ol>"),
    ('[:a {:href "../pages/x/"} "x"]', '<a href="../pages/x/">x</a>'),
    ('[:a {:href "#part"} "x"]', '<a href="#part">x</a>'),
])
def test_the_safe_subset_renders(source: str, expected: str):
    assert render(source) == expected


@pytest.mark.parametrize("source", [
    '[:a {:href "javascript:alert(1)"} "x"]',
    '[:div {:style "color: red"} "x"]',
    '[:img {:src "https://example.com/x.png"}]',
    '[:iframe {:src "https://example.com"}]',
    '[:div (fn [] 1)]',
    '[:br "text"]',
    '[:div "unclosed"',
])
def test_everything_else_is_shown_as_code(source: str):
    out = render(source)
    assert out.startswith('<details class="kb-hiccup">') and "<pre><code>" in out
