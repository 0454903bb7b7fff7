"""Per-page results of one kind kept between builds: a note's cards, a page's description, its
search entries (issue 22), beside the render cache (kb/site/render_cache.py) and as strict.

A :class:`ResultTable` is one file, ``.cache/render/<config>/<kind>.pickle`` beside the site's
config: a table from a key to a result. The key is a fingerprint (``render_cache.fingerprint``)
of everything the result depends on, which the caller names (kb's code and package versions
always among it), so a stored result is the one a fresh computation would give. A build keeps
only the entries it used or made: the file is written again at the end of the build with
those (``save``), the others are dropped. ``KB_RENDER_CACHE=off`` turns these tables off too.

A table is read whole when first asked for and written whole once, so a build of a thousand
pages reads and writes one file per kind, not a thousand.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any, Callable, TypeVar

FORMAT = 1                      # of a table file; another one is read as empty
MISSING = object()              # what ``get`` gives for a key the table does not hold

T = TypeVar("T")


class ResultTable:
    """The stored results of one kind for one site, as one build sees and leaves them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stored: dict[str, Any] = _read(path)
        self._kept: dict[str, Any] = {}
        self.reused = 0
        self.computed = 0

    def get(self, key: str) -> Any:
        """The result stored under ``key`` (kept for the next build), or :data:`MISSING`."""
        if key in self._kept:
            return self._kept[key]
        value = self._stored.get(key, MISSING)
        if value is not MISSING:
            self._kept[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self._kept[key] = value

    def through(self, key: str, compute: Callable[[], T]) -> T:
        """The result under ``key``, computed (and stored) when there is none."""
        value = self.get(key)
        if value is MISSING:
            value = compute()
            self.put(key, value)
            self.computed += 1
        else:
            self.reused += 1
        return value

    def save(self) -> int:
        """Write the entries this build used or made; how many stored ones were dropped."""
        dropped = len(self._stored.keys() - self._kept.keys())
        if self._kept or self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(pickle.dumps((FORMAT, self._kept), protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(partial, self.path)   # another build reading it sees the old table or the new, whole
        self._stored = dict(self._kept)
        return dropped


def _read(path: Path) -> dict[str, Any]:
    try:
        data = pickle.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except Exception:   # noqa: BLE001 - a damaged or older table is an empty one: everything is computed again
        return {}
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == FORMAT and isinstance(data[1], dict)):
        return {}
    return data[1]
