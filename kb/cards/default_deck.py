"""The deck of the cards on a note that names no deck (no ``deck::`` / front matter ``deck``).

Logseq's own flashcards need no deck, so a graph may have ``#card`` blocks on pages
without one; they go to this deck (on the review page and in the Anki package)
instead of being lost. It is ``Default`` (the deck logseq-anki-sync uses), or what
mkdocs.yml sets (kb/notes/site_settings.py)::

    extra:
      kb:
        default_deck: Inbox
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kb.notes.site_settings import configured_extra, kb_settings

DEFAULT_DECK = "Default"


def default_deck(extra: Mapping | None) -> str:
    """The default deck set under ``extra: kb: default_deck`` of mkdocs.yml, else :data:`DEFAULT_DECK`."""
    deck = kb_settings(extra).get("default_deck")
    return deck.strip() if isinstance(deck, str) and deck.strip() else DEFAULT_DECK


def configured_default_deck(config_file: Path) -> str:
    """The default deck of a site's mkdocs.yml."""
    return default_deck(configured_extra(config_file))
