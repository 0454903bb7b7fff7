"""An image from another host, ``![x](https://host/a.png)``: a labelled link to it, not an ``<img>``.

Logseq shows the image (a request to that host). The site loads nothing from other
hosts, so it becomes a link to the image, labelled as one, like the media macros
(kb/notes/media_macros.py). Its ``"title"`` and Logseq's size after it (``{:height 120,
:width 200}``) are consumed with it; the label is the alt text, else the title, else
the file name. Only http(s) URLs: any other image from another host is reported
(kb/logseq/note_checks.py).
"""

from __future__ import annotations

import html
import posixpath
import re

# Logseq's size written right after an image: "{:height 120, :width 200}" (kb/logseq/block_render.py
# reads it for the notes' own images).
SIZE_SUFFIX = r"\{:(?:height|width)[^}\n]*\}"
RE_REMOTE_IMAGE = re.compile(r'!\[(?P<alt>[^\]\n]*)\]\((?P<url>https?://[^)\s]+)(?:[ \t]+"(?P<title>[^"\n]*)")?'
                             rf"[ \t]*\)(?:{SIZE_SUFFIX})?", re.IGNORECASE)


def link_html(match: re.Match[str]) -> str:
    """The link that stands for the image ``match`` (of ``RE_REMOTE_IMAGE``)."""
    url = match.group("url")
    shown = (match.group("alt").strip() or (match.group("title") or "").strip()
             or posixpath.basename(url.split("?")[0].rstrip("/")) or url)
    return f'<a class="kb-image--remote" href="{html.escape(url)}">图片：{html.escape(shown)}（外部链接）</a>'
