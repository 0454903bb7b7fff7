"""The 勘误 page: every erratum of the notes, each with a link to the block it corrects.

Pure, no MkDocs: :func:`page_markdown` writes the page's Markdown from the errata
(kb/cards/errata.py, targets resolved) and the link graph; the build adds it as a generated
page (kb/site/logseq_hooks.py). Typos are listed here only, so the owner can fix the graph
in Logseq; the other kinds also show on the note page, inside the block.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote

from kb.cards.errata import RIGHT_LABEL, WRONG_LABEL, Erratum, block_anchor, linked_sources
from kb.notes import links
from kb.notes.graph import Graph

SRC_URI = "errata.md"           # the generated page, at the site root: /errata/
TITLE = "勘误"


def _link_to(src_uri: str, anchor: str = "") -> str:
    relative = posixpath.relpath(src_uri, posixpath.dirname(SRC_URI) or ".")
    return quote(relative) + (f"#{anchor}" if anchor else "")


def _page_links(text: str, graph: Graph) -> str:
    """``[[Page]]`` as a Markdown link to the page (this is not a note page), else the bare name."""
    def replace(match: re.Match[str]) -> str:
        name = match.group("name").strip()
        target = graph.resolve(name)
        return f"[{name}]({_link_to(target.src_uri)})" if target is not None else name

    return links.RE_PAGE_REF.sub(replace, text)


def _code(text: str) -> str:
    """Text shown as written, in a code span long enough for the backticks inside it."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _entry(erratum: Erratum, graph: Graph) -> list[str]:
    note = graph.note_at(erratum.note_uri)
    assert note is not None and erratum.target_line is not None   # only resolved errata are listed
    where = f"[第 {erratum.target_line} 行]({_link_to(note.src_uri, block_anchor(erratum))})"
    lines = [f"{erratum.number}. **{erratum.label}** · {where}：原文 {_code(erratum.target)}"]
    if erratum.wrong:
        lines.append(f"    {WRONG_LABEL[erratum.kind]}：{_page_links(erratum.wrong, graph)}")
    lines.append(f"    {RIGHT_LABEL[erratum.kind]}：{_page_links(erratum.right, graph)}")
    if erratum.cited:
        lines.append(f"    来源：{linked_sources(erratum.cited)}")
    if erratum.block.children:
        lines.append(f"    改正后的卡片 {len(erratum.block.children)} 张，见原页面的勘误框")
    lines.append(f"    <small>勘误文件 {_code(erratum.where)}</small>")
    # One paragraph of the list item, a line break between its lines.
    return ["<br>\n".join(lines), ""]


def page_markdown(errata: list[Erratum], graph: Graph) -> str:
    """The page: its title, how errata work, then the errata of each note in page order."""
    listed = sorted((e for e in errata if e.target_line is not None), key=lambda e: e.number)
    out = ["---", f"title: {TITLE}", "---", "", f"# {TITLE}", "",
           "原始笔记保持作者在 Logseq 里写下的样子，这里的更正放在笔记旁边（`docs/errata/`）："
           "有误（wrong）和不严谨（imprecise）的说法、不好记的卡片（card）显示在笔记页面对应的块里，"
           "错字（typo）只列在这一页。有误和不好记的卡片不再出现在复习页面和 Anki 牌组里，"
           "由勘误里改正后的卡片代替；不严谨的卡片保留，勘误显示在答案下面。",
           "", f"共 {len(listed)} 条勘误。", ""]
    current = None
    for erratum in listed:
        note = graph.note_at(erratum.note_uri)
        if note is None:
            continue
        if note.src_uri != current:
            current = note.src_uri
            out += [f"## [{note.title}]({_link_to(note.src_uri)})", ""]
        out += _entry(erratum, graph)
    if not listed:
        out += ["还没有勘误。", ""]
    return "\n".join(out)
