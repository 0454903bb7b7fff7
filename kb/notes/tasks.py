"""Logseq's tasks: a marker at the start of a block, priorities, planned dates and the logbook.

As mldoc reads a block's first line (``heading0.ml``): a marker (``TODO``, ``DOING``,
``DONE``, ``NOW``, ``LATER``, ``WAITING``/``WAIT``, ``IN-PROGRESS``, ``STARTED``,
``CANCELED``/``CANCELLED``) then text; ``[#A]``, ``[#B]``, ``[#C]`` is a priority, not
a tag; a line ``SCHEDULED: <2024-10-05 Sat>`` or ``DEADLINE: <..>`` plans the task;
``:LOGBOOK:`` .. ``:END:`` holds the clock entries Logseq records, which it does not
show and neither does the site (a logbook holding anything but ``CLOCK:`` lines, or left
without its ``:END:``, stays as written: it would hide text).

Shown: the marker as a label (``kb-task--done`` etc., styled in docs/assets/logseq.css),
the first line of a done or canceled task struck through (``<del>``), a priority as a
label, a planned date as ``<time>``. The raw HTML is stashed (``stash`` returns a
placeholder), so Markdown and the inline processors leave it alone.
"""

from __future__ import annotations

import html
import re
from typing import Callable

from kb.notes.code_regions import map_prose
from kb.notes.dollar_math import find_math

MARKERS = ("TODO", "DOING", "DONE", "NOW", "LATER", "WAITING", "WAIT", "IN-PROGRESS", "STARTED",
           "CANCELED", "CANCELLED")
STRUCK = {"DONE", "CANCELED", "CANCELLED"}
MARKER_TITLES = {"TODO": "待办", "DOING": "进行中", "DONE": "已完成", "NOW": "现在做", "LATER": "以后做",
                 "WAITING": "等待中", "WAIT": "等待中", "IN-PROGRESS": "进行中", "STARTED": "进行中",
                 "CANCELED": "已取消", "CANCELLED": "已取消"}
RE_MARKER = re.compile(r"\A(?P<marker>" + "|".join(re.escape(m) for m in MARKERS) + r")(?=[ \t]|\n|\Z)[ \t]*")
RE_PRIORITY = re.compile(r"\[#(?P<level>[ABC])\]")
RE_PLANNED = re.compile(r"(?P<kind>SCHEDULED|DEADLINE):[ \t]*<(?P<date>\d{4}-\d{2}-\d{2})(?P<rest>[^>\n]*)>")
RE_PLANNING_LINE = re.compile(r"^[ \t]*(?:(?:SCHEDULED|DEADLINE):[ \t]*<[^>\n]*>[ \t]*)+$", re.MULTILINE)
# Only clock entries (and blank lines) inside: a logbook left open hides nothing after it.
RE_LOGBOOK = re.compile(r"^[ \t]*:LOGBOOK:[ \t]*\n(?:[ \t]*(?:CLOCK:.*)?\n)*?[ \t]*:END:[ \t]*(?:\n|\Z)",
                        re.MULTILINE)
PLANNED_LABELS = {"SCHEDULED": "计划（Scheduled）", "DEADLINE": "截止（Deadline）"}


def _marker(text: str, stash: Callable[[str], str]) -> str:
    match = RE_MARKER.match(text)
    if match is None:
        return text
    marker = match.group("marker")
    label = stash(f'<span class="kb-task kb-task--{marker.lower()}" title="任务：{MARKER_TITLES[marker]}'
                  f'（{marker}）">{marker}</span>')
    rest = text[match.end():]
    if marker in STRUCK:
        first, newline, others = rest.partition("\n")
        if first.strip():
            # Spaces keep the tokens apart from the text: "#tag" at either end stays a tag (and "#card" a card).
            opening, closing = stash('<del class="kb-task__text">'), stash("</del>")
            rest = f"{opening} {first} {closing}{newline}{others}"
    return f"{label} {rest}"


def _priority(prose: str, stash: Callable[[str], str]) -> str:
    formulas = [(item.start, item.end) for item in find_math(prose)]

    def one(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in formulas):
            return match.group(0)       # TeX, e.g. $[#A]$
        level = match.group("level")
        return stash(f'<span class="kb-priority kb-priority--{level.lower()}" title="优先级（priority）{level}">'
                     f'{level}</span>')

    return RE_PRIORITY.sub(one, prose)


def _planned(prose: str, stash: Callable[[str], str]) -> str:
    def one(match: re.Match[str]) -> str:
        kind, date, rest = match.group("kind"), match.group("date"), match.group("rest").strip()
        shown = html.escape(" ".join(filter(None, [date, rest])))
        return stash(f'<span class="kb-planned kb-planned--{kind.lower()}">{PLANNED_LABELS[kind]} '
                     f'<time datetime="{date}">{shown}</time></span>')

    return RE_PLANNING_LINE.sub(lambda line: RE_PLANNED.sub(one, line.group(0)).strip(), prose)


def rewrite(text: str, stash: Callable[[str], str]) -> str:
    """A block's text with its task marker, priorities and planned dates shown, its logbook gone."""
    text = map_prose(text, lambda prose: RE_LOGBOOK.sub("", prose))
    text = map_prose(text, lambda prose: _planned(_priority(prose, stash), stash))
    return _marker(text, stash).rstrip("\n")
