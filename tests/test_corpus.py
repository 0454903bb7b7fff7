"""kb/tools/corpus.py: the notes and snippet base paths as lint and stats read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.paths import MKDOCS_YML, ROOT
from kb.tools.corpus import notes_in, snippet_base_paths, src_uri_of


def test_the_sites_snippets_are_under_snippets():
    # mkdocs.yml: pymdownx.snippets: base_path: [snippets]
    assert snippet_base_paths(MKDOCS_YML) == [ROOT / "snippets"]


@pytest.mark.parametrize("extensions, expected", [
    ("  - pymdownx.snippets:\n      base_path: code\n", ["code"]),          # a single path
    ("  - pymdownx.snippets:\n      base_path: [a, b/c]\n", ["a", "b/c"]),
    ("  - pymdownx.snippets\n", ["."]),                                      # pymdownx's default
    ("  - toc\n", ["."]),                                                    # as kb/site/hooks.py checks
])
def test_snippet_base_paths_are_made_absolute_from_the_root(tmp_path: Path, extensions, expected):
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: t\nmarkdown_extensions:\n" + extensions, encoding="utf-8")
    assert snippet_base_paths(config) == [ROOT / base for base in expected]


def test_notes_are_the_pages_markdown_files_but_dot_files(tmp_path: Path):
    docs = tmp_path / "docs"
    for name in ["pages/A.md", "pages/sub/B.md", "pages/.hidden/C.md", "pages/.D.md", "pages/E.txt", "F.md"]:
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text("- x\n", encoding="utf-8")
    assert list(notes_in(docs)) == ["pages/A.md", "pages/sub/B.md"]
    assert notes_in(tmp_path / "nothing") == {}
    assert src_uri_of(docs / "pages" / "A.md", docs) == "pages/A.md"
    assert src_uri_of(tmp_path / "elsewhere" / "G.md", docs) == "pages/G.md"
