"""The graph's own macros (``:macros`` in ``logseq/config.edn``), expanded as Logseq expands them.

``python -m kb import`` writes the graph's macros into ``docs/.kb-macros.json`` (a dot
file: MkDocs leaves it out of the site); the build and ``kb lint`` read them from there.

Expansion follows Logseq: the arguments of ``{{name a, b}}`` are split at commas as
mldoc splits them (a ``[[page]]``, a ``((block ref))`` or a ``"quoted text"`` is one
argument, commas and all, kept as written); two or more arguments that start with
``[[`` and end with ``]]`` are one page name joined with ``", "`` (Logseq's
``macro-cp``); then ``$1``, ``$2``, .. are replaced in turn by the arguments
(``macro-subs``). A ``$n`` with no argument stays as written, as in Logseq. The
expanded text is Markdown, rendered like the rest of the block, so a macro may use
another (up to :data:`MAX_DEPTH` levels, which also stops a macro that uses itself).
The flashcard clozes ``{{c1 ..}}`` / ``{{cloze ..}}`` are Logseq's own and are never
replaced.
"""

from __future__ import annotations

import json
from pathlib import Path

from kb.notes import macros as macro_syntax
from kb.notes.dollar_math import mask_math

MACROS_FILE = ".kb-macros.json"     # under docs/
MAX_DEPTH = 5


class MacrosFileError(Exception):
    """``docs/.kb-macros.json`` cannot be read; the message names the file."""


def macros_file_bytes(macros: dict[str, str], source: str) -> bytes:
    payload = {"about": f"Written by `python -m kb import` from the graph's {source} (:macros); "
                        "the build expands {{name args}} with these.",
               "macros": dict(sorted(macros.items()))}
    return (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def load_macros(docs_dir: Path) -> dict[str, str]:
    """The macros imported into ``docs_dir``; none when there is no macros file."""
    path = Path(docs_dir) / MACROS_FILE
    if not path.is_file():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))["macros"]
        if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
            raise ValueError("'macros' is not a map of names to texts")
    except (ValueError, KeyError, TypeError) as err:
        raise MacrosFileError(f"{path}: not a readable macros file ({err}); import the graph again "
                              "to rewrite it") from None
    return {str(name): body for name, body in found.items()}


def _bracketed(args: str, start: int) -> int | None:
    """End of a ``[[..]]`` (nested brackets counted), ``((..))`` or ``"..."`` at ``start``, or None."""
    if args.startswith("[[", start):
        depth, i = 0, start
        while i < len(args):
            if args.startswith("[[", i):
                depth, i = depth + 1, i + 2
            elif args.startswith("]]", i):
                depth, i = depth - 1, i + 2
                if depth == 0:
                    return i
            else:
                i += 1
        return None
    if args.startswith("((", start):
        end = args.find("))", start + 2)
        return None if end <= start + 2 else end + 2
    if args.startswith('"', start):
        i = start + 1
        while i < len(args) and args[i] != '"':
            i += 2 if args[i] == "\\" else 1
        return i + 1 if i < len(args) and i > start + 1 else None
    return None


def split_arguments(args: str) -> list[str]:
    """``red, [[a, b]], "x, y"`` -> ``["red", "[[a, b]]", '"x, y"']`` (mldoc's ``macro_args``)."""
    found: list[str] = []
    i = 0
    if not args.strip():
        return found
    while True:
        while i < len(args) and args[i] in " \t":
            i += 1
        end = _bracketed(args, i)
        if end is not None:
            rest = args[end:].lstrip(" \t")
            if rest and not rest.startswith(","):
                end = None       # text after the brackets: the whole piece up to the comma is the argument
        if end is None:
            comma = args.find(",", i)
            end = len(args) if comma < 0 else comma
        found.append(args[i:end].strip())
        comma = args.find(",", end)
        if comma < 0:
            return found
        i = comma + 1


def substitute(body: str, arguments: list[str]) -> str:
    """Logseq's ``macro-subs``: ``$1``, ``$2``, .. replaced in turn; a missing one stays as written."""
    if len(arguments) >= 2 and arguments[0].startswith("[[") and arguments[-1].endswith("]]"):
        arguments = [", ".join(arguments)]
    for number, argument in enumerate(arguments, start=1):
        body = body.replace(f"${number}", argument)
    return body


def expand(text: str, macros: dict[str, str], math: bool = True, depth: int = 0) -> str:
    """``text`` with every use of one of ``macros`` (outside code and math) replaced by its expansion."""
    if not macros or depth >= MAX_DEPTH or "{{" not in text:
        return text
    out, pos = [], 0
    for macro in macro_syntax.find_macros(mask_math(text) if math else text):
        if macro.known or macro.name not in macros:
            continue
        arguments = split_arguments(text[macro.start:macro.end][2 + len(macro.name):-2])
        out += [text[pos:macro.start], expand(substitute(macros[macro.name], arguments), macros, math, depth + 1)]
        pos = macro.end
    return "".join(out) + text[pos:]
