"""Material's search entries of a page kept between builds (issue 22).

Material's search plugin indexes every page on every build (``SearchIndex.add_entry_from_context``:
the page's HTML parsed into sections, their Chinese text segmented with jieba), a quarter of a
large graph's build. Here that method of the build's index is wrapped: a page's entries are
stored in the ``search`` table (kb/site/result_cache.py) under a fingerprint of everything the
method reads, and put back instead of indexed again when none of it changed:

* the page: its URL, HTML (as every earlier ``on_page_context`` hook left it), table of
  contents, title and the front matter it reads (``search``, ``title``, ``tags``);
* the index's settings (language, separator, pipeline, fields, jieba dictionaries and their
  files), kb's code and the versions of the packages (Material among them) and of jieba.

The entries are the ones the method would add, in the same order, so search_index.json is the
same byte for byte.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from kb.site import render_cache

if TYPE_CHECKING:
    from mkdocs.structure.pages import Page

KIND = "search"
DICTIONARY_OPTIONS = ("jieba_dict", "jieba_dict_user")


def search_index_of(plugins: Any) -> Any | None:
    """The search index of Material's search plugin among ``plugins`` (None when it is not used)."""
    for plugin in plugins.values():
        index = getattr(plugin, "search_index", None)
        if callable(getattr(index, "add_entry_from_context", None)) and isinstance(getattr(index, "entries", None), list):
            return index
    return None


def settings_key(index: Any) -> str:
    """The index's settings, its jieba dictionaries' contents and jieba's version."""
    parts = [render_cache.stable(index.config)]
    try:
        parts.append(f"jieba=={importlib.metadata.version('jieba')}")
    except importlib.metadata.PackageNotFoundError:
        parts.append("jieba missing")
    for option in DICTIONARY_OPTIONS:
        path = index.config.get(option)
        if path and Path(path).is_file():
            parts.append(hashlib.sha256(Path(path).read_bytes()).hexdigest())
    return render_cache.fingerprint(*parts)


def page_key(page: Page) -> list[str]:
    """What ``add_entry_from_context`` reads of ``page``."""
    meta = page.meta
    return [page.url, page.content or "", render_cache.stable(render_cache.toc_data(page.toc)), str(page.title),
            render_cache.stable([meta.get("search"), meta.get("title"), meta.get("tags")])]


def reuse_entries(index: Any, cached: Callable[[list[str], Callable[[], list]], list]) -> None:
    """Make ``index`` add a page's entries through ``cached(key parts, compute)``."""
    add = type(index).add_entry_from_context.__get__(index)   # the plugin's own (not an earlier wrapper)
    settings = settings_key(index)

    def entries_of(page: Page) -> list:
        before = len(index.entries)
        add(page)
        made = index.entries[before:]
        del index.entries[before:]
        return made

    def add_entry_from_context(page: Page) -> None:
        index.entries.extend(cached([settings, *page_key(page)], lambda: entries_of(page)))

    index.add_entry_from_context = add_entry_from_context
