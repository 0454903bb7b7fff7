"""``python -m kb import``: a Logseq graph's public pages and their images copied into docs/.

The graph is made here, in Logseq's own layout: ``pages/`` (a namespaced ``A___B.md``, a
legacy ``A%2FB.md``, a ``title::`` page property, a private page, a page with no
``public``), ``journals/`` (one public, one private), ``assets/`` (used, private-only
and unused images) and ``logseq/config.edn``. It also holds byte-for-byte copies of the
notes checked in under ``docs/pages/`` and their images, so importing it must give
those very pages back.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import ROOT, build_site, write_config
from kb.cards.extract import PageInfo, extract_notes
from kb.notes.graph import read_note
from kb.notes.outline import parse_outline
from kb.site import learning_path

DOCS_PAGES = ROOT / "docs" / "pages"
# The public pages of the fixture graph below (a journal among them), by title.
FIXTURE_TITLES = ("Fixture/Group Norm", "Fixture/Layer Norm", "Oct 5th, 2024")
RE_PATH_NAV = re.compile(r'<nav class="kb-path-nav".*?</nav>', re.DOTALL)
RE_ASSET = re.compile(r"\((?:\.\.)?/(assets/[^)\s]+)\)")


def png(width: int, height: int) -> bytes:
    """A real (tiny, grey) PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def occlusion_value(image: str, cids: list[int]) -> str:
    elements = [{"left": 10 + 20 * i, "top": 10, "width": 8, "height": 8, "angle": 0, "cId": c}
                for i, c in enumerate(cids)]
    data = {image: {"config": {"hideAllTestOne": True}, "elements": elements}}
    return base64.b64encode(json.dumps(data).encode("utf-8")).decode("ascii")


GROUP_NORM = (  # a legacy %2F file name; cards of every kind; an image with occlusion
    "---\ntitle: Fixture/Group Norm\npublic: true\ndeck: fixture/Norms\ndate: 2024-10-05\nupdated: 2024-10-06\n---\n\n"
    "组归一化（Group Normalization）把通道分成 {{c1 若干组}}，每组各算一次 {{c2 均值和方差}}\n\n"
    "组数为 1 时是什么？ :-> 层归一化（Layer Normalization）\n\n"
    "组数等于通道数时 #card\n  + 实例归一化（Instance Normalization）\n\n"
    "![gn.png](../assets/gn.png)\n"
    f"occlusion:: {occlusion_value('../assets/gn.png', [1, 2])}\n"
)
LAYER_NORM = (  # Logseq page properties instead of front matter; a title:: that names a namespace
    "title:: Fixture/Layer Norm\npublic:: true\nalias:: Fixture LN\n\n"
    "- 层归一化对每个样本的全部特征归一化，与 batch 无关\n"
    "  - 见 [[Fixture/Group Norm]]\n"
)
SECRET = "public:: false\n\n- 私密的想法 ![s](../assets/secret.png)\n"
DRAFT = "- 还没决定公开 [[Fixture/Layer Norm]]\n"
JOURNAL_PUBLIC = "public:: true\n\n- 今天读了 [[Fixture/Group Norm]] 的论文\n"
JOURNAL_PRIVATE = "- 私人日记\n"


def line_of(text: str, line: str) -> int:
    return text.split("\n").index(line) + 1


GN_IMAGE_LINE = line_of(GROUP_NORM, "![gn.png](../assets/gn.png)")
GN_OCCLUSION_LINE = GN_IMAGE_LINE + 1


def checked_in_notes() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(DOCS_PAGES.glob("*.md"))}


def assets_of(data: bytes) -> set[str]:
    return set(RE_ASSET.findall(data.decode("utf-8")))


def make_graph(root: Path) -> Path:
    """A Logseq graph folder with the checked-in notes and the fixture pages."""
    graph = root / "graph"
    for folder in ("pages", "journals", "assets", "logseq"):
        (graph / folder).mkdir(parents=True)
    (graph / "logseq" / "config.edn").write_text("{:file/name-format :triple-lowbar}\n", encoding="utf-8")
    for name, data in checked_in_notes().items():
        (graph / "pages" / name).write_bytes(data)
        for asset in assets_of(data):
            (graph / asset).write_bytes((ROOT / "docs" / asset).read_bytes())
    (graph / "pages" / "Fixture%2FGroup Norm.md").write_text(GROUP_NORM, encoding="utf-8")
    (graph / "pages" / "layer norm.md").write_text(LAYER_NORM, encoding="utf-8")
    (graph / "pages" / "Secret.md").write_text(SECRET, encoding="utf-8")
    (graph / "pages" / "Draft.md").write_text(DRAFT, encoding="utf-8")
    (graph / "journals" / "2024_10_05.md").write_text(JOURNAL_PUBLIC, encoding="utf-8")
    (graph / "journals" / "2024_10_06.md").write_text(JOURNAL_PRIVATE, encoding="utf-8")
    (graph / "assets" / "gn.png").write_bytes(png(60, 30))
    (graph / "assets" / "secret.png").write_bytes(png(5, 5))
    (graph / "assets" / "unused.png").write_bytes(png(6, 6))
    return graph


def kb_command(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, env=env, capture_output=True, text=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def card_ids(docs: Path) -> dict[str, list[str]]:
    """Every card id of every imported note, read with kb/cards/extract.py as the build reads them."""
    ids = {}
    for path in sorted((docs / "pages").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        note = read_note(f"pages/{path.name}", text)
        deck = note.front.meta.get("deck")
        if not deck:
            continue
        notes, errors = extract_notes(note.blocks, PageInfo(
            title=note.title, deck=deck, source=path.name, src_uri=f"pages/{path.name}", docs_dir=docs))
        assert errors == []
        ids[path.name] = [card.id for n in notes for card in n.cards]
    return ids


EXPECTED_PAGES = {"Fixture___Group Norm.md": "Fixture%2FGroup Norm.md", "layer norm.md": "layer norm.md"}


@pytest.fixture
def graph(tmp_path: Path) -> Path:
    return make_graph(tmp_path)


@pytest.fixture
def imported(graph: Path, tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    result = kb_command("import", str(graph), "--docs", str(docs), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return docs


def test_import_copies_public_pages_and_their_images_byte_for_byte(graph: Path, tmp_path: Path):
    docs = tmp_path / "docs"
    result = kb_command("import", str(graph), "--docs", str(docs), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    notes = checked_in_notes()
    pages = {p.name: p.read_bytes() for p in (docs / "pages").iterdir()}
    assert set(pages) == set(notes) | set(EXPECTED_PAGES) | {"Oct 5th, 2024.md"}
    for name, data in notes.items():
        assert pages[name] == data, name
    for target, source in EXPECTED_PAGES.items():
        assert pages[target] == (graph / "pages" / source).read_bytes()
    assert pages["Oct 5th, 2024.md"] == JOURNAL_PUBLIC.encode("utf-8")
    wanted_assets = {a for data in notes.values() for a in assets_of(data)} | {"assets/gn.png"}
    assert {f"assets/{p.name}" for p in (docs / "assets").iterdir()} == wanted_assets
    for asset in wanted_assets:
        assert (docs / asset).read_bytes() == (graph / asset).read_bytes()
    out = result.stdout
    assert re.search(r"^skipped +graph pages/Secret\.md: not public \(public:: false\)$", out, re.M)
    assert re.search(r"^skipped +graph pages/Draft\.md: not public \(no 'public: true'", out, re.M)
    assert re.search(r"^skipped +graph journals/2024_10_06\.md: not public", out, re.M)
    assert re.search(r"^added +pages/Fixture___Group Norm\.md <- graph pages/Fixture%2FGroup Norm\.md: "
                     r"new public page 'Fixture/Group Norm' \(public: true\)$", out, re.M)
    assert re.search(r"^added +assets/gn\.png: image used at graph pages/Fixture%2FGroup Norm\.md:"
                     rf"{GN_IMAGE_LINE},{GN_OCCLUSION_LINE}$", out, re.M)
    assert "secret.png" not in out and "unused.png" not in out
    added = len(notes) + 3 + len(wanted_assets)
    assert out.strip().splitlines()[-1] == f"{added} added, 0 updated, 0 unchanged, 3 skipped, 0 removed"


def test_titles_come_from_namespaced_legacy_and_title_property_names(imported: Path):
    def title(name: str) -> str:
        return read_note(f"pages/{name}", (imported / "pages" / name).read_text(encoding="utf-8")).title
    assert title("Fixture___Group Norm.md") == "Fixture/Group Norm"
    assert title("layer norm.md") == "Fixture/Layer Norm"
    assert title("Oct 5th, 2024.md") == "Oct 5th, 2024"


def test_dry_run_writes_nothing(graph: Path, tmp_path: Path):
    docs = tmp_path / "docs"
    result = kb_command("import", str(graph), "--docs", str(docs), "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not docs.exists()
    assert re.search(r"^would add +pages/Oct 5th, 2024\.md <- graph journals/2024_10_05\.md", result.stdout, re.M)
    assert result.stdout.strip().splitlines()[-1].startswith("dry run, nothing written: ")


def test_dry_run_after_edits_writes_nothing_and_lists_the_updates(imported: Path, graph: Path, tmp_path: Path):
    before = snapshot(imported)
    group = graph / "pages" / "Fixture%2FGroup Norm.md"
    group.write_text(GROUP_NORM.replace("若干组", "G 组"), encoding="utf-8")
    (graph / "journals" / "2024_10_05.md").write_text(JOURNAL_PRIVATE, encoding="utf-8")
    result = kb_command("import", str(graph), "--docs", str(imported), "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot(imported) == before
    assert re.search(r"^would update +pages/Fixture___Group Norm\.md", result.stdout, re.M)
    assert re.search(r"^would remove +pages/Oct 5th, 2024\.md <- graph journals/2024_10_05\.md: "
                     r"no longer public in the graph$", result.stdout, re.M)


def test_reimport_after_edits_keeps_card_ids_and_duplicates_nothing(imported: Path, graph: Path, tmp_path: Path):
    ids_before = card_ids(imported)
    assert len(ids_before["Fixture___Group Norm.md"]) == 2 + 1 + 1 + 2   # c1 c2, arrow, #card, two masks
    files_before = set(snapshot(imported))
    group = graph / "pages" / "Fixture%2FGroup Norm.md"
    edited = (GROUP_NORM.replace("{{c1 若干组}}", "{{c1 G 个组}}")            # every kind of answer changes
              .replace(":-> 层归一化（Layer Normalization）", ":-> LayerNorm")
              .replace("  + 实例归一化（Instance Normalization）", "  + InstanceNorm"))
    assert edited.count("\n") == GROUP_NORM.count("\n") and edited != GROUP_NORM
    group.write_text(edited, encoding="utf-8")

    result = kb_command("import", str(graph), "--docs", str(imported), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^updated +pages/Fixture___Group Norm\.md <- graph pages/Fixture%2FGroup Norm\.md: "
                     r"changed in the graph$", result.stdout, re.M)
    assert (imported / "pages" / "Fixture___Group Norm.md").read_text(encoding="utf-8") == edited
    assert set(snapshot(imported)) == files_before
    assert card_ids(imported) == ids_before
    updated = [line for line in result.stdout.splitlines() if line.startswith(("added", "updated", "removed"))]
    assert len(updated) == 1, updated


def test_editing_a_cloze_answer_in_a_parent_block_keeps_the_child_cards_ids(tmp_path: Path):
    page = PageInfo(title="Fixture/Group Norm", deck="fixture/Norms", source="gn.md")
    before = "分成 {{c1 若干组}}\n  + 组数为 1 时是什么？ :-> 层归一化\n"
    after = before.replace("若干组", "G 个组")
    ids = [[c.id for n in extract_notes(parse_outline(text), page)[0] for c in n.cards] for text in (before, after)]
    assert ids[0] == ids[1]


def test_a_page_edited_in_docs_is_kept_until_forced(imported: Path, graph: Path, tmp_path: Path):
    local = imported / "pages" / "layer norm.md"
    local.write_text(LAYER_NORM + "- 在 docs/ 里改的一行\n", encoding="utf-8")
    (graph / "pages" / "layer norm.md").write_text(LAYER_NORM + "- 在 Logseq 里加的一行\n", encoding="utf-8")

    result = kb_command("import", str(graph), "--docs", str(imported), cwd=tmp_path)
    assert result.returncode == 1
    assert re.search(r"^skipped +pages/layer norm\.md: changed in docs/ since the last import: kept as it is; "
                     r"use --force to replace it", result.stdout, re.M)
    assert "在 docs/ 里改的一行" in local.read_text(encoding="utf-8")
    again = kb_command("import", str(graph), "--docs", str(imported), cwd=tmp_path)
    assert again.returncode == 1 and "changed in docs/ since the last import" in again.stdout

    forced = kb_command("import", str(graph), "--docs", str(imported), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stdout
    assert local.read_bytes() == (graph / "pages" / "layer norm.md").read_bytes()
    assert kb_command("import", str(graph), "--docs", str(imported), cwd=tmp_path).returncode == 0


def test_a_page_already_in_docs_but_never_imported_is_not_overwritten(graph: Path, tmp_path: Path):
    docs = tmp_path / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "pages" / "layer norm.md").write_text("- 手写的页面\n", encoding="utf-8")
    result = kb_command("import", str(graph), "--docs", str(docs), cwd=tmp_path)
    assert result.returncode == 1
    assert re.search(r"^skipped +pages/layer norm\.md: already in docs/ with other content, and not imported "
                     r"before", result.stdout, re.M)
    assert (docs / "pages" / "layer norm.md").read_text(encoding="utf-8") == "- 手写的页面\n"


def test_a_page_made_private_leaves_docs_with_its_image(imported: Path, graph: Path, tmp_path: Path):
    group = graph / "pages" / "Fixture%2FGroup Norm.md"
    group.write_text(GROUP_NORM.replace("public: true", "public: false"), encoding="utf-8")
    result = kb_command("import", str(graph), "--docs", str(imported), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert not (imported / "pages" / "Fixture___Group Norm.md").exists()
    assert not (imported / "assets" / "gn.png").exists()
    assert re.search(r"^removed +pages/Fixture___Group Norm\.md <- graph pages/Fixture%2FGroup Norm\.md: "
                     r"no longer public in the graph$", result.stdout, re.M)
    manifest = json.loads((imported / ".kb-import.json").read_text(encoding="utf-8"))["files"]
    assert "pages/Fixture___Group Norm.md" not in manifest and "assets/gn.png" not in manifest
    assert "pages/layer norm.md" in manifest


def test_a_missing_image_is_reported_with_the_line_that_uses_it(graph: Path, tmp_path: Path):
    (graph / "assets" / "gn.png").unlink()
    result = kb_command("import", str(graph), "--docs", str(tmp_path / "docs"), cwd=tmp_path)
    assert result.returncode == 1
    assert re.search(r"^skipped +assets/gn\.png: not in the graph's assets/ folder \(used at graph "
                     rf"pages/Fixture%2FGroup Norm\.md:{GN_IMAGE_LINE},{GN_OCCLUSION_LINE}\)$", result.stdout, re.M)


def test_name_clashes_and_other_files_are_reported_not_dropped(graph: Path, tmp_path: Path):
    docs = tmp_path / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "pages" / "Written Here.md").write_text("---\ntitle: Layer Norm Here\nalias: [Fixture LN]\n---\n\n- 手写\n",
                                                    encoding="utf-8")
    (graph / "pages" / "Fixture___Group Norm.md").write_text(GROUP_NORM, encoding="utf-8")   # same file as %2F
    (graph / "pages" / "notes.org").write_text("* org page\n", encoding="utf-8")
    (graph / "pages" / ".DS_Store").write_bytes(b"\0")
    result = kb_command("import", str(graph), "--docs", str(docs), cwd=tmp_path)
    assert result.returncode == 1
    out = result.stdout
    assert re.search(r"^skipped +pages/Fixture___Group Norm\.md: graph pages/Fixture___Group Norm\.md goes to the "
                     r"same file as graph pages/Fixture%2FGroup Norm\.md, which is imported instead", out, re.M)
    assert re.search(r"^skipped +pages/layer norm\.md: page name 'Fixture/Layer Norm' \(or an alias\) is already "
                     r"used by docs/pages/Written Here\.md", out, re.M)
    assert re.search(r"^skipped +graph pages/notes\.org: not a Markdown page", out, re.M)
    assert re.search(r"^skipped +graph pages/\.DS_Store: hidden file$", out, re.M)
    assert not (docs / "pages" / "layer norm.md").exists()


def test_not_a_graph_is_refused(tmp_path: Path):
    result = kb_command("import", str(tmp_path), "--docs", str(tmp_path / "docs"), cwd=tmp_path)
    assert result.returncode == 2 and "not a Logseq graph" in result.stdout
    assert not (tmp_path / "docs").exists()


def test_every_command_has_help(tmp_path: Path):
    for command in ([], ["import"], ["lint"], ["stats"]):
        result = kb_command(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0 and result.stdout.startswith("usage: python -m kb"), command


# --- the imported pages build into the same pages as the checked-in ones ---------------------------


def article(html: str, dates_from_git: bool) -> str:
    """A page's article; without its "last updated" facts when they come from git (see below)."""
    match = re.search(r"<article\b.*?</article>", html, re.DOTALL)
    assert match, "no <article> in the page"
    if dates_from_git:   # the aside, and the blank template lines its condition leaves
        text = re.sub(r'<aside class="md-source-file">.*?</aside>', "", match.group(0), flags=re.DOTALL)
        return "\n".join(line for line in text.split("\n") if line.strip())
    return match.group(0)


def test_imported_graph_builds_the_same_pages_as_the_checked_in_docs(built_site: Path, graph: Path,
                                                                        tmp_path: Path):
    docs = tmp_path / "docs"
    result = kb_command("import", str(graph), "--docs", str(docs), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "tags.md").write_bytes((ROOT / "docs" / "tags.md").read_bytes())   # where tags link to
    shutil.copytree(ROOT / "docs" / "experiments", docs / "experiments")       # notebooks the notes link to
    if (ROOT / "docs" / "errata").is_dir():                                      # corrections beside the notes
        shutil.copytree(ROOT / "docs" / "errata", docs / "errata")
    # The learning path is the site's configuration, beside mkdocs.yml: with it the pages end
    # with the same 上一篇 / 下一篇 (and the hub) as the checked-in site's. The graph's own
    # fixture pages must be on it too (the strict build wants every note there): a last stage.
    project_path = (ROOT / learning_path.PATH_FILE).read_text(encoding="utf-8")
    fixture_stage = "\n- stage: 导入测试\n  pages:\n" + "".join(
        f"    - page: {title}\n      teaches: 导入测试的页面。\n" for title in FIXTURE_TITLES)
    (tmp_path / learning_path.PATH_FILE).write_text(project_path + fixture_stage, encoding="utf-8")
    last_on_path = learning_path.parse(project_path, learning_path.PATH_FILE).steps[-1].title
    site = tmp_path / "site"
    build = build_site(site, write_config(tmp_path, docs))
    assert build.returncode == 0, build.stdout + build.stderr
    assert not (site / ".kb-import.json").exists()

    main_cards = json.loads((built_site / "cards.json").read_text(encoding="utf-8"))["cards"]
    new_cards = json.loads((site / "cards.json").read_text(encoding="utf-8"))["cards"]
    keys = ("id", "note", "type", "deck", "page", "url", "tags", "front", "back", "anki")
    for name, data in checked_in_notes().items():
        note = read_note(f"pages/{name}", data.decode("utf-8"))
        page = Path(note.dest_uri)
        # Same article: outline, math, cards, images and linked references (the fixture pages
        # link only to each other, so the checked-in pages' backlinks are the same).
        # A page without `updated:` shows its last git commit date (kb/site/page_meta.py), which a copy
        # outside the repository cannot have: only that aside is left out of the comparison then.
        from_git = "updated" not in note.front.meta
        imported, checked_in = (article((where / page).read_text(encoding="utf-8"), from_git)
                                for where in (site, built_site))
        if note.title == last_on_path:      # its 下一篇 is the fixture stage's first page here
            imported, checked_in = (RE_PATH_NAV.sub("", html) for html in (imported, checked_in))
        assert imported == checked_in, name
        mine = [{k: c[k] for k in keys} for c in new_cards if c["page"] == note.title]
        theirs = [{k: c[k] for k in keys} for c in main_cards if c["page"] == note.title]
        assert mine == theirs and mine, name
