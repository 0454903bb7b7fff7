"""mkdocs.yml files for sites other than the project's own: the tests' small sites and the
generated graphs of ``make bench`` (kb/tools/graph_generator.py).

``write_inheriting`` writes a config that inherits the project's ``mkdocs.yml`` with all of
the site machinery; ``write_plain`` one that inherits it without kb (no hooks, no theme
overrides, none of kb's stylesheets or scripts): plain MkDocs + Material with the same
search plugin and Markdown extensions, the anchor that kb's cost is measured against.
"""

from __future__ import annotations

import json
from pathlib import Path

from kb.paths import MKDOCS_YML, ROOT
PROJECT_CONFIG = MKDOCS_YML


def _project() -> dict:
    from mkdocs.utils import yaml_load

    with open(PROJECT_CONFIG, encoding="utf-8") as f:
        return yaml_load(f)


def write_inheriting(folder: Path, docs_dir: Path | str, extra: str = "",
                     name: str = "mkdocs.yml") -> Path:
    """A config ``folder/name`` that inherits the project's config for ``docs_dir``.

    Paths the project's config gives relative to itself (hooks, theme.custom_dir)
    are made absolute, so the site builds with all of the site machinery. A relative
    ``docs_dir`` is relative to ``folder``.
    """
    project = _project()
    hooks = ", ".join(str(ROOT / hook) for hook in project.get("hooks", []))
    config = folder / name
    config.write_text(
        f"INHERIT: {PROJECT_CONFIG}\n"
        f"docs_dir: {docs_dir}\n"
        f"hooks: [{hooks}]\n"
        f"theme:\n  name: material\n  custom_dir: {ROOT / project['theme']['custom_dir']}\n"
        + extra,
        encoding="utf-8",
    )
    return config


def write_plain(folder: Path, docs_dir: Path | str, name: str = "mkdocs-plain.yml") -> Path:
    """A config ``folder/name``: the project's config for ``docs_dir`` without kb.

    The theme's ``custom_dir`` cannot be unset by inheritance: it becomes an empty folder
    beside the config (plain Material).
    """
    search = next(plugin["search"] for plugin in _project()["plugins"]
                  if isinstance(plugin, dict) and "search" in plugin)
    config = folder / name
    empty_theme = folder / f"{Path(name).stem}-theme"
    empty_theme.mkdir(exist_ok=True)
    config.write_text(
        f"INHERIT: {PROJECT_CONFIG}\n"
        f"docs_dir: {docs_dir}\n"
        "hooks: []\n"
        "edit_uri: ''\n"           # kb makes edit links from the git remote; plain MkDocs cannot
        f"theme:\n  name: material\n  custom_dir: {empty_theme.name}\n"
        "extra_css: []\n"
        "extra_javascript: []\n"
        # Only Material's search: the tags plugin cannot read Logseq's `tags::` property.
        f"plugins:\n  - search: {json.dumps(search, ensure_ascii=False)}\n",
        encoding="utf-8",
    )
    return config
