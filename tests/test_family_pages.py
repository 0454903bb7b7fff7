"""The pages of the normalization family and of BN in practice (issue 7), as pages.

For each page: Logseq front matter in the deck of the notes; at least one included
snippet section, every function and constant of which a test imports from
``snippets`` (so the code a reader sees is code the tests run against torch); at
least three flashcards, read as the cards hook reads them; a place in the
navigation. The table of measured variance errors on "BN 数值稳定性" must be the one
``kb.figures.variance_errors.error_table()`` computes from the snippet.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from kb.cards.extract import PageInfo, extract_notes
from kb.notes.frontmatter import read_front_matter
from kb.notes.outline import parse_outline
from kb.notes.page_names import dest_uri_for_title, filename_for_title

DOCS = ROOT / "docs"
PAGES = [
    "Normalization 家族",
    "Layer Normalization",
    "Instance Normalization",
    "Group Normalization",
    "RMSNorm",
    "BN 折叠（推理加速）",
    "BN 数值稳定性",
    "BN 框架对照：PyTorch 与 Keras",
    "BN 实践与陷阱",
    "Pre-LN 与 Post-LN",
    "QK-norm",
    "BN 与权重衰减",
    "测试时自适应（BN 统计量）",
    "Weight Normalization 与 Weight Standardization",
]
RE_INCLUDE = re.compile(r'--8<-- "(?P<file>[\w/]+\.py):(?P<section>\w+)"')
RE_DEFINED = re.compile(r"^(?:def (?P<func>\w+)|(?P<const>[A-Z][A-Z0-9_]*) =)", re.MULTILINE)

pages = pytest.mark.parametrize("title", PAGES)


def source(title: str) -> str:
    return (DOCS / filename_for_title(title)).read_text(encoding="utf-8")


def section_text(module: str, section: str) -> str:
    text = (ROOT / "snippets" / module).read_text(encoding="utf-8")
    match = re.search(rf"# --8<-- \[start:{section}\]\n(.*?)# --8<-- \[end:{section}\]",
                      text, re.DOTALL)
    assert match, f"no section {section} in snippets/{module}"
    return match.group(1)


def imported_by_tests() -> dict[str, set[str]]:
    """module name (``norms``) -> names that some tests/test_*.py imports from ``snippets.norms``."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tests").glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("snippets."):
                found.setdefault(node.module.split(".", 1)[1], set()).update(
                    alias.name for alias in node.names)
    return found


@pages
def test_front_matter_is_a_note_of_the_deck(title):
    front = read_front_matter(source(title))
    assert front.problems == []
    assert front.meta["title"] == title
    assert front.meta["deck"] == "being/Normalization"
    assert front.meta["public"] is True and front.meta["mathjax"] is True


@pages
def test_every_included_section_is_code_the_tests_import(title):
    includes = RE_INCLUDE.findall(source(title))
    assert includes, f"{title}: no snippet section included"
    imported = imported_by_tests()
    for module, section in includes:
        names = [m.group("func") or m.group("const")
                 for m in RE_DEFINED.finditer(section_text(module, section))]
        assert names, (module, section)
        untested = set(names) - imported.get(module.removesuffix(".py"), set())
        assert not untested, f"{title}: {module}:{section} defines {untested}, no test imports them"


@pages
def test_at_least_three_flashcards(title):
    text = source(title)
    front = read_front_matter(text)
    page = PageInfo(title=title, deck=front.meta["deck"], source=filename_for_title(title),
                    src_uri=filename_for_title(title), docs_dir=DOCS)
    notes, errors = extract_notes(parse_outline(front.body, front.body_first_line), page)
    assert errors == []
    assert sum(len(note.cards) for note in notes) >= 3
    # and they sit under the page's "卡片" block, as on the other notes
    assert "\n卡片\n" in text


def test_the_numerics_table_is_what_the_snippet_computes():
    from kb.figures.variance_errors import error_table

    page_lines = [line.strip().removeprefix("+ ") for line in source("BN 数值稳定性").splitlines()]
    table = error_table()
    start = page_lines.index(table[0])
    assert page_lines[start:start + len(table)] == table, (
        "run `python -m kb.figures.variance_errors` and paste its table into the page")


def test_every_page_is_in_the_navigation_under_notes(built_site: Path):
    """Each page's own navigation (pruned: only its stage is open) lists it under 笔记."""
    for title in PAGES:
        page = BeautifulSoup((built_site / dest_uri_for_title(title)).read_text(encoding="utf-8"), "html.parser")
        nav = page.select_one("nav.md-nav--primary")
        notes = next(item for item in nav.select("li.md-nav__item--nested")
                     if item.find("label") and item.find("label").get_text(strip=True) == "笔记")
        active = [a.get_text(strip=True) for a in notes.select("a.md-nav__link--active")]
        assert active == [title.split("/")[-1]], (title, active)
