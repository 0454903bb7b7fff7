"""One build reads each note once and builds each note's cards once (issue 20).

The site is built in this process, with kb's outline parser and card builder wrapped to count
their calls: every note's body is parsed once (the graph's reading, shared by the cards hook and
the page renderer), and every block goes through the card builder once, although the page shows
its cards, the deck takes them, another page's linked references show them and an erratum
replaces some.
"""

from __future__ import annotations

import sys
from collections import Counter

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from kb.cards import extract
from kb.notes import outline
from kb.notes.frontmatter import read_front_matter
from kb.paths import ROOT
from tests.conftest import write_config

NOTES = {
    "A.md": "title:: A\n\n- 归一化之后 {{c1 均值为 0}}\n- 问题 :-> 答案\n- 为什么要归一化 #card\n"
            "  - 因为分布在变\n- 见 [[B]]\n",
    "B.md": "title:: B\n\n- [[A]] 里 {{c1 方差为 1}}\n- [[A]] 的反面 #card #reversed\n  - 反面的答案\n",
}
ERRATUM = ("- 问题的正确答案\n  target:: 问题 :-> 答案\n  kind:: wrong\n  wrong:: 答案不对\n"
           "  source:: Ioffe & Szegedy 2015, arXiv:1502.03167, §3\n  - 改正后的问题 :-> 改正后的答案\n")


def counting(monkeypatch, name: str, original, key) -> Counter:
    """Wrap ``original`` wherever a kb module holds it as ``name``; count calls by ``key(args)``."""
    calls: Counter = Counter()

    def wrapper(*args, **kwargs):
        calls[key(*args, **kwargs)] += 1
        return original(*args, **kwargs)

    for module_name, module in list(sys.modules.items()):
        if module_name.split(".")[0] == "kb" and getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.fixture()
def counted_build(tmp_path, monkeypatch):
    import kb.cards.page_cards  # noqa: F401 - loaded before the wrapping, as the hooks load it
    import kb.logseq.extension  # noqa: F401
    import kb.site.build_state  # noqa: F401 - (pyflakes: used for its side effect of loading)

    docs = tmp_path / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "errata").mkdir()
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    for name, text in NOTES.items():
        (docs / "pages" / name).write_text(text, encoding="utf-8")
    (docs / "errata" / "A.md").write_text(ERRATUM, encoding="utf-8")
    config = write_config(tmp_path, docs, "plugins: [search: {lang: zh}]\n")

    parsed = counting(monkeypatch, "parse_outline", outline.parse_outline,
                      lambda text, first_line=1: text.strip())
    carded = counting(monkeypatch, "notes_of_block", extract.notes_of_block,
                      lambda block, context, page, context_text: (page.src_uri, page.source, block.line))
    monkeypatch.chdir(ROOT)
    build(load_config(str(config), site_dir=str(tmp_path / "site"), strict=True))
    return docs, tmp_path / "site", parsed, carded


def test_each_note_is_parsed_once(counted_build):
    docs, site, parsed, _ = counted_build
    for name, text in NOTES.items():
        assert parsed[read_front_matter(text).body.strip()] == 1, name
    assert (site / "pages" / "a" / "index.html").is_file()


def test_each_block_goes_through_the_card_builder_once(counted_build):
    _, site, _, carded = counted_build
    assert carded, "the card builder never ran"
    assert max(carded.values()) == 1, [key for key, count in carded.items() if count > 1]
    # Every card block of both notes, and the erratum's card, were built.
    built = {(uri, line) for uri, _, line in carded}
    assert {("pages/A.md", 3), ("pages/A.md", 4), ("pages/A.md", 5), ("pages/B.md", 3), ("pages/B.md", 4)} <= built
    # B's card block is shown as a card in A's linked references, from B's one build of its cards.
    page_a = (site / "pages" / "a" / "index.html").read_text(encoding="utf-8")
    assert 'data-source="pages/B.md" data-source-line="3"' in page_a
