"""How the build names a page's source file in its warnings: one form for every check.

``docs/pages/x.md`` -- the path relative to the directory of mkdocs.yml when the docs
directory is under it (as MkDocs users write it, and as ``python -m kb lint`` prints
it when run there), else the absolute path. A warning reads ``docs/pages/x.md:7: ...``.
"""

from __future__ import annotations

import os
from pathlib import Path


def docs_prefix(docs_dir: str | Path, config_file_path: str | Path | None) -> str:
    """What goes before a page's ``src_uri``: ``docs/``, or the absolute docs directory and ``/``."""
    docs = Path(os.path.abspath(docs_dir))
    if config_file_path:
        base = Path(os.path.abspath(config_file_path)).parent
        try:
            relative = docs.relative_to(base).as_posix()
        except ValueError:
            pass
        else:
            return "" if relative == "." else relative + "/"
    return docs.as_posix() + "/"


def shown_source(config, src_uri: str) -> str:
    """The page at ``src_uri`` (relative to the docs directory) as the build's warnings name it."""
    return docs_prefix(config.docs_dir, config.config_file_path) + src_uri
