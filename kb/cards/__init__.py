"""Flashcards of the notes: extract (clozes, ``:->``, ``#card``, image occlusion), render, the
errata that correct them, the Anki package. Stands on kb.notes."""
