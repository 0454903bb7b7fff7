"""Errata (kb/cards/errata.py): a note corrected beside itself, on its page, in its cards, on the 勘误 page.

A small site with one note and one erratum file of each kind is built once, strictly.
Expected lines are found by each block's own text (``line_of``), never taken from the
code under test.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import build_site, write_config
from kb.cards.extract import PageInfo, extract_notes
from kb.notes.outline import parse_outline
from test_lint import kb_command, line_of, parse

DECK = "test/Errata"
NOTE = "\n".join([
    "---",
    "title: Errata Note",
    f"deck: {DECK}",
    "---",
    "",
    "- 为什么 BN 放在非线性之前？",
    "  - 实践中 BN 放在 ReLU 后面 #card",
    "    - 与问题无关的第一个答案",
    "    - 与问题无关的第二个答案",
    "    - 与问题无关的第三个答案",
    "- BN 层希望得到 {{c1 0-1 高斯分布}} 的数据",
    "- 非线性单元之后的数据分布 {{c1 不一定对称}}",
    "- 网络每次迭代需要拟合不通的数据分布",
    "- 这一块没有勘误，它的卡片 {{c1 照常}} 复习",
    "",
])
ERRATA = "\n".join([
    "- 原始 BN 论文把 BN 放在非线性之前：$z = g(\\mathrm{BN}(Wu))$",
    "  target:: 实践中 BN 放在   ReLU 后面",         # runs of whitespace count as one space
    "  kind:: wrong",
    "  wrong:: 说实践中 BN 放在 ReLU 后面",
    "  source:: Ioffe & Szegedy 2015, arXiv:1502.03167, §3.2",
    "  - 原始 BN 论文中，BN 放在非线性 {{c1 之前}}",
    "- BN 只固定每个通道的均值和方差，不改变分布的形状",
    "  target:: BN 层希望得到 {{c1 0-1 高斯分布}}",
    "  kind:: imprecise",
    "  wrong:: 只在输入近似高斯时成立",
    "  source:: arXiv:1502.03167, §3.2",
    "- 对非线性的输出做 BN 只固定它的均值和方差",
    "  target:: 非线性单元之后的数据分布",
    "  kind:: card",
    "  source:: arXiv:1502.03167, §3.2",
    "  - 对非线性的输出 $u$ 做 BN，$u$ 分布的 {{c1 形状}} 仍随训练变化",
    "  - 非线性输出的分布有哪几个特点？ :-> 有偏、稀疏、不对称",
    "- 不通 → 不同",
    "  target:: 拟合不通的数据分布",
    "  kind:: typo",
    "",
])
NOTE_FILE, ERRATA_FILE = "docs/pages/Errata Note.md", "docs/errata/Errata Note.md"
# The block each erratum corrects, by kind.
TARGETS = {"wrong": line_of(NOTE, "实践中 BN 放在 ReLU 后面 #card"), "imprecise": line_of(NOTE, "0-1 高斯分布"),
           "card": line_of(NOTE, "非线性单元之后"), "typo": line_of(NOTE, "拟合不通")}
ARXIV = "https://arxiv.org/abs/1502.03167"


def make_docs(root: Path, errata: str = ERRATA) -> Path:
    docs = root / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "errata").mkdir()
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "pages" / "Errata Note.md").write_text(NOTE, encoding="utf-8")
    (docs / "errata" / "Errata Note.md").write_text(errata, encoding="utf-8")
    return docs


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("errata")
    docs = make_docs(root)
    result = build_site(root / "site", write_config(root, docs))
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site"


def soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def block(page: BeautifulSoup, line: int):
    found = page.select(f'li.kb-block[data-line="{line}"]')
    assert len(found) == 1, line
    return found[0]


def own_boxes(li) -> list:
    """The 勘误 boxes of this block itself, not of the blocks nested in it."""
    return [box for box in li.select(".kb-erratum") if box.find_parent("li", class_="kb-block") is li]


# --- the note page ---------------------------------------------------------------------------


def test_each_shown_erratum_is_a_labelled_note_inside_its_block(site: Path):
    page = soup(site, "pages/errata-note/index.html")
    for kind in ("wrong", "imprecise", "card"):
        boxes = own_boxes(block(page, TARGETS[kind]))
        assert len(boxes) == 1, kind
        box = boxes[0]
        assert box["role"] == "note" and "勘误" in box["aria-label"], box
        assert "勘误" in box.get_text() and f"kb-erratum--{kind}" in box["class"]
        assert box.select_one(f'a[href="{ARXIV}"]').get_text() == "arXiv:1502.03167"
    wrong = own_boxes(block(page, TARGETS["wrong"]))[0].get_text(" ")
    assert "说实践中 BN 放在 ReLU 后面" in wrong and "原始 BN 论文把 BN 放在非线性之前" in wrong
    assert own_boxes(block(page, TARGETS["wrong"]))[0].select(".katex")   # its math is rendered
    assert "只在输入近似高斯时成立" in own_boxes(block(page, TARGETS["imprecise"]))[0].get_text()
    # The corrected cards show in the box, as cards (their cloze hidden until clicked).
    card_box = own_boxes(block(page, TARGETS["card"]))[0]
    assert card_box.select('.kb-erratum__cards .cloze[role="button"]')
    assert "仍随训练变化" in card_box.get_text()


def test_a_typo_is_not_on_the_note_page(site: Path):
    page = soup(site, "pages/errata-note/index.html")
    assert not own_boxes(block(page, TARGETS["typo"]))
    assert len(page.select(".kb-erratum")) == 3
    assert "不同" not in page.select_one("article").get_text()


def test_every_corrected_block_has_an_anchor(site: Path):
    page = soup(site, "pages/errata-note/index.html")
    for kind, line in TARGETS.items():
        assert block(page, line).get("id") == f"line-{line}", kind
    assert block(page, line_of(NOTE, "这一块没有勘误")).get("id") is None


# --- the 勘误 page ---------------------------------------------------------------------------


def test_the_errata_page_lists_every_erratum_with_a_link_to_its_block(site: Path):
    page = soup(site, "errata/index.html")
    items = page.select("article ol > li")
    assert len(items) == 4
    links = [item.select_one('a[href*="#line-"]')["href"] for item in items]
    assert links == [f"../pages/errata-note/#line-{line}" for line in sorted(TARGETS.values())]
    texts = {kind: next(i.get_text(" ") for i in items if f"#line-{line}" in str(i)) for kind, line in TARGETS.items()}
    assert "不通 → 不同" in texts["typo"] and "错字" in texts["typo"]
    assert "只在输入近似高斯时成立" in texts["imprecise"] and f"{ERRATA_FILE}:{line_of(ERRATA, '不通 → 不同')}" in texts["typo"]
    assert page.select(f'article a[href="{ARXIV}"]')
    # The page is in the navigation.
    assert any(a.get_text(strip=True) == "勘误" for a in soup(site, "index.html").select("nav a"))


def test_errata_files_are_not_pages_of_the_site(site: Path):
    assert sorted(p.relative_to(site).as_posix() for p in (site / "errata").rglob("*")) == ["errata/index.html"]
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not any("Errata Note.md" in doc["location"] or "errata/errata" in doc["location"] for doc in index["docs"])


# --- cards -----------------------------------------------------------------------------------


def cards(site: Path) -> list[dict]:
    return json.loads((site / "cards.json").read_text(encoding="utf-8"))["cards"]


def test_cards_of_wrong_and_card_errata_leave_and_the_corrected_cards_come(site: Path):
    sources = {card["source"] for card in cards(site)}
    assert f"{NOTE_FILE}:{TARGETS['wrong']}" not in sources
    assert f"{NOTE_FILE}:{TARGETS['card']}" not in sources
    assert {f"{ERRATA_FILE}:{line_of(ERRATA, '{{c1 之前}}')}", f"{ERRATA_FILE}:{line_of(ERRATA, '{{c1 形状}}')}",
            f"{NOTE_FILE}:{TARGETS['imprecise']}", f"{NOTE_FILE}:{line_of(NOTE, '这一块没有勘误')}"} <= sources
    assert len(cards(site)) == 5


def test_an_imprecise_erratum_is_on_the_back_of_its_card_only(site: Path):
    card = next(c for c in cards(site) if c["source"] == f"{NOTE_FILE}:{TARGETS['imprecise']}")
    back = BeautifulSoup(card["back"], "html.parser")
    box = back.select_one(".kb-erratum")
    assert box["role"] == "note" and "只在输入近似高斯时成立" in box.get_text()
    assert box.select_one(f'a[href="{ARXIV}"]')
    assert "kb-erratum" not in card["front"]
    untouched = next(c for c in cards(site) if "照常" in c["back"])
    assert "kb-erratum" not in untouched["back"]


def test_a_corrected_card_has_the_id_it_would_have_on_the_note_page(site: Path):
    """Ids are stable: derived from the note's title and the card's question, as for any card."""
    written_on_page, errors = extract_notes(parse_outline("- 原始 BN 论文中，BN 放在非线性 {{c1 之前}}\n"),
                                            PageInfo(title="Errata Note", deck=DECK, source="x.md"))
    assert errors == []
    card = next(c for c in cards(site) if c["source"] == f"{ERRATA_FILE}:{line_of(ERRATA, '{{c1 之前}}')}")
    assert card["id"] == written_on_page[0].cards[0].id


def test_the_anki_deck_has_the_corrected_cards_and_the_imprecise_erratum_on_the_back(site: Path):
    [deck] = json.loads((site / "cards.json").read_text(encoding="utf-8"))["decks"]
    with zipfile.ZipFile(site / deck["apkg"]) as apkg, tempfile.TemporaryDirectory() as tmp:
        apkg.extract("collection.anki2", tmp)
        with sqlite3.connect(Path(tmp) / "collection.anki2") as db:
            notes = [row[0].split("\x1f") for row in db.execute("select flds from notes")]
    texts = ["\n".join(fields) for fields in notes]
    assert len(notes) == 5
    assert not any("与问题无关" in text or "不一定对称" in text for text in texts)
    assert any("{{c1::之前}}" in text for text in texts) and any("{{c1::形状}}" in text for text in texts)
    imprecise = next(fields for fields in notes if "0-1 高斯分布" in fields[0])
    assert "勘误" not in imprecise[0]                         # not on the front
    assert "只在输入近似高斯时成立" in imprecise[2] and ARXIV in imprecise[2]   # the Page field: back only


def test_in_anki_an_imprecise_erratum_is_on_the_answer_side_only(site: Path, tmp_path: Path):
    """Anki itself (the pinned ``anki`` package, headless) imports the site's package and renders the card."""
    from test_anki_export import Collection, import_package

    [deck] = json.loads((site / "cards.json").read_text(encoding="utf-8"))["decks"]
    (tmp_path / "collection").mkdir()
    collection = Collection(str(tmp_path / "collection" / "collection.anki2"))
    try:
        import_package(collection, site / deck["apkg"])
        (card_id,) = collection.find_cards("高斯分布")
        card = collection.get_card(card_id)
        assert "勘误" not in card.question() and "只在输入近似高斯时成立" not in card.question()
        assert "勘误" in card.answer() and "只在输入近似高斯时成立" in card.answer() and ARXIV in card.answer()
        assert not collection.find_cards("与问题无关")       # the replaced #card is not in the deck
    finally:
        collection.close()


# --- lint ------------------------------------------------------------------------------------


def test_lint_checks_the_corrected_cards_not_the_replaced_ones(tmp_path: Path):
    docs = make_docs(tmp_path)
    result = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    warned = {(line.split(":")[0], int(line.split(":")[1]), line.split("[")[1].split("]")[0])
              for line in result.stdout.splitlines() if ": warning[" in line}
    # The #card with three children is replaced (kind wrong): no warning; the erratum's enumeration is warned.
    assert warned == {(ERRATA_FILE, line_of(ERRATA, "有哪几个特点"), "card-enumeration")}, result.stdout


def test_stats_counts_the_cards_with_errata_applied_and_the_errata_by_kind(tmp_path: Path):
    from kb.tools.stats import collect

    [page] = collect(make_docs(tmp_path)).pages
    assert dict(page.errata) == {"wrong": 1, "imprecise": 1, "card": 1, "typo": 1}
    # The note's 2 clozes kept (one of them imprecise), its #card and a cloze replaced by the errata's 2 clozes and an arrow.
    assert dict(page.cards) == {"cloze": 4, "arrow": 1}
    assert dict(page.form) == {"card-enumeration": 1}


# --- stale errata ----------------------------------------------------------------------------

STALE = ERRATA.replace("target:: 非线性单元之后的数据分布", "target:: 这句话已经不在笔记里了") \
              .replace("target:: 拟合不通的数据分布", "target:: 数据分布")   # in two blocks
STALE_LINES = {line_of(STALE, "这句话已经不在笔记里了"): f"is no longer in {NOTE_FILE}",
               line_of(STALE, "target:: 数据分布"): f"matches 2 blocks of {NOTE_FILE} (lines "
                                                    f"{line_of(NOTE, '非线性单元之后')}, {line_of(NOTE, '拟合不通')})"}


def test_a_stale_erratum_fails_the_strict_build_with_its_file_and_line(tmp_path: Path):
    docs = make_docs(tmp_path, STALE)
    result = build_site(tmp_path / "site", write_config(tmp_path, docs))
    log = result.stdout + result.stderr
    assert result.returncode != 0
    for line, says in STALE_LINES.items():
        assert any(f"{ERRATA_FILE}:{line}: target" in entry and says in entry for entry in log.splitlines()), log


def test_lint_reports_a_stale_erratum_at_the_same_file_and_line(tmp_path: Path):
    docs = make_docs(tmp_path, STALE)
    result = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error[erratum]: " in line]
    assert [(line.split(":")[0], int(line.split(":")[1])) for line in errors] == \
        [(ERRATA_FILE, line) for line in sorted(STALE_LINES)], result.stdout
    # Given the erratum file, lint checks it with its note.
    alone = kb_command("lint", "--docs", str(docs), ERRATA_FILE, cwd=tmp_path)
    assert alone.returncode == 1 and sum(": error[erratum]: " in line for line in alone.stdout.splitlines()) == 2


def test_an_erratum_without_kind_or_source_is_an_error_at_its_line(tmp_path: Path):
    bad = ERRATA.replace("  kind:: imprecise\n", "").replace("  source:: arXiv:1502.03167, §3.2\n  - 对非线性", "  - 对非线性")
    docs = make_docs(tmp_path, bad)
    result = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    found = [p for p in parse(result.stdout.replace("docs/errata/", "docs/pages/")) if p["kind"] == "erratum"]
    assert {(int(p["line"]), "kind::" in p["message"] or "source::" in p["message"]) for p in found} == \
        {(line_of(bad, "BN 只固定每个通道"), True), (line_of(bad, "对非线性的输出做 BN"), True)}, result.stdout


def test_an_erratum_file_for_no_note_fails_the_build_and_lint(tmp_path: Path):
    docs = make_docs(tmp_path)
    (docs / "errata" / "Nobody.md").write_text(ERRATA, encoding="utf-8")
    says = "docs/errata/Nobody.md:1: corrects docs/pages/Nobody.md, which is not a note of the site"
    build = build_site(tmp_path / "site", write_config(tmp_path, docs))
    assert build.returncode != 0 and says in build.stdout + build.stderr
    lint = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    assert lint.returncode == 1 and says.replace(":1: ", ":1: error[erratum]: ") in lint.stdout, lint.stdout


# --- import ----------------------------------------------------------------------------------


def test_kb_import_never_touches_the_errata(tmp_path: Path):
    docs = make_docs(tmp_path)
    graph = tmp_path / "graph"
    for folder in ("pages", "journals", "assets"):
        (graph / folder).mkdir(parents=True)
    (graph / "pages" / "Errata Note.md").write_text(NOTE.replace("---\ntitle", "---\npublic: true\ntitle"),
                                                    encoding="utf-8")
    before = (docs / "errata" / "Errata Note.md").read_bytes()
    for args in ([], ["--force"]):
        result = kb_command("import", str(graph), "--docs", str(docs), *args, cwd=tmp_path)
        assert "errata" not in result.stdout, result.stdout
        assert (docs / "errata" / "Errata Note.md").read_bytes() == before
    shutil.rmtree(graph / "pages")
    (graph / "pages").mkdir()
    kb_command("import", str(graph), "--docs", str(docs), "--force", cwd=tmp_path)   # the note leaves docs/
    assert (docs / "errata" / "Errata Note.md").read_bytes() == before
