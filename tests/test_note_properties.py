"""Generated Logseq-like notes (hypothesis): nothing crashes, every problem names file and line,
and every block's text reaches the page.

Each note is written to a file (with LF or CRLF line ends) and read back as the build and
lint read it; then it goes through the four stages the strict build runs on a note:
the outline parser, the Markdown extension (kb/logseq/extension.py, as in the golden tests) and KaTeX,
card extraction (kb/cards/extract.py, as the cards hook calls it) and ``kb lint``. A stage may report
problems, each starting with the note's path and a line of the file; it may raise nothing.
Each block starts with a word of its own (``blk<n>x``) that the rendered HTML must hold.

Bounded to 40 notes (about 8 s on a shared machine); no example database is written,
and a failure prints the shrunk note. 800 notes per run passed when this test was written.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from logseq_golden import FIXTURE_PAGES, render_note

from kb.cards.extract import PageInfo, extract_notes
from kb.notes.frontmatter import read_front_matter
from kb.notes.graph import read_note
from kb.notes.outline import parse_outline
from kb.site import katex
from kb.site import page_meta
from kb.tools.lint import lint

IMAGE = "image_1724172031817_0.png"             # an image of the site, for occlusion data
NOTE_URI = "pages/Generated Note.md"
SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces of Logseq syntax, whole and broken.
PIECES = [
    "[[ReLU]]", "[[Rectified Linear Unit]]", "[[不存在的页面]]", "[[Batch Normalization/维度理解]]", "[[",
    "#tag", "#[[多 词 标签]]", "#card", "#flashcard", "{{c1 答案}}", "{{c2 $x^2$}}", "{{cloze 隐藏}}",
    "{{c1 未闭合", "}}", "{{", "{{c1 a::提示}}", ":->", " :-> 答案", "$x_i$", "$$\\frac{a}{b}$$", "$",
    "$\\sqrt{", "`code`", "`{{c1 代码}}`", "``", "**粗体**", "_斜体_", "~~删~~", "^^高亮^^",
    "((6721b8a2-5b1e-4c4f-9a43-0f4d1c2b3a10))", "((no-such-block))",
    f"![图](../assets/{IMAGE})", "![](../assets/missing.png)", "![文件](../assets/x.pdf)", "![[ReLU]]",
    "<b>html</b>", "&amp;", "\\", "|a|b|",
    "> 引用", "https://example.com/x?y=1", "{{youtube x}}", "{{embed [[ReLU]]}}", "😀", "ℤ", "\u200b",
    "\u00a0", "é", "\t", "  ", "#", "##", "1.", "---", "***", "[链接](https://example.com)", "<", ">",
    "==高亮==", "==", "^^", "~~", "[#A]", "[#Z]", "#+BEGIN_QUOTE", "#+END_SRC", "**#重点**", ":END:",
]
# What may come before a block's own word: Logseq task markers and priorities, an Org block's start.
# (Not "#+BEGIN_SRC ": the word after it is the code's language, not text of the block.)
PREFIXES = ["", "", "", "TODO ", "DONE [#A] ", "NOW [#C] ", "CANCELED ", "LATER ", "#+BEGIN_QUOTE ", "#+begin_note ",
            "# ", "> ", "| "]
WORD = (st.text(alphabet=st.sampled_from("ab中文字$[]{}()#:->`*_~\\|!^ \t αβ😀"), min_size=1, max_size=8)
        # any character UTF-8 can write, among them line breaks only str.splitlines() knows (\x0c, \u2028)
        | st.text(st.characters(codec="utf-8", exclude_characters="\n\r"), min_size=1, max_size=4))
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)


def occlusion_element() -> st.SearchStrategy:
    number = st.integers(-10**6, 10**6) | st.floats() | st.integers(min_value=10**308, max_value=10**320)
    return st.fixed_dictionaries({"left": number, "top": number, "width": number, "height": number,
                                  "angle": st.sampled_from([0, 90, 360]), "cId": st.integers(-2, 12)})


OCCLUSION_DATA = st.one_of(
    st.builds(lambda elements, hide: {f"../assets/{IMAGE}": {"config": {"hideAllTestOne": hide},
                                                              "elements": elements}},
              st.lists(occlusion_element(), max_size=3), st.booleans()),
    st.dictionaries(st.text(max_size=8), JSON_VALUE, max_size=2),
    # JSON text as written: nested past Python's recursion limit, an integer past its 4300 digits.
    st.just("[" * 3000 + "]" * 3000),
    st.just("{" + f'"../assets/{IMAGE}": [{{"left": {"9" * 4400}, "top": 1, "width": 1, "height": 1}}]' + "}"),
)


def occlusion_value(data) -> str:
    raw = data if isinstance(data, str) else json.dumps(data)
    return base64.b64encode(raw.encode("utf-8", "surrogatepass")).decode("ascii")


@st.composite
def block_lines(draw, number: int) -> list[str]:
    """One block's lines, before indentation: its first line, then continuation lines."""
    pieces = draw(st.lists(st.sampled_from(PIECES) | WORD, max_size=6))
    lines = [draw(st.sampled_from(PREFIXES)) + f"blk{number}x " + " ".join(pieces)]
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["text", "id", "occlusion", "property", "fence", "math", "blank", "org",
                                     "logbook", "date", "table"]))
        if kind == "text":
            lines.append(" ".join(draw(st.lists(st.sampled_from(PIECES) | WORD, max_size=4))))
        elif kind == "id":
            lines.append("id:: " + draw(st.sampled_from(["6721b8a2-0000-4000-8000-0000000000aa", "not-a-uuid"])))
        elif kind == "occlusion":
            lines.append("occlusion:: " + occlusion_value(draw(OCCLUSION_DATA)))
        elif kind == "property":
            lines.append(draw(st.sampled_from(["collapsed:: true", "collapsed:: false", "card-last-score:: 3",
                                               "heading:: 2", "logseq.order-list-type:: number", "key::",
                                               ":: value", "a.b.c:: d"])))
        elif kind == "fence":
            lines += ["```" + draw(st.sampled_from(["", "python", "js"])), draw(WORD)]
            if draw(st.booleans()):
                lines.append("```")
        elif kind == "org":
            name = draw(st.sampled_from(["QUOTE", "NOTE", "TIP", "WARNING", "SRC python", "example", "CENTER"]))
            lines += ["#+BEGIN_" + name, " ".join(draw(st.lists(st.sampled_from(PIECES) | WORD, max_size=3)))]
            if draw(st.booleans()):
                lines.append("#+END_" + name.split()[0])
        elif kind == "table":
            lines += ["| a | b |", draw(st.sampled_from(["|---|---|", "| --- |", "|:-:|--:|"]))]
            lines += ["| " + " | ".join(draw(st.lists(st.sampled_from(PIECES) | WORD, max_size=3))) + " |"]
        elif kind == "logbook":
            lines += [":LOGBOOK:", "CLOCK: [2024-10-05 Sat 10:00:00]--[2024-10-05 Sat 11:00:00] =>  01:00:00"]
            if draw(st.booleans()):
                lines.append(":END:")
        elif kind == "date":
            lines.append(draw(st.sampled_from(["SCHEDULED: <2024-10-07 Mon>", "DEADLINE: <2024-10-09 Wed 18:00 .+1w>",
                                               "SCHEDULED: <2024-13-99 Xyz>", "DEADLINE:"])))
        elif kind == "math":
            lines += ["$$", draw(st.sampled_from(["x^2", "\\frac{a}{b}", "}}", "{{c1 x}}"])), "$$"]
        else:
            lines.append("")
    return lines


@st.composite
def notes(draw) -> tuple[str, int]:
    """(the note's text, its number of blocks)."""
    head = draw(st.sampled_from([
        "---\ntitle: Generated Note\ndeck: test/Generated\n---\n\n",
        "---\ntitle: Generated Note\ndeck: test/Generated\ntags: [甲, 乙]\nalias: Gen\n---\n\n",
        "---\ntitle: Generated Note\ndeck: test/Generated\ntags: 5\nalias: true\nmathjax: false\n---\n\n",
        "---\ntitle: Generated Note\ndeck: test/Generated\ntags: 2024-01-01\n---\n\n",
        "---\ntitle: Generated Note\ndeck: [test\n---\n\n",
        "title:: Generated Note\ndeck:: test/Generated\ntags:: 甲, [[乙 丙]]\n\n",
        "",
    ]))
    unit = draw(st.sampled_from(["  ", "\t", "    ", "   ", " "]))
    count = draw(st.integers(1, 8))
    lines, depth = [], 0
    for number in range(count):
        depth = draw(st.integers(0, depth + 1 if number else 0))
        indent = unit * depth + draw(st.sampled_from(["", "", " ", "\t"]))
        bullet = draw(st.sampled_from(["- ", "- ", "+ ", "* ", ""])) if number else draw(st.sampled_from(["- ", ""]))
        first, *rest = draw(block_lines(number))
        lines.append(indent + bullet + first)
        lines += [(indent + "  " + line) if line else "" for line in rest]
    return head + "\n".join(lines) + "\n", count


@pytest.fixture(scope="module")
def docs_dir():
    folder = Path(tempfile.mkdtemp(prefix="kb-note-properties-"))
    (folder / "pages").mkdir()
    (folder / "assets").mkdir()
    shutil.copy(ROOT / "docs" / "assets" / IMAGE, folder / "assets" / IMAGE)
    for uri, text in FIXTURE_PAGES.items():
        (folder / uri).write_text(text, encoding="utf-8")
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def renderer():
    math = katex.KatexRenderer()
    yield math
    math.close()


def located(problem: str, path: str, lines: int) -> bool:
    """Whether a problem starts with ``path:<line>:`` for a line of the note."""
    match = re.match(rf"{re.escape(path)}:(\d+): ", problem)
    return bool(match) and 1 <= int(match.group(1)) <= lines


@SETTINGS
@given(note=notes(), crlf=st.booleans())
def test_a_generated_note_gives_html_or_located_problems_and_nothing_else(docs_dir, renderer, note, crlf):
    text, blocks = note
    file = docs_dir / NOTE_URI
    file.write_bytes(text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))
    read = file.read_text(encoding="utf-8-sig")          # as MkDocs and lint read a file
    lines = read.count("\n") + 1

    front = read_front_matter(read)
    parse_outline(front.body, front.body_first_line)

    html, page_problems, graph_problems = render_note(NOTE_URI, read, docs_dir=docs_dir)
    for problem in page_problems:
        assert located(problem, NOTE_URI, lines), problem
    for problem in graph_problems:       # a clash may be reported at the other page
        assert re.match(r"pages/[^:]+\.md:[1-9]\d*: ", problem), problem
    html, math_errors = katex.render_arithmatex(html, renderer)    # the build names the page of these
    assert all(isinstance(error, str) for error in math_errors)
    page_meta.description_from_html(html)
    for number in range(blocks):
        assert f"blk{number}x" in html, f"block {number} is not on the page"

    page = PageInfo(title="Generated Note", deck="test/Generated", source=NOTE_URI, src_uri=NOTE_URI,
                    docs_dir=docs_dir)
    _, errors = extract_notes(read_note(NOTE_URI, read).blocks, page)
    for error in errors:
        assert located(str(error), NOTE_URI, lines), str(error)

    result = lint([file], docs_dir)
    for problem in result.problems:
        assert problem.path.endswith(NOTE_URI) and 1 <= problem.line <= lines, str(problem)
