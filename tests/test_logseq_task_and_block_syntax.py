"""Logseq syntax that is not Markdown, read as Logseq reads it (the golden files pin the HTML).

Here: what the link graph makes of it (no bogus tags or links, so no bogus tag pages
or "not written yet" errors), and the rewrites of kb/notes/tasks.py and
kb/logseq/directives.py on their own.
"""

from __future__ import annotations

import pytest

from kb.logseq.directives import rewrite as rewrite_directives
from kb.notes.graph import build_graph
from kb.notes.tasks import rewrite as rewrite_tasks

NOTE = """\
- TODO [#A] 写笔记 #真的标签
- #+BEGIN_QUOTE
  引用里的 [[引用的页面]]
  #+END_QUOTE
- #+BEGIN_SRC python
  x = a[[0]]  # [[不是链接]]
  #+END_SRC
- #+begin_example
  #不是标签 [[也不是链接]]
  #+end_example
- **#加粗的标签** 和 ==#高亮的标签==
"""


def test_the_graph_reads_tags_and_links_as_logseq_does():
    graph = build_graph([("pages/Tasks.md", NOTE)])
    found = sorted((link.kind, link.target) for link in graph.links)
    assert found == [("page", "引用的页面"), ("tag", "加粗的标签"), ("tag", "真的标签"), ("tag", "高亮的标签")]
    tag_pages = sorted(note.title for note in graph.notes if note.generated)
    assert tag_pages == ["加粗的标签", "真的标签", "高亮的标签"]


def stash_as_text(html: str) -> str:
    return f"<{html}>"


@pytest.mark.parametrize("text, expected", [
    ("DONE 写完 #card", '<<span class="kb-task kb-task--done" title="任务：已完成（DONE）">DONE</span>> '
                        '<<del class="kb-task__text">> 写完 #card <</del>>'),
    ("TODOS 不是标记", "TODOS 不是标记"),
    ("todo 小写不是标记", "todo 小写不是标记"),
    ("句中的 TODO 不是标记", "句中的 TODO 不是标记"),
    ("写 `[#A]` 和 $[#B]$", "写 `[#A]` 和 $[#B]$"),
    ("a\n:LOGBOOK:\nCLOCK: [2024-10-05 Sat 10:00]\n:END:\nb", "a\nb"),
    # The logbook hides clock entries only (found by tests/test_note_properties.py): one left open
    # does not hide the text up to a later logbook's :END:, nor does a logbook hide other text.
    ("a\n:LOGBOOK:\nCLOCK: [x]\nb\n:LOGBOOK:\nCLOCK: [y]\n:END:\nc", "a\n:LOGBOOK:\nCLOCK: [x]\nb\nc"),
    ("a\n:LOGBOOK:\n笔记\n:END:", "a\n:LOGBOOK:\n笔记\n:END:"),
    ("a\nSCHEDULED: <2024-10-07 Mon>", 'a\n<<span class="kb-planned kb-planned--scheduled">计划（Scheduled） '
                                       '<time datetime="2024-10-07">2024-10-07 Mon</time></span>>'),
    ("写 SCHEDULED: <2024-10-07 Mon> 在句中", "写 SCHEDULED: <2024-10-07 Mon> 在句中"),
])
def test_task_syntax(text: str, expected: str):
    assert rewrite_tasks(text, stash_as_text) == expected


@pytest.mark.parametrize("text, expected", [
    ("#+BEGIN_QUOTE\na\n#+END_QUOTE", "> a"),
    ("#+BEGIN_SRC\n``` x\n#+END_SRC", "````\n``` x\n````"),       # a longer fence around a fence
    ("```\n#+BEGIN_QUOTE\na\n#+END_QUOTE\n```", "```\n#+BEGIN_QUOTE\na\n#+END_QUOTE\n```"),
    ("#+BEGIN_QUOTE\na\n#+END_NOTE", "#+BEGIN_QUOTE\na\n#+END_NOTE"),
    # Logseq (frontend/components/block.cljs) shows CENTER centred, PINNED as an admonition, any other
    # name (mldoc's custom block) as a div of that class, and no COMMENT.
    ("#+BEGIN_CENTER\na\n#+END_CENTER", '<div class="kb-center" markdown="block">\n\na\n\n</div>'),
    ("#+BEGIN_PINNED\na\n#+END_PINNED", '<div class="admonition note kb-pinned" markdown="block">\n'
                                         '<p class="admonition-title">置顶（Pinned）</p>\n\na\n\n</div>'),
    ("#+begin_verse\n#+BEGIN_QUOTE\na\n#+END_QUOTE\n#+end_verse",
     '<div class="kb-custom kb-custom--verse" markdown="block">\n\n> a\n\n</div>'),
    ("a\n#+BEGIN_COMMENT\n不显示\n#+END_COMMENT\nb", "a\n\nb"),
    ("#+BEGIN_EXPORT html\n<b>\n#+END_EXPORT", '<<details class="kb-export"><summary>导出到 html 的文本（export），'
                                              '站点上不插入</summary><pre><code>&lt;b&gt;</code></pre></details>>'),
    ("#+BEGIN_CENTER\na\n#+END_VERSE", "#+BEGIN_CENTER\na\n#+END_VERSE"),
    ("#+BEGIN_EXAMPLE\n<b>&\n#+END_EXAMPLE", '<<pre class="kb-example">&lt;b&gt;&amp;</pre>>'),
    # Only SRC takes words after its name (the language); any other would lose them (found by
    # tests/test_note_properties.py): the line stays as written.
    ("#+BEGIN_QUOTE 引文\na\n#+END_QUOTE", "#+BEGIN_QUOTE 引文\na\n#+END_QUOTE"),
    ("#+BEGIN_NOTE 标题\na\n#+END_NOTE", "#+BEGIN_NOTE 标题\na\n#+END_NOTE"),
    ("#+BEGIN_EXAMPLE x\na\n#+END_EXAMPLE", "#+BEGIN_EXAMPLE x\na\n#+END_EXAMPLE"),
    ("#+BEGIN_SRC python\na\n#+END_SRC", "```python\na\n```"),
])
def test_org_style_blocks(text: str, expected: str):
    assert rewrite_directives(text, stash_as_text) == expected
