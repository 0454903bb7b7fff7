"""A Logseq graph's settings, ``logseq/config.edn``, as far as publishing needs them.

The file is EDN (Clojure's data notation), read with a real EDN parser
(``edn_format``), never with patterns: it holds comments, sets, symbols and whole
datalog queries. Three settings matter to the import:

* ``:publishing/all-pages-public? true`` (or the older ``:all-pages-public? true``):
  every page is public unless it says ``public:: false``;
* ``:hidden ["/archived" "/test.md"]``: paths Logseq leaves out of the graph. As in
  Logseq (``logseq.common.config/hidden?``), a file is hidden when ``/`` + its path
  in the graph starts with the pattern (a pattern without a leading ``/`` gets one);
* ``:macros {"poem" "Rose is $1, violet's $2."}``: the graph's own ``{{macros}}``
  (kb/notes/graph_macros.py expands them).

A file that does not parse is a :class:`ConfigError` naming the file and, when the
parser says where, the line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import edn_format
from edn_format import EDNDecodeError

CONFIG_PATH = "logseq/config.edn"       # in the graph
ALL_PAGES_PUBLIC_KEYS = ("publishing/all-pages-public?", "all-pages-public?")
RE_LEXPOS = re.compile(r"\blexpos (\d+)")


class ConfigError(Exception):
    """``logseq/config.edn`` cannot be read as Logseq reads it; the message names the file and line."""


@dataclass(frozen=True)
class GraphConfig:
    all_pages_public: str | None = None          # the key that made every page public, or None
    hidden: tuple[str, ...] = ()
    macros: dict[str, str] = field(default_factory=dict)

    def hidden_by(self, relative: str) -> str | None:
        """The ``:hidden`` pattern that hides a path of the graph (``pages/x.md``), or None."""
        path = "/" + relative.lstrip("/")
        for pattern in self.hidden:
            if path.startswith(pattern if pattern.startswith("/") else "/" + pattern):
                return pattern
        return None


def _key(name: object) -> str | None:
    """A map key as Logseq reads it: a keyword's name (``:macros`` -> ``macros``) or a string."""
    if isinstance(name, edn_format.Keyword):
        return name.name
    return name if isinstance(name, str) else None


def _error_line(err: EDNDecodeError, text: str) -> int | None:
    """The line of a parse error, from the position the EDN lexer reports (when it reports one)."""
    detail = err.args[0] if err.args else None
    position = getattr(detail, "lexpos", None)
    if position is None:
        match = RE_LEXPOS.search(str(detail))
        position = int(match.group(1)) if match else None
    return None if position is None else text.count("\n", 0, position) + 1


def parse_config(text: str, shown: str = CONFIG_PATH) -> GraphConfig:
    """The settings in the text of a config.edn (``shown`` names the file in errors)."""
    try:
        data = edn_format.loads(text)
    except EDNDecodeError as err:
        line = _error_line(err, text)
        where = f"{shown}:{line}" if line else shown
        detail = " ".join(str(err).split())     # the lexer quotes the text around, newlines and all
        raise ConfigError(f"{where}: not valid EDN ({detail}); Logseq cannot read it either") from None
    if data is None:        # an empty file, or only comments
        return GraphConfig()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{shown}: not an EDN map {{...}} but {type(data).__name__}")
    settings = {_key(k): v for k, v in data.items()}
    public = next((f":{key}" for key in ALL_PAGES_PUBLIC_KEYS if settings.get(key) is True), None)

    hidden = settings.get("hidden") or ()
    if isinstance(hidden, str) or not isinstance(hidden, Sequence) or not all(isinstance(p, str) for p in hidden):
        raise ConfigError(f"{shown}: :hidden must be a vector of path strings, e.g. [\"/archived\"]")
    macros = settings.get("macros") or {}
    if not isinstance(macros, Mapping):
        raise ConfigError(f"{shown}: :macros must be a map of names to texts, e.g. {{\"poem\" \"Rose is $1\"}}")
    named = {}
    for name, body in macros.items():
        if _key(name) is None or not isinstance(body, str):
            raise ConfigError(f"{shown}: :macros entry {name!r} must map a name to a text (a string)")
        named[_key(name)] = body
    return GraphConfig(public, tuple(p for p in hidden if p.strip()), named)


def read_config(graph_dir: Path) -> GraphConfig:
    """The graph's settings; Logseq's defaults when it has no ``logseq/config.edn``."""
    path = Path(graph_dir) / CONFIG_PATH
    if not path.is_file():
        return GraphConfig()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text ({err})") from None
    return parse_config(text, str(path))
