"""Logseq's (Org-style) blocks in a block's text: ``#+BEGIN_NAME`` .. ``#+END_NAME``.

What each means, as mldoc reads it (``Block`` in lib/syntax/block.ml: quote, source,
example and custom blocks; Logseq shows NOTE, TIP, IMPORTANT, CAUTION and WARNING as
admonitions):

* ``QUOTE``: a block quote, its text rendered as Markdown;
* ``NOTE``, ``TIP``, ``IMPORTANT``, ``CAUTION``, ``WARNING``, ``PINNED``: an admonition
  (Material's ``admonition`` markup), its text rendered as Markdown;
* ``CENTER``: its text rendered as Markdown, centred;
* ``COMMENT``: not shown (mldoc reads it as a comment block, which Logseq does not render);
* ``EXPORT backend``: text for another format (Logseq inserts ``html`` as it is): shown as
  code, folded and labelled, so a page never takes HTML (or requests) from it unchecked;
* any other name (``VERSE``, ``MYBLOCK``, ..): mldoc's custom block, which Logseq shows as a
  ``<div>`` of that class with its text rendered as Markdown: so here, class
  ``kb-custom kb-custom--name``;
* ``SRC lang``: code in a fence (highlighted like any other code);
* ``EXAMPLE``: verbatim text, shown as it is written (``<pre>``);
* ``QUERY``: an advanced (datalog) query, which the site does not run: shown as code,
  folded, labelled as a query.

Names are case-insensitive (``#+begin_quote``). A ``#+BEGIN_`` without its ``#+END_``,
or one of another name, stays as written; so does one with words after a name other than
``SRC`` and ``EXPORT`` (``#+BEGIN_QUOTE 引文``), which would otherwise lose them. Lines inside fenced code are code, never
a directive. The rewrite happens before Markdown runs, so ``#+BEGIN_QUOTE`` is never
read as a tag (kb/notes/links.py does not take ``#+`` for one either).
"""

from __future__ import annotations

import html
import re
from typing import Callable

from kb.notes.code_regions import fence_closed, fence_opened

RE_BEGIN = re.compile(r"^[ \t]*#\+BEGIN_(?P<name>[A-Za-z][A-Za-z0-9_-]*)(?:[ \t]+(?P<args>.*?))?[ \t]*$", re.IGNORECASE)
# Admonitions: Logseq's name -> (Material's admonition type, title shown).
ADMONITIONS = {
    "NOTE": ("note", "注（Note）"),
    "TIP": ("tip", "提示（Tip）"),
    "IMPORTANT": ("info", "重要（Important）"),
    "CAUTION": ("danger", "小心（Caution）"),
    "WARNING": ("warning", "警告（Warning）"),
    "PINNED": ("note kb-pinned", "置顶（Pinned）"),
}
WITH_ARGS = {"SRC", "EXPORT"}     # the words after the name are the language, the backend


def _end_of(lines: list[str], start: int, name: str) -> int | None:
    end = re.compile(rf"^[ \t]*#\+END_{re.escape(name)}[ \t]*$", re.IGNORECASE)
    return next((i for i in range(start + 1, len(lines)) if end.match(lines[i])), None)


def _rendered(name: str, args: str, body: list[str], stash: Callable[[str], str]) -> list[str]:
    if name not in ("SRC", "EXAMPLE", "QUERY", "COMMENT", "EXPORT"):    # Markdown inside: directives may nest
        body = rewrite("\n".join(body), stash).split("\n")
    if name == "QUOTE":
        return ["", *[f"> {line}".rstrip() for line in body], ""]
    if name == "SRC":
        language = args.split()[0] if args.split() else ""
        fence = "```" + "`" * max((len(m) - 2 for line in body for m in re.findall(r"`{3,}", line)), default=0)
        return ["", f"{fence}{language}", *body, fence, ""]
    if name == "EXAMPLE":
        return ["", stash(f'<pre class="kb-example">{html.escape(chr(10).join(body))}</pre>'), ""]
    if name == "QUERY":      # Logseq's advanced (datalog) query: shown, not run
        return ["", stash('<details class="kb-query kb-query--advanced"><summary>高级查询（advanced query），'
                          '站点上不执行</summary><pre><code>' + html.escape(chr(10).join(body)) + "</code></pre>"
                          "</details>"), ""]
    if name == "COMMENT":
        return [""]
    if name == "EXPORT":
        return ["", stash(f'<details class="kb-export"><summary>导出到 {html.escape(args.strip() or "？")} 的文本'
                          '（export），站点上不插入</summary><pre><code>' + html.escape(chr(10).join(body))
                          + "</code></pre></details>"), ""]
    if name == "CENTER":
        return ["", '<div class="kb-center" markdown="block">', "", *body, "", "</div>", ""]
    if name not in ADMONITIONS:     # mldoc's custom block: a div of its class
        return ["", f'<div class="kb-custom kb-custom--{name.lower()}" markdown="block">', "", *body, "", "</div>", ""]
    kind, title = ADMONITIONS[name]
    return ["", f'<div class="admonition {kind}" markdown="block">',
            f'<p class="admonition-title">{title}</p>', "", *body, "", "</div>", ""]


def rewrite(text: str, stash: Callable[[str], str]) -> str:
    """``text`` with each ``#+BEGIN_NAME`` .. ``#+END_NAME`` turned into its Markdown or HTML."""
    if "#+" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if fence is not None:
            if fence_closed(line, fence):
                fence = None
            out.append(line)
            i += 1
            continue
        fence = fence_opened(line)
        begin = RE_BEGIN.match(line)
        name = begin.group("name").upper() if begin else ""
        if name not in WITH_ARGS and begin and begin.group("args"):
            name = ""          # words after QUOTE, NOTE, ... would be lost: the line stays as written
        end = _end_of(lines, i, name) if name else None
        if end is None:
            out.append(line)
            i += 1
            continue
        out += _rendered(name, begin.group("args") or "", lines[i + 1:end], stash)
        i = end + 1
    return "\n".join(out).strip("\n")
