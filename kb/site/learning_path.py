"""The learning path: every note page in teaching order, from one list.

The list is ``learning-path.yml`` beside ``mkdocs.yml`` (its header says how to add
a page). It orders the navigation's 笔记 section (kb/site/navigation.py), the 学习路径
on the home page, the 上一篇 / 下一篇 links at the end of each note, and the order
in which the review page serves new cards (kb/site/cards_hooks.py follows the navigation).

Pure functions: ``read`` parses the list, ``problems`` checks it against the notes
(every public note listed exactly once, every entry a note), ``home_markdown`` and
``neighbours_html`` write what the pages show. A site without the file (the tests'
small sites) has no path, and its notes keep their namespace order.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path

import yaml

PATH_FILE = "learning-path.yml"          # beside mkdocs.yml
HOME_MARKER = "<!-- kb:learning-path -->"  # where the home page shows the path


class LearningPathError(ValueError):
    """The list cannot be read; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class Topic:
    name: str                  # a topic of the page, in a few words
    pages: tuple[str, ...]     # the pages that teach it in depth (titles)
    line: int


@dataclass(frozen=True)
class Step:
    title: str        # the note's title, as a [[link]] would name it
    teaches: str      # one line: what the page teaches
    line: int
    topics: tuple[Topic, ...] = ()   # a hub page: where each of its topics is taught
    hub: str = "这篇笔记的主题在哪里详细讲"   # the heading over the topics


@dataclass(frozen=True)
class Stage:
    name: str
    steps: tuple[Step, ...]
    line: int


@dataclass(frozen=True)
class LearningPath:
    source: str                 # the file, as warnings name it
    stages: tuple[Stage, ...]

    @property
    def steps(self) -> list[Step]:
        return [step for stage in self.stages for step in stage.steps]


def path_file(config_file_path: str | Path) -> Path:
    return Path(config_file_path).resolve().parent / PATH_FILE


def _text(node: yaml.Node, source: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise LearningPathError(f"{source}:{node.start_mark.line + 1}: {what} must be non-empty text")
    return str(node.value).strip()


def _mapping(node: yaml.Node, source: str, keys: tuple[str, ...], what: str,
             optional: tuple[str, ...] = ()) -> dict[str, yaml.Node]:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise LearningPathError(f"{source}:{line}: {what} must be a mapping with keys {', '.join(keys)}")
    found = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name not in keys + optional:
            raise LearningPathError(f"{source}:{key.start_mark.line + 1}: unknown key {name!r} in {what} "
                                    f"(expected {', '.join(keys + optional)})")
        found[name] = value
    for name in keys:
        if name not in found:
            raise LearningPathError(f"{source}:{line}: {what} has no {name!r}")
    return found


def _list(node: yaml.Node, source: str, what: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise LearningPathError(f"{source}:{node.start_mark.line + 1}: {what} must be a non-empty list")
    return node.value


def _topics(node: yaml.Node | None, source: str) -> tuple[Topic, ...]:
    if node is None:
        return ()
    topics = []
    for topic_node in _list(node, source, "topics"):
        topic = _mapping(topic_node, source, ("topic", "pages"), "a topic")
        pages = tuple(_text(page, source, "a topic's page") for page in _list(topic["pages"], source, "a topic's pages"))
        topics.append(Topic(_text(topic["topic"], source, "topic"), pages, topic_node.start_mark.line + 1))
    return tuple(topics)


def parse(text: str, source: str) -> LearningPath:
    """The path written in ``text`` (the contents of ``source``)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise LearningPathError(f"{source}:{line}: not valid YAML: {getattr(err, 'problem', err)}") from None
    if not isinstance(root, yaml.SequenceNode) or not root.value:
        line = root.start_mark.line + 1 if root is not None else 1
        raise LearningPathError(f"{source}:{line}: the path must be a list of stages")
    stages = []
    for stage_node in root.value:
        stage = _mapping(stage_node, source, ("stage", "pages"), "a stage")
        steps = []
        for step_node in _list(stage["pages"], source, "a stage's pages"):
            step = _mapping(step_node, source, ("page", "teaches"), "a page entry", optional=("topics", "hub"))
            extra = {"hub": _text(step["hub"], source, "hub")} if "hub" in step else {}
            steps.append(Step(_text(step["page"], source, "page"), _text(step["teaches"], source, "teaches"),
                              step_node.start_mark.line + 1, _topics(step.get("topics"), source), **extra))
        stages.append(Stage(_text(stage["stage"], source, "stage"), tuple(steps), stage_node.start_mark.line + 1))
    return LearningPath(source, tuple(stages))


def read(path: Path, source: str) -> LearningPath | None:
    """The path in ``path`` (named ``source`` in messages), or None when there is no such file."""
    if not path.is_file():
        return None
    return _parsed(path.read_text(encoding="utf-8"), source)


@functools.lru_cache(maxsize=2)
def _parsed(text: str, source: str) -> LearningPath:
    """``parse``, once for the same text: ``mkdocs serve`` reads the path on every save (the path is
    immutable: tuples of frozen records)."""
    return parse(text, source)


def problems(path: LearningPath, resolve, notes: list[tuple[str, str]]) -> list[str]:
    """What is wrong with ``path`` for these notes, one message each with file:line.

    ``resolve(name)`` gives the src_uri of the note a name means (title or alias,
    as a ``[[link]]``), or None; ``notes`` are the public notes' ``(src_uri, title)``.
    """
    found, seen = [], {}
    for step in path.steps:
        src_uri = resolve(step.title)
        if src_uri is None:
            found.append(f"{path.source}:{step.line}: no note is titled {step.title!r}")
        elif src_uri in seen:
            found.append(f"{path.source}:{step.line}: {step.title!r} is already on the path "
                         f"(line {seen[src_uri]})")
        else:
            seen[src_uri] = step.line
        for topic in step.topics:
            found += [f"{path.source}:{topic.line}: topic {topic.name!r}: no note is titled {page!r}"
                      for page in topic.pages if resolve(page) is None]
    for src_uri, title in notes:
        if src_uri not in seen:
            found.append(f"{path.source}:{path.stages[-1].line}: the note {title!r} ({src_uri}) is not on the "
                         f"learning path: add it where it belongs in the teaching order")
    return found


def home_markdown(path: LearningPath, link) -> str:
    """The home page's 学习路径: the stages, each an ordered list of its pages with one line each.

    ``link(title)`` gives the page's URL relative to the home page (None: no such
    page, shown unlinked; ``problems`` reports it). Numbers run on
    across stages, so a learner can say "page 7".
    """
    parts, number = [], 1
    for stage in path.stages:
        parts.append(f'<h3 class="kb-path__stage">{html.escape(stage.name)}</h3>')
        items = []
        for step in stage.steps:
            url = link(step.title)
            name = (f'<a href="{html.escape(url)}">{html.escape(step.title)}</a>' if url is not None
                    else html.escape(step.title))
            items.append(f'<li>{name}<span class="kb-path__teaches">：{html.escape(step.teaches)}</span></li>')
        parts.append(f'<ol class="kb-path" start="{number}">' + "".join(items) + "</ol>")
        number += len(stage.steps)
    return '<div class="kb-path-list" markdown="0">\n' + "\n".join(parts) + "\n</div>"


def hub_html(step: Step, link) -> str:
    """Where each topic of a hub page is taught in depth; ``link`` as for ``home_markdown``."""
    if not step.topics:
        return ""
    rows = []
    for topic in step.topics:
        pages = []
        for title in topic.pages:
            url = link(title)
            pages.append(f'<a href="{html.escape(url)}">{html.escape(title)}</a>' if url is not None
                         else html.escape(title))
        rows.append(f"<li><strong>{html.escape(topic.name)}</strong>：{'、'.join(pages)}</li>")
    return ('<section class="kb-hub" aria-labelledby="kb-hub-title">'
            f'<h2 id="kb-hub-title">{html.escape(step.hub)}</h2>'
            '<p>下面是原笔记，文字与导入时一致；它的每个主题都有一页详细讲解：</p>'
            f'<ul>{"".join(rows)}</ul></section>')


def neighbours_html(previous: tuple[str, str] | None, following: tuple[str, str] | None) -> str:
    """上一篇 / 下一篇 along the path; each neighbour is ``(title, relative URL)``."""
    links = []
    if previous:
        links.append(f'<a class="kb-path-nav__prev" href="{html.escape(previous[1])}" rel="prev">'
                     f'<span class="kb-path-nav__label">上一篇</span> {html.escape(previous[0])}</a>')
    if following:
        links.append(f'<a class="kb-path-nav__next" href="{html.escape(following[1])}" rel="next">'
                     f'<span class="kb-path-nav__label">下一篇</span> {html.escape(following[0])}</a>')
    if not links:
        return ""
    return '<nav class="kb-path-nav" aria-label="学习路径">' + "".join(links) + "</nav>"
