"""A note's page and its flashcards read the same syntax the same way (issue 20).

The page is rendered by the Logseq extension (tests/logseq_golden.py's ``render_note``, the
site's Markdown extensions); the card by the card renderer. Each case states one rule (as
Logseq's parser mldoc, the logseq-anki-sync plugin or CommonMark reads the text) and checks
that the page and the card both follow it: same formulas, same tags, same clozes.
"""

from __future__ import annotations

import html
import re

import pytest

from kb.cards import cloze
from kb.cards import render as card_html
from kb.cards.cloze import CardSyntaxError
from tests.logseq_golden import render_note

RE_MATH = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?:\\\(|\\\[)(?P<tex>.*?)(?:\\\)|\\\])</(?P=tag)>',
                     re.DOTALL)
RE_PAGE_TAG = re.compile(r'<(?:a|span) class="kb-tag[^"]*" data-page="(?P<name>[^"]*)"')
RE_CARD_TAG = re.compile(r'<span class="tag">#(?P<name>[^<]*)</span>')
RE_PAGE_CLOZE = re.compile(r'<span [^>]*class="cloze"[^>]*>.*?<span class="cloze-answer">(?P<answer>[^<]*)</span>')
RE_CARD_CLOZE = re.compile(r'<kb-cloze data-cloze="\d+"[^>]*>(?P<answer>[^<]*)</kb-cloze>')


def page_of(text: str) -> tuple[str, list[str]]:
    """The page's HTML of a one-block note holding ``text``, and the page's problems."""
    block = "- " + text.replace("\n", "\n  ") + "\n"
    page, problems, graph_problems = render_note("pages/Reader Case.md", block)
    return page.split("<h2", 1)[0], problems + graph_problems


def formulas(rendered: str) -> list[str]:
    return [html.unescape(m.group("tex")).strip() for m in RE_MATH.finditer(rendered)]


# (text, the TeX of the formulas Logseq reads in it, the rule)
MATH_CASES = [
    ("$ x $ 与 $y$", ["y"], "mldoc: inline math does not start (or end) with a space"),
    ("价格 $5 和 $6", [], "mldoc: '$5 和 $' ends with a space, so it is not a formula"),
    ("$a\\$ b", [], "an escaped dollar is a literal dollar, so '$a\\$' is no formula (KaTeX cannot read 'a\\')"),
    ("`a $x$\n```\ncode\n```\n$y$ b`", ["x", "y"],
     "CommonMark: a code span does not run across a fenced code block, so the backticks are literal"),
    ("```\ncode\n````\n$y$", ["y"], "CommonMark: a closing fence may be longer than the opening one"),
    ("#+BEGIN_SRC python\n$x$ = 1\n#+END_SRC", [], "mldoc: #+BEGIN_SRC .. #+END_SRC is code, no math in it"),
]


@pytest.mark.parametrize("text, expected, rule", MATH_CASES, ids=[c[2][:40] for c in MATH_CASES])
def test_page_and_card_read_the_same_formulas(text: str, expected: list[str], rule: str):
    page, problems = page_of(text)
    assert problems == []
    assert formulas(page) == expected, (rule, page)
    assert formulas(card_html.render_markdown(text)) == expected, rule


# (text, the tags Logseq reads in it, the rule)
TAG_CASES = [
    ("**#归一化** 加粗", ["归一化"], "mldoc reads emphasis first: '**#x**' is the tag x in bold"),
    ("版本 #v1.2 发布", ["v1.2"], "mldoc: a '.' followed by a letter stays in the tag"),
    ("#+BEGIN_SRC python\nx = 1  #x\n#+END_SRC", [], "mldoc: #+BEGIN_SRC is a directive, not a tag, and no tag in code"),
]


@pytest.mark.parametrize("text, expected, rule", TAG_CASES, ids=[c[2][:40] for c in TAG_CASES])
def test_page_and_card_read_the_same_tags(text: str, expected: list[str], rule: str):
    page, problems = page_of(text)
    assert problems == []
    assert [html.unescape(m.group("name")) for m in RE_PAGE_TAG.finditer(page)] == expected, (rule, page)
    card = card_html.render_markdown(text)
    assert [html.unescape(m.group("name")) for m in RE_CARD_TAG.finditer(card)] == expected, (rule, card)


def test_cloze1_is_a_cloze_on_the_page_as_on_the_card():
    # logseq-anki-sync (src/notes/ClozeNote.ts) reads /\{\{(c|cloze)([1-9]) (.*?)\}\}/: {{cloze1 x}} is cloze 1.
    text = "首都是 {{cloze1 巴黎}}"
    page, problems = page_of(text)
    assert problems == [], problems
    assert [m.group("answer") for m in RE_PAGE_CLOZE.finditer(page)] == ["巴黎"]
    assert [m.group("answer") for m in RE_CARD_CLOZE.finditer(card_html.render_markdown(text))] == ["巴黎"]


# Not a cloze for the plugin (its pattern is case-sensitive and wants one space before the answer):
# the page must not show a cloze either; it is an unknown macro there, a strict-build error.
NOT_CLOZES = ["{{C1 巴黎}}", "{{c1}}", "{{c1\t巴黎}}"]


@pytest.mark.parametrize("text", NOT_CLOZES)
def test_what_the_plugin_does_not_read_is_no_cloze_on_the_page(text: str):
    assert cloze.find_clozes(text) == []
    assert "<kb-cloze" not in card_html.render_markdown(text)
    page, problems = page_of(text)
    assert [p for p in problems if "unknown macro" in p], problems
    if "\t" not in text:   # Python-Markdown expands tabs before its inline patterns: only the check sees one
        assert not RE_PAGE_CLOZE.search(page), page


def test_a_cloze_in_a_src_block_is_in_code_as_on_the_page():
    text = "#+BEGIN_SRC python\nx = {{c1 1}}\n#+END_SRC"
    page, _ = page_of(text)
    assert not RE_PAGE_CLOZE.search(page), page          # the page shows the braces as code
    with pytest.raises(CardSyntaxError, match="cloze inside code"):
        card_html.render_markdown(text)


def test_the_page_renderer_and_the_cards_name_the_same_deck(tmp_path):
    # One PageInfo (kb/cards/page_cards.py): the page renderer used to take the deck from front
    # matter only, while the cards (and lint) also read Logseq's deck:: page property.
    from kb.logseq.extension import LogseqPage
    from kb.notes.graph import build_graph, deck_of
    from kb.tools.lint import card_notes

    # Logseq's page properties are the first block: deck:: names the note's deck as front matter would.
    graph = build_graph([("pages/Deck Case.md", "deck:: 归一化卡组\ntags:: 练习\n\n- 问题 #card\n  - 答案\n")])
    note = graph.note_at("pages/Deck Case.md")
    assert deck_of(note) == "归一化卡组"
    cards, errors = card_notes(note, "docs/pages/Deck Case.md", tmp_path)
    rendered = LogseqPage(graph, note, tmp_path).cards_of(note).info
    assert errors == [] and len(cards) == 1
    assert (rendered.deck, rendered.tags) == (cards[0].page.deck, cards[0].page.tags) == ("归一化卡组", ("练习",))


def test_a_hash_inside_math_is_no_tag_of_the_card():
    # The formula is TeX (mldoc reads $..$ before tags): the page links no tag, and the card's
    # tags (its Anki tags, kb/cards.py) have none either.
    text = "集合 $a #b$ 的元素"
    page, problems = page_of(text)
    assert problems == []
    assert formulas(page) == ["a #b"] and not RE_PAGE_TAG.search(page)
    assert card_html.tags_of(text) == []


# Fences on the page: each rewrite before Markdown (outline, Org-style directives, tables, blank lines
# around fences) reads a fence as kb/notes/code_regions.py does (CommonMark): closed by a line of
# the same character, at least as long, and nothing else on it.

def test_a_table_after_a_closed_tilde_fence_is_a_table():
    # The ``` line is code inside the ~~~ block, which the third line closes: the table is prose.
    page, problems = page_of("说明\n~~~\n```\n~~~\n表格如下\n| a | b |\n| --- | --- |\n| 1 | 2 |")
    assert problems == []
    assert "<table>" in page and "| a | b |" not in page, page


def test_a_directive_inside_a_fence_stays_code():
    # '```python' inside a ``` block has an info string, so it does not close it (CommonMark): the
    # #+BEGIN_QUOTE below it is code, shown as written, not a quote.
    page, problems = page_of("代码\n```\n```python\n#+BEGIN_QUOTE\n引用\n#+END_QUOTE\n```")
    assert problems == []
    assert "#+BEGIN_QUOTE" in page and "&gt; 引用" not in page, page


def test_a_page_without_math_has_no_formula_on_its_cards(tmp_path):
    from kb.notes.graph import build_graph
    from kb.tools.lint import card_notes

    # mathjax: false in the front matter: dollars are literal on the page, so they are on its cards.
    text = "---\nmathjax: false\ndeck: 价格\n---\n\n- 一杯咖啡 $5$ 元 :-> 五美元\n"
    page, problems, graph_problems = render_note("pages/No Math.md", text)
    assert problems == graph_problems == [] and "$5$" in page and formulas(page) == []
    graph = build_graph([("pages/No Math.md", text)])
    notes, errors = card_notes(graph.note_at("pages/No Math.md"), "docs/pages/No Math.md", tmp_path)
    assert errors == [] and len(notes) == 1
    assert formulas(notes[0].html) == [], notes[0].html


def test_a_media_macro_is_a_link_on_the_card_as_on_the_page():
    # Both readers find the macro {{video url}}; the page shows it as a labelled link to the video.
    text = "看 {{video https://www.youtube.com/watch?v=abc}} 的第 {{c1 三}} 分钟"
    page, problems = page_of(text)
    assert problems == [] and 'href="https://www.youtube.com/watch?v=abc"' in page
    card = card_html.render_markdown(text)
    assert "{{" not in card and 'href="https://www.youtube.com/watch?v=abc"' in card, card
    # The same link, label and all, on both.
    link = '<a class="kb-media kb-media--video" href="https://www.youtube.com/watch?v=abc">视频（video）：'
    assert link in page and link in card, (page, card)
