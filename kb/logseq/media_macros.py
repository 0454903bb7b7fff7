"""Logseq's media macros, ``{{video url}}``, ``{{youtube id}}``, ``{{tweet url}}`` ..: a labelled link.

Logseq embeds the player or the post (a request to YouTube, Twitter, ..). The site
loads nothing from other hosts, so each becomes a link to what it shows, labelled
with what it is. The argument is a URL; for ``youtube`` also a bare video id, for
``tweet``/``twitter`` also a status id, as Logseq accepts them. A media macro without
an argument it can link is reported (kb/logseq/note_checks.py), like an unknown macro.
"""

from __future__ import annotations

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
