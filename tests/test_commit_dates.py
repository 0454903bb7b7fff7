"""Page dates from one history listing per build (kb/site/commit_dates.py): each file's date is
the one ``git log -1 --format=%cs -- <file>`` gives, asked of git by the test itself."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kb.site.commit_dates import CommitDates

# Author dates far from the commit dates: the page shows when a file was last committed.
AUTHOR_DATE = "2010-05-05 12:00:00 +0000"


def git(repo: Path, *args: str, date: str | None = None, check: bool = True) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    if date is not None:
        env |= {"GIT_AUTHOR_DATE": AUTHOR_DATE, "GIT_COMMITTER_DATE": f"{date} 12:00:00 +0000"}
    result = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=repo, env=env,
                            capture_output=True, text=True, check=False)
    if check:
        assert result.returncode == 0, result.stderr
    return result.stdout


def new_repo(repo: Path) -> Path:
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "config", "log.showRoot", "false")   # a reader's setting must not hide the first commit's files
    return repo


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")


def commit(repo: Path, date: str, files: dict[str, str] | None = None, delete: tuple[str, ...] = ()) -> None:
    write(repo, files or {})
    for name in delete:
        (repo / name).unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", date, date=date)


def git_log_date(path: Path) -> str | None:
    """The oracle: what ``git log -1`` says of the one file."""
    return git(path.parent, "log", "-1", "--format=%cs", "--", path.name).strip() or None


LINEAR_EXPECTED = {                    # written from the history below
    "a.md": "2021-07-01",              # changed in the last commit
    "old.md": "2020-01-10",            # changed in the first commit and never since
    "sub/b.md": "2020-03-05",          # in a subfolder
    "with space.md": "2020-06-15",
    "中文 笔记.md": "2021-02-20",
    "gone.md": "2021-02-20",           # deleted on 2020-06-15, added again on 2021-02-20
}


@pytest.fixture
def linear_repo(tmp_path: Path) -> Path:
    repo = new_repo(tmp_path / "repo")
    commit(repo, "2020-01-10", {name: "1\n" for name in LINEAR_EXPECTED})
    commit(repo, "2020-03-05", {"a.md": "2\n", "sub/b.md": "2\n"})
    commit(repo, "2020-06-15", {"with space.md": "2\n"}, delete=("gone.md",))
    commit(repo, "2021-02-20", {"gone.md": "back\n", "中文 笔记.md": "2\n"})
    commit(repo, "2021-07-01", {"a.md": "3\n"})
    return repo


def test_each_file_has_the_date_git_log_gives_it(linear_repo):
    dates = CommitDates()
    for name, expected in LINEAR_EXPECTED.items():
        path = linear_repo / name
        assert git_log_date(path) == expected, name        # the history is the one written above
        assert dates.of(path) == expected, name


def test_the_history_is_read_once_not_once_per_file(linear_repo, monkeypatch):
    """A thousand pages made a thousand git processes (issue 22)."""
    runs = []
    real_run = subprocess.run

    def counting_run(args, *rest, **kwargs):
        runs.append(args)
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    dates = CommitDates()
    assert [dates.of(linear_repo / name) for name in LINEAR_EXPECTED] == list(LINEAR_EXPECTED.values())
    # One history listing, and one look-up of the work tree per folder (the top and sub/).
    assert len(runs) <= 3, runs


def test_a_history_with_merges_gives_each_file_its_git_log_date(tmp_path):
    """Around a merge ``git log -- <file>`` follows the parent the file came from; the dates
    are still the ones it gives."""
    repo = new_repo(tmp_path / "repo")
    commit(repo, "2020-01-01", {"kept.md": "1\n", "main.md": "1\n", "theirs.md": "1\n", "resolved.md": "1\n"})
    git(repo, "checkout", "-q", "-b", "side")
    commit(repo, "2023-01-01", {"kept.md": "side\n", "theirs.md": "side\n", "resolved.md": "side\n"})
    git(repo, "checkout", "-q", "main")
    commit(repo, "2021-01-01", {"main.md": "2\n", "resolved.md": "main\n"})
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "side", check=False)   # resolved.md conflicts
    write(repo, {"kept.md": "1\n", "theirs.md": "side\n", "resolved.md": "both\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "merge", date="2024-01-01")
    assert len(git(repo, "log", "-1", "--format=%P").split()) == 2

    expected = {"kept.md": "2020-01-01",       # the merge kept main's version: side's change is not seen
                "main.md": "2021-01-01",
                "theirs.md": "2023-01-01",     # taken from side
                "resolved.md": "2024-01-01"}   # changed by the merge itself
    dates = CommitDates()
    for name, date in expected.items():
        assert git_log_date(repo / name) == date, name
        assert dates.of(repo / name) == date, name


def test_untracked_uncommitted_and_outside_files(linear_repo, tmp_path):
    dates = CommitDates()
    (linear_repo / "new.md").write_text("not added\n", encoding="utf-8")
    assert dates.of(linear_repo / "new.md") is None
    (linear_repo / "sub" / "new.md").write_text("not added\n", encoding="utf-8")
    assert dates.of(linear_repo / "sub" / "new.md") is None
    # A tracked file edited and not committed: its last commit's date.
    (linear_repo / "a.md").write_text("edited\n", encoding="utf-8")
    assert dates.of(linear_repo / "a.md") == "2021-07-01"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "page.md").write_text("x\n", encoding="utf-8")
    assert dates.of(outside / "page.md") is None
    assert dates.of(tmp_path / "no such folder" / "page.md") is None
