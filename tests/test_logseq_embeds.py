"""``{{embed [[page]]}}`` / ``{{embed ((id))}}``: depth limit, cycle guard, and the embedded page left as it is.

The golden case 24_embeds pins the HTML of a page embed, a block embed and a page
embedding itself; here the rules around them.
"""

from __future__ import annotations

import re

import markdown

from logseq_golden import DOCS_DIR, render_note, site_markdown_extensions

from kb.logseq.extension import LogseqExtension
from kb.notes.graph import build_graph

BLOCK_ID = "6721b8a2-0000-4000-8000-0000000000e1"


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_embeds_inside_embeds_stop_after_three_levels():
    pages = {f"pages/P{i}.md": f"- 第 {i} 层\n- {{{{embed [[P{i + 1}]]}}}}\n" for i in range(1, 5)}
    pages["pages/P5.md"] = "- 第 5 层\n"
    html, problems, graph_problems = render_note("pages/Case.md", "- {{embed [[P1]]}}\n", pages)
    assert problems == [] and graph_problems == []
    text = visible_text(html)
    assert all(f"第 {i} 层" in text for i in (1, 2, 3)) and "第 4 层" not in text
    assert "嵌入超过 3 层（too deep），未展开：[[P4]]" in text


def test_a_cycle_of_embeds_is_shown_once():
    pages = {"pages/A.md": "- A 的内容\n- {{embed [[Case]]}}\n"}
    html, _, _ = render_note("pages/Case.md", "- Case 的内容\n- {{embed [[A]]}}\n", pages)
    text = visible_text(html)
    assert text.count("A 的内容") == 1 and text.count("Case 的内容") == 1
    assert "循环嵌入（embed cycle），未展开：[[Case]]" in text


def test_an_embedded_block_keeps_its_anchor_and_text_on_its_own_page():
    source = f"- TODO 被嵌入的块\n  id:: {BLOCK_ID}\n  - 它的子块\n"
    pages = {"pages/Source.md": source}
    html, problems, graph_problems = render_note("pages/Case.md", f"- {{{{embed (({BLOCK_ID}))}}}}\n", pages)
    assert problems == [] and graph_problems == []
    assert "被嵌入的块" in html and "它的子块" in html and 'class="kb-task kb-task--todo"' in html
    assert f'id="block-{BLOCK_ID}"' not in html            # the anchor stays on Source


def test_embedding_leaves_the_embedded_page_as_it_is():
    source = f"- TODO 被嵌入的块 $x$\n  id:: {BLOCK_ID}\n"
    graph = build_graph([("pages/Source.md", source), ("pages/Case.md", f"- {{{{embed [[Source]]}}}}\n")])
    names, configs = site_markdown_extensions()
    for page in ("pages/Case.md", "pages/Source.md"):   # the embedding page first, then the page itself
        note = graph.note_at(page)
        md = markdown.Markdown(extensions=[LogseqExtension(graph=graph, src_uri=page, docs_dir=str(DOCS_DIR),
                                                           first_line=1), *names], extension_configs=configs)
        html = md.convert(note.front.body)
    block = graph.block_ids[BLOCK_ID][1]
    assert block.content == "TODO 被嵌入的块 $x$" and block.properties["id"] == BLOCK_ID
    assert f'id="block-{BLOCK_ID}"' in html and 'class="kb-task kb-task--todo"' in html


def _ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def test_embedded_copies_claim_no_line_and_no_id_of_the_embedding_page():
    # Source's blocks sit on lines 1-4 of Source.md; Case's own blocks on lines 1-3 of Case.md.
    source = (f"- 被嵌入的块 $x$\n  id:: {BLOCK_ID}\n  - 它的子块\n"
              "- 另一个块 [[Case]]\n")
    pages = {"pages/Source.md": source}
    case = f"- 正文块\n- {{{{embed (({BLOCK_ID}))}}}}\n- {{{{embed [[Source]]}}}}\n"
    html, problems, graph_problems = render_note("pages/Case.md", case, pages)
    assert problems == [] and graph_problems == []
    ids = _ids(html)
    assert len(ids) == len(set(ids)), f"duplicate ids: {ids}"
    assert f'id="block-{BLOCK_ID}"' not in html
    # data-line is a line of Case.md: only Case's three blocks claim one.
    assert [int(n) for n in re.findall(r'data-line="(\d+)"', html)] == [1, 2, 3]
    # The copies say where they come from: the block (with its child) and the page's two blocks.
    copies = re.findall(r'<li class="kb-block" data-source="pages/Source.md" data-source-line="(\d+)"', html)
    assert [int(n) for n in copies] == [1, 3, 1, 3, 4]


def test_the_embedding_pages_errata_stay_on_its_own_blocks():
    from kb.cards import errata
    # Case.md line 1 is corrected; Source.md's line 1, embedded on Case, is not.
    case = "- 正文块有误\n- {{embed [[Source]]}}\n"
    pages = {"pages/Source.md": "- 被嵌入页的第一块\n", "pages/Case.md": case}
    found, problems = errata.read_errata("errata/Case.md", "- 正文块更正\n  target:: 正文块有误\n  kind:: imprecise\n"
                                         "  wrong:: 不严谨\n  source:: arXiv:1502.03167, §3.2\n")
    graph = build_graph(list(pages.items()))
    assert problems == [] and errata.resolve(found, graph.note_at("pages/Case.md").blocks) == []
    names, configs = site_markdown_extensions()
    md = markdown.Markdown(extensions=[LogseqExtension(graph=graph, src_uri="pages/Case.md", docs_dir=str(DOCS_DIR),
                                                       first_line=1, errata=found), *names],
                           extension_configs=configs)
    html = md.convert(case)
    assert md.logseq_problems == []
    ids = _ids(html)
    assert ids.count("line-1") == 1 and len(ids) == len(set(ids)), ids
    assert len(re.findall(r"class=\"kb-erratum[ \"]", html)) == 1 and html.count("kb-block--corrected") == 1
