"""The YAML front matter of a note, checked key by key, with source lines for errors.

The notes carry Hexo-style front matter (see the seed note)::

    title: Batch Normalization     the page title
    date: 2024-10-05               created, shown on the page
    updated: 2025-01-20            last edited, shown on the page
    tags: [Algorithm]              Material's tags (a list, or one string)
    deck: being/Normalization      the Anki deck of the page's flashcards
    public: true                   false: the page is not built
    toc: true                      false: no table of contents
    mathjax: true                  false: dollars are literal text, not math
    alias: [BN]                    other names [[links]] may use (Logseq's alias::)

Material's own page keys (``hide``, ``description``, ...) pass through. Any other
key, or a value of the wrong type, is a problem naming its line.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import yaml

from kb.notes import links
from kb.notes.outline import page_properties

DELIMITER = "---"

# key -> (accepted Python types, what to say when it is something else)
NOTE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "title": ((str,), "a string"),
    "date": ((datetime.date,), "a date such as 2024-10-05"),
    "updated": ((datetime.date,), "a date such as 2025-01-20"),
    "tags": ((list, str), "a list of tag names"),
    "deck": ((str,), "a deck name such as being/Normalization"),
    "public": ((bool,), "true or false"),
    "toc": ((bool,), "true or false"),
    "mathjax": ((bool,), "true or false"),
    "alias": ((list, str), "a page name or a list of them"),
}
MATERIAL_KEYS = {"hide", "description", "icon", "status", "subtitle", "template", "search", "comments"}


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that keeps an impossible date (2024-13-05) as text, so the key check names it."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.Node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class FrontMatter:
    meta: dict
    body: str
    body_first_line: int          # source line number of the body's first line
    key_lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        return names_of(self.meta.get("tags"))

    @property
    def aliases(self) -> list[str]:
        return names_of(self.meta.get("alias"))


def names_of(value) -> list[str]:
    """The names of a ``tags``/``alias`` value; none when it is neither a string nor a list
    (``tags: 5``: :func:`_check` has recorded that problem at its line)."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if not isinstance(value, list):
        return []
    return [str(item).strip() for item in value if str(item).strip()]


def read_front_matter(text: str) -> FrontMatter:
    """Split ``text`` into checked front matter and body."""
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != DELIMITER:
        return FrontMatter({}, text, 1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in (DELIMITER, "..."))
    except StopIteration:
        return FrontMatter({}, text, 1, problems=[Problem(1, "front matter opened with --- is never closed")])
    yaml_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    result = FrontMatter({}, body, end + 2)
    try:
        node = yaml.compose(yaml_text, Loader=_FrontMatterLoader)
        meta = yaml.load(yaml_text, Loader=_FrontMatterLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        result.problems.append(Problem(line, f"front matter is not valid YAML: {getattr(err, 'problem', err)}"))
        return result
    if meta is None:
        return result
    if not isinstance(meta, dict) or not isinstance(node, yaml.MappingNode):
        result.problems.append(Problem(2, "front matter must be a mapping of keys to values"))
        return result
    result.meta = meta
    result.key_lines = {key.value: key.start_mark.line + 2 for key, _ in node.value}
    _check(result)
    return result


def _check(front: FrontMatter) -> None:
    for key, value in front.meta.items():
        line = front.key_lines.get(str(key), 2)
        if key in MATERIAL_KEYS:
            continue
        if key not in NOTE_KEYS:
            known = ", ".join(NOTE_KEYS)
            front.problems.append(Problem(line, f"unknown front matter key '{key}' (known: {known})"))
            continue
        types, expected = NOTE_KEYS[key]
        # A datetime is a date too; a bool is not a date.
        if value is None or not isinstance(value, types):
            front.problems.append(Problem(line, f"front matter '{key}' must be {expected}, not {value!r}"))
        elif isinstance(value, list) and not all(isinstance(item, (str, int, float)) for item in value):
            front.problems.append(Problem(line, f"front matter '{key}' must be {expected}, not {value!r}"))
    dates = [front.meta.get("date"), front.meta.get("updated")]
    if all(isinstance(d, datetime.date) for d in dates) and _as_date(dates[1]) < _as_date(dates[0]):
        front.problems.append(Problem(front.key_lines["updated"],
                                      f"'updated' ({dates[1]}) is before 'date' ({dates[0]})"))


def _as_date(value: datetime.date) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# Page properties (a first block made only of ``key:: value`` lines) that mean the
# same as these front matter keys; lists are comma-separated, as Logseq writes them.
PAGE_PROPERTY_KEYS = ("deck", "tags", "alias", "public", "date", "updated", "toc", "mathjax")
_LIST_KEYS = {"tags", "alias"}
_BOOL_KEYS = {"public", "toc", "mathjax"}


def meta_from_page_properties(title: str, blocks: list) -> dict:
    """Front matter for a note written with Logseq page properties instead of YAML."""
    meta: dict = {"title": title}
    properties = page_properties(blocks)
    for key in PAGE_PROPERTY_KEYS:
        value = properties.get(key, "").strip()
        if not value:
            continue
        if key in _LIST_KEYS:
            meta[key] = links.split_names(value)
        elif key in _BOOL_KEYS:
            meta[key] = value.lower() == "true"
        else:
            meta[key] = value
    return meta
