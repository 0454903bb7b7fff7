"""Every mistake in a note gets its own message, naming the file and the line.

Each case renders one note (built from lines of the original note, with the
mistake put in) among the golden fixture pages and compares the complete list of
problems, so a case cannot pass on another case's message. That these messages
fail the strict build is checked in tests/test_logseq_site.py.
"""

from __future__ import annotations

import re

import pytest

from logseq_golden import render_note

SRC = "pages/Case.md"

PAGE_CASES = {
    "unknown macro": (
        "BN 层希望得到 {{function (* 2 3)}} 的数据",
        ["pages/Case.md:1: unknown macro {{function (* 2 3)}}: only the flashcard clozes "
         "{{c1 ...}}..{{c9 ...}}, {{cloze ...}}, {{embed ...}}, {{query ...}}, the media links "
         "({{video ...}}, {{youtube ...}}, {{tweet ...}}, ...) and the graph's :macros "
         "(imported into docs/.kb-macros.json) are known"],
    ),
    "unknown macro on a continuation line of a nested block": (
        "为什么BN层一般用在线性层和卷积层后面\n  + BN 层希望得到\n    {{renderer :todomaster}}",
        ["pages/Case.md:3: unknown macro {{renderer :todomaster}}: only the flashcard clozes "
         "{{c1 ...}}..{{c9 ...}}, {{cloze ...}}, {{embed ...}}, {{query ...}}, the media links "
         "({{video ...}}, {{youtube ...}}, {{tweet ...}}, ...) and the graph's :macros "
         "(imported into docs/.kb-macros.json) are known"],
    ),
    "embed without a page or block": (
        "嵌入 {{embed ReLU}}",
        ["pages/Case.md:1: {{embed}} needs one [[page]] or ((block id)) to show: got 'ReLU'"],
    ),
    "media macro without a link": (
        "BN 的讲解视频 {{video}}\n\n还有 {{youtube 不是视频}}",
        ["pages/Case.md:1: {{video}} needs a link (https://...) to what it shows: got ''",
         "pages/Case.md:3: {{youtube}} needs a link (https://...) to what it shows: got '不是视频'"],
    ),
    "stray braces": (
        "非线性单元之后的数据分布 {{c1 不一定对称",
        ["pages/Case.md:1: stray '{{' or '}}' that is not a macro (write it inside `code`)"],
    ),
    "missing image": (
        "算法流程\n\n![image.png](/assets/image_missing_0.png)",
        ["pages/Case.md:3: image not found: /assets/image_missing_0.png (no file docs/assets/image_missing_0.png)"],
    ),
    "missing image written the Logseq way": (
        "算法流程\n  + ![image.png](../assets/image_missing_1.png)",
        ["pages/Case.md:2: image not found: ../assets/image_missing_1.png (no file docs/assets/image_missing_1.png)"],
    ),
    "image from another host, not over http(s)": (
        "![image.png](ftp://example.com/image_1689660463795_0.png)",
        ["pages/Case.md:1: image from another host: ftp://example.com/image_1689660463795_0.png "
         "(pages load nothing from the network: save it under docs/assets/)"],
    ),
    "unclosed display math": (
        "对每个维度的特征计算均值和标准差\n\n$$\\mu_{i}=\\frac{1}{M} \\sum x_{i}",
        ["pages/Case.md:3: unclosed display math: '$$' without its closing '$$'"],
    ),
    "unclosed page link": (
        "[[Batch Normalization/维度理解\n\n原理",
        ["pages/Case.md:1: unclosed page link: '[[' without ']]'"],
    ),
    "odd indentation": (
        "原理\n   + 1. 加快网络训练和收敛的速度：每层数据的分布一致",
        ["pages/Case.md:2: bullet indented by 3 spaces: indent two spaces a level"],
    ),
}

GRAPH_CASES = {
    "front matter that is not YAML": (
        "---\ntitle: [Batch Normalization\ndate: 2024-10-05\n---\n\n原理",
        r"pages/Case.md:3: front matter is not valid YAML: ",
    ),
    "front matter never closed": (
        "---\ntitle: Batch Normalization\n\n原理",
        r"pages/Case.md:1: front matter opened with --- is never closed",
    ),
    "unknown front matter key": (
        "---\ntitle: Batch Normalization\ndek: being/Normalization\n---\n\n原理",
        r"pages/Case.md:3: unknown front matter key 'dek' \(known: title, date, updated, tags, deck, public, "
        r"toc, mathjax, alias\)",
    ),
    "public that is not a boolean": (
        "---\ntitle: Batch Normalization\npublic: yes please\n---\n\n原理",
        r"pages/Case.md:3: front matter 'public' must be true or false, not 'yes please'",
    ),
    "date that is not a date": (
        "---\ntitle: Batch Normalization\ndate: 2024-13-05\n---\n\n原理",
        r"pages/Case.md:3: front matter 'date' must be a date such as 2024-10-05, not '2024-13-05'",
    ),
    "updated before date": (
        "---\ntitle: Batch Normalization\ndate: 2024-10-05\nupdated: 2023-01-20\n---\n\n原理",
        r"pages/Case.md:4: 'updated' \(2023-01-20\) is before 'date' \(2024-10-05\)",
    ),
    "title another page has": (
        # Reported on the later file in path order, naming the earlier one.
        "---\ntitle: relu\n---\n\n原理",
        r"pages/ReLU.md:2: page name 'ReLU' is already used by pages/Case.md \('relu'\)",
    ),
    "block reference to no block": (
        "原理\n  + 见 ((6721b8a2-0000-4000-8000-00000000dead))",
        r"pages/Case.md:2: block reference \(\(6721b8a2-0000-4000-8000-00000000dead\)\) names no block",
    ),
    "empty page link": (
        "原理 [[]]",
        r"pages/Case.md:1: empty page link \[\[\]\]",
    ),
}


@pytest.mark.parametrize("name", PAGE_CASES)
def test_page_problem_has_its_own_message_with_file_and_line(name):
    text, expected = PAGE_CASES[name]
    _, problems, graph_problems = render_note(SRC, text)
    assert problems == expected
    assert graph_problems == []


@pytest.mark.parametrize("name", GRAPH_CASES)
def test_graph_problem_has_its_own_message_with_file_and_line(name):
    text, pattern = GRAPH_CASES[name]
    _, problems, graph_problems = render_note(SRC, text)
    assert problems == []
    assert len(graph_problems) == 1, graph_problems
    assert re.match(pattern, graph_problems[0]), graph_problems[0]


def test_messages_are_all_different():
    messages = [expected[0] for _, expected in PAGE_CASES.values()] + [p for _, p in GRAPH_CASES.values()]
    assert len(set(messages)) == len(messages)


@pytest.mark.parametrize("text", [
    "`{{embed [[ReLU]]}}` 在代码里是文字",
    "```\n{{ not a macro }}\n$$\n![x](/assets/nothing.png)\n[[\n```",
    "$\\mathbf{{x}}$ 里的花括号属于公式",
    "`$$` 与 `[[` 都在代码里",
])
def test_what_looks_like_a_mistake_inside_code_or_math_is_not_one(text):
    _, problems, graph_problems = render_note(SRC, text)
    assert problems == [] and graph_problems == []


@pytest.mark.parametrize("text", [
    "![曲线](https://example.com/curve.png)",
    "![曲线](https://example.com/curve.png){:height 120, :width 200}",
    "![](https://example.com/curve.png \"曲线\"){:width 200}",
])
def test_an_image_from_another_host_over_http_is_no_error_but_a_link_to_it(text):
    html, problems, graph_problems = render_note(SRC, text)
    assert problems == [] and graph_problems == []
    assert "<img" not in html and "{:" not in html and ":width" not in html
    assert re.search(r'<a class="kb-image--remote" href="https://example.com/curve.png">图片：曲线（外部链接）</a>',
                     html), html
