"""The date of the last commit that touched each page's source, from one ``git log`` per
repository and build instead of one ``git log -1 -- <file>`` per page (issue 22: a thousand
pages made a thousand git processes, about 3 s of a warm build).

The whole history is read once, newest first, with the files each commit changed
(``--name-only --no-renames``); a file's date is that of the first commit listing it. In a
history without merges that is the commit ``git log -1 -- <file>`` shows. Where the history has
a merge, ``git log -- <file>`` simplifies history in ways the one listing does not follow, so
there each file is asked of git on its own as before (kb/site/page_meta.py
``git_last_commit_date``). A file outside any repository, or not committed, has no date.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from kb.site.page_meta import git_last_commit_date

HEADER = "\x01"          # starts each commit's line in the listing (no file name starts with it)


def _git(cwd: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=cwd,
                                capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def read_history(top: Path) -> dict[str, str] | None:
    """Path (relative to ``top``, POSIX) -> date of the last commit changing it; None when the
    history has a merge (or git fails)."""
    # --root: the first commit's files too, whatever the reader's log.showRoot says.
    out = _git(top, "log", "--root", "--no-renames", "--name-only", "-z", f"--format=%x00{HEADER}%cs %P")
    if out is None:
        return None
    dates: dict[str, str] = {}
    date = ""
    for token in out.split("\0"):
        token = token.lstrip("\n")
        if token.startswith(HEADER):
            date, *parents = token[1:].split()
            if len(parents) > 1:
                return None
        elif token and date:
            dates.setdefault(token, date)
    return dates


class CommitDates:
    """Last commit dates for one build: one history listing per repository its files are in."""

    def __init__(self) -> None:
        self._tops: dict[Path, Path | None] = {}                   # folder -> its work tree
        self._histories: dict[Path, dict[str, str] | None] = {}    # work tree -> read_history

    def _top(self, folder: Path) -> Path | None:
        if folder not in self._tops:
            out = _git(folder, "rev-parse", "--show-toplevel")
            self._tops[folder] = Path(out.strip()).resolve() if out and out.strip() else None
        return self._tops[folder]

    def of(self, path: Path) -> str | None:
        """``YYYY-MM-DD`` of the last commit that touched ``path``; None if uncommitted."""
        path = Path(path).resolve()
        top = self._top(path.parent)
        if top is None:
            return None
        if top not in self._histories:
            self._histories[top] = read_history(top)
        history = self._histories[top]
        if history is None or not path.is_relative_to(top):
            return git_last_commit_date(path)
        return history.get(path.relative_to(top).as_posix())
