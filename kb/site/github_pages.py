"""Where the site is published: the repository's web address and its GitHub Pages URL.

Used by ``kb/site/hooks.py`` (``repo_url`` for the "编辑此页" links when mkdocs.yml's
``REPO_URL`` is not set) and by ``make deploy``::

    python -m kb.site.github_pages site-url   # https://OWNER.github.io/REPO/
    python -m kb.site.github_pages repo-url   # https://github.com/OWNER/REPO
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

RE_GITHUB_REMOTE = re.compile(
    r"^(?:https://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)


def repo_web_url(remote: str) -> str | None:
    """``https://github.com/OWNER/REPO`` for a GitHub remote (HTTPS or SSH), else None."""
    match = RE_GITHUB_REMOTE.match(remote.strip())
    if not match:
        return None
    return f"https://github.com/{match['owner']}/{match['repo']}"


def pages_site_url(repo_url: str) -> str:
    """The GitHub Pages address of a repository's project (or user) site."""
    match = RE_GITHUB_REMOTE.match(repo_url)
    if not match:
        raise ValueError(f"not a GitHub repository address: {repo_url!r}")
    owner, repo = match["owner"], match["repo"]
    if repo.lower() == f"{owner.lower()}.github.io":
        return f"https://{owner.lower()}.github.io/"
    return f"https://{owner.lower()}.github.io/{repo}/"


def origin_repo_url(cwd: Path | str = ".") -> str | None:
    """The web address of the ``origin`` remote, when it is on GitHub."""
    try:
        remote = subprocess.run(["git", "remote", "get-url", "origin"], cwd=cwd,
                                capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return repo_web_url(remote) if remote else None


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("site-url", "repo-url"):
        print("usage: python -m kb.site.github_pages {site-url|repo-url}", file=sys.stderr)
        return 2
    repo = origin_repo_url()
    if repo is None:
        print("error: the git remote 'origin' is not a GitHub repository; "
              "set SITE_URL and REPO_URL yourself", file=sys.stderr)
        return 1
    print(pages_site_url(repo) if argv[0] == "site-url" else repo)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
