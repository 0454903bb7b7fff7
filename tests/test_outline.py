"""kb/notes/outline.py: how a Logseq page body nests into blocks (facts.md, "The note's outline")."""

from __future__ import annotations

from kb.notes.frontmatter import read_front_matter
from kb.notes.outline import Block, parse_outline, walk
from kb.paths import DOCS

# The original note as the site has it (verbatim; tests/test_logseq_site.py compares it with the seed).
SEED = DOCS / "pages" / "Batch Normalization.md"


def shape(blocks: list[Block]) -> list:
    """(line, content) pairs, with children nested: easy to compare by eye."""
    return [(b.line, b.content, shape(b.children)) if b.children else (b.line, b.content) for b in blocks]


def test_bullets_nest_by_two_spaces_under_unbulleted_top_level_lines():
    body = "top\n  + child\n    + grandchild\n  + second child\nnext top\n"
    assert shape(parse_outline(body)) == [
        (1, "top", [(2, "child", [(3, "grandchild")]), (4, "second child")]),
        (5, "next top"),
    ]


def test_blank_lines_do_not_end_a_blocks_children():
    # As in the note: a blank line between "1. 训练时…" and its child.
    body = "q\n  + 1. first\n\n    + child of first\n\n  + 2. second\n"
    assert shape(parse_outline(body)) == [
        (1, "q", [(2, "1. first", [(4, "child of first")]), (6, "2. second")]),
    ]


def test_each_unbulleted_column_zero_line_after_a_blank_line_is_its_own_block():
    assert shape(parse_outline("one\n\ntwo\n\nthree\n")) == [(1, "one"), (3, "two"), (5, "three")]


def test_an_unbulleted_line_after_a_child_is_a_new_top_level_block():
    body = "a\n  + child\nb\n"
    assert shape(parse_outline(body)) == [(1, "a", [(2, "child")]), (3, "b")]


def test_continuation_lines_make_one_multi_line_block():
    body = "- first line\n  second line\n\n  after a blank\n- next\n"
    blocks = parse_outline(body)
    assert shape(blocks) == [(1, "first line\nsecond line\n\nafter a blank"), (5, "next")]
    assert blocks[0].content_lines == [1, 2, 3, 4]


def test_consecutive_column_zero_lines_are_one_paragraph_block():
    assert shape(parse_outline("line one\nline two\n\nother\n")) == [(1, "line one\nline two"), (4, "other")]


def test_property_line_under_a_block_is_its_property_not_content():
    body = "![image.png](/assets/x.png)\nocclusion:: eyJ9\n原理\n"
    blocks = parse_outline(body)
    assert shape(blocks) == [(1, "![image.png](/assets/x.png)"), (3, "原理")]
    assert blocks[0].properties == {"occlusion": "eyJ9"}
    assert blocks[0].property_lines == {"occlusion": 2}


def test_properties_of_a_bulleted_block_and_of_its_child():
    body = "- parent\n  id:: 6721b8a2-0000-4000-8000-000000000001\n  collapsed:: true\n  - child\n    heading:: true\n"
    [parent] = parse_outline(body)
    assert parent.properties == {"id": "6721b8a2-0000-4000-8000-000000000001", "collapsed": "true"}
    assert parent.children[0].properties == {"heading": "true"}
    assert parent.children[0].content == "child"


def test_a_properties_only_first_block_is_kept_as_a_block():
    [page_props, first] = parse_outline("alias:: BN, 批归一化\n\n- text\n")
    assert page_props.content == "" and page_props.properties == {"alias": "BN, 批归一化"}
    assert first.content == "text"


def test_empty_bullets_are_dropped_but_not_empty_bullets_with_children():
    body = "a\n\n  + \n\n-\n  - child\n"
    assert shape(parse_outline(body)) == [(1, "a"), (5, "", [(6, "child")])]


def test_fenced_code_keeps_bullets_properties_and_blank_lines_as_text():
    body = "- code:\n  ```python\n  - not a bullet\n  key:: not a property\n\n  x = 1\n  ```\n- after\n"
    blocks = parse_outline(body)
    assert shape(blocks) == [
        (1, "code:\n```python\n- not a bullet\nkey:: not a property\n\nx = 1\n```"),
        (8, "after"),
    ]
    assert blocks[0].properties == {}


def test_tabs_indent_like_logseq_writes_them():
    body = "- a\n\t- b\n\t\t- c\n\t- d\n"
    assert shape(parse_outline(body)) == [(1, "a", [(2, "b", [(3, "c")]), (4, "d")])]


def test_first_line_offsets_line_numbers():
    assert shape(parse_outline("x\n  + y\n", first_line=12)) == [(12, "x", [(13, "y")])]


def test_numbered_text_stays_literal_content():
    [block] = parse_outline("+ 1. 加快网络训练\n")
    assert block.content == "1. 加快网络训练"


def test_the_seed_note_nests_as_the_note_means():
    front = read_front_matter(SEED.read_text(encoding="utf-8"))
    blocks = parse_outline(front.body, front.body_first_line)
    lines = SEED.read_text(encoding="utf-8").split("\n")
    # Every block starts on a line that holds its first content line.
    for block in walk(blocks):
        assert block.content.split("\n")[0] in lines[block.line - 1], block.line
    by_line = {block.line: block for block in walk(blocks)}
    # Top-level blocks, by their line in the note (the empty bullet on line 46 is gone).
    assert [b.line for b in blocks] == [13, 17, 19, 23, 25, 27, 29, 31, 33, 37, 40, 44, 48, 50, 52,
                                        60, 62, 64, 82, 89, 93, 99, 101, 103]
    assert 46 not in by_line
    # The question "如何得到预测时 BN 层使用的均值和方差？" and its nested answer.
    assert shape(by_line[64].children) == [
        (65, "1. 训练时，保留每组 mini-batch 训练数据在网络每一层的均值和方差", [
            (67, "均值、方差是基于所有批次的期望计算所得", [
                (68, r"$E[x]  \leftarrow E_{B}\left[\mu_{B}\right]$"),
                (69, r"$\operatorname{Var}[x] \leftarrow \frac{m}{m-1} E_{B}\left[\sigma_{B}^{2}\right]$"),
            ]),
        ]),
        (70, "2. moving statistics [[Batch Normalization/Moving average]]", [
            (72, "如果训练时使用这个方法，会减少当前 batch 对参数的影响"),
            (74, "[Batch Normalization 训练的时候为什么不使用 moving statistics？ - 知乎 (zhihu.com)]"
                 "(https://www.zhihu.com/question/366646288)", [
                (76, "不能对统计量求导"),
                (78, "除以标准差后的梯度方向是与减均值之后的feature垂直的，用这个梯度更新不会引起 "
                     "feature scale 的剧变，从而解决梯度爆炸"),
                (80, "moving statistics 对于 BN输入的变化是滞后的"),
            ]),
        ]),
    ]
    # The card block keeps its child (the answer), and the image keeps its occlusion data.
    assert [c.line for c in by_line[85].children] == [86]
    assert set(by_line[50].properties) == {"occlusion"}
    assert [c.line for c in by_line[93].children] == [95, 97]
