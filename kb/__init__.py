"""Site machinery of the normalization knowledge base (Logseq syntax, math, cards)."""
