"""kb/cards/cloze.py, kb/cards/occlusion.py, kb/cards/extract.py, kb/cards/render.py: flashcards read from the notes.

The golden tests use the card lines of the original note (tests/fixtures/original-note/),
copied here with their line numbers (but for the occlusion value, read from the note), and list
the cards they must make.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import pytest

from kb.cards import occlusion
from kb.cards import render as card_html
from kb.cards.cloze import CardSyntaxError, find_clozes
from kb.cards.extract import PageInfo, extract_notes
from kb.notes.outline import parse_outline
from kb.paths import DOCS

# The original note as the site has it (verbatim; tests/test_logseq_site.py compares it with the seed).
SEED = DOCS / "pages" / "Batch Normalization.md"

# The seed's occlusion value (its line 51: base64 JSON, 1.3 kB), read from the note rather than
# copied; kb/figures/algorithm1.py reads it from there too.
SEED_OCCLUSION = SEED.read_text(encoding="utf-8").split("\n")[50].removeprefix("occlusion:: ")

# The card lines of the original note, at their line numbers (50-52 and 82-98).
SEED_CARD_LINES = {
    50: "![image.png](/assets/image_1724172031817_0.png)",
    51: "occlusion:: " + SEED_OCCLUSION,
    52: "原理",
    82: "为什么BN层一般用在线性层和卷积层后面，而不是放在非线性单元后",
    83: "  + BN 层希望得到 {{c1 0-1 高斯分布}} 的数据",
    84: "  + 非线性单元之后的数据分布 {{c1 不一定对称}}",
    85: "  + 实践中 BN 放在 ReLU 后面 #card",
    86: "    + Normalization 一般是在输入层之前对数据处理，Batch-Normalization 可以视作对传给隐藏层的输入的normalization。",
    87: "",
    88: "  + 放在 tanh 或 sigmoid 之前，可以 {{c1 避免进入饱和区，缓解梯度衰减问题}}。",
    89: "BN 和 [[ReLU]] 的顺序关系？",
    90: "  + [[ResNet]]  :-> `Skip -> BN -> RELU -> Conv -> BN -> RELU -> Conv -> Add`",
    91: "    + [[Identity Mappings in Deep Residual Networks]]",
    92: "",
    93: "![image.png](/assets/image_1724162865257_0.png)",
    94: "",
    95: "  + BN-ReLU",
    96: "    + 特点 :-> BN 后输入数据更接近 0 均值，或减轻数据落入负区间梯度消失现象，或更好展现 ReLU 的单侧抑制作用进行特征选择",
    97: "  + ReLU-BN",
    98: "    + 特点 :-> 激活后再 Norm，保证下一层的输入是零均值的。",
}


def tiny_png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size (the occlusion only needs the header's size)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (occlusion.PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def outline_of(lines: dict[int, str]):
    """Blocks of numbered lines; gaps are blank lines, so block lines match the note's."""
    first = min(lines)
    body = "\n".join(lines.get(n, "") for n in range(first, max(lines) + 1))
    return parse_outline(body, first)


def page(tmp_path: Path | None = None, title: str = "Batch Normalization") -> PageInfo:
    return PageInfo(title=title, deck="being/Normalization", source="docs/bn.md", tags=("Algorithm",),
                    url="bn/", src_uri="bn.md", docs_dir=tmp_path)


def notes_of(text: str, tmp_path: Path | None = None, first_line: int = 1):
    notes, errors = extract_notes(parse_outline(text, first_line), page(tmp_path))
    if errors:
        raise errors[0]
    return notes


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "image_1724172031817_0.png").write_bytes(tiny_png(760, 600))
    return tmp_path


# --- the original note -------------------------------------------------------------------


def test_seed_card_lines_make_the_expected_cards(docs):
    notes, errors = extract_notes(outline_of(SEED_CARD_LINES), page(docs))
    assert errors == []
    # (kind, line, number of cards), in page order.
    assert [(n.type, n.line, len(n.cards)) for n in notes] == [
        ("occlusion", 50, 8),   # one card per cId 1..8
        ("cloze", 83, 1),       # {{c1 0-1 高斯分布}}
        ("cloze", 84, 1),       # {{c1 不一定对称}}
        ("card", 85, 1),        # #card with one child
        ("cloze", 88, 1),       # {{c1 避免进入饱和区，缓解梯度衰减问题}}
        ("arrow", 90, 1),       # [[ResNet]] :-> `Skip -> ...`
        ("arrow", 96, 1),       # 特点 :-> ... (under BN-ReLU)
        ("arrow", 98, 1),       # 特点 :-> ... (under ReLU-BN)
    ]
    assert sum(len(n.cards) for n in notes) == 15
    cards = [c for n in notes for c in n.cards]
    assert len({c.id for c in cards}) == 15
    assert [c.ordinal for c in notes[0].cards] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_seed_card_lines_match_the_original_note():
    lines = SEED.read_text(encoding="utf-8").split("\n")
    for number, text in SEED_CARD_LINES.items():
        assert lines[number - 1] == text, number


def test_seed_cloze_front_hides_the_answer_and_back_shows_it(docs):
    notes = extract_notes(outline_of(SEED_CARD_LINES), page(docs))[0]
    cloze = notes[1].cards[0]
    assert "0-1 高斯分布" not in cloze.front and "[…]" in cloze.front
    assert '<span class="cloze is-answer" data-cloze="1">0-1 高斯分布</span>' in cloze.back
    assert "BN 层希望得到" in cloze.front and "的数据" in cloze.front


def test_seed_card_block_children_are_the_answer(docs):
    card = extract_notes(outline_of(SEED_CARD_LINES), page(docs))[0][3]
    assert "#card" not in card.html and "实践中 BN 放在 ReLU 后面" in card.html
    assert "Normalization 一般是在输入层之前" not in card.cards[0].front
    assert "Normalization 一般是在输入层之前" in card.cards[0].back


def test_seed_arrows_keep_code_and_context(docs):
    notes = extract_notes(outline_of(SEED_CARD_LINES), page(docs))[0]
    resnet, bn_relu, relu_bn = notes[5:8]
    assert "<code>Skip -&gt; BN -&gt; RELU" in resnet.cards[0].back
    assert "Skip" not in resnet.cards[0].front and '<span class="page-ref">ResNet</span>' in resnet.cards[0].front
    # The two "特点" cards differ by their parents, which the card shows.
    assert bn_relu.context == ["BN-ReLU"] and relu_bn.context == ["ReLU-BN"]
    assert bn_relu.id != relu_bn.id


def test_seed_occlusion_rectangles_are_centre_based(docs):
    note = extract_notes(outline_of(SEED_CARD_LINES), page(docs))[0][0]
    first = note.occlusion.rects[0]
    assert first.cid == 1
    assert first.left == pytest.approx(191.51552907708853 - 131.11198792174014 / 2)
    assert first.top == pytest.approx(189.59441665442523 - 111.04636367951264 / 2)
    assert note.occlusion.hide_all_test_one is True
    assert note.image == "assets/image_1724172031817_0.png" and note.image_size == (760, 600)
    front = note.cards[2].front   # cId 3 asked, all others still covered (hideAllTestOne)
    assert front.count('class="occlusion-mask is-asked"') == 1 and 'data-cid="3"' in front
    assert front.count('class="occlusion-mask"') == 7


# --- clozes ---------------------------------------------------------------------------------


def test_cloze_numbering_follows_the_plugin():
    found = find_clozes("{{cloze a}} {{c2 b}} {{cloze c}} {{cloze1 d}}")
    # Unnumbered clozes count from one past the highest number (2): 3, then 4.
    assert [(c.answer, c.ordinal) for c in found] == [("a", 3), ("b", 2), ("c", 4), ("d", 1)]


@pytest.mark.parametrize("text, answer, hint", [
    ("{{c1 巴黎::首都}}", "巴黎", "首都"),
    ("{{c1 巴黎 \\\\ 首都}}", "巴黎", "首都"),
    ("{{c1 a::b::c}}", "a::b", "c"),    # the last separator counts, as in the plugin
    ("{{c1 巴黎}}", "巴黎", None),
])
def test_cloze_hints(text, answer, hint):
    (found,) = find_clozes(text)
    assert (found.answer, found.hint) == (answer, hint)


def test_math_in_a_cloze_is_kept_for_katex_and_anki():
    text = "均值 {{c1 $\\mu_B = \\frac{1}{m} \\sum x_i$}} 之后"
    note_html = card_html.render_markdown(text)
    assert '<kb-cloze data-cloze="1"><span class="arithmatex">\\(\\mu_B = \\frac{1}{m} \\sum x_i\\)</span>' \
           "</kb-cloze>" in note_html
    assert card_html.anki_text(note_html) == \
        "<p>均值 {{c1::\\(\\mu_B = \\frac{1}{m} \\sum x_i\\)}} 之后</p>"


def test_anki_text_breaks_double_braces_inside_a_cloze_only():
    notes = notes_of("+ 标准差 :-> $\\frac{1}{\\sqrt{\\sigma^2}}$ 和 $x_{i_{j}}$")
    anki = card_html.anki_text(notes[0].html)
    assert "{{c1::\\(\\frac{1}{\\sqrt{\\sigma^2} }\\) 和 \\(x_{i_{j} }\\)}}" in anki
    outside = card_html.anki_text(card_html.render_markdown("$x_{i_{j}}$ 与 {{c1 y}}"))
    assert "\\(x_{i_{j}}\\)" in outside   # outside a cloze TeX stays as written


@pytest.mark.parametrize("text, line, message", [
    ("第一行\n答案是 {{c1 没有结束", 2, "unclosed cloze"),
    ("`{{c1 x}}` 是语法", 1, "cloze inside code"),
    ("```\n{{c1 x}}\n```", 2, "cloze inside code"),
    ("a\nb {{c1 $\\frac{a}{b}}$}}", 2, "'}}' inside math in a cloze"),
    ("$x = {{c1 y}}$", 1, "cloze inside math"),
])
def test_cloze_errors_name_the_line(text, line, message):
    with pytest.raises(CardSyntaxError) as err:
        find_clozes(text, "docs/bn.md", 10)
    assert str(err.value).startswith(f"docs/bn.md:{9 + line}: ")
    assert message in str(err.value)


def test_cloze_syntax_in_code_is_not_a_cloze_when_not_opened():
    assert find_clozes("`{{c1x}}` and {{c1}}") == []


# --- arrows and #card ------------------------------------------------------------------------


@pytest.mark.parametrize("line, ordinals", [
    ("问题 :-> 答案", [1]),
    ("问题 :<- 答案", [2]),
    ("问题 :<-> 答案", [1, 2]),
])
def test_arrow_directions(line, ordinals):
    (note,) = notes_of(f"+ {line}")
    assert [c.ordinal for c in note.cards] == ordinals
    by_ordinal = {c.ordinal: c for c in note.cards}
    if 1 in by_ordinal:
        assert "答案" not in by_ordinal[1].front and "问题" in by_ordinal[1].front
    if 2 in by_ordinal:
        assert "问题" not in by_ordinal[2].front and "答案" in by_ordinal[2].front


@pytest.mark.parametrize("line", ["+ 问题 :-> ", "+ :-> 答案", "+ :<->"])
def test_arrow_with_an_empty_side_is_an_error(line):
    with pytest.raises(CardSyntaxError, match=r"docs/bn.md:1: arrow .* needs text on both sides"):
        notes_of(line)


def test_arrow_inside_code_is_text():
    assert notes_of("+ `a :-> b` 是箭头卡片的写法") == []


@pytest.mark.parametrize("tags, ordinals", [
    ("#card", [1]),
    ("#card #incremental", [1, 3, 4]),
    ("#card #reversed", [2]),
    ("#card #reversed #forward", [1, 2]),
    ("#card #bidirectional", [1, 2]),
])
def test_card_block_directions(tags, ordinals):
    (note,) = notes_of(f"+ 三个答案 {tags}\n  + 甲\n  + 乙\n  + 丙")
    assert [c.ordinal for c in note.cards] == ordinals
    first = note.cards[0]
    if tags == "#card #incremental":
        assert "甲" not in first.front and "乙" in first.front   # only the first child asked
        assert "乙" not in note.cards[1].front
    for tag in tags.split():
        assert tag not in note.html


def test_empty_card_is_an_error_but_card_with_clozes_is_logseq_syntax():
    with pytest.raises(CardSyntaxError, match=r"docs/bn.md:3: empty #card"):
        notes_of("+ 一\n\n+ 没有孩子 #card", first_line=1)
    (note,) = notes_of("+ 首都是 {{cloze 巴黎}} #card")
    assert note.type == "cloze"


# --- ids --------------------------------------------------------------------------------------


def test_editing_an_answer_keeps_the_id_and_editing_the_question_does_not():
    base = notes_of("+ 均值 :-> 一阶矩\n+ 方差是 {{c1 二阶中心矩}}")
    edited = notes_of("+ 均值   :->  期望\n+ 方差是 {{c1 二阶 中心矩::矩}}")
    assert [n.id for n in base] == [n.id for n in edited]
    moved = notes_of("+ 均值（mean） :-> 一阶矩")
    assert moved[0].id != base[0].id


def test_id_property_is_the_note_id():
    (note,) = notes_of("+ 问题 :-> 答案\n  id:: 66c4a1b2-0000-4000-8000-000000000001")
    assert note.id == "66c4a1b2-0000-4000-8000-000000000001"
    assert note.cards[0].id == "66c4a1b2-0000-4000-8000-000000000001-c1"


def test_duplicate_ids_are_errors_with_both_lines():
    notes, errors = extract_notes(parse_outline("+ 同一问题 :-> 甲\n+ 同一问题 :-> 乙"), page())
    assert len(errors) == 1
    assert str(errors[0]).startswith("docs/bn.md:2: duplicate card id")
    assert "also docs/bn.md:1" in str(errors[0])


def test_errors_do_not_stop_other_blocks():
    notes, errors = extract_notes(parse_outline("+ 坏 {{c1 没结束\n+ 好 :-> 卡"), page())
    assert [n.type for n in notes] == ["arrow"]
    assert [e.line for e in errors] == [1]


# --- occlusion ----------------------------------------------------------------------------------


def _occlusion_block(value: str) -> str:
    return f"+ ![图](/assets/image_1724172031817_0.png)\n  occlusion:: {value}"


@pytest.mark.parametrize("value, message", [
    ("not base64!", "not valid base64"),
    (base64.b64encode(b"{not json").decode(), "does not hold UTF-8 JSON"),
    (base64.b64encode(json.dumps({"../assets/image_1724172031817_0.png": {"elements": [
        {"left": 1, "top": 1, "width": 2, "height": 2, "angle": 0, "cId": "one"}]}}).encode()).decode(),
     "cId must be a positive integer"),
    (base64.b64encode(json.dumps({"../assets/other.png": {"elements": [
        {"left": 1, "top": 1, "width": 2, "height": 2, "angle": 0, "cId": 1}]}}).encode()).decode(),
     "which the block does not show"),
])
def test_bad_occlusion_is_an_error_on_the_property_line(docs, value, message):
    with pytest.raises(CardSyntaxError) as err:
        notes_of(_occlusion_block(value), docs)
    assert str(err.value).startswith("docs/bn.md:2: ") and message in str(err.value)


def test_occlusion_old_format_and_hide_one(docs):
    value = base64.b64encode(json.dumps({"../assets/image_1724172031817_0.png": [
        {"left": 50, "top": 50, "width": 20, "height": 10, "angle": 0, "cId": 2},
        {"left": 150, "top": 50, "width": 20, "height": 10, "angle": 0, "cId": 1}]}).encode()).decode()
    (note,) = notes_of(_occlusion_block(value), docs)
    assert note.occlusion.hide_all_test_one is False
    assert [c.ordinal for c in note.cards] == [1, 2]
    # Hide one, guess one: only the asked rectangle is drawn on the front.
    assert note.cards[0].front.count("occlusion-mask") == 1
    text = occlusion.anki_occlusion_text(note.occlusion, note.image_size)
    assert text.split("<br>")[0] == ("{{c2::image-occlusion:rect:left=0.0526:top=0.0750:"
                                     "width=0.0263:height=0.0167}}")


def test_an_image_from_another_host_on_a_card_is_a_link_to_it_not_a_request():
    out = card_html.render_markdown('曲线 ![损失](https://example.com/c.png){:height 120, :width 200} 和 '
                                    '`![x](https://example.com/x.png)`')
    assert "<img" not in out and "{:" not in out
    assert '<a class="kb-image--remote" href="https://example.com/c.png">图片：损失（外部链接）</a>' in out
    assert "<code>![x](https://example.com/x.png)</code>" in out
