"""Python-Markdown extension: Logseq-flavoured notes, rendered as they are written.

Which pages: the extension works on a page only when it is given the link graph
(``graph``) and the page is a note in it (``src_uri``, a Markdown file under
``docs/pages/``, see kb/notes/page_names.py). On every other page it registers nothing,
so ordinary Markdown pages render exactly as before. Under MkDocs the thin hook
kb/site/logseq_hooks.py passes both per page; used alone (golden tests, another site
generator) a caller passes them in the extension config.

What it does, in order:

1. ``LogseqOutlinePreprocessor`` (before snippets, fences and HTML blocks): parses
   the page body into blocks (kb/notes/outline.py), reports problems with ``file:line``
   (kb/logseq/note_checks.py), rewrites what Markdown does not know (``block_text``: the
   graph's own macros, kb/notes/graph_macros.py; ``#+BEGIN_QUOTE`` and the other Org-style
   blocks, kb/logseq/directives.py; task markers, priorities, planned dates and the
   logbook, kb/notes/tasks.py; numbered lists, kb/logseq/ordered_lists.py), protects math,
   runs ``{{query ..}}`` (kb/logseq/simple_queries.py), expands ``{{embed ..}}`` (kb/logseq/embeds.py),
   takes out footnote definitions
   (kb/logseq/footnotes.py: Python-Markdown's ``footnotes`` lists them after the outline), and
   writes the outline as nested
   ``<ul>/<li markdown="block">`` (kb/logseq/block_render.py) that md_in_html parses,
   card blocks folded, then the "Linked references" section (kb/notes/graph.py's backlinks).
2. Inline processors, after code spans and before Markdown links:
   ``{{macro}}`` (a flashcard cloze is hidden until clicked), ``[[Page]]`` / ``#[[tag]]``,
   ``#tag``, ``((block ref))`` (the block's first line, rendered), ``[label](((block ref)))``
   and bare URLs; ``==highlight==``, ``^^highlight^^`` and
   ``~~strike~~`` (kb/notes/emphasis.py). A link to a page that is not
   written yet becomes a marked ``<span>``, not a link.

Problems are logged as warnings on the ``mkdocs.extensions.kb.logseq`` logger
(a strict MkDocs build fails on them) and kept in ``md.logseq_problems`` for tests.
"""

from __future__ import annotations

import copy
import dataclasses
import html
import logging
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from markdown import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from kb.logseq import (asset_links, directives as logseq_directives, embeds, footnotes, hiccup,
                       ordered_lists, simple_queries, tables as logseq_tables)
from kb.cards.cloze import RE_HINT
from kb.cards.errata import by_target
from kb.cards.page_cards import PageCards, page_info, read_page_cards
from kb.logseq.block_render import RenderContext, block_markdown, render_outline, root_prefix
from kb.logseq.note_checks import check_blocks, check_indentation
from kb.notes import (emphasis as logseq_emphasis, graph_macros, links, macros, media_macros,
                      tasks as logseq_tasks)
from kb.notes.block_ref_text import RE_LABELLED_BLOCK_REF, ref_markdown
from kb.notes.graph import Graph, Note, deck_of
from kb.notes.outline import Block, parse_outline, walk

log = logging.getLogger("mkdocs.extensions.kb.logseq")

BACKLINKS_HEADING = "链接引用（Linked references）"
NOT_WRITTEN_YET = "还没有写（not written yet）"
# Priorities: code spans are 190, Markdown links 160, autolinks 120.
PRIORITY_MACRO = 185
PRIORITY_LABELLED_BLOCK_REF = 178   # before ((block ref)) takes the target apart, and before Markdown links
PRIORITY_PAGE_REF = 175
PRIORITY_TAG = 174
PRIORITY_BLOCK_REF = 173
PRIORITY_BARE_URL = 110
PRIORITY_PREPROCESSOR = 33  # before pymdownx.snippets (32): line numbers still match the file
# Python-Markdown's whitespace normaliser (30) deletes the STX/ETX of stash placeholders,
# so the outline holds its own tokens until just after it.
PRIORITY_UNSTASH = 29
RE_TOKEN = re.compile("\uE000(\\d+)\uE001")

RE_BARE_URL = re.compile(r"(?<![\w/\"'=(<])(?P<url>https?://[^\s<>()\[\]（）【】「」，。；：！？]+[^\s<>()\[\]（）【】「」，。；：！？.,;:!?'\"])")


class LogseqPage:
    """What the inline processors need to know about the page being rendered.

    ``cards_of(note)``: a note's cards (kb/cards/page_cards.py), which the site build makes once
    per note (kb/site/build_state.py); without it (the extension used on its own) they are made
    here, once per note, with the one PageInfo (kb/cards/page_cards.py).
    """

    def __init__(self, graph: Graph, note: Note, docs_dir: Path | None = None,
                 cards_of: Callable[[Note], PageCards] | None = None) -> None:
        self.graph = graph
        self.note = note
        self._cards_of = cards_of
        self._made: dict[str, PageCards] = {}
        self.docs_dir = docs_dir

    def cards_of(self, note: Note) -> PageCards:
        if self._cards_of is not None:
            return self._cards_of(note)
        if note.src_uri not in self._made:
            info = page_info(note, deck_of(note) or "", note.src_uri, self.docs_dir)
            self._made[note.src_uri] = read_page_cards(note, info)
        return self._made[note.src_uri]

    def href(self, target: Note, anchor: str = "") -> str:
        """A relative link to the target's Markdown source; MkDocs turns it into its URL."""
        relative = posixpath.relpath(target.src_uri, posixpath.dirname(self.note.src_uri))
        return quote(relative) + (f"#{anchor}" if anchor else "")


def page_link(page: LogseqPage, name: str, text: str, css: str) -> etree.Element:
    """A link to the page ``name``, or a marked, non-clickable name if it is not written yet."""
    target = page.graph.resolve(name)
    if target is None:
        element = etree.Element("span")
        element.set("class", f"{css} kb-link--missing")
        element.set("title", NOT_WRITTEN_YET)
        element.set("data-page", name)
    else:
        element = etree.Element("a")
        element.set("class", css)
        element.set("href", page.href(target))
        element.set("data-page", target.title)
    element.text = text
    return element


class PageInlineProcessor(InlineProcessor):
    """An inline processor of a Logseq reference on ``page``: never inside a link."""

    ANCESTOR_EXCLUDES = ("a",)

    def __init__(self, pattern: str, page: LogseqPage, md) -> None:
        super().__init__(pattern, md)
        self.page = page


class PageRefInlineProcessor(PageInlineProcessor):
    """``[[Page]]`` and ``#[[multi word tag]]``."""

    def __init__(self, page: LogseqPage, md) -> None:
        super().__init__(links.RE_PAGE_REF.pattern, page, md)

    def handleMatch(self, m, data):
        name = m.group("name").strip()
        if m.group("hash"):
            return page_link(self.page, name, f"#{name}", "kb-tag"), m.start(0), m.end(0)
        return page_link(self.page, name, name, "kb-link"), m.start(0), m.end(0)


class TagInlineProcessor(PageInlineProcessor):
    """``#tag``: a link to the tag's page."""

    def __init__(self, page: LogseqPage, md) -> None:
        super().__init__(links.RE_TAG.pattern, page, md)

    def handleMatch(self, m, data):
        name = m.group("name")
        return page_link(self.page, name, f"#{name}", "kb-tag"), m.start(0), m.end(0)


class BlockRefInlineProcessor(PageInlineProcessor):
    """``((block id))``: the referenced block's first line, rendered (kb/notes/block_ref_text.py), linking to it."""

    def __init__(self, page: LogseqPage, md) -> None:
        super().__init__(links.RE_BLOCK_REF.pattern, page, md)

    def handleMatch(self, m, data):
        block_id = m.group("id").lower()
        found = self.page.graph.block_ids.get(block_id)
        if found is None:  # reported by the graph with its line
            element = etree.Element("span")
            element.set("class", "kb-block-ref kb-link--missing")
            element.text = f"(({block_id}))"
            return element, m.start(0), m.end(0)
        note, block = found
        element = etree.Element("a")
        element.set("class", "kb-block-ref")
        element.set("href", self.page.href(note, f"block-{block_id}"))
        element.text = ref_markdown(block.content, note.math, self.md.htmlStash.store)
        return element, m.start(0), m.end(0)


class LabelledBlockRefInlineProcessor(PageInlineProcessor):
    """``[label](((block id)))``: a link to the block, showing the label."""

    def __init__(self, page: LogseqPage, md) -> None:
        super().__init__(RE_LABELLED_BLOCK_REF.pattern, page, md)

    def handleMatch(self, m, data):
        found = self.page.graph.block_ids.get(m.group("id").lower())
        if found is None:   # reported by the graph with its line
            element = etree.Element("span")
            element.set("class", "kb-block-ref kb-link--missing")
        else:
            element = etree.Element("a")
            element.set("class", "kb-block-ref")
            element.set("href", self.page.href(found[0], f"block-{m.group('id').lower()}"))
        element.text = m.group("label")
        return element, m.start(0), m.end(0)


class MacroInlineProcessor(InlineProcessor):
    """``{{c1 text}}`` / ``{{cloze text}}``: a cloze, hidden until clicked; ``{{video url}}`` and the
    other media macros a labelled link (kb/notes/media_macros.py); any other macro was reported.

    The cloze is a button (docs/assets/cards.js toggles it, by click, Enter or
    Space): ``[…]`` (or ``[hint]``) and a label for screen readers until it is
    revealed, then its answer.
    """

    def __init__(self, md) -> None:
        super().__init__(macros.RE_MACRO.pattern, md)

    def handleMatch(self, m, data):
        macro = macros.Macro(m.group("name"), (m.group("args") or "").strip(), m.start(0), m.end(0), m.group(0))
        element = etree.Element("span")
        if macro.known:
            hinted = RE_HINT.match(macro.args)
            answer, hint = ((hinted.group("answer").strip(), hinted.group("hint").strip()) if hinted
                            else (macro.args, ""))
            for key, value in [("class", "cloze"), ("data-cloze", str(macro.cloze_number)), ("role", "button"),
                               ("tabindex", "0"), ("aria-expanded", "false"), ("title", "点击显示答案")]:
                element.set(key, value)
            placeholder = etree.SubElement(element, "span", {"class": "cloze-placeholder", "aria-hidden": "true"})
            placeholder.text = f"[{hint}]" if hint else "[…]"
            label = etree.SubElement(element, "span", {"class": "cloze-label"})
            label.text = f"填空（提示：{hint}）" if hint else "填空"
            etree.SubElement(element, "span", {"class": "cloze-answer"}).text = answer
        elif media_macros.is_media(macro.name) and media_macros.media_url(macro.name, macro.args):
            element = etree.Element("a")
            element.set("class", media_macros.css_class(macro.name))
            element.set("href", media_macros.media_url(macro.name, macro.args))
            element.text = media_macros.link_text(macro.name, macro.args)
        elif macro.name in ("embed", "query"):
            # Where the outline did not expand it (a block shown in linked references): say what it is.
            element.set("class", f"kb-macro kb-macro--{macro.name}")
            shown = links.RE_PAGE_REF.sub(lambda ref: ref.group("name").strip(), macro.args)
            element.text = f"{'嵌入（embed）' if macro.name == 'embed' else '查询（query）'}：{shown}"
        else:
            # No raw braces on the page, even for a macro the build already rejected.
            element.set("class", "kb-macro kb-macro--unknown")
            element.text = " ".join(filter(None, [macro.name, macro.args]))
        return element, m.start(0), m.end(0)


class BareUrlInlineProcessor(InlineProcessor):
    """A bare ``https://..`` in a block is a link, as Logseq shows it."""

    ANCESTOR_EXCLUDES = ("a",)

    def __init__(self, md) -> None:
        super().__init__(RE_BARE_URL.pattern, md)

    def handleMatch(self, m, data):
        element = etree.Element("a")
        element.set("href", m.group("url"))
        element.text = m.group("url")
        return element, m.start(0), m.end(0)


class RawHtmlTokens:
    """Raw HTML set aside by the outline, as tokens that survive whitespace normalisation."""

    def __init__(self) -> None:
        self.html: list[str] = []

    def store(self, raw_html: str) -> str:
        self.html.append(raw_html)
        return f"\uE000{len(self.html) - 1}\uE001"


class UnstashPreprocessor(Preprocessor):
    """Swap the outline's tokens for Python-Markdown's own raw-HTML placeholders."""

    def __init__(self, md, tokens: RawHtmlTokens) -> None:
        super().__init__(md)
        self.tokens = tokens

    def run(self, lines: list[str]) -> list[str]:
        def swap(match: re.Match[str]) -> str:
            return self.md.htmlStash.store(self.tokens.html[int(match.group(1))])

        return [RE_TOKEN.sub(swap, line) for line in lines]


class LogseqOutlinePreprocessor(Preprocessor):
    """The page body as an outline of blocks, then its linked references."""

    def __init__(self, md, page: LogseqPage, first_line: int, docs_dir: Path | None,
                 tokens: RawHtmlTokens, source_path: str = "", default_deck: str | None = None,
                 custom_macros: dict[str, str] | None = None,
                 errata: list | None = None) -> None:
        super().__init__(md)
        self.page = page   # its cards_of gives each note's cards
        self.custom_macros = custom_macros or {}
        self.default_deck = default_deck
        self.errata = errata or []   # the note's errata, resolved (kb/cards/errata.py)
        self.source_path = source_path or page.note.src_uri
        self.first_line = first_line
        self.docs_dir = docs_dir
        self.tokens = tokens

    def run(self, lines: list[str]) -> list[str]:
        body = "\n".join(lines)
        note = self.page.note
        if body.strip() == note.front.body.strip():
            blocks = copy.deepcopy(note.blocks)   # the outline the graph read (rewritten here in place)
        else:
            blocks = parse_outline(body, self.first_line)   # a hook before this one changed the Markdown
        self.report(check_indentation(body, self.first_line))
        if self.docs_dir is not None:
            # On a page with cards, an unclosed cloze is the cards hook's to report (not a stray '{{').
            self.report(check_blocks(blocks, self.docs_dir, self.page.note.math,
                                     cards=deck_of(self.page.note, self.default_deck) is not None,
                                     graph_macros=self.custom_macros))
        self.prepare(blocks)
        definitions = footnotes.take_definitions(blocks)
        cards = self.page.cards_of(note)
        ctx = RenderContext(note.src_uri, self.tokens.store, note.math,
                            cards=cards.by_line, erratum_cards=cards.erratum_cards, root=root_prefix(cards.info.url),
                            docs_dir=self.docs_dir, errata=by_target(self.errata))
        simple_queries.expand(blocks, self.page.graph, self.page.note.math, self.tokens.store)
        # Embedded blocks render as blocks of their own file: not as cards of this page, and
        # this page's errata (by line) are not theirs.
        embeds.expand(blocks, self.page.graph, self.tokens.store, self.prepare,
                      lambda copies, src_uri: render_outline(
                          copies, dataclasses.replace(ctx, cards=None, errata=None, copied_from=src_uri)),
                      frozenset({embeds.page_key(self.page.note.title)}))
        out = header_lines(self.page.note) + render_outline(blocks, ctx) + footnotes.footnote_lines(definitions)
        out += backlinks_lines(self.page, self.tokens, self.docs_dir, self.custom_macros)
        # One string per line: later preprocessors (snippets, fences) work line by line.
        return "\n".join(out).split("\n")

    def prepare(self, blocks: list[Block]) -> None:
        """The blocks' text rewritten for Markdown (``block_text``), numbered lists numbered; in place."""
        for block in walk(blocks):
            block.content = block_text(block.content, self.custom_macros, self.page.note.math, self.tokens.store)
        ordered_lists.number_blocks(blocks, self.tokens.store)

    def report(self, problems) -> None:
        for problem in problems:
            message = f"{self.source_path}:{problem.line}: {problem.message}"
            self.md.logseq_problems.append(message)
            log.warning(message)


def block_text(content: str, custom_macros: dict[str, str], math: bool, stash) -> str:
    """A block's text with what Markdown does not know rewritten: the graph's macros expanded,
    Org-style ``#+BEGIN_..`` blocks, hiccup (kb/logseq/hiccup.py), a table under a text line (kb/logseq/tables.py), an embedded
    file that is not an image (a link, kb/logseq/asset_links.py), task markers, priorities, planned dates;
    the logbook dropped."""
    content = graph_macros.expand(content, custom_macros, math)
    content = logseq_tables.rewrite(hiccup.rewrite(logseq_directives.rewrite(content, stash), stash))
    return logseq_tasks.rewrite(asset_links.rewrite(content), stash)


def header_lines(note: Note) -> list[str]:
    """The page's full title, namespace included (the navigation shows only its last part).

    Its dates (``date``, ``updated``) are shown by kb/site/hooks.py with the page's other
    metadata, for every page alike.
    """
    return [f'<h1 class="kb-page-title">{html.escape(note.title)}</h1>', ""]


def backlinks_lines(page: LogseqPage, tokens: RawHtmlTokens, docs_dir: Path | None,
                    custom_macros: dict[str, str] | None = None) -> list[str]:
    """"Linked references": each page that links here, with the text of each linking block.

    A linking block that is a flashcard is shown as one, its answer folded as on its own page.
    """
    lines = ["", f"## {BACKLINKS_HEADING} {{: .kb-backlinks-heading }}", ""]
    found = page.graph.backlinks(page.note)
    root = root_prefix(page.cards_of(page.note).info.url)
    if not found:
        return lines + ['<p class="kb-backlinks kb-backlinks--empty">还没有页面链接到这里。</p>', ""]
    for source, blocks in found:
        ctx = RenderContext(page.note.src_uri, tokens.store, source.math, cards=page.cards_of(source).by_line,
                            root=root)
        lines += ['<section class="kb-backlinks" markdown="block">', "",
                  f'<p class="kb-backlinks__page" markdown="span">[[{source.title}]]</p>', "",
                  '<ul class="kb-outline" markdown="block">']
        for block in blocks:
            lines += [f'<li class="kb-backlink" data-source="{html.escape(source.src_uri)}" '
                      f'data-source-line="{block.line}" markdown="block">', "",
                      _without_children(block, ctx, custom_macros or {}), "", "</li>"]
        lines += ["</ul>", "", "</section>", ""]
    return lines


def _without_children(block: Block, ctx: RenderContext, custom_macros: dict[str, str]) -> str:
    content = block_text(block.content, custom_macros, ctx.math, ctx.stash)
    return block_markdown(Block(content, block.line, dict(block.properties), [],
                                content_lines=list(block.content_lines)), ctx)


class LogseqExtension(Extension):
    """Render Logseq notes; see the module docstring."""

    def __init__(self, **kwargs) -> None:
        self.config = {
            # Not None: Python-Markdown would read a None default as a boolean option.
            "graph": ["", "The link graph of all notes (kb.notes.graph.Graph); empty: do nothing"],
            "src_uri": ["", "The page's source path relative to docs/, e.g. 'pages/Batch Normalization.md'"],
            "first_line": [1, "Source line number of the Markdown text's first line (after front matter)"],
            "docs_dir": ["", "The docs directory, where /assets/ images are looked up; empty: no image check"],
            "source_path": ["", "The page's file as warnings name it (kb.site.source_paths), e.g. "
                                "'docs/pages/Batch Normalization.md'; empty: src_uri"],
            "default_deck": ["", "The deck of cards on a note that names none (kb/cards/default_deck.py); "
                                 "empty: such a note has no cards"],
            "macros": [{}, "The graph's own macros, name -> text (kb/notes/graph_macros.py)"],
            "errata": [[], "The note's errata (kb.cards.errata.Erratum), their targets resolved; "
                           "each shows in the block it corrects"],
            "cards": ["", "cards_of(note): a note's cards (kb.cards.page_cards.PageCards), made once per build "
                          "(kb/site/build_state.py); empty: made here"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md) -> None:
        md.logseq_problems = []
        graph: Graph | str = self.getConfig("graph")
        note = graph.note_at(self.getConfig("src_uri")) if isinstance(graph, Graph) else None
        if note is None:
            return  # not a Logseq note: an ordinary Markdown page
        md.registerExtensions(["md_in_html", "attr_list", "footnotes"],
                              {"footnotes": {"BACKLINK_TITLE": "回到正文中脚注 %d 的位置"}})
        docs_dir = Path(self.getConfig("docs_dir")) if self.getConfig("docs_dir") else None
        cards_of = self.getConfig("cards")
        page = LogseqPage(graph, note, docs_dir, cards_of if callable(cards_of) else None)
        tokens = RawHtmlTokens()
        md.preprocessors.register(
            LogseqOutlinePreprocessor(md, page, int(self.getConfig("first_line")), docs_dir, tokens,
                                      self.getConfig("source_path"), self.getConfig("default_deck") or None,
                                      dict(self.getConfig("macros") or {}),
                                      list(self.getConfig("errata") or [])),
            "logseq_outline", PRIORITY_PREPROCESSOR)
        md.preprocessors.register(UnstashPreprocessor(md, tokens), "logseq_unstash", PRIORITY_UNSTASH)
        md.inlinePatterns.register(MacroInlineProcessor(md), "logseq_macro", PRIORITY_MACRO)
        md.inlinePatterns.register(PageRefInlineProcessor(page, md), "logseq_page_ref", PRIORITY_PAGE_REF)
        md.inlinePatterns.register(TagInlineProcessor(page, md), "logseq_tag", PRIORITY_TAG)
        md.inlinePatterns.register(BlockRefInlineProcessor(page, md), "logseq_block_ref", PRIORITY_BLOCK_REF)
        md.inlinePatterns.register(LabelledBlockRefInlineProcessor(page, md), "logseq_labelled_block_ref",
                                   PRIORITY_LABELLED_BLOCK_REF)
        md.inlinePatterns.register(BareUrlInlineProcessor(md), "logseq_bare_url", PRIORITY_BARE_URL)
        logseq_emphasis.register(md)


def makeExtension(**kwargs) -> LogseqExtension:  # noqa: N802 - Python-Markdown's entry point
    return LogseqExtension(**kwargs)
