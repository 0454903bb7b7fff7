"""kb/tools/graph_generator.py: the generated graph is the same for the same seed, differs for
another, and builds strictly with all of the site machinery into a site whose cards,
images, notes and links are the ones the generator says it wrote."""

from __future__ import annotations

import collections
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import build_site
from kb.site import learning_path
from kb.tools import graph_generator

NOTES = 20


def files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def graph(tmp_path_factory) -> tuple[Path, graph_generator.GraphCounts, Path]:
    folder = tmp_path_factory.mktemp("graph")
    counts = graph_generator.generate(folder / "graph", NOTES, seed=7)
    result = build_site(folder / "site", folder / "graph" / "mkdocs.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "graph", counts, folder / "site"


def test_the_same_seed_gives_byte_identical_files(tmp_path):
    graph_generator.generate(tmp_path / "a", NOTES, seed=3)
    graph_generator.generate(tmp_path / "b", NOTES, seed=3)
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert len(a) > NOTES and a == b


def test_another_seed_gives_another_graph(tmp_path):
    graph_generator.generate(tmp_path / "a", NOTES, seed=3)
    graph_generator.generate(tmp_path / "b", NOTES, seed=4)
    notes = lambda folder: {k: v for k, v in files(folder).items() if k.startswith("docs/pages/")}  # noqa: E731
    a, b = notes(tmp_path / "a"), notes(tmp_path / "b")
    assert len(a) == len(b) == NOTES
    assert a != b and set(a) != set(b)


def test_an_existing_folder_with_files_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not empty"):
        graph_generator.generate(tmp_path, NOTES)
    with pytest.raises(ValueError, match="at least one note"):
        graph_generator.generate(tmp_path / "new", 0)


def test_every_card_kind_is_built_as_many_times_as_the_generator_reports(graph):
    _, counts, site = graph
    built = json.loads((site / "cards.json").read_text(encoding="utf-8"))["cards"]
    kinds = collections.Counter(card["type"] for card in built)
    assert dict(kinds) == counts.cards
    assert all(counts.cards[kind] > 0 for kind in graph_generator.CARD_KINDS)


def test_every_note_is_a_page_on_the_learning_path(graph):
    folder, counts, site = graph
    path = learning_path.read(folder / learning_path.PATH_FILE, learning_path.PATH_FILE)
    assert len(path.steps) == counts.notes == NOTES
    namespaced = [step.title for step in path.steps if "/" in step.title]
    assert len(namespaced) == counts.namespaced > 0
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    main = home.select_one("article")
    titles = {a.get_text(strip=True) for a in main.select("a[href*='pages/']")}
    assert {step.title for step in path.steps} <= titles


def test_images_links_formulas_and_code_are_in_the_built_pages(graph):
    _, counts, site = graph
    pages = [BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
             for p in (site / "pages").rglob("index.html")]
    articles = [page.select_one("article") for page in pages]
    images = {Path(img["src"]).name for a in articles for img in a.select("img")
              if re.fullmatch(r"gen_\d+\.png", Path(img["src"]).name)}
    assert len(images) == counts.images
    assert all((site / "assets" / name).is_file() for name in images)
    assert sum(len(a.select("pre code")) for a in articles) == counts.code_blocks
    assert sum(len(a.select(".katex")) for a in articles) >= counts.formulas


def test_the_plain_config_builds_the_same_notes_without_kb(graph, tmp_path):
    """The bench's anchor: plain MkDocs + Material, strictly, on the same Markdown."""
    folder, counts, _ = graph
    result = build_site(tmp_path / "plain", folder / "mkdocs-plain.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    pages = list((tmp_path / "plain" / "pages").rglob("index.html"))
    assert len(pages) == counts.notes
    assert not (tmp_path / "plain" / "cards.json").exists()
    text = "".join(page.read_text(encoding="utf-8") for page in pages)
    assert "[[" in text and "kb-block" not in text   # kb's Logseq syntax was not rendered
