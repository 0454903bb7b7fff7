"""Give the headings of notebook pages real anchors that match the page's table of contents.

mkdocs-jupyter writes the headings with nbconvert, whose slugify drops Chinese
(``<h1 id="">``), but builds the table of contents with Python-Markdown's, which
numbers them (``#_1``): the contents and the "skip to content" link then point
nowhere. Here both get the slug the Markdown pages use (pymdownx's, lower case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Protocol

from pymdownx.slugs import slugify

RE_HEADING = re.compile(
    r'<(?P<tag>h[1-6]) id="(?P<id>[^"]*)">(?P<body>.*?)'
    r'(?P<link><a class="anchor-link" href="#[^"]*">¶</a>)?</(?P=tag)>',
    re.DOTALL,
)
_slug = slugify(case="lower")


class TocItem(Protocol):
    id: str
    title: str
    children: list


def _flatten(items: Iterable[TocItem]) -> Iterator[TocItem]:
    for item in items:
        yield item
        yield from _flatten(item.children)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def align_heading_ids(page_html: str, toc: Iterable[TocItem]) -> tuple[str, bool]:
    """Re-id the page's headings and TOC items alike, in document order.

    Returns the page and whether it could be aligned (the headings and the TOC
    entries must be the same in number and order, else nothing changes).
    """
    items = list(_flatten(toc))
    headings = list(RE_HEADING.finditer(page_html))
    if len(items) != len(headings) or any(
        _text(h.group("body")) != _text(i.title) for h, i in zip(headings, items)
    ):
        return page_html, False
    used: dict[str, int] = {}
    new_ids = []
    for heading in headings:
        base = _slug(_text(heading.group("body")), "-") or "section"
        used[base] = used.get(base, 0) + 1
        new_ids.append(base if used[base] == 1 else f"{base}_{used[base] - 1}")
    for item, new_id in zip(items, new_ids):
        item.id = new_id
    replacements = iter(new_ids)

    def replace(match: re.Match[str]) -> str:
        new_id = next(replacements)
        link = f'<a class="anchor-link" href="#{new_id}">¶</a>' if match.group("link") else ""
        return f'<{match["tag"]} id="{new_id}">{match["body"]}{link}</{match["tag"]}>'

    return RE_HEADING.sub(replace, page_html), True
