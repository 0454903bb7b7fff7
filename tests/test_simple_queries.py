"""``{{query ..}}``: which simple queries the site runs, and what they find (golden case 26 pins the HTML)."""

from __future__ import annotations

import pytest

from kb.logseq.simple_queries import NotRun, parse, run
from kb.notes.graph import build_graph

NOTES = {
    "pages/A.md": ("tags:: 归一化\n\n- TODO [#A] 推导 [[BN]]\n- DONE 读 #LN 的论文\n  kind:: [[论文]]\n"
                   "- 只有文字：均值和方差\n"),
    "pages/BN.md": "alias:: 批归一化\n\n- 见 [[批归一化]] 的别名\n- {{query [[BN]]}}\n",
}


def found(query: str) -> list[tuple[str, list[str]]]:
    graph = build_graph(list(NOTES.items()))
    return [(note.title, [block.content for block in blocks]) for note, blocks in run(query, graph)]


@pytest.mark.parametrize("query, expected", [
    ("[[BN]]", [("A", ["TODO [#A] 推导 [[BN]]"]), ("BN", ["见 [[批归一化]] 的别名"])]),   # alias; not the query block
    ("#LN", [("A", ["DONE 读 #LN 的论文"])]),
    ("(task DONE)", [("A", ["DONE 读 #LN 的论文"])]),
    ("(todo todo doing)", [("A", ["TODO [#A] 推导 [[BN]]"])]),
    ("(priority a)", [("A", ["TODO [#A] 推导 [[BN]]"])]),
    ('"均值"', [("A", ["只有文字：均值和方差"])]),
    ("(property kind 论文)", [("A", ["DONE 读 #LN 的论文"])]),
    ("(and (page A) (not (task TODO DONE)))", [("A", ["只有文字：均值和方差"])]),
    ("(or #LN [[BN]]) (page A)", [("A", ["TODO [#A] 推导 [[BN]]", "DONE 读 #LN 的论文"])]),
    ("(page-tags 归一化)", [("A", [])]),
    ("(page-property alias 批归一化)", [("BN", [])]),
])
def test_simple_queries_find_what_logseq_finds(query: str, expected):
    assert found(query) == expected


@pytest.mark.parametrize("query", ["(between -7d today)", "(and [[A]] (sort-by created-at))", "(and [[A]]",
                                   "[:find ?b]", "(and (page-tags x) [[A]])", ""])
def test_what_the_site_does_not_run_is_said_so(query: str):
    with pytest.raises(NotRun):
        parse(query)
