"""Logseq's media macros, ``{{video url}}``, ``{{youtube id}}``, ``{{tweet url}}`` ..: a labelled link.

Logseq embeds the player or the post (a request to YouTube, Twitter, ..). The site
loads nothing from other hosts, so each becomes a link to what it shows, labelled
with what it is. The argument is a URL; for ``youtube`` also a bare video id, for
``tweet``/``twitter`` also a status id, as Logseq accepts them. A media macro without
an argument it can link is reported (kb/logseq/note_checks.py), like an unknown macro.
Pages (kb/logseq/extension.py) and cards (kb/cards/render.py) show the same link.
"""

from __future__ import annotations

import html
import re

LABELS = {
    "video": "视频（video）",
    "youtube": "YouTube 视频",
    "vimeo": "Vimeo 视频",
    "bilibili": "哔哩哔哩视频",
    "tweet": "推文（tweet）",
    "twitter": "推文（tweet）",
    "pdf": "PDF",
}
RE_URL = re.compile(r"^https?://\S+$")
RE_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
RE_STATUS_ID = re.compile(r"^\d{6,25}$")


def is_media(name: str) -> bool:
    return name.lower() in LABELS


def media_url(name: str, args: str) -> str | None:
    """Where ``{{name args}}`` points, or None when its argument is no URL Logseq would accept."""
    arg = args.strip().strip("<>")
    if RE_URL.match(arg):
        return arg
    name = name.lower()
    if name == "youtube" and RE_YOUTUBE_ID.match(arg):
        return f"https://www.youtube.com/watch?v={arg}"
    if name in ("tweet", "twitter") and RE_STATUS_ID.match(arg):
        return f"https://twitter.com/i/status/{arg}"
    return None


def label(name: str) -> str:
    return LABELS[name.lower()]


def css_class(name: str) -> str:
    return f"kb-media kb-media--{name.lower()}"


def link_text(name: str, args: str) -> str:
    """What the link says: what it is, and where it points as written."""
    return f"{label(name)}：{args.strip().strip('<>')}"


def link_html(name: str, args: str) -> str | None:
    """The macro as the page shows it (a card shows the same), or None when it is no media macro
    with a link."""
    url = media_url(name, args) if is_media(name) else None
    if url is None:
        return None
    return (f'<a class="{css_class(name)}" href="{html.escape(url)}">'
            f"{html.escape(link_text(name, args))}</a>")
