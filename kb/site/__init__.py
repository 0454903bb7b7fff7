"""The MkDocs build: hooks, navigation, KaTeX, page metadata, the learning path, the theme.
Stands on kb.logseq, kb.cards, kb.notes and kb.notebooks."""
