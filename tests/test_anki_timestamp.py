"""source_timestamp: a note's package time is its last commit time, or its file's
modification time once it has uncommitted edits, so Anki updates a re-imported
edited note. Git prints non-ASCII paths quoted and octal-escaped in plain
``git status --porcelain``; a Chinese-named note must still be seen as edited.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kb.cards import anki as anki_export

COMMIT_TIME = 1_700_000_000
LATER = COMMIT_TIME + 86_400
NOTE = "docs/pages/Batch Normalization___维度理解.md"


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": f"@{COMMIT_TIME} +0000",
           "GIT_COMMITTER_DATE": f"@{COMMIT_TIME} +0000", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          cwd=repo, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "kb"
    (repo / "docs" / "pages").mkdir(parents=True)
    (repo / NOTE).write_text("- 维度理解\n", encoding="utf-8")
    (repo / "docs" / "pages" / "Other.md").write_text("- other\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "notes")
    return repo


def test_git_quotes_the_name_in_plain_porcelain(repo):
    """The premise: the raw name does not appear in plain porcelain output."""
    (repo / NOTE).write_text("- 维度理解 edited\n", encoding="utf-8")
    plain = subprocess.run(["git", "-c", "core.quotepath=on", "status", "--porcelain"], cwd=repo,
                           capture_output=True, text=True, check=True).stdout
    assert Path(NOTE).name not in plain and "\\347" in plain


def test_an_unedited_note_keeps_its_commit_time(repo):
    note = repo / NOTE
    os.utime(note, (LATER, LATER))   # touched, but the content is what was committed
    assert anki_export.source_timestamp([note], repo) == COMMIT_TIME


def test_an_edited_chinese_named_note_takes_its_modification_time(repo):
    note = repo / NOTE
    note.write_text("- 维度理解\n\t- edited\n", encoding="utf-8")
    os.utime(note, (LATER, LATER))
    assert anki_export.source_timestamp([note], repo) == LATER
    # as the site build calls it: several sources, absolute paths, the edit among them
    other = repo / "docs" / "pages" / "Other.md"
    assert anki_export.source_timestamp(sorted([other, note]), repo) == LATER


def test_a_staged_edit_counts_too(repo):
    note = repo / NOTE
    note.write_text("- 维度理解 staged\n", encoding="utf-8")
    os.utime(note, (LATER, LATER))
    git(repo, "add", NOTE)
    assert anki_export.source_timestamp([note], repo) == LATER


def test_an_edit_to_another_file_of_the_same_name_does_not_count(repo):
    """The old check looked for the bare file name anywhere in the status output."""
    twin = repo / "docs" / "drafts" / "Other.md"
    twin.parent.mkdir()
    twin.write_text("- a draft\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "draft")
    twin.write_text("- a draft, edited\n", encoding="utf-8")
    os.utime(twin, (COMMIT_TIME + 100, COMMIT_TIME + 100))
    note = repo / "docs" / "pages" / "Other.md"
    os.utime(note, (LATER, LATER))   # unedited: its newer mtime must not count
    assert anki_export.source_timestamp([note, twin], repo) == COMMIT_TIME + 100
