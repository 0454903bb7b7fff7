"""Card-form warnings of ``python -m kb lint`` (kb/cards/form.py) and their counts in ``kb stats``.

Each check is pinned by a card that warns and a near card that does not, planted in a
small docs folder; expected lines are found by each card's own text (``line_of``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.tools.stats import collect
from test_lint import kb_command, line_of, parse

FORM = "\n".join([
    "---",
    "title: Form Cards",
    "deck: test/Form",
    "---",
    "",
    # An enumeration: three items in a list, and the near case of two.
    "- 训练时 BN 用哪几个量做归一化？ :-> 均值、方差、小常数",
    "- LayerNorm 的仿射参数叫什么？ :-> 缩放 γ、平移 β",
    "- 残差单元中各层的先后次序是怎样的？ :-> Conv → BN → ReLU",
    "- 批归一化之后紧接着的是哪一层？ :-> BN → ReLU",
    "- 冻结 BatchNorm 层时要做的那几件事 #card",
    "  - 停住 gamma",
    "  - 停住 beta",
    "  - 调用 eval()",
    "- 一个完整的 Adam 优化器有哪些状态量 #card",
    "  - 一阶矩",
    "  - 二阶矩",
    # A long cloze: 13 Chinese characters and 7 words; the near cases are 12 and 6.
    "- 测试用的长填空甲号的答案是：{{c1 一二三四五六七八九十百千万}}",
    "- 测试用的长填空乙号的答案是：{{c1 一二三四五六七八九十百千}}",
    "- 测试用的长填空丙号的答案是：{{c1 alpha beta gamma delta epsilon zeta eta}}",
    "- 测试用的长填空丁号的答案是：{{c1 alpha beta gamma delta epsilon zeta}}",
    "- 公式再长也只是一个术语：{{c1 $\\frac{1}{m}\\sum_{i=1}^{m} (x_i - \\mu_\\mathcal{B})^2 + \\epsilon$}}",
    # A front too short to stand alone (2 and 5 units); the near case has 6.
    "- 特点 :-> 单侧抑制",
    "- AdaIN 的做法 :-> 用风格特征的统计量作仿射参数",
    "- Chan 合并公式 :-> 合并两组的计数均值和平方和",
    # The same answer twice in one deck; near cases: a bare number, another word.
    "- 一个样本的 BatchNorm2d 训练时等于 {{c1 InstanceNorm}}",
    "- G 等于 C 的 GroupNorm 等价于 {{c1 InstanceNorm}}",
    "- 每个样本单独归一化所有通道的是 {{c1 InstanceNorm2d 之外的 LayerNorm}}",
    "- ReLU 在零点的导数在 torch 里取 {{c1 0}}",
    "- 每个通道上输入梯度之和恒为 {{c1 0}}",
    "",
])
# Another deck: the same answer there is no duplicate.
OTHER_DECK = "\n".join([
    "---", "title: Form Other", "deck: test/Other", "---", "",
    "- 另一个牌组里一个样本的批归一化等于 {{c1 InstanceNorm}}",
    "",
])

WARNED = {
    (line_of(FORM, "均值、方差、小常数"), "card-enumeration"),
    (line_of(FORM, "Conv → BN → ReLU"), "card-enumeration"),
    (line_of(FORM, "那几件事 #card"), "card-enumeration"),
    (line_of(FORM, "长填空甲号"), "cloze-long"),
    (line_of(FORM, "长填空丙号"), "cloze-long"),
    (line_of(FORM, "特点 :->"), "front-short"),
    (line_of(FORM, "AdaIN 的做法"), "front-short"),
    (line_of(FORM, "G 等于 C"), "duplicate-answer"),
}


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("form")
    docs = root / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "pages" / "Form Cards.md").write_text(FORM, encoding="utf-8")
    (docs / "pages" / "Form Other.md").write_text(OTHER_DECK, encoding="utf-8")
    return docs


@pytest.fixture(scope="module")
def linted(docs: Path):
    return kb_command("lint", "--docs", str(docs), cwd=docs.parent)


def test_each_form_problem_is_a_warning_at_its_card_and_near_cases_are_not(linted):
    found = {(int(p["line"]), p["kind"]) for p in parse(linted.stdout) if p["file"] == "Form Cards.md"}
    assert found == WARNED, linted.stdout
    assert {p["severity"] for p in parse(linted.stdout)} == {"warning"}
    assert not any(p["file"] == "Form Other.md" for p in parse(linted.stdout)), linted.stdout


def test_form_warnings_do_not_fail_lint_and_are_counted(linted):
    assert linted.returncode == 0, linted.stdout
    assert linted.stdout.strip().splitlines()[-1].startswith(f"0 errors, {len(WARNED)} warnings in 2 notes")


def test_messages_name_the_other_card_and_the_size(linted):
    messages = {(int(p["line"]), p["kind"]): p["message"] for p in parse(linted.stdout)}
    same = messages[(line_of(FORM, "G 等于 C"), "duplicate-answer")]
    assert f"docs/pages/Form Cards.md:{line_of(FORM, '一个样本的 BatchNorm2d')}" in same and "InstanceNorm" in same
    assert "lists 3 items" in messages[(line_of(FORM, "均值、方差、小常数"), "card-enumeration")]
    assert "13 units" in messages[(line_of(FORM, "长填空甲号"), "cloze-long")]
    assert "14 units" in messages[(line_of(FORM, "长填空丙号"), "cloze-long")]


def test_stats_counts_the_warnings_per_page(docs: Path):
    pages = {page.title: page for page in collect(docs).pages}
    assert dict(pages["Form Cards"].form) == {"card-enumeration": 3, "cloze-long": 2, "front-short": 2,
                                              "duplicate-answer": 1}
    assert sum(pages["Form Other"].form.values()) == 0


def test_stats_prints_the_form_table(docs: Path):
    result = kb_command("stats", "--docs", str(docs), cwd=docs.parent)
    lines = result.stdout.splitlines()
    start = lines.index(f"Card form warnings ({len(WARNED)}; python -m kb lint lists each)")
    assert lines[start + 1].split() == ["page", "enumeration", "long", "cloze", "short", "front", "same",
                                        "answer", "warnings"]
    assert lines[start + 2].split() == ["Form", "Cards", "3", "2", "2", "1", "8"]
