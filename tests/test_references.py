"""snippets/references.py: the mirrors' parameters against torch 2.13's signatures, and
the reference list against what the Batch Normalization pages cite; then the deck
itself: every [[link]] of the original note resolves, and each of its pages includes
code from snippets/ and has at least three flashcards.
"""

import importlib
import re
from pathlib import Path

import pytest

from conftest import ROOT
from kb.cards.extract import PageInfo, extract_notes
from kb.notes.frontmatter import read_front_matter
from kb.notes.graph import build_graph
from kb.notes.links import find_references
from kb.notes.outline import parse_outline, walk
from snippets.references import PAPERS, TORCH_COUNTERPARTS, parameters

PAGES = ROOT / "docs" / "pages"
SEED = "Batch Normalization.md"
# The pages the original note links to, and the paper page its ICS line names.
DECK = [
    "Batch Normalization___前向和反向传播.md",
    "Batch Normalization___维度理解.md",
    "Batch Normalization___Moving average.md",
    "Batch Normalization___多卡同步.md",
    "Batch Normalization 为何有效.md",
    "Internal Covariate Shift.md",
    "covariate shift.md",
    "ReLU.md",
    "ResNet.md",
    "Identity Mappings in Deep Residual Networks.md",
    "How Does Batch Normalization Help Optimization.md",
    "Ref.md",
]
RE_ARXIV = re.compile(r"arXiv:(\d{4}\.\d{4,5})")
RE_INCLUDE = re.compile(r'^\s*(?:[-+*] )?--8<-- "(?P<file>[^":]+)(?::(?P<section>[\w-]+))?"\s*$', re.M)


def resolve(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("ours,theirs", TORCH_COUNTERPARTS.items(), ids=list(TORCH_COUNTERPARTS))
def test_each_mirror_takes_torchs_parameters(ours, theirs):
    ours_params, torch_params = parameters(resolve(ours)), parameters(resolve(theirs))
    if isinstance(resolve(theirs), type):
        # a module: torch's parameters, in order; ours may add only keyword-only extras
        names = [name for name, _ in ours_params]
        assert ours_params[:len(torch_params)] == torch_params, names
    else:
        assert ours_params == torch_params


def deck_text(name):
    return (PAGES / name).read_text(encoding="utf-8")


def test_the_pages_cite_only_listed_papers_and_ref_lists_them_all():
    # Every note and the experiments (their index and notebooks), not only this deck.
    sources = [*PAGES.glob("*.md"), *(ROOT / "docs" / "experiments").glob("*.*")]
    assert {path.name for path in sources} >= {SEED, *DECK}
    cited = {m for path in sources for m in RE_ARXIV.findall(path.read_text(encoding="utf-8"))}
    assert cited - set(PAPERS) == set()
    ref = deck_text("Ref.md")
    assert set(PAPERS) - set(RE_ARXIV.findall(ref)) == set()
    assert all(re.fullmatch(r"\d{4}\.\d{5}", arxiv_id) for arxiv_id in PAPERS)


def test_every_link_of_the_original_note_resolves_to_a_page_of_the_deck():
    sources = [(f"pages/{name}", deck_text(name)) for name in [SEED, *DECK]]
    graph = build_graph(sources)
    seed = graph.note_at(f"pages/{SEED}")
    targets = {ref.target for block in walk(seed.blocks) for ref in find_references(block.content)
               if ref.kind == "page"}
    assert "Internal Covariance Shift" in targets and len(targets) == 11
    for target in targets:
        note = graph.resolve(target)
        assert note is not None and note.src_uri != f"pages/{SEED}", target


@pytest.mark.parametrize("name", DECK)
def test_each_page_includes_tested_code_and_has_three_cards(name):
    text = deck_text(name)
    fences = (ROOT / "snippets" / "fences.md").read_text(encoding="utf-8")
    includes = [m.group("section") for m in RE_INCLUDE.finditer(text)]
    assert includes, f"{name}: no code from snippets/"
    for section in includes:
        assert f"[start:{section}]" in fences, section
    front = read_front_matter(text)
    blocks = parse_outline(front.body, front.body_first_line)
    notes, errors = extract_notes(blocks, PageInfo(front.meta["title"], front.meta["deck"], name))
    assert errors == []
    assert len(notes) >= 3, f"{name}: {len(notes)} flashcards"


@pytest.mark.parametrize("name,notebooks", [
    ("Batch Normalization 为何有效.md", {"01", "02", "04"}),
    ("How Does Batch Normalization Help Optimization.md", {"02"}),
    ("Identity Mappings in Deep Residual Networks.md", {"03"}),
])
def test_pages_link_the_experiments_that_reproduce_them(name, notebooks):
    links = re.findall(r"\]\(\.\./experiments/((\d\d)_[\w.]+\.ipynb)\)", deck_text(name))
    assert notebooks <= {number for _, number in links}
    for target, _ in links:
        assert (ROOT / "docs" / "experiments" / target).is_file(), target
