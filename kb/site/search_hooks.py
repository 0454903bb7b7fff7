"""MkDocs hook of the chunked search index (kb/site/search_shards.py).

* ``on_post_build``: after Material's search plugin has written ``search/search_index.json``
  (hooks run after the plugins), write the term shards, page files and manifest beside it.
  A malformed index fails the build with the file's name.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

# MkDocs loads this file by path; make the `kb` package importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so that `kb` imports

from mkdocs.exceptions import PluginError  # noqa: E402

from kb.site import search_shards  # noqa: E402

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.hooks.kb.search")


def on_post_build(*, config: MkDocsConfig) -> None:
    search = Path(config.site_dir) / "search"
    if not (search / "search_index.json").is_file():
        raise PluginError(f"{search / 'search_index.json'}: not written: the search plugin must be "
                          "in mkdocs.yml's plugins (kb's search worker reads its index)")
    started = time.perf_counter()
    try:
        shards = search_shards.write_shards(search)["config"]["shards"]
    except search_shards.SearchIndexError as error:
        raise PluginError(str(error)) from error
    log.info("Search index: %d docs of %d pages in %d term shards (%.2f s)",
             shards["docs"], shards["pages"], shards["terms"], time.perf_counter() - started)
