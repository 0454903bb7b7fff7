"""The project's paths, defined once: every module that needs one imports it from here.

``ROOT`` is the repository root (the folder of mkdocs.yml); the build and the tools run there.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MKDOCS_YML = ROOT / "mkdocs.yml"
DOCS = ROOT / "docs"
ASSETS = DOCS / "assets"
NODE_MODULES = ROOT / "node_modules"
CACHE = ROOT / ".cache"
