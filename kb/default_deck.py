"""The deck of the cards on a note that names no deck (no ``deck::`` / front matter ``deck``).

Logseq's own flashcards need no deck, so a graph may have ``#card`` blocks on pages
without one; they go to this deck (on the review page and in ``site/<deck>.apkg``)
instead of being lost. It is ``Default`` (the deck logseq-anki-sync uses), or what
mkdocs.yml sets::

    extra:
      kb:
        default_deck: Inbox

The build (kb/cards_hooks.py, kb/logseq_hooks.py) reads it from the MkDocs config,
``kb lint`` and ``kb stats`` from the site's mkdocs.yml.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

DEFAULT_DECK = "Default"


def default_deck(extra: Mapping | None) -> str:
    """The default deck set under ``extra: kb: default_deck`` of mkdocs.yml, else :data:`DEFAULT_DECK`."""
    settings = (extra or {}).get("kb") or {}
    deck = settings.get("default_deck") if isinstance(settings, Mapping) else None
    return deck.strip() if isinstance(deck, str) and deck.strip() else DEFAULT_DECK


@functools.lru_cache(maxsize=None)
def configured_default_deck(config_file: Path) -> str:
    """The default deck of a site's mkdocs.yml (read with MkDocs' own YAML loader)."""
    import yaml
    from mkdocs.utils.yaml import get_yaml_loader

    data = yaml.load(Path(config_file).read_text(encoding="utf-8"), Loader=get_yaml_loader())  # noqa: S506
    return default_deck((data or {}).get("extra"))
