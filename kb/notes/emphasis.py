"""Logseq's emphasis beyond Markdown's: ``==highlight==``, ``^^highlight^^`` and ``~~strike~~``.

As mldoc reads them (``md_em_parser``): the text between the marks neither starts nor
ends with a space, and stays on one line. A highlight is ``<mark>``, a strike-through
``<del>``; the text inside is rendered like the rest of the block (links, tags,
emphasis). Code spans and math are taken before these patterns run, so ``a == b`` in
code or ``x^^2`` in a formula stays as written.
"""

from __future__ import annotations

from markdown.inlinepatterns import SimpleTagInlineProcessor

# (name, pattern, tag): group 2 is the text, as SimpleTagInlineProcessor expects.
EMPHASIS = (
    ("logseq_highlight", r"(==)(?!=)(\S(?:[^\n]*?\S)?)==(?!=)", "mark"),
    ("logseq_highlight_caret", r"(\^\^)(?!\^)(\S(?:[^\n]*?\S)?)\^\^(?!\^)", "mark"),
    ("logseq_strike", r"(~~)(?!~)(\S(?:[^\n]*?\S)?)~~(?!~)", "del"),
)
PRIORITY = 65    # after Markdown's strong/em (60 is `*` / `_`), before links' text is split further


def register(md) -> None:
    """Add the three inline patterns to a Markdown instance."""
    for name, pattern, tag in EMPHASIS:
        md.inlinePatterns.register(SimpleTagInlineProcessor(pattern, tag), name, PRIORITY)
