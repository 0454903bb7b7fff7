"""HTML of flashcards: a block's Markdown with its clozes, math, page links and tags.

Pure functions, no MkDocs. One note (a block that makes cards) is rendered once
into *note HTML*, where each cloze is a ``<kb-cloze data-cloze="N">`` element and
each formula an arithmatex placeholder (``<span class="arithmatex">\\(..\\)</span>``),
exactly what ``kb.site.katex.render_arithmatex`` renders. From the note HTML:

* :func:`card_side` gives the front or back of card N for the review page
  (cloze N hidden or revealed, the others shown);
* :func:`anki_text` gives the Anki field: ``{{cN::..::hint}}`` clozes and TeX
  in ``\\( \\)`` / ``\\[ \\]``, with ``} }`` for ``}}`` inside a cloze (Anki
  would end the cloze there).

The note pages show the same blocks through their own Markdown pass
(kb/logseq/block_render.py, kb/logseq/extension.py); a Logseq note's block text is first rewritten as its
page rewrites it (``rewrite``, kb/cards/text.py), and Logseq's ``==highlight==`` /
``~~strike~~`` are this Markdown's too. ``docs/assets/cards.css`` styles both. The
syntax is read by the page's own readers, so a card finds code, math, page links and
tags exactly where its page does: kb/notes/code_regions.py, kb/notes/dollar_math.py,
kb/notes/links.py (``[[page]]``, ``#tag``, ``#[[tag]]``) and, for the clozes,
kb/cards/cloze.py over kb/notes/macros.py.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import markdown

from kb.cards import cloze as cloze_syntax
from kb.notes import emphasis as logseq_emphasis
from kb.notes import links, media_macros, remote_images
from kb.notes.code_regions import Region, code_regions
from kb.notes.dollar_math import Math, find_math, mask_math
from kb.notes.macros import find_macros

# Markers that survive Markdown untouched: private-use characters around an index.
_OPEN, _CLOSE = "\ue000", "\ue001"
RE_TOKEN = re.compile(_OPEN + r"(?P<kind>[MCERTHIV])(?P<index>\d*)" + _CLOSE)
# Tags that are flashcard syntax, not topics: removed from what the card shows.
CARD_SYNTAX_TAGS = frozenset({"card", "flashcard", "incremental", "reversed", "forward", "bidirectional"})
RE_KB_CLOZE = re.compile(r'<kb-cloze data-cloze="(?P<n>\d+)"(?: data-hint="(?P<hint>[^"]*)")?>(?P<body>.*?)</kb-cloze>',
                         re.DOTALL)
RE_ARITHMATEX_PLACEHOLDER = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?P<tex>\\\(.*?\\\)|\\\[.*?\\\])</(?P=tag)>', re.DOTALL)
RE_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")(?P<src>[^"]*)(")')

# Resolves an image link of the notes to the URL the HTML should use.
ImageResolver = Callable[[str], str]
# Rewrites a block's text before it is read, as its page does (kb/cards/text.py): given the text
# and a stash (raw HTML in, a placeholder out), returns the text to render.
TextRewrite = Callable[[str, Callable[[str], str]], str]

_md = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists", "nl2br"])
logseq_emphasis.register(_md)   # ==highlight==, ^^highlight^^, ~~strike~~ as on the note pages


def _references(text: str) -> list[links.Reference]:
    """The page links and tags of a block's text, outside code and math, as its page reads them."""
    return [ref for ref in links.find_references(mask_math(text)) if ref.kind in ("page", "tag")]


def tags_of(text: str) -> list[str]:
    """The ``#tags`` of a block's text outside code and math, in order, without duplicates."""
    return list(dict.fromkeys(ref.target for ref in _references(text) if ref.kind == "tag"))


def render_markdown(text: str, *, source: str = "<text>", first_line: int = 1,
                    clozes: bool = True, images: ImageResolver | None = None,
                    inline: bool = False, rewrite: TextRewrite | None = None, math: bool = True) -> str:
    """Render a block's text to note HTML.

    ``clozes=False`` shows each cloze's answer as plain text (a ``#card`` child
    carries its own cloze note; inside another card it is just text).
    ``inline=True`` drops the paragraph around a one-paragraph result.
    ``rewrite`` rewrites the text first (a Logseq note's tasks, macros, block references).
    ``math=False``: the page turns math off (``mathjax: false``), so dollars are literal here too.
    """
    raw_html: list[str] = []
    if rewrite is not None:
        def stash(fragment: str) -> str:
            raw_html.append(fragment)
            return f"{_OPEN}H{len(raw_html) - 1}{_CLOSE}"

        text = rewrite(text, stash)
    code = code_regions(text)
    math = find_math(text) if math else []
    found = cloze_syntax.find_clozes(text, source, first_line)

    # Events by position: (start, end, replacement token). Math and page refs and
    # tags are read outside code; a cloze's hint is dropped from the body.
    maths: list[Math] = []
    refs: list[str] = []
    cloze_marks: list[cloze_syntax.Cloze] = []
    events: list[tuple[int, int, str]] = []
    for region in math:
        events.append((region.start, region.end, f"{_OPEN}M{len(maths)}{_CLOSE}"))
        maths.append(region)
    for item in found:
        events.append((item.start, item.body_start, f"{_OPEN}C{len(cloze_marks)}{_CLOSE}" if clozes else ""))
        events.append((item.answer_end, item.end, f"{_OPEN}E{_CLOSE}" if clozes else ""))
        cloze_marks.append(item)
    busy = [Region(s, e) for s, e, _ in events] + list(code)
    tag_names: list[str] = []
    for ref in _references(text):
        if any(ref.start in r for r in busy):
            continue
        if ref.kind == "page":
            events.append((ref.start, ref.end, f"{_OPEN}R{len(refs)}{_CLOSE}"))
            refs.append(ref.target)
        elif ref.target.lower() in CARD_SYNTAX_TAGS:
            events.append((ref.start, ref.end, ""))
        else:
            events.append((ref.start, ref.end, f"{_OPEN}T{len(tag_names)}{_CLOSE}"))
            tag_names.append(ref.target)
    busy = [Region(s, e) for s, e, _ in events] + list(code)
    media: list[str] = []                 # {{video url}} ..: a labelled link, as on the page
    for macro in find_macros(mask_math(text) if maths else text):
        link = media_macros.link_html(macro.name, macro.args)
        if link is not None and not any(macro.start in r for r in busy):
            events.append((macro.start, macro.end, f"{_OPEN}V{len(media)}{_CLOSE}"))
            media.append(link)
    busy = [Region(s, e) for s, e, _ in events] + list(code)
    remote: list[re.Match[str]] = []      # an image from another host: a link to it
    for match in remote_images.RE_REMOTE_IMAGE.finditer(text):
        if not any(match.start() in r for r in busy):
            events.append((match.start(), match.end(), f"{_OPEN}I{len(remote)}{_CLOSE}"))
            remote.append(match)

    pieces, pos = [], 0
    for start, end, token in sorted(events):
        pieces.append(text[pos:start])
        pieces.append(token)
        pos = end
    pieces.append(text[pos:])
    protected = "".join(pieces).strip()

    _md.reset()
    out = _md.convert(protected)
    # A formula alone in its paragraph is display math on a line of its own.
    out = re.sub(rf"<p>({_OPEN}M\d+{_CLOSE})</p>", r"\1", out)

    def replace(match: re.Match[str]) -> str:
        kind, index = match.group("kind"), match.group("index")
        if kind == "M":
            return maths[int(index)].placeholder()
        if kind == "C":
            item = cloze_marks[int(index)]
            hint = f' data-hint="{html.escape(item.hint)}"' if item.hint else ""
            return f'<kb-cloze data-cloze="{item.ordinal}"{hint}>'
        if kind == "E":
            return "</kb-cloze>"
        if kind == "H":
            return raw_html[int(index)]
        if kind == "I":
            return remote_images.link_html(remote[int(index)])
        if kind == "V":
            return media[int(index)]
        if kind == "R":
            return f'<span class="page-ref">{html.escape(refs[int(index)])}</span>'
        return f'<span class="tag">#{html.escape(tag_names[int(index)])}</span>'

    out = RE_TOKEN.sub(replace, out)
    if images is not None:
        out = RE_IMG_SRC.sub(lambda m: m.group(1) + html.escape(images(html.unescape(m.group("src")))) + m.group(3),
                             out)
    if inline:
        single = re.fullmatch(r"<p>(.*)</p>", out.strip(), re.DOTALL)
        if single and "<p>" not in single.group(1):
            out = single.group(1)
    return out.strip()


def wrap_cloze(ordinal: int, body_html: str, hint: str | None = None) -> str:
    """Note HTML for a cloze whose body is already rendered (arrow and ``#card`` answers)."""
    hint_attr = f' data-hint="{html.escape(hint)}"' if hint else ""
    return f'<kb-cloze data-cloze="{ordinal}"{hint_attr}>{body_html}</kb-cloze>'


def ordinals(note_html: str) -> list[int]:
    return sorted({int(m.group("n")) for m in RE_KB_CLOZE.finditer(note_html)})


# --- the review page's markup --------------------------------------------------------


def cloze_span(ordinal: int, body_html: str, hint: str | None = None, *, state: str) -> str:
    """A cloze on the review page: ``asked`` (the front: the one cloze being asked) or ``answer`` (the back)."""
    placeholder = f"[{html.escape(hint)}]" if hint else "[…]"
    hint_attr = f' data-hint="{html.escape(hint)}"' if hint else ""
    if state == "asked":
        return f'<span class="cloze is-asked" data-cloze="{ordinal}"{hint_attr}>{placeholder}</span>'
    return f'<span class="cloze is-answer" data-cloze="{ordinal}"{hint_attr}>{body_html}</span>'


def card_side(note_html: str, ordinal: int, side: str) -> str:
    """Front (``side="front"``) or back of card ``ordinal`` of a cloze-style note."""
    def replace(match: re.Match[str]) -> str:
        if int(match.group("n")) != ordinal:
            return match.group("body")
        return cloze_span(ordinal, match.group("body"), _hint(match),
                          state="asked" if side == "front" else "answer")

    return RE_KB_CLOZE.sub(replace, note_html)


def _hint(match: re.Match[str]) -> str | None:
    return html.unescape(match.group("hint")) if match.group("hint") else None


# --- Anki ------------------------------------------------------------------------------


def anki_text(note_html: str) -> str:
    """The Anki field of a note: ``{{cN::..}}`` clozes, TeX between ``\\( \\)`` / ``\\[ \\]``."""
    def tex(fragment: str, in_cloze: bool) -> str:
        def one(match: re.Match[str]) -> str:
            source = match.group("tex")
            if in_cloze:
                # "}}" would close the cloze in Anki; "} }" means the same to TeX.
                while "}}" in source:
                    source = source.replace("}}", "} }")
            return source

        return RE_ARITHMATEX_PLACEHOLDER.sub(one, fragment)

    out, pos = [], 0
    for match in RE_KB_CLOZE.finditer(note_html):
        out.append(tex(note_html[pos:match.start()], False))
        body = tex(match.group("body"), True)
        hint = f"::{_hint(match)}" if match.group("hint") else ""
        out.append(f"{{{{c{match.group('n')}::{body}{hint}}}}}")
        pos = match.end()
    out.append(tex(note_html[pos:], False))
    return "".join(out)


def tex_sources(note_html: str) -> list[str]:
    """The TeX of every formula in the note, as written (unescaped)."""
    return [html.unescape(m.group("tex")[2:-2]).strip() for m in RE_ARITHMATEX_PLACEHOLDER.finditer(note_html)]
