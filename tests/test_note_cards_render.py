"""Card blocks on a note page (kb/logseq/block_render.py + kb/logseq/extension.py), rendered with the site's Markdown.

What the golden files show for the original note's lines, here for the rest of the
syntax: ``:<-`` and ``:<->``, ``#reversed``, hints, sized occlusion images, card
syntax errors, and cards quoted under "Linked references". Links, tags and math
inside questions and answers are the page's own.
"""

from __future__ import annotations

from bs4 import BeautifulSoup

from logseq_golden import FIXTURE_PAGES, render_note
from test_cards import SEED_OCCLUSION

SRC = "pages/Cards.md"


def render(text: str, pages: dict[str, str] | None = None) -> BeautifulSoup:
    html, problems, graph_problems = render_note(SRC, text, pages)
    assert problems == [] and [p for p in graph_problems if p.startswith(SRC)] == []
    return BeautifulSoup(html, "html.parser")


def block(soup: BeautifulSoup, line: int):
    return soup.select_one(f'li.kb-block[data-line="{line}"]')


def folds(li) -> list[str]:
    """The summaries of the block's own folded parts, in order."""
    return [d.summary.get_text() for d in li.find_all("details", class_="card-answer", recursive=False)]


def test_arrow_directions_fold_what_the_card_asks():
    soup = render("- [[ReLU]] 的导数 :-> $x > 0$ 时为 1\n- 答案在前 :<- [[ReLU]]\n- 两面 :<-> 都问\n")
    forward, reverse, both = block(soup, 1), block(soup, 2), block(soup, 3)
    assert folds(forward) == ["答案"] and folds(reverse) == ["问题"] and folds(both) == ["问题", "答案"]
    # The question keeps its page link; the answer keeps its formula for KaTeX.
    assert forward.find("p", recursive=False).a["data-page"] == "ReLU"
    assert forward.details.select_one(".arithmatex").get_text() == "\\(x > 0\\)"
    assert reverse.details.get_text(strip=True) == "问题答案在前"
    assert reverse.find("p", recursive=False).a["data-page"] == "ReLU"
    assert ":-&gt;" not in str(soup) and ":&lt;-" not in str(soup)


def test_card_children_are_folded_and_reversed_cards_fold_the_block():
    soup = render("- 前向 #card\n  - 子块 [[ReLU]]\n- 反向 #card #reversed\n  - 由子块问\n")
    forward, reverse = block(soup, 1), block(soup, 3)
    assert folds(forward) == ["答案"] and forward.details.select_one('li[data-line="2"] a.kb-link')
    assert forward.find("p", recursive=False).a.get_text() == "#card"
    assert folds(reverse) == ["问题"] and "反向" in reverse.details.get_text()
    assert reverse.find("ul", recursive=False).select_one('li[data-line="4"]') is not None   # shown


def test_cloze_with_a_hint_shows_the_hint_until_revealed():
    cloze = render("- 法国的首都是 {{c1 巴黎::城市}}\n").select_one("span.cloze")
    assert cloze["role"] == "button" and cloze["tabindex"] == "0" and cloze["aria-expanded"] == "false"
    assert cloze.select_one(".cloze-placeholder").get_text() == "[城市]"
    assert cloze.select_one(".cloze-label").get_text() == "填空（提示：城市）"
    assert cloze.select_one(".cloze-answer").get_text() == "巴黎"


def test_occlusion_masks_over_a_sized_image():
    soup = render(f"- 算法\n  ![image.png](/assets/image_1724172031817_0.png){{:width 380}}\n"
                  f"  occlusion:: {SEED_OCCLUSION}\n")
    figure = block(soup, 1).select_one("figure.occlusion")
    image = figure.img
    # The page is pages/cards/index.html: two levels under the site root.
    assert image["src"] == "../../assets/image_1724172031817_0.png"
    assert (image["width"], image["height"]) == ("380", "300")   # 760 x 600, scaled
    assert [m["aria-label"] for m in figure.select(".occlusion-mask")] == [f"遮挡 {n}" for n in range(1, 9)]
    assert "{:width" not in block(soup, 1).get_text()


def test_a_card_syntax_error_renders_the_block_as_written():
    # An arrow with nothing after it makes no card (the cards hook reports it with file:line).
    soup = render("- 没有答案 :->\n- 空卡片 #card\n")
    assert "没有答案 :-&gt;" in str(block(soup, 1)) and folds(block(soup, 1)) == []
    assert folds(block(soup, 2)) == [] and block(soup, 2).a.get_text() == "#card"


def test_an_arrow_card_quoted_in_linked_references_is_folded_there_too():
    pages = {**FIXTURE_PAGES, "pages/Other.md": "- [[Cards]] 是什么 :-> 一页卡片\n"}
    soup = render("- 正文\n", pages)
    quoted = soup.select_one('li.kb-backlink[data-source="pages/Other.md"]')
    assert quoted.find("p", recursive=False).a["data-page"] == "Cards"
    assert folds(quoted) == ["答案"] and quoted.details.p.get_text() == "一页卡片"
