"""What can be wrong inside a note's blocks, each problem with its source line.

Checked before rendering so a mistake fails the strict build with ``file:line``
instead of showing up as raw braces, a broken image or half-rendered TeX:

* a macro other than the flashcard clozes, ``{{embed [[page]]}}`` / ``{{embed ((id))}}``
  (kb/logseq/embeds.py; one without such a target is reported), the media links
  (kb/notes/media_macros.py; one without a link is reported) and the graph's own macros (kb/notes/graph_macros.py), or stray
  ``{{`` / ``}}``;
* an image under ``/assets/`` with no file in ``docs/assets/``, or one from another
  host not written as an http(s) URL (an http(s) image is shown as a link to
  it, kb/logseq/block_render.py: pages load nothing from the network);
* an unclosed ``$$`` or ``[[``;
* a bullet indented by an odd number of spaces (the notes indent two a level).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from kb.logseq import embeds
from kb.notes import media_macros
from kb.logseq.block_render import asset_path
from kb.notes import links
from kb.notes import macros
from kb.notes.code_regions import mask_code
from kb.notes.dollar_math import mask_math, unclosed_display
from kb.notes.frontmatter import Problem
from kb.notes.graph import block_line
from kb.notes.outline import Block, walk

# The path may hold spaces (a Logseq file name); a "title" after it is not part of it.
RE_ANY_IMAGE = re.compile(r'!\[[^\]\n]*\]\((?P<path>[^)\s]+(?:[ \t]+[^)\s"]+)*)')
RE_ODD_BULLET = re.compile(r"^(?P<indent>(?:  )* )[-+*](?: |$)", re.MULTILINE)


def check_blocks(blocks: list[Block], docs_dir: Path, math: bool = True, cards: bool = False,
                 graph_macros: Collection[str] = ()) -> list[Problem]:
    """The problems of every block. ``cards``: the page's cards are checked too (it names a
    deck), so an unclosed cloze is left to that check (kb.cards.cloze), which names it as such.
    ``graph_macros``: the names of the graph's own macros (known, as the clozes are)."""
    problems = []
    for block in walk(blocks):
        problems += check_block(block, docs_dir, math, cards, graph_macros)
    return sorted(problems, key=lambda p: p.line)


def check_block(block: Block, docs_dir: Path, math: bool = True, cards: bool = False,
                graph_macros: Collection[str] = ()) -> list[Problem]:
    text = mask_math(block.content) if math else block.content
    problems = []
    for macro in macros.find_macros(text):
        if media_macros.is_media(macro.name) and macro.name not in graph_macros:
            if media_macros.media_url(macro.name, macro.args) is None:
                problems.append(Problem(block_line(block, macro.start),
                                        f"{{{{{macro.name}}}}} needs a link (https://...) to what it shows: "
                                        f"got '{macro.args}'"))
            continue
        if macro.name == "query" and macro.name not in graph_macros:
            continue     # run, or shown folded when the site cannot run it (kb/logseq/simple_queries.py)
        if macro.name == "embed" and macro.name not in graph_macros:
            if not embeds.is_embed(macro.name, macro.args):
                problems.append(Problem(block_line(block, macro.start),
                                        f"{{{{embed}}}} needs one [[page]] or ((block id)) to show: got '{macro.args}'"))
            continue
        if not macro.known and macro.name not in graph_macros:
            shown = "{{" + " ".join(filter(None, [macro.name, macro.args])) + "}}"
            problems.append(Problem(block_line(block, macro.start),
                                    f"unknown macro {shown}: only the flashcard clozes "
                                    "{{c1 ...}}..{{c9 ...}}, {{cloze ...}}, {{embed ...}}, {{query ...}}, "
                                    "the media links ({{video ...}}, {{youtube ...}}, {{tweet ...}}, ...) "
                                    "and the graph's :macros "
                                    "(imported into docs/.kb-macros.json) are known"))
    for offset in macros.stray_braces(text):
        if cards and macros.RE_CLOZE_OPEN.match(text, offset):
            continue   # an unclosed cloze: the cards check reports it ("unclosed cloze ...")
        problems.append(Problem(block_line(block, offset),
                                "stray '{{' or '}}' that is not a macro (write it inside `code`)"))
    for match in RE_ANY_IMAGE.finditer(mask_code(text)):
        problems += _check_image(block, match, docs_dir)
    if math:
        for offset in unclosed_display(block.content):
            problems.append(Problem(block_line(block, offset), "unclosed display math: '$$' without its closing '$$'"))
    for match in links.RE_UNCLOSED_PAGE_REF.finditer(mask_code(text)):
        problems.append(Problem(block_line(block, match.start()), "unclosed page link: '[[' without ']]'"))
    return problems


def _check_image(block: Block, match: re.Match[str], docs_dir: Path) -> list[Problem]:
    path = match.group("path")
    line = block_line(block, match.start())
    if re.match(r"^https?://", path, re.IGNORECASE):
        return []      # shown as a link to it (kb/logseq/block_render.py)
    if re.match(r"^(?:[a-z]+:)?//", path, re.IGNORECASE):
        return [Problem(line, f"image from another host: {path} (pages load nothing from the network: "
                              "save it under docs/assets/)")]
    if path.startswith(("/assets/", "../assets/")):
        relative = asset_path(path)
        if not (docs_dir / relative).is_file():
            return [Problem(line, f"image not found: {path} (no file docs/{relative})")]
    return []


def check_indentation(body: str, first_line: int = 1) -> list[Problem]:
    """Bullets indented by an odd number of spaces: the nesting they meant is a guess."""
    return [
        Problem(first_line + body.count("\n", 0, match.start()),
                f"bullet indented by {len(match.group('indent'))} spaces: indent two spaces a level")
        for match in RE_ODD_BULLET.finditer(mask_code(body))
    ]
