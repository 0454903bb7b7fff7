"""``make serve`` rebuilds only what an edit changes (kb/site/incremental.py, issue 22), and the site it
leaves is the site a full build makes.

A generated graph is built as ``mkdocs serve --dirty`` builds it (kb/tools/serve_session.py: the
initial build, then one rebuild per save, in one process); after each edit (a note's text, a new
link to another note, a tag, a card, a title) the served folder is compared, file by file, with a
full ``mkdocs build --strict`` of the same graph into another folder. No file is ignored: both
builds use the same site URL, the dates are the day's, and a page's date comes from git, which
the generated graph is not in.

Two checks that the comparison bites: without the pages' graph dependencies (a page clean when
its own text is), the note that gains a backlink keeps its old page; without the search index
merge, the index holds only the rebuilt pages.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from kb.paths import ROOT
from kb.site import build_state, incremental, render_cache
from kb.tools import graph_generator
from kb.tools.serve_session import SERVE_URL, ServeSession

NOTES = 30
VENV_BIN = Path(sys.executable).parent
REPO_URL = "https://github.com/example/normalization-kb"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def anki_content(data: bytes) -> dict:
    """An Anki package's notes, cards and media, without the package's time (notes' mod, ids)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package, tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "collection.anki2"
        db.write_bytes(package.read("collection.anki2"))
        media = {name: package.read(number) for number, name in json.loads(package.read("media")).items()}
        with sqlite3.connect(db) as conn:
            notes = sorted(conn.execute("SELECT guid, mid, tags, flds, sfld, csum FROM notes"))
            cards = sorted(conn.execute("SELECT n.guid, c.did, c.ord, c.type, c.queue, c.due FROM cards c "
                                        "JOIN notes n ON n.id = c.nid"))
    return {"notes": notes, "cards": cards, "media": media}


def differences(a: Path, b: Path) -> list[str]:
    """The files that differ, but an Anki package whose notes are the same: a rebuild of make serve
    keeps the package when no card changed (kb/site/cards_hooks.py), with its older time."""
    left, right = tree(a), tree(b)
    return sorted(name for name in set(left) | set(right) if left.get(name) != right.get(name)
                  and not (name.endswith(".apkg") and name in left and name in right
                           and anki_content(left[name]) == anki_content(right[name])))


def full_build(config: Path, site_dir: Path) -> None:
    """``mkdocs build --strict`` in a process of its own, with the site URL serve gives the config."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": SERVE_URL, "REPO_URL": REPO_URL,
           "KB_NOTEBOOK_CACHE": str(config.parent / ".cache" / "mkdocs-jupyter")}
    result = subprocess.run([str(VENV_BIN / "mkdocs"), "build", "--strict", "-q", "-f", str(config),
                             "-d", str(site_dir)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


class Graph:
    """A generated graph and its notes' text, edited in place."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pages = folder / "docs" / "pages"

    def notes(self) -> list[Path]:
        return sorted(self.pages.glob("*.md"))

    def text(self, path: Path) -> str:
        return path.read_text(encoding="utf-8")

    def title(self, path: Path) -> str:
        return re.search(r"^title:: (.+)$", self.text(path), re.M).group(1)

    def edit(self, path: Path, old: str, new: str) -> None:
        text = self.text(path)
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def change_text(graph: Graph) -> Path:
    note = graph.notes()[0]
    graph.edit(note, "会影响", "显著地影响")
    return note


def add_link(graph: Graph) -> Path:
    """A link from the first note to a note it does not link to yet: the target gains a backlink."""
    source = graph.notes()[1]
    target = next(p for p in graph.notes() if p != source and f"[[{graph.title(p)}]]" not in graph.text(source))
    source.write_text(graph.text(source) + f"\n- 另见 [[{graph.title(target)}]]\n", encoding="utf-8")
    return target


def add_tag(graph: Graph) -> Path:
    """A tag another note already has (a new tag would add a tag page: a new navigation)."""
    note = graph.notes()[2]
    line = re.search(r"^tags:: (.+)$", graph.text(note), re.M)
    mine = {t.strip() for t in line.group(1).split(",")}
    others = {t.strip() for p in graph.notes() for m in re.finditer(r"^tags:: (.+)$", graph.text(p), re.M)
              for t in m.group(1).split(",")}
    tag = sorted(others - mine)[0]
    graph.edit(note, line.group(0), f"{line.group(0)}, {tag}")
    return note


def change_card(graph: Graph) -> Path:
    note = next(p for p in graph.notes() if " :-> " in graph.text(p))
    answer = re.search(r" :-> (.+)$", graph.text(note), re.M).group(0)
    graph.edit(note, answer, answer + " 与批大小")
    return note


def retitle(graph: Graph) -> Path:
    """A note renamed as Logseq renames it: its title:: and every link to it (a note that is no
    namespace's parent, so no other title changes); the learning path names it anew."""
    titles = [graph.title(p) for p in graph.notes()]
    note = next(p for p in graph.notes() if "/" not in graph.title(p)
                and not any(t.lower().startswith(graph.title(p).lower() + "/") for t in titles))
    title = graph.title(note)
    graph.edit(note, f"title:: {title}", f"title:: {title} 改名")
    link = re.compile(r"\[\[" + re.escape(title) + r"\]\]", re.I)
    for other in graph.notes():
        other.write_text(link.sub(f"[[{title} 改名]]", graph.text(other)), encoding="utf-8")
    graph.edit(graph.folder / "learning-path.yml", f'page: "{title}"', f'page: "{title} 改名"')
    return note


EDITS = [change_text, add_link, add_tag, change_card, retitle]


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A generated graph after serve's initial build: (graph, session, folder for full builds)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("REPO_URL", REPO_URL)
    monkeypatch.setenv("KB_NOTEBOOK_CACHE", str(tmp_path / "graph" / ".cache" / "mkdocs-jupyter"))
    monkeypatch.delenv(render_cache.SWITCH_ENV, raising=False)
    graph_generator.generate(tmp_path / "graph", NOTES, seed=5)
    session = ServeSession(tmp_path / "graph" / "mkdocs.yml", tmp_path / "served")
    session.build()
    yield Graph(tmp_path / "graph"), session, tmp_path
    incremental.start(dirty=False)   # this process's later builds are not serve's


def rebuilt(session: ServeSession) -> int:
    plan = incremental.plan_of(session.config)
    return len(plan.keys) - len(plan.clean)


def test_each_edit_rebuilt_incrementally_gives_the_full_builds_site(served):
    graph, session, tmp = served
    for number, edit in enumerate(EDITS):
        edited = edit(graph)
        session.build()
        pages = rebuilt(session)
        full = tmp / f"full-{number}"
        full_build(session.config_file, full)
        assert differences(session.site_dir, full) == [], f"after {edit.__name__} ({edited.name})"
        if edit is retitle:
            assert pages == len(incremental.plan_of(session.config).keys)   # the navigation changed
        else:
            assert 0 < pages < NOTES // 2, f"{edit.__name__}: {pages} pages rebuilt"


def test_a_rebuild_reads_again_only_the_edited_note(served):
    """The notes serve's previous build read are kept (kb/notes/graph.py) unless their text changed."""
    graph, session, tmp = served
    before = {n.src_uri: n for n in build_state.of(session.config).graph.notes if not n.generated}
    edited = "pages/" + change_text(graph).name
    session.build()
    after = {n.src_uri: n for n in build_state.of(session.config).graph.notes if not n.generated}
    assert after.keys() == before.keys() and edited in after
    assert after[edited] is not before[edited] and "显著地影响" in after[edited].source_text
    assert all(after[uri] is before[uri] for uri in after if uri != edited)


def test_an_edit_that_changes_no_card_writes_neither_cards_json_nor_the_deck(served):
    """kb/site/kept_outputs.py: cards.json and the Anki packages are written only when a card changed
    (the Anki package keeps its time: a full build's differs in it alone, see ``differences``)."""
    graph, session, tmp = served
    site = session.site_dir
    decks = [site / "cards.json", *sorted(site.glob("*.apkg"))]
    assert len(decks) >= 2

    def written():
        return [path.stat().st_mtime_ns for path in decks]

    before = written()
    note = next(p for p in graph.notes() if " :-> " in graph.text(p))   # a page with cards
    note.write_text(graph.text(note) + "\n- 一句没有卡片的话\n", encoding="utf-8")
    session.build()
    assert written() == before
    full_build(session.config_file, tmp / "full-text")
    assert differences(site, tmp / "full-text") == []

    change_card(graph)
    session.build()
    assert all(now != then for now, then in zip(written(), before))
    full_build(session.config_file, tmp / "full-card")
    assert differences(site, tmp / "full-card") == []


def test_a_page_read_again_is_the_page_mkdocs_builds(served):
    """incremental_hooks.read_page (a clean page read when the navigation changed after all) reads a
    page as MkDocs' build does, through public API only."""
    import importlib
    hooks = importlib.import_module("kb.site.incremental_hooks")
    graph, session, tmp = served
    plan = incremental.plan_of(session.config)
    pages = [f.page for f in plan.files.documentation_pages() if f.page is not None and f.page.content]
    page = next(p for p in pages if p.file.src_uri.startswith("pages/"))
    from mkdocs.commands.build import _populate_page   # MkDocs 1.6.1's own (private) reading
    page.markdown = page.content = None
    _populate_page(page, session.config, plan.files)
    expected, toc, meta = page.content, [item.title for item in page.toc], dict(page.meta)
    assert expected and toc
    page.markdown = page.content = None
    hooks.read_page(page, session.config, plan.files)
    assert page.content == expected and [item.title for item in page.toc] == toc and page.meta == meta
    assert "mkdocs.commands" not in Path(hooks.__file__).read_text(encoding="utf-8")


def test_without_the_graph_dependencies_a_backlink_is_missing(served, monkeypatch):
    graph, session, tmp = served

    def own_text_only(deps, src_uri, url, default_deck):
        note = deps.note_at(src_uri)
        return None if note is None else render_cache.fingerprint(src_uri, url, note.source_text)

    monkeypatch.setattr(incremental, "note_key", own_text_only)
    session.build()   # the records now hold the keys without dependencies
    target = add_link(graph)
    session.build()
    full_build(session.config_file, tmp / "full")
    different = differences(session.site_dir, tmp / "full")
    dest = graph_generator_dest(tmp / "full", graph.title(target))
    assert dest in different, different


def graph_generator_dest(site: Path, title: str) -> str:
    """The page of the note titled ``title`` in a built site (found by its <h1>)."""
    for path in sorted(site.rglob("*.html")):
        if re.search(rf"<h1[^>]*>{re.escape(title)}", path.read_text(encoding="utf-8")):
            return path.relative_to(site).as_posix()
    raise AssertionError(f"no page titled {title}")


def search_pages(site: Path) -> set[str]:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return {doc["location"].partition("#")[0] for doc in index["docs"]}


def test_the_search_index_after_a_rebuild_has_every_page(served):
    graph, session, tmp = served
    before = search_pages(session.site_dir)
    change_text(graph)
    session.build()
    assert rebuilt(session) < NOTES // 2
    full_build(session.config_file, tmp / "full")
    expected = search_pages(tmp / "full")
    assert len(expected) > NOTES            # every note, tag page, the home page ...
    assert search_pages(session.site_dir) == expected == before


def test_without_the_merge_the_search_index_loses_the_clean_pages(served, monkeypatch):
    graph, session, tmp = served
    monkeypatch.setattr(incremental, "merge_search_index", lambda config: None)
    change_text(graph)
    session.build()
    assert len(search_pages(session.site_dir)) < NOTES // 2
