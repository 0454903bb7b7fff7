"""kb/notebooks/headings.py: notebook headings and their table of contents share real anchors."""

from dataclasses import dataclass, field

from kb.notebooks.headings import align_heading_ids


@dataclass
class Item:
    id: str
    title: str
    children: list = field(default_factory=list)


def test_chinese_headings_get_slugs_shared_with_the_toc():
    page = ('<h1 id="">批归一化的第一个实验<a class="anchor-link" href="#">¶</a></h1><p>x</p>'
            '<h2 id="">结果 Results<a class="anchor-link" href="#">¶</a></h2>'
            '<h2 id="">结果 Results<a class="anchor-link" href="#">¶</a></h2>')
    toc = [Item("_1", "批归一化的第一个实验",
                [Item("_2", "结果 Results"), Item("_3", "结果 Results")])]
    out, aligned = align_heading_ids(page, toc)
    assert aligned
    assert [toc[0].id, toc[0].children[0].id, toc[0].children[1].id] == \
        ["批归一化的第一个实验", "结果-results", "结果-results_1"]
    assert '<h1 id="批归一化的第一个实验">批归一化的第一个实验<a class="anchor-link" ' \
           'href="#批归一化的第一个实验">¶</a></h1>' in out
    assert 'id="结果-results_1"' in out and 'id=""' not in out


def test_mismatch_leaves_the_page_alone_and_says_so():
    page = '<h1 id="">一</h1><h2 id="">二</h2>'
    toc = [Item("_1", "一")]
    assert align_heading_ids(page, toc) == (page, False)
    assert toc[0].id == "_1"
