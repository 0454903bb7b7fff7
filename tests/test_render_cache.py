"""kb/site/render_cache.py: a build that puts stored conversions back makes the same site, byte for
byte, as one that converts every page; after an edit, the pages whose HTML it changes (its own,
and those showing its blocks, its title, its tags or its URL) are converted again, and the site is
the one a build from scratch makes of the edited files; a stored conversion from other kb code
or over another image is not used.

Each build is its own process; the cache is switched off with ``KB_RENDER_CACHE=off``."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, VENV_BIN, build_site
from kb.notes import page_names
from kb.notes.graph import build_graph
from kb.site import render_cache
from kb.tools import graph_generator

NOTES = 14
RE_COUNTS = re.compile(r"Render cache: (\d+) pages converted, (\d+) put back")


def site_files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def build(config: Path, site: Path, monkeypatch, cache: bool = True) -> tuple[int, int]:
    """Build strictly; (pages converted, pages put back) as the build logged them."""
    with monkeypatch.context() as env:
        if not cache:
            env.setenv(render_cache.SWITCH_ENV, "off")
        result = build_site(site, config)
    assert result.returncode == 0, result.stdout + result.stderr
    counts = RE_COUNTS.search(result.stderr)
    if not cache:
        assert counts is None, "the cache was off, yet the build says it used it"
        return -1, -1
    assert counts, result.stderr
    return int(counts.group(1)), int(counts.group(2))


def assert_same_site(got: Path, expected: Path) -> None:
    a, b = site_files(got), site_files(expected)
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert not different, f"differ from a build from scratch: {different}"


def test_the_project_site_with_stored_conversions_is_the_site_without_them(built_site, tmp_path, monkeypatch):
    # built_site has stored every page's conversion (the cache is on by default).
    converted, reused = build(ROOT / "mkdocs.yml", tmp_path / "warm", monkeypatch)
    assert reused > 30 and converted == 0
    build(ROOT / "mkdocs.yml", tmp_path / "off", monkeypatch, cache=False)
    assert_same_site(tmp_path / "warm", tmp_path / "off")


def test_a_generated_graph_cold_warm_and_without_cache_is_one_site(tmp_path, monkeypatch):
    graph_generator.generate(tmp_path / "g", NOTES, seed=5)
    config = tmp_path / "g" / "mkdocs.yml"
    build(config, tmp_path / "off", monkeypatch, cache=False)
    converted, reused = build(config, tmp_path / "cold", monkeypatch)
    assert reused == 0 and converted > NOTES      # the notes, their tag pages, index, tags, 勘误
    assert build(config, tmp_path / "warm", monkeypatch) == (0, converted)
    assert_same_site(tmp_path / "cold", tmp_path / "off")
    assert_same_site(tmp_path / "warm", tmp_path / "off")


# --- an edit, then the incremental build against a build from scratch ---------------------------

def notes_of(docs: Path):
    pages = sorted((docs / "pages").glob("*.md"))
    return build_graph([(f"pages/{p.name}", p.read_text(encoding="utf-8")) for p in pages])


def a_link(docs: Path):
    """A [[link]] from one note to another: (linking note, its line, target note)."""
    graph = notes_of(docs)
    return next((link.source, link.line, graph.resolve(link.target)) for link in graph.links
                if link.kind == "page" and graph.resolve(link.target) not in (None, link.source))


def edit_line(docs: Path, src_uri: str, line: int, change) -> None:
    path = docs / src_uri
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = change(lines[line - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def change_linking_text(docs: Path) -> str:
    source, line, target = a_link(docs)
    edit_line(docs, source.src_uri, line, lambda text: text + " 这句改过了")
    return target.dest_uri          # its linked references show the new text


def add_link(docs: Path) -> str:
    graph = notes_of(docs)
    source = graph.notes[0]
    linked = {graph.resolve(l.target).src_uri for l in graph.links if l.source is source and graph.resolve(l.target)}
    target = next(n for n in graph.notes if not n.generated and n is not source and n.src_uri not in linked)
    with open(docs / source.src_uri, "a", encoding="utf-8") as f:
        f.write(f"\n新加的一段，参见 [[{target.title}]]\n")
    return target.dest_uri          # a linked reference more


def rename_page(docs: Path) -> str:
    """A new title (the old one kept as an alias, so links and the learning path still find it):
    every page linking to it shows the new title and links to its new URL, and so does a
    Markdown link on an ordinary page (MkDocs resolves ``x.md`` to its URL)."""
    _, _, target = a_link(docs)
    edit_line(docs, target.src_uri, 1, lambda text: f"title:: {target.title} 改名\nalias:: {target.title}")
    return page_names.dest_uri_for_title(f"{target.title} 改名")


def tag_a_page(docs: Path) -> str:
    graph = notes_of(docs)
    note = next(n for n in graph.notes if not n.generated and "推理" not in n.tags)
    edit_line(docs, note.src_uri, 2, lambda text: text + ", 推理" if text.startswith("tags::") else f"tags:: 推理\n{text}")
    return graph.resolve("推理").dest_uri if graph.resolve("推理") else page_names.dest_uri_for_title("推理")


def delete_linked_note(docs: Path) -> str:
    """A note that links to others goes, with the links to it and its place on the learning path:
    the pages it linked to lose its blocks from their linked references."""
    graph = notes_of(docs)
    parents = {n.title.rpartition("/")[0] for n in graph.notes}
    source, target = next((link.source, graph.resolve(link.target)) for link in graph.links
                          if link.kind == "page" and link.source.title not in parents
                          and graph.resolve(link.target) not in (None, link.source))
    (docs / source.src_uri).unlink()
    for path in (docs / "pages").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"[[{source.title}]]", source.title), encoding="utf-8")
    path_file = docs.parent / "learning-path.yml"
    lines = path_file.read_text(encoding="utf-8").split("\n")
    at = lines.index(f'    - page: "{source.title}"')
    path_file.write_text("\n".join(lines[:at] + lines[at + 2:]), encoding="utf-8")
    return target.dest_uri


EDITS = [change_linking_text, add_link, rename_page, tag_a_page, delete_linked_note]


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_after_an_edit_the_incremental_build_is_the_build_from_scratch(edit, tmp_path, monkeypatch):
    graph_generator.generate(tmp_path / "g", NOTES, seed=11)
    docs, config = tmp_path / "g" / "docs", tmp_path / "g" / "mkdocs.yml"
    _, _, linked = a_link(docs)
    # An ordinary page with a Markdown link to a note: only MkDocs knows where it leads.
    (docs / "about.md").write_text(f"# 关于\n\n见 [这篇笔记]({linked.src_uri})。\n", encoding="utf-8")
    build(config, tmp_path / "before", monkeypatch)
    changed_page = edit(docs)
    converted, reused = build(config, tmp_path / "incremental", monkeypatch)
    build(config, tmp_path / "scratch", monkeypatch, cache=False)
    assert_same_site(tmp_path / "incremental", tmp_path / "scratch")
    # The cache was used, and the edit reached a page other than the edited note's.
    assert reused > 0 and converted >= 2
    before, after = site_files(tmp_path / "before"), site_files(tmp_path / "scratch")
    assert changed_page in after and before.get(changed_page) != after[changed_page]


# --- what an entry is not used after ------------------------------------------------------------

def build_with_older_code(config: Path, site: Path) -> tuple[int, int]:
    """A build whose kb code version is another (as after an upgrade of kb)."""
    script = ("import sys; from kb.site import render_cache; render_cache.code_version = lambda *a: 'older'; "
              "from mkdocs.__main__ import cli; sys.argv = ['mkdocs'] + sys.argv[1:]; cli()")
    result = subprocess.run([str(VENV_BIN / "python"), "-c", script, "build", "--strict", "-f", str(config),
                             "-d", str(site)], cwd=ROOT, capture_output=True, text=True,
                            env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    counts = RE_COUNTS.search(result.stderr)
    return int(counts.group(1)), int(counts.group(2))


def test_an_entry_from_other_kb_code_or_over_another_image_is_not_used(tmp_path, monkeypatch):
    graph_generator.generate(tmp_path / "g", NOTES, seed=5)
    config = tmp_path / "g" / "mkdocs.yml"
    pages, _ = build(config, tmp_path / "a", monkeypatch)
    assert build(config, tmp_path / "b", monkeypatch) == (0, pages)
    assert build_with_older_code(config, tmp_path / "c") == (pages, 0)
    build(config, tmp_path / "d", monkeypatch)
    image = next((tmp_path / "g" / "docs" / "assets").glob("*.png"))
    image.write_bytes(image.read_bytes() + b"\0")     # an occlusion card reads its size
    assert build(config, tmp_path / "e", monkeypatch) == (pages, 0)


def test_the_code_version_changes_with_the_builds_code_not_the_tools(tmp_path):
    """Any file the build imports counts; kb/tools/ (bench, generator, import), kb/figures/ and
    kb/__main__.py never make a page, and editing them keeps every kept conversion."""
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "kb", kb, ignore=shutil.ignore_patterns("__pycache__", "*.cjs", "theme"))
    before = render_cache.code_version(kb)
    assert render_cache.code_version(kb) == before

    def edit(relative: str) -> None:
        path = kb / relative
        path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")

    for relative in ("tools/graph_generator.py", "tools/bench.py", "figures/__init__.py", "__main__.py"):
        edit(relative)
        assert render_cache.code_version(kb) == before, relative
    for relative in ("site/katex.py", "notes/graph.py", "logseq/extension.py", "cards/page_cards.py", "paths.py"):
        edit(relative)
        assert render_cache.code_version(kb) != before, relative
        before = render_cache.code_version(kb)
    (kb / "site" / "new_step.py").write_text("X = 1\n", encoding="utf-8")
    assert render_cache.code_version(kb) != before


def test_settings_are_fingerprinted_without_object_addresses():
    def slugify(case):
        def slug(text, sep):
            return text.lower() if case == "lower" else text
        return slug

    a, b = slugify("lower"), slugify("lower")
    assert a is not b and render_cache.stable({"slugify": a}) == render_cache.stable({"slugify": b})
    assert render_cache.stable({"slugify": a}) != render_cache.stable({"slugify": slugify("upper")})
    assert " at 0x" not in render_cache.stable({"f": a})
