"""Import the public pages of a Logseq graph into ``docs/``: the notes stay the source of truth.

A Logseq graph is a folder::

    GRAPH/pages/*.md          pages; a namespace A/B is A___B.md (or the legacy A%2FB.md)
    GRAPH/journals/*.md       journals, named 2024_10_05.md
    GRAPH/assets/             images, linked as ../assets/x.png (or /assets/x.png)
    GRAPH/whiteboards/        whiteboards (.edn, .tldr): not rendered, listed as skipped
    GRAPH/logseq/config.edn   Logseq's settings (kb/tools/logseq_config.py reads them)

What is imported: a page whose front matter says ``public: true`` or whose page
properties (a first block made only of ``key:: value`` lines) say ``public:: true``;
when config.edn says ``:publishing/all-pages-public? true`` (or the older
``:all-pages-public? true``), every page that does not say ``public:: false``. Every
other page stays private and is listed as skipped, as is every file under a
``:hidden`` path of config.edn, every whiteboard and every file that is not a
Markdown page. An imported page is
copied byte for byte into ``docs/pages/`` under Logseq's own file name (the legacy
``%2F`` becomes ``___``; kb/notes/page_names.py reads both the same way), so its card ids
(kb/cards/extract.py: the ``id::`` property, else a hash of title and question) stay what
they were, and with them the review progress on the site and the notes in Anki. A
public journal becomes the page Logseq shows it as (``Oct 5th, 2024``, Logseq's
default journal title) unless it has a ``title::``. The images an imported page
links under ``assets/`` (and those its ``occlusion::`` data names) are copied into
``docs/assets/`` (a file name may contain spaces, written as such or as ``%20``).
The graph's ``:macros`` go to ``docs/.kb-macros.json``, which the build expands
(kb/notes/graph_macros.py). Two public pages that would get one URL on the site (say
``A___B.md`` and ``A ___ B.md``) are a clash: the first is imported, the second
listed with the reason. A graph that imports no page at all says why, and the
command exits with 1.

Nothing changed by hand is lost: ``docs/.kb-import.json`` (a dot file, which MkDocs
leaves out of the site) records the SHA-256 of every file as imported. A file in
``docs/`` whose bytes differ from that record (or that exists but was never imported)
is changed here: the import skips it and says so, unless ``force``. A page that is no
longer public (or no longer in the graph) is removed from ``docs/``, under the same
rule. Pure planning (:func:`plan_import`) is kept apart from writing
(:func:`apply_plan`), so a dry run is the plan printed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from kb.cards import occlusion
from kb.notes import graph_macros
from kb.notes import links
from kb.notes import page_names
from kb.notes.code_regions import mask_code
from kb.notes.graph import Note, read_note
from kb.tools.logseq_config import CONFIG_PATH, ConfigError, GraphConfig, read_config

MANIFEST_NAME = ".kb-import.json"
MANIFEST_VERSION = 1
ASSETS_DIR = "assets"
JOURNALS_DIR = "journals"
GRAPH_PAGES_DIR = "pages"
WHITEBOARDS_DIR = "whiteboards"
LEGACY_NAMESPACE = re.compile("%2F", re.IGNORECASE)
RE_JOURNAL_FILE = re.compile(r"^(?P<y>\d{4})_(?P<m>\d{2})_(?P<d>\d{2})$")
# A Markdown link or image whose target is under the graph's assets/ folder; the file name
# may hold spaces (Logseq writes them as they are), a "title" after it is not part of it.
RE_ASSET_LINK = re.compile(r'\]\((?P<path>(?:\.\./|/)assets/[^)\n]*?)(?:[ \t]+"[^"\n]*")?[ \t]*\)')
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# What happens to one file; the verbs printed.
ADD, UPDATE, UNCHANGED, SKIP, REMOVE = "added", "updated", "unchanged", "skipped", "removed"


class GraphImportError(Exception):
    """The import cannot start (not a graph, unreadable manifest): the message says why."""


@dataclass
class Action:
    verb: str                 # ADD, UPDATE, UNCHANGED, SKIP or REMOVE
    target: str               # path under docs/ ("pages/A___B.md"); "" when the file has none
    source: str               # path in the graph ("pages/A%2FB.md"); "" for a removal of a file gone from it
    reason: str
    problem: bool = False     # the user has to act (a local edit, a missing image): exit status 1
    data: bytes | None = None  # the bytes to write (ADD, UPDATE)

    def line(self, dry_run: bool = False) -> str:
        verb = {ADD: "would add", UPDATE: "would update", REMOVE: "would remove"}.get(self.verb, self.verb) \
            if dry_run else self.verb
        if self.target and self.source and self.source != self.target:
            where = f"{self.target} <- graph {self.source}"
        elif self.target:
            where = self.target
        else:
            where = f"graph {self.source}"
        return f"{verb:<12} {where}: {self.reason}"


@dataclass
class Plan:
    graph_dir: Path
    docs_dir: Path
    actions: list[Action] = field(default_factory=list)
    manifest: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> {source, sha256}, after the import
    public_pages: int = 0     # pages of the graph that are public and not in a name clash

    @property
    def problems(self) -> list[Action]:
        return [a for a in self.actions if a.problem]

    def count(self, verb: str) -> int:
        return sum(1 for a in self.actions if a.verb == verb)

    def nothing_imported(self) -> str | None:
        """Why no page of the graph is imported, or None when some page is."""
        if self.public_pages:
            return None
        reasons: dict[str, int] = {}
        for action in self.actions:
            if action.verb == SKIP and action.source.startswith((f"{GRAPH_PAGES_DIR}/", f"{JOURNALS_DIR}/")):
                reason = re.split(r" \(|: ", action.reason)[0].strip()
                reasons[reason] = reasons.get(reason, 0) + 1
        read = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items())) or \
            f"the graph has no file under {GRAPH_PAGES_DIR}/ or {JOURNALS_DIR}/"
        return (f"nothing imported: no page of the graph is public ({read}). Mark the pages to publish "
                f"with 'public:: true', or publish all of them with :publishing/all-pages-public? true "
                f"in {CONFIG_PATH}")

    def summary(self, dry_run: bool = False) -> str:
        counts = ", ".join(f"{self.count(v)} {v}" for v in (ADD, UPDATE, UNCHANGED, SKIP, REMOVE))
        head = "dry run, nothing written: " if dry_run else ""
        tail = (f"; {len(self.problems)} need attention (see the lines above)" if self.problems else "")
        return f"{head}{counts}{tail}"


@dataclass
class _Page:
    source: str        # relative to the graph
    target: str        # relative to docs/
    data: bytes
    note: Note
    why_public: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- reading the graph ------------------------------------------------------------------------


def journal_title(stem: str) -> str | None:
    """``2024_10_05`` -> ``Oct 5th, 2024`` (Logseq's default journal title), or None."""
    match = RE_JOURNAL_FILE.match(stem)
    if match is None:
        return None
    try:
        day = datetime.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    suffix = "th" if 11 <= day.day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return f"{MONTHS[day.month - 1]} {day.day}{suffix}, {day.year}"


def page_target(source: str) -> str:
    """Where a graph page goes under docs/: its own file name, the legacy ``%2F`` written ``___``."""
    name = LEGACY_NAMESPACE.sub(page_names.NAMESPACE_IN_FILE, posixpath.basename(source))
    return f"{page_names.NOTES_DIR}/{name}"


def publicity(note: Note, all_pages_public: str | None = None) -> tuple[bool, str]:
    """Whether a page is public, and why (front matter first, then page properties, then
    ``all_pages_public``: the config.edn key that makes every page public, if it is set)."""
    if "public" in note.front.key_lines:      # written in the front matter
        if note.front.meta.get("public") is True:
            return True, "public: true"
        value = note.front.meta.get("public")
        shown = {True: "true", False: "false"}.get(value, repr(value)) if isinstance(value, bool) else repr(value)
        return False, f"not public (public: {shown})"
    prop = note.properties.get("public", "").strip().lower()
    if prop == "true":
        return True, "public:: true"
    if prop:
        return False, f"not public (public:: {prop})"
    if all_pages_public:
        return True, f"{all_pages_public} true in {CONFIG_PATH}"
    return False, ("not public (no 'public: true' in front matter nor 'public:: true' page property, "
                   f"and {CONFIG_PATH} does not set :publishing/all-pages-public? true)")


def asset_references(text: str) -> list[tuple[str, int]]:
    """``(assets/x.png, line)`` for every asset a page links or names in ``occlusion::``."""
    found: list[tuple[str, int]] = []
    prose = mask_code(text)
    for match in RE_ASSET_LINK.finditer(prose):
        found.append((match.group("path"), prose.count("\n", 0, match.start()) + 1))
    for number, line in enumerate(prose.split("\n"), start=1):
        key, sep, value = line.strip().partition("occlusion::")
        if sep and not key:
            try:
                found += [(item.image, number) for item in occlusion.decode(value)]
            except occlusion.OcclusionError:
                pass  # not an image reference; `python -m kb lint` reports the bad data
    result = []
    for path, line in found:
        relative = _asset_relative(path)
        if relative is not None:
            result.append((relative, line))
    return result


def _asset_relative(path: str) -> str | None:
    path = unquote(path.split("?", 1)[0].split("#", 1)[0])
    head, sep, rest = path.partition(f"{ASSETS_DIR}/")
    if not sep or head not in ("/", "../", "./", ""):
        return None
    normal = posixpath.normpath(f"{ASSETS_DIR}/{rest}")
    return normal if normal.startswith(f"{ASSETS_DIR}/") else None


def _graph_files(graph_dir: Path, folder: str) -> list[Path]:
    root = graph_dir / folder
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


# --- planning ---------------------------------------------------------------------------------


def load_manifest(docs_dir: Path) -> dict[str, dict[str, str]]:
    path = docs_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if data.get("version") != MANIFEST_VERSION or not isinstance(files, dict):
            raise ValueError("unknown version or layout")
        return {str(k): {"source": str(v["source"]), "sha256": str(v["sha256"])} for k, v in files.items()}
    except (ValueError, KeyError, TypeError) as err:
        raise GraphImportError(f"{path}: not a readable import record ({err}); move it away to start afresh") from None


def plan_import(graph_dir: Path, docs_dir: Path, force: bool = False) -> Plan:
    """What importing ``graph_dir`` into ``docs_dir`` would do; writes nothing."""
    graph_dir, docs_dir = Path(graph_dir), Path(docs_dir)
    if not (graph_dir / GRAPH_PAGES_DIR).is_dir() and not (graph_dir / JOURNALS_DIR).is_dir():
        raise GraphImportError(f"{graph_dir}: not a Logseq graph (it has neither pages/ nor journals/)")
    try:
        config = read_config(graph_dir)
    except ConfigError as err:
        raise GraphImportError(str(err)) from None
    old = load_manifest(docs_dir)
    plan = Plan(graph_dir, docs_dir)
    pages = _read_pages(graph_dir, plan, config)
    _skip_whiteboards(graph_dir, plan, config)
    pages = _drop_name_conflicts(pages, docs_dir, old, plan)
    plan.public_pages = len(pages)

    copied_pages = []
    for page in pages:
        action = _decide(page.target, page.source, page.data, old, docs_dir, force,
                         f"new public page '{page.note.title}' ({page.why_public})",
                         "changed in the graph")
        plan.actions.append(action)
        if action.verb != SKIP:
            copied_pages.append(page)

    # Images of the pages that are (or stay) imported from the graph.
    assets: dict[str, dict[str, list[int]]] = {}     # asset -> page source -> lines
    for page in copied_pages:
        for relative, line in asset_references(page.data.decode("utf-8-sig")):
            lines = assets.setdefault(relative, {}).setdefault(page.source, [])
            if line not in lines:
                lines.append(line)
    for relative, uses in sorted(assets.items()):
        used_at = "; ".join(f"{source}:{','.join(map(str, lines))}" for source, lines in uses.items())
        source = graph_dir / relative
        hidden_by = config.hidden_by(relative)
        if hidden_by is not None:
            plan.actions.append(Action(SKIP, relative, relative, f"{_hidden_reason(hidden_by)}, but used at graph "
                                       f"{used_at}", problem=True))
            continue
        if not source.is_file():
            plan.actions.append(Action(SKIP, relative, relative, "not in the graph's assets/ folder "
                                       f"(used at graph {used_at})", problem=True))
            continue
        plan.actions.append(_decide(relative, relative, source.read_bytes(), old, docs_dir, force,
                                    f"image used at graph {used_at}", "changed in the graph"))

    # The graph's own macros, where the build reads them.
    if config.macros:
        plan.actions.append(_decide(graph_macros.MACROS_FILE, CONFIG_PATH,
                                    graph_macros.macros_file_bytes(config.macros, CONFIG_PATH), old, docs_dir,
                                    force, f"the graph's macros ({', '.join(sorted(config.macros))})",
                                    "the graph's macros changed"))

    # Files imported before that the graph no longer publishes.
    handled = {action.target for action in plan.actions if action.target}
    # Pages first: whether an image is still used depends on which pages stay.
    for target, entry in sorted(old.items(), key=lambda item: (item[0].startswith(f"{ASSETS_DIR}/"), item[0])):
        if target not in handled:
            plan.actions.append(_removal(target, entry, graph_dir, docs_dir, force, plan))
    plan.manifest = _manifest_after(plan, old)
    return plan


def _hidden_reason(pattern: str) -> str:
    return f"hidden by :hidden \"{pattern}\" in {CONFIG_PATH}"


def _left_out(source: str, config: GraphConfig) -> str | None:
    """Why a file of the graph is not read at all (a dot file, a :hidden path), or None."""
    if any(part.startswith(".") for part in source.split("/")):
        return "hidden file"
    pattern = config.hidden_by(source)
    return None if pattern is None else _hidden_reason(pattern)


def _skip_whiteboards(graph_dir: Path, plan: Plan, config: GraphConfig) -> None:
    for path in _graph_files(graph_dir, WHITEBOARDS_DIR):
        source = path.relative_to(graph_dir).as_posix()
        plan.actions.append(Action(SKIP, "", source, _left_out(source, config) or (
            "a whiteboard: the site does not show whiteboards (Logseq draws them with tldraw); "
            "put what it says on a page to publish it")))


def _read_pages(graph_dir: Path, plan: Plan, config: GraphConfig) -> list[_Page]:
    pages: list[_Page] = []
    for folder in (GRAPH_PAGES_DIR, JOURNALS_DIR):
        for path in _graph_files(graph_dir, folder):
            source = path.relative_to(graph_dir).as_posix()
            left_out = _left_out(source, config)
            if left_out is not None:
                plan.actions.append(Action(SKIP, "", source, left_out))
                continue
            if path.suffix.lower() != ".md":
                plan.actions.append(Action(SKIP, "", source, "not a Markdown page (only .md pages are imported)"))
                continue
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as err:
                plan.actions.append(Action(SKIP, "", source, f"not UTF-8 text ({err})", problem=True))
                continue
            if folder == JOURNALS_DIR:
                title = read_note(f"{page_names.NOTES_DIR}/{path.name}", text).explicit_title \
                    or journal_title(path.stem)
                if not title:
                    plan.actions.append(Action(SKIP, "", source, "journal file name is not a date (YYYY_MM_DD.md) "
                                               "and the journal has no title", problem=True))
                    continue
                target = page_names.filename_for_title(title)
            else:
                target = page_target(source)
            note = read_note(target, text)
            public, why = publicity(note, config.all_pages_public)
            if not public:
                plan.actions.append(Action(SKIP, "", source, why))
                continue
            pages.append(_Page(source, target, data, note, why))
    return pages


def _drop_name_conflicts(pages: list[_Page], docs_dir: Path, old: dict, plan: Plan) -> list[_Page]:
    """Two public pages with one file or one title would break the build: keep the first, say why."""
    owners: dict[str, str] = {}      # normalised title -> who has it
    written: list[tuple[Note, str]] = []
    # Notes written in docs/ (not imported) keep their names.
    notes_dir = docs_dir / page_names.NOTES_DIR
    imported_targets = set(old) | {p.target for p in pages}
    for path in sorted(notes_dir.rglob("*.md")) if notes_dir.is_dir() else []:
        target = path.relative_to(docs_dir).as_posix()
        if target in imported_targets or any(part.startswith(".") for part in target.split("/")):
            continue
        note = read_note(target, path.read_text(encoding="utf-8-sig"))
        if note.public:
            owner = f"docs/{target} (written in docs/, not imported)"
            written.append((note, owner))
            for name in [note.title, *note.aliases]:
                owners.setdefault(links.normalize(name), owner)
    urls = {note.dest_uri: owner for note, owner in written}
    kept: list[_Page] = []
    targets: dict[str, str] = {}
    for page in pages:
        if page.target in targets:
            plan.actions.append(Action(SKIP, page.target, page.source,
                                       f"graph {page.source} goes to the same file as graph {targets[page.target]}, "
                                       "which is imported instead; rename or remove one of them", problem=True))
            continue
        clash = next((owners[links.normalize(n)] for n in [page.note.title, *page.note.aliases]
                      if links.normalize(n) in owners), None)
        if clash is not None:
            plan.actions.append(Action(SKIP, page.target, page.source,
                                       f"page name '{page.note.title}' (or an alias) is already used by {clash}",
                                       problem=True))
            continue
        url = page.note.dest_uri
        if url in urls:
            plan.actions.append(Action(SKIP, page.target, page.source,
                                       f"page '{page.note.title}' would have the URL {url.removesuffix('index.html')} "
                                       f"of {urls[url]} (names that differ only in spaces or punctuation "
                                       "get one URL); rename one of them", problem=True))
            continue
        urls[url] = f"graph {page.source} ('{page.note.title}')"
        targets[page.target] = page.source
        for name in [page.note.title, *page.note.aliases]:
            owners.setdefault(links.normalize(name), f"graph {page.source}")
        kept.append(page)
    return kept


def _decide(target: str, source: str, data: bytes, old: dict, docs_dir: Path, force: bool,
            why_add: str, why_update: str) -> Action:
    path = docs_dir / target
    recorded = old.get(target, {}).get("sha256")
    if not path.exists():
        if recorded is None:
            return Action(ADD, target, source, why_add, data=data)
        if force:
            return Action(ADD, target, source, "deleted in docs/ since the last import; restored (--force)",
                          data=data)
        return Action(SKIP, target, source, "deleted in docs/ since the last import: "
                      "use --force to bring it back", problem=True)
    current = sha256(path.read_bytes())
    if current == sha256(data):
        return Action(UNCHANGED, target, source, "same as in the graph" if recorded else
                      "already in docs/ with the same content (now recorded as imported)")
    if recorded is not None and current == recorded:
        return Action(UPDATE, target, source, why_update, data=data)
    local = ("changed in docs/ since the last import" if recorded is not None
             else "already in docs/ with other content, and not imported before")
    if force:
        return Action(UPDATE, target, source, f"{local}; replaced (--force)", data=data)
    return Action(SKIP, target, source, f"{local}: kept as it is; use --force to replace it with the graph's "
                  "version", problem=True)


def _removal(target: str, entry: dict, graph_dir: Path, docs_dir: Path, force: bool, plan: Plan) -> Action:
    source = entry["source"]
    if target == graph_macros.MACROS_FILE:
        gone = f"{source} defines no :macros any more"
    else:
        gone = "no longer in the graph" if not (graph_dir / source).is_file() else (
            "no page imported now uses it" if source.startswith(f"{ASSETS_DIR}/") else "no longer public in the graph")
    path = docs_dir / target
    if not path.exists():
        return Action(REMOVE, target, source, f"{gone}; already gone from docs/")
    if target.startswith(f"{ASSETS_DIR}/"):
        users = _docs_users_of(target, docs_dir, plan)
        if users:
            return Action(SKIP, target, source, f"{gone}, but {', '.join(users)} in docs/ uses it: kept, "
                          "no longer tracked as imported")
    if sha256(path.read_bytes()) != entry["sha256"]:
        if force:
            return Action(REMOVE, target, source, f"{gone}; changed in docs/ since the last import (--force)")
        return Action(SKIP, target, source, f"{gone}, but changed in docs/ since the last import: kept; "
                      "use --force to remove it", problem=True)
    return Action(REMOVE, target, source, gone)


def _docs_users_of(asset: str, docs_dir: Path, plan: Plan) -> list[str]:
    """Notes in docs/ (as they will be after the import) that link ``asset``."""
    leaving = {a.target for a in plan.actions if a.verb == REMOVE}
    users = []
    notes_dir = docs_dir / page_names.NOTES_DIR
    for path in sorted(notes_dir.rglob("*.md")) if notes_dir.is_dir() else []:
        target = path.relative_to(docs_dir).as_posix()
        if target in leaving:
            continue
        text = next((a.data for a in plan.actions if a.target == target and a.data is not None), None)
        text = (text or path.read_bytes()).decode("utf-8-sig", errors="replace")
        if any(relative == asset for relative, _ in asset_references(text)):
            users.append(target)
    return users


def _manifest_after(plan: Plan, old: dict) -> dict[str, dict[str, str]]:
    """The import record after the plan is applied: what each file was when imported."""
    manifest: dict[str, dict[str, str]] = {}
    for action in plan.actions:
        if not action.target or action.target in manifest:
            continue
        if action.verb in (ADD, UPDATE):
            manifest[action.target] = {"source": action.source, "sha256": sha256(action.data or b"")}
        elif action.verb == UNCHANGED:
            manifest[action.target] = {"source": action.source,
                                       "sha256": sha256((plan.docs_dir / action.target).read_bytes())}
        elif action.verb == SKIP and action.problem and action.target in old:
            # Still imported: keep the record of the last import, so the edit stays protected.
            manifest[action.target] = old[action.target]
    return manifest


# --- writing ----------------------------------------------------------------------------------


def apply_plan(plan: Plan) -> None:
    """Write the plan: copy, remove, then record what was imported."""
    for action in plan.actions:
        path = plan.docs_dir / action.target
        if action.verb in (ADD, UPDATE):
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, action.data or b"")
        elif action.verb == REMOVE and path.exists():
            path.unlink()
    plan.docs_dir.mkdir(parents=True, exist_ok=True)
    payload = {"version": MANIFEST_VERSION,
               "about": "Written by `python -m kb import`: the SHA-256 of each file as imported from the "
                        "Logseq graph, so a re-import never overwrites an edit made in docs/.",
               "files": dict(sorted(plan.manifest.items()))}
    _write_atomically(plan.docs_dir / MANIFEST_NAME,
                      (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.kb-import-tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def run_import(graph_dir: Path, docs_dir: Path, *, dry_run: bool = False, force: bool = False,
               out=print) -> int:
    """The ``import`` command: plan, print, write unless ``dry_run``; 0 when nothing needs attention."""
    try:
        plan = plan_import(graph_dir, docs_dir, force=force)
    except GraphImportError as err:
        out(f"error: {err}")
        return 2
    for action in plan.actions:
        out(action.line(dry_run))
    if not dry_run:
        apply_plan(plan)
    out(plan.summary(dry_run))
    why_nothing = plan.nothing_imported()
    if why_nothing:
        out(f"error: {why_nothing}")
    return 1 if plan.problems or why_nothing else 0
