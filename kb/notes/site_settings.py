"""The knowledge base's own settings: ``extra: kb:`` in mkdocs.yml.

::

    extra:
      kb:
        default_deck: Inbox        # kb/cards/default_deck.py
        missing_pages: page        # kb/notes/missing_pages.py

The build reads them from the MkDocs config (``config.extra``); ``kb lint`` and
``kb stats`` from the site's mkdocs.yml, with MkDocs' own YAML loader.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path


def kb_settings(extra: Mapping | None) -> Mapping:
    """The ``kb`` settings under a config's ``extra`` (empty when there are none)."""
    settings = (extra or {}).get("kb") or {}
    return settings if isinstance(settings, Mapping) else {}


@functools.lru_cache(maxsize=None)
def configured_site(config_file: Path) -> Mapping:
    """A site's mkdocs.yml, read with MkDocs' own YAML loader (``!ENV`` tags and all)."""
    import yaml
    from mkdocs.utils.yaml import get_yaml_loader

    return yaml.load(Path(config_file).read_text(encoding="utf-8"), Loader=get_yaml_loader()) or {}  # noqa: S506


def configured_extra(config_file: Path) -> Mapping:
    """The ``extra`` of a site's mkdocs.yml."""
    return configured_site(config_file).get("extra") or {}
