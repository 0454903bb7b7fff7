"""A note becomes a page: the Markdown extension that renders Logseq's outline and syntax.
Stands on kb.notes and kb.cards."""
