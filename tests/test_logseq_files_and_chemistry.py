"""Files Logseq embeds that are not images (a link on the site), and chemistry in formulas (mhchem).

A Logseq graph writes a dropped PDF as ``![x.pdf](../assets/x.pdf)``; an ``<img>`` of a
PDF is a broken image, so the page links the file instead, its label kept. Formulas
with ``\\ce{..}`` render with KaTeX's mhchem extension, at build time like every formula.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from logseq_golden import render_note
from test_import import png

from kb.logseq.asset_links import rewrite
from kb.site.katex import KatexRenderer


@pytest.mark.parametrize("text, expected", [
    ("![论文.pdf](../assets/论文.pdf)", "[论文.pdf](../assets/论文.pdf)"),
    ("![](../assets/a%20b.pdf){:height 300}", "[a b.pdf](../assets/a%20b.pdf)"),
    ("![v](/assets/v.mp4)", "[v](../assets/v.mp4)"),
    ("![图](../assets/x.PNG) 和 ![图](../assets/y.svg)", "![图](../assets/x.PNG) 和 ![图](../assets/y.svg)"),
    ("`![x.pdf](../assets/x.pdf)`", "`![x.pdf](../assets/x.pdf)`"),
])
def test_an_embedded_file_that_is_not_an_image_becomes_a_link(text: str, expected: str):
    assert rewrite(text) == expected


def test_a_page_links_its_pdf_and_shows_its_image(tmp_path: Path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "paper.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (tmp_path / "assets" / "fig.png").write_bytes(png(2, 2))
    html, problems, graph_problems = render_note(
        "pages/Files.md", "- 原文 ![paper.pdf](../assets/paper.pdf)\n- ![fig](../assets/fig.png)\n", pages={},
        docs_dir=tmp_path)
    assert problems == [] and graph_problems == []
    assert '<a href="../assets/paper.pdf">paper.pdf</a>' in html
    assert "<img" in html and 'src="../assets/fig.png"' in html and 'src="../assets/paper.pdf"' not in html


def test_chemistry_renders_with_mhchem():
    renderer = KatexRenderer()
    try:
        html = renderer.render(r"\ce{CO2 + C -> 2 CO}", False)
    finally:
        renderer.close()
    assert 'class="katex"' in html and "\\ce" not in html.split("<annotation")[0]
    assert "<mo>→</mo>" in html or "→" in html
