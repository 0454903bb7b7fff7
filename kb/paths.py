"""The project's paths, defined once: every module that needs one imports it from here.

``ROOT`` is the repository root (the folder of mkdocs.yml); the build and the tools run there.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KB_DIR = ROOT / "kb"          # the site machinery's code (kb/site/render_cache.py fingerprints it)
MKDOCS_YML = ROOT / "mkdocs.yml"
DOCS = ROOT / "docs"
ASSETS = DOCS / "assets"
NODE_MODULES = ROOT / "node_modules"
CACHE = ROOT / ".cache"


def build_cache(config_file: str | Path) -> Path:
    """The build caches of the site whose mkdocs.yml is ``config_file``: its ``.cache/`` beside it
    (the project's own is :data:`CACHE`; a test's or a generated graph's site has its own)."""
    return Path(config_file).resolve().parent / ".cache"
