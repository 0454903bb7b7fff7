"""Hiccup in a block (``[:div {:class "note"} "text" [:b "bold"]]``): a safe subset as HTML, the rest as code.

Logseq renders a block (or a line) that is a hiccup vector as HTML. The vector is EDN,
read here with the same EDN parser as logseq/config.edn. Rendered: the tags of
:data:`TAGS` (``:span.name`` and ``:div#id`` shorthands included), text escaped,
attributes ``:class`` and ``:id`` (and ``:href`` of ``:a`` when it is http(s), a
relative path or an anchor). Anything else (a script, a style, an event handler, a
tag outside the list, a function call) is not rendered: the hiccup is shown as
code, labelled, so nothing unsafe reaches the page and nothing is lost.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Callable

import edn_format
from edn_format import EDNDecodeError

from kb.notes.code_regions import mask_code

TAGS = {"div", "span", "p", "b", "strong", "i", "em", "u", "s", "del", "mark", "small", "sub", "sup", "code",
        "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "br", "hr", "table",
        "thead", "tbody", "tr", "td", "th", "kbd", "abbr", "figure", "figcaption", "details", "summary"}
VOID = {"br", "hr"}
RE_TAG = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)(?P<rest>(?:[.#][A-Za-z0-9_-]+)*)$")
RE_SAFE_HREF = re.compile(r"^(?:https?://|#|\.{0,2}/|[A-Za-z0-9_%-][^:]*$)")
RE_HICCUP_LINE = re.compile(r"^[ \t]*\[:[a-z]")


class NotSafe(Exception):
    """Hiccup the site does not render as HTML."""


def _attributes(tag: str, shorthand: str, given: Mapping) -> str:
    classes = [part[1:] for part in re.findall(r"[.#][A-Za-z0-9_-]+", shorthand) if part.startswith(".")]
    ids = [part[1:] for part in re.findall(r"[.#][A-Za-z0-9_-]+", shorthand) if part.startswith("#")]
    attrs: dict[str, str] = {}
    for key, value in given.items():
        name = key.name if isinstance(key, edn_format.Keyword) else str(key)
        if name == "class" and isinstance(value, str):
            classes.append(value)
        elif name == "id" and isinstance(value, str):
            ids = [value]
        elif name == "href" and tag == "a" and isinstance(value, str) and RE_SAFE_HREF.match(value):
            attrs["href"] = value
        else:
            raise NotSafe(name)
    if classes:
        attrs["class"] = " ".join(classes)
    if ids:
        attrs["id"] = ids[-1]
    return "".join(f' {name}="{html.escape(value)}"' for name, value in attrs.items())


def to_html(node: object) -> str:
    """HTML of one hiccup node (a vector, a string or a number); :class:`NotSafe` otherwise."""
    if isinstance(node, str):
        return html.escape(node)
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return html.escape(str(node))
    if not isinstance(node, Sequence) or not node or not isinstance(node[0], edn_format.Keyword):
        raise NotSafe(repr(node))
    match = RE_TAG.match(node[0].name)
    if match is None or match.group("tag") not in TAGS:
        raise NotSafe(node[0].name)
    tag, children = match.group("tag"), list(node[1:])
    given = children.pop(0) if children and isinstance(children[0], Mapping) else {}
    attrs = _attributes(tag, match.group("rest"), given)
    if tag in VOID:
        if children:
            raise NotSafe(tag)
        return f"<{tag}{attrs}>"
    return f"<{tag}{attrs}>" + "".join(to_html(child) for child in children) + f"</{tag}>"


def render(source: str) -> str:
    """The HTML of a hiccup vector, or the vector shown as labelled code."""
    try:
        return to_html(edn_format.loads(source))
    except (EDNDecodeError, NotSafe, ValueError, TypeError):
        return (f'<details class="kb-hiccup"><summary>Hiccup（站点上只显示安全的部分，这段没有显示）</summary>'
                f"<pre><code>{html.escape(source)}</code></pre></details>")


def rewrite(text: str, stash: Callable[[str], str]) -> str:
    """A block made of hiccup, or each line that is one, as HTML (stashed raw HTML)."""
    stripped = text.strip()
    if stripped.startswith("[:") and stripped.endswith("]") and "\n" in stripped:
        try:
            edn_format.loads(stripped)
            return stash(render(stripped))
        except (EDNDecodeError, ValueError, TypeError):
            pass
    lines = text.split("\n")
    prose = mask_code(text).split("\n")     # a line in code (or with code in it) stays as written
    for index, line in enumerate(lines):
        if prose[index] == line and RE_HICCUP_LINE.match(line) and line.rstrip().endswith("]"):
            lines[index] = stash(render(line.strip()))
    return "\n".join(lines)
