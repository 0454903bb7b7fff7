"""Footnotes on note pages only: taken out of the outline, listed after it; other pages unchanged."""

from __future__ import annotations

import markdown

from logseq_golden import render_note, site_markdown_extensions

from kb.logseq.footnotes import take_definitions
from kb.notes.outline import parse_outline


def test_definitions_leave_the_blocks_and_code_keeps_its_text():
    blocks = parse_outline("- 正文[^1]\n- [^1]: 定义\n  第二行\n- `[^2]: 代码`\n")
    assert take_definitions(blocks) == ["[^1]: 定义"]
    assert [b.content for b in blocks] == ["正文[^1]", "第二行", "`[^2]: 代码`"]


def test_a_definition_block_leaves_no_empty_bullet():
    html, problems, _ = render_note("pages/Case.md", "- 正文[^a]\n- [^a]: 来源\n", {})
    assert problems == []
    assert html.count('<li class="kb-block"') == 1 and '<li id="fn:a">' in html


def test_pages_that_are_not_notes_get_no_footnotes():
    names, configs = site_markdown_extensions()
    html = markdown.Markdown(extensions=names, extension_configs=configs).convert("正文[^1]\n\n[^1]: 定义\n")
    assert 'class="footnote' not in html and "fn:1" not in html     # (Markdown reads a reference link)
