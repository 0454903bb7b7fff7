"""Site-wide files a ``make serve`` rebuild need not write again (issue 22): a file is kept when what
it is made from is what this process made the file on disk from, and the file is still the one it
wrote (same size and modification time). Same inputs, same bytes: the site stays the full build's.

``key`` is anything comparable with ``==`` that holds everything the file's bytes depend on: the
caller's contract (kb/site/cards_hooks.py: cards.json from its decks and entries' text, each Anki
package from its deck, name, timestamp, notes and media files). Kept for this process only.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

_written: dict[str, tuple[Any, int, int]] = {}   # path -> (key, size, mtime_ns) when written


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def unchanged(path: Path, key: Any, same: Callable[[Any, Any], bool] = operator.eq) -> bool:
    """Whether ``path`` was written by this process from ``key`` (``same(key it was written from,
    key)``) and is still as written."""
    known = _written.get(os.path.abspath(path))
    return known is not None and _stat(path) == known[1:] and same(known[0], key)


def written(path: Path, key: Any) -> None:
    """``path`` was just written from ``key``."""
    found = _stat(path)
    if found is None:
        _written.pop(os.path.abspath(path), None)
    else:
        _written[os.path.abspath(path)] = (key, *found)


def media_state(paths) -> tuple:
    """The media files' names, sizes and modification times, as part of a key."""
    return tuple((str(p), _stat(Path(p))) for p in paths)
