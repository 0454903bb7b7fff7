"""Links to a page that has no file: an error (this site's choice), or a page, as Logseq makes one.

In Logseq, ``[[Some page]]`` makes the page exist: it shows its linked references
until someone writes it. Real graphs link many pages they never write. The setting
``missing_pages`` (``extra: kb:`` in mkdocs.yml, kb/notes/site_settings.py) chooses:

* ``error`` (the default, and this site's): each link to such a page is a warning of
  the strict build (and an error of ``kb lint``) with file:line; the name shows
  marked as not written yet;
* ``page``: the build makes the page, like a tag page: a line saying it is not
  written yet, then the blocks that link to it (its linked references).

A link to a ``public: false`` note never makes a page (the note stays private).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from kb.notes.site_settings import kb_settings

ERROR, PAGE = "error", "page"


def missing_pages_mode(extra: Mapping | None) -> str:
    """``error`` or ``page``; anything else is a ValueError whose message says what is allowed."""
    mode = kb_settings(extra).get("missing_pages", ERROR)
    if mode not in (ERROR, PAGE):
        raise ValueError(f"extra: kb: missing_pages in mkdocs.yml is {mode!r}: use 'error' (links to pages "
                         "that have no file fail the strict build) or 'page' (the build makes those pages)")
    return mode


def missing_page_text(name: str) -> str:
    """The Logseq source of a page made for a name that is linked but has no file."""
    return (f"---\ntitle: {json.dumps(name, ensure_ascii=False)}\n---\n\n"   # JSON is valid YAML
            "这个页面还没有写（not written yet）：链接到它的块列在下面的链接引用（Linked references）中。\n")
