"""Each page's converted HTML kept between builds, so a build converts only the pages that changed.

MkDocs converts every page's Markdown on every build, and ``mkdocs serve`` rebuilds the whole
site on each save. Here a page's conversion (``Page.render``: its HTML, table of contents,
title, anchors and links to anchors) is stored under ``.cache/render/`` beside the site's
config, named by a fingerprint of everything the conversion depends on:

* the site: kb's code (every ``kb/**/*.py``), the versions of Python-Markdown, its extensions,
  Pygments and MkDocs, the Markdown extensions and their settings, the config file's path and
  ``use_directory_urls``; the static files under ``docs/`` (path, size and modification time:
  a page shows whether an image exists, an occlusion card reads its size); the files
  ``pymdownx.snippets`` includes, for a page that includes one;
* the page: its path and URL, its Markdown as every ``on_page_markdown`` hook left it, and the
  Logseq extension's settings for it (errata, macros, deck; kb/logseq_hooks.py);
* for a note, what it shows of the link graph (kb/logseq/page_dependencies.py);
* the other pages its links lead to: MkDocs turns a link to ``x.md`` into the URL of ``x.md``.
  These are recorded while the page is converted (each lookup of a file and its URL) and
  checked when the entry is read: an entry is used only if every file it looked up is still
  at the same URL (or still missing).

A page whose conversion logged anything (a warning fails the strict build) is not stored: it
is converted, and its messages logged, on every build. A stored page is not converted again:
its results are put back on the page, and every hook still runs, so the site is the same
byte for byte. Entries not used by a build are deleted at its end (``prune``).
``KB_RENDER_CACHE=off`` turns the cache off; ``make clean`` (or deleting ``.cache/render/``)
clears it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from kb.paths import KB_DIR

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files

CACHE_DIR = Path(".cache") / "render"      # beside the site's config file
SWITCH_ENV = "KB_RENDER_CACHE"             # "off": convert every page
PACKAGES = ("Markdown", "pymdown-extensions", "Pygments", "mkdocs", "mkdocs-material")
SNIPPET_MARK = "--8<--"
FORMAT = 1                                 # of an entry; a new one makes every old entry unused
PAGES_LOG = logging.getLogger("mkdocs.structure.pages")   # Page.render keeps links to anchors by its level


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "").strip().lower() not in ("off", "0", "false", "no")


@functools.lru_cache(maxsize=1)
def _package_versions() -> str:
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return f"python {sys.version}; " + "; ".join(versions)


# kb's parts the build never imports (the wings above kb/site/ in kb/README.md; tests/test_kb_layout.py
# checks nothing imports upward): the command-line tools (bench, graph generator, import, lint),
# the figure scripts, the command-line entry. Editing them changes no page.
NOT_BUILD_CODE = ("tools", "figures", "__main__.py")


def code_version(kb_dir: Path = KB_DIR) -> str:
    """A digest of the build's code (kb's Python files but ``NOT_BUILD_CODE``, read now: an edit
    during ``mkdocs serve`` counts) and of the packages that convert Markdown."""
    digest = hashlib.sha256(f"format {FORMAT}; {_package_versions()}".encode())
    for path in sorted(kb_dir.rglob("*.py")):
        if path.relative_to(kb_dir).parts[0] in NOT_BUILD_CODE:
            continue
        digest.update(f"\0{path.relative_to(kb_dir).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stable(value: Any) -> str:
    """``value`` as text that is the same in every process (no object addresses) for equal settings.

    Functions (e.g. a slugify option) are named by module and qualified name, with the values
    they close over and their defaults; an object of another kind by its type and attributes.
    """
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return repr(value)
    if isinstance(value, Path):
        return f"Path({str(value)!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{stable(k)}: {stable(v)}" for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(stable(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(stable(v) for v in value)) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"{type(value).__qualname__}(" + ", ".join(
            f"{f.name}={stable(getattr(value, f.name))}" for f in dataclasses.fields(value)) + ")"
    if isinstance(value, functools.partial):
        return f"partial({stable(value.func)}, {stable(value.args)}, {stable(value.keywords)})"
    if callable(value) and hasattr(value, "__qualname__"):
        cells = [c.cell_contents for c in (getattr(value, "__closure__", None) or ())]
        return (f"{getattr(value, '__module__', '')}.{value.__qualname__}"
                f"({stable(cells)}, {stable(getattr(value, '__defaults__', None))}, "
                f"{stable(getattr(value, '__kwdefaults__', None))})")
    if hasattr(value, "__dict__"):
        return f"{type(value).__module__}.{type(value).__qualname__}{stable(vars(value))}"
    return f"{type(value).__qualname__}:{value!r}"


def static_files_digest(files: Files) -> str:
    """Path, size and modification time of every file under docs/ that is not a page."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.src_uri):
        if file.is_documentation_page() or not file.abs_src_path:
            continue
        try:
            stat = os.stat(file.abs_src_path)
        except OSError:
            continue    # a missing file is no dependency that could change into a page
        digest.update(f"{file.src_uri}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def snippets_digest(config: MkDocsConfig) -> str:
    """The files ``pymdownx.snippets`` may include (under its ``base_path``, relative to where
    MkDocs runs, as pymdownx reads them): their paths and contents."""
    options = config.mdx_configs.get("pymdownx.snippets", {})
    bases = options.get("base_path", ["."])
    digest = hashlib.sha256()
    for base in [bases] if isinstance(bases, str) else bases:
        root = Path.cwd() / base
        digest.update(f"{base}\0{root.is_dir()}\n".encode())
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file():
                digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


class RecordingFiles:
    """``files`` as Page.render sees it, recording each file it looks up and where that file is."""

    def __init__(self, files: Files) -> None:
        self._files = files
        self.lookups: dict[str, list | None] = {}

    def get_file_from_path(self, path: str) -> File | None:
        file = self._files.get_file_from_path(path)
        self.lookups[path] = _where(file)
        return file

    def __getattr__(self, name: str):
        return getattr(self._files, name)


def _where(file: File | None) -> list | None:
    return None if file is None else [file.url, file.inclusion.is_excluded()]


class LogWatch(logging.Handler):
    """Counts what is logged (on the root logger and on MkDocs', which does not propagate)."""

    LOGGERS = ("", "mkdocs")

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.seen += 1

    def __enter__(self) -> LogWatch:
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)


def toc_data(items) -> list:
    return [[item.title, item.id, item.level, toc_data(item.children)] for item in items]


def _toc_items(data: list) -> list[AnchorLink]:
    items = []
    for title, anchor_id, level, children in data:
        item = AnchorLink(title, anchor_id, level)
        item.children = _toc_items(children)
        items.append(item)
    return items


def page_result(page: Page, lookups: dict[str, list | None]) -> dict:
    """What Page.render set on ``page``, as JSON data."""
    return {
        "format": FORMAT,
        "content": page.content,
        "toc": toc_data(page.toc),
        "title": page._title_from_render,
        "anchors": sorted(page.present_anchor_ids or ()),
        "links_to_anchors": [[file.src_uri, list(anchors.items())]
                             for file, anchors in (page.links_to_anchors or {}).items()],
        "files": lookups,
    }


def still_valid(entry: dict, files: Files) -> bool:
    """Every file the conversion looked up is where it was (or still missing)."""
    return entry.get("format") == FORMAT and all(
        _where(files.get_file_from_path(path)) == where for path, where in entry["files"].items())


def restore(page: Page, entry: dict, files: Files) -> None:
    """Put a stored conversion back on ``page``, as Page.render would have left it."""
    page.content = entry["content"]
    items = _toc_items(entry["toc"])
    if items:
        items[0].active = True   # as mkdocs.structure.toc.get_toc marks it
    page.toc = TableOfContents(items)
    page._title_from_render = entry["title"]
    page.present_anchor_ids = set(entry["anchors"])
    if PAGES_LOG.getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = {files.get_file_from_path(src_uri): dict(anchors)
                                 for src_uri, anchors in entry["links_to_anchors"]}


class RenderCache:
    """The stored conversions of one site (a folder of JSON files named by fingerprint), for one build."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self.converted: list[str] = []    # src_uri of each page converted in this build
        self.reused: list[str] = []

    def load(self, key: str, files: Files) -> dict | None:
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and still_valid(entry, files) else None

    def store(self, key: str, entry: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{key}.json"
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)   # another build reading it sees the old entry or the new, whole

    def render(self, page: Page, config: MkDocsConfig, files: Files, key: str | None) -> None:
        """Page.render, or its stored result when ``key`` (the page's fingerprint; None: do not
        store) names one."""
        entry = self.load(key, files) if key is not None else None
        if entry is not None:
            restore(page, entry, files)
            self.used.add(key)
            self.reused.append(page.file.src_uri)
            return
        recording = RecordingFiles(files)
        with LogWatch() as logged:
            Page.render(page, config, recording)
        self.converted.append(page.file.src_uri)
        if key is not None and not logged.seen:
            self.store(key, page_result(page, recording.lookups))
            self.used.add(key)

    def prune(self) -> int:
        """Delete the entries this build did not use; how many."""
        removed = 0
        for path in self.folder.glob("*.json") if self.folder.is_dir() else []:
            if path.stem not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def fingerprint(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0\1\0")
    return digest.hexdigest()
