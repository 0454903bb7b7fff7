"""Shared test setup.

* The repository root is importable (``snippets``, ``kb``).
* ``built_site``: the site built once per test session with ``mkdocs build --strict``.
* ``site_url``: that build served over HTTP on 127.0.0.1 (a random free port).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

# The repository root, so that kb and snippets are importable (pytest puts only tests/ on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.paths import MKDOCS_YML, ROOT  # noqa: E402

VENV_BIN = Path(sys.executable).parent
TEST_OUTPUT = ROOT / "test-output"
TEST_SITE_URL = "https://example.github.io/normalization-kb/"
TEST_REPO_URL = "https://github.com/example/normalization-kb"


def build_site(site_dir: Path, config: Path = MKDOCS_YML,
               strict: bool = True) -> subprocess.CompletedProcess:
    """Build into ``site_dir`` (strictly unless told otherwise); return the finished process."""
    # Fixed publishing addresses, so the build does not depend on the caller's
    # environment or git remote (the GitHub workflow sets its own).
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1",
           "SITE_URL": TEST_SITE_URL, "REPO_URL": TEST_REPO_URL}
    if Path(config).resolve() != MKDOCS_YML:
        # mkdocs-jupyter deletes the cache entries a build did not use: a small test site
        # keeps its own, so it cannot evict the project's converted notebooks.
        env["KB_NOTEBOOK_CACHE"] = str(Path(config).resolve().parent / ".cache" / "mkdocs-jupyter")
    return subprocess.run(
        [str(VENV_BIN / "mkdocs"), "build", *(["--strict"] if strict else []),
         "-f", str(config), "-d", str(site_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def write_config(folder: Path, docs_dir: Path, extra: str = "") -> Path:
    """A mkdocs.yml in ``folder`` that inherits the project's config for ``docs_dir``,
    with all of the site machinery (kb/site/site_config.py)."""
    from kb.site import site_config

    return site_config.write_inheriting(folder, docs_dir, extra)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    site_dir = tmp_path_factory.mktemp("site")
    result = build_site(site_dir)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}")
    return site_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port); yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def test_output() -> Path:
    """Folder for artefacts a person looks at (screenshots); kept after the run."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT
