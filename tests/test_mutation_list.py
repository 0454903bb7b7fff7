"""The mutation list in tests/mutation/run_mutants.py still fits snippets/batch_norm.py.

Cheap: it only applies the text edits. The mutation run itself (a pytest run per
mutant) is ``.venv/bin/python -m tests.mutation.run_mutants``.
"""

import importlib.util
import sys

import pytest

from kb.paths import ROOT

SPEC = importlib.util.spec_from_file_location(
    "run_mutants", ROOT / "tests" / "mutation" / "run_mutants.py")
run_mutants = importlib.util.module_from_spec(SPEC)
sys.modules["run_mutants"] = run_mutants          # dataclasses look it up there
SPEC.loader.exec_module(run_mutants)
SOURCE = (ROOT / run_mutants.TARGET).read_text()


@pytest.mark.parametrize("mutant", run_mutants.MUTANTS, ids=lambda m: m.name)
def test_each_search_text_occurs_once_and_the_mutant_compiles(mutant):
    for search, _ in mutant.edits:
        assert SOURCE.count(search) == 1, search
    mutated = run_mutants.apply(SOURCE, mutant)
    assert mutated != SOURCE
    compile(mutated, str(run_mutants.TARGET), "exec")


def test_the_classic_mistakes_are_all_there():
    names = {m.name for m in run_mutants.MUTANTS}
    assert len(names) == len(run_mutants.MUTANTS)
    assert {
        "unbiased-normalisation", "biased-running-var", "eps-outside-sqrt",
        "keras-momentum", "num-batches-not-counted", "cumulative-average-off-by-one",
        "spatial-axes-not-reduced", "channel-axis-reduced", "no-dtype-cast",
        "backward-no-xhat-term", "backward-no-sum-dy-term",
        "eval-uses-batch-statistics", "untracked-buffers-created", "naive-variance",
    } <= names


def test_a_missing_search_text_is_an_error():
    mutant = run_mutants.Mutant("rotten", "text no longer in the source",
                                (("no such line", "x"),))
    with pytest.raises(ValueError, match="found 0 times"):
        run_mutants.apply(SOURCE, mutant)


def test_the_suite_the_mutants_run_against_exists():
    for name in run_mutants.TESTS:
        assert (ROOT / "tests" / name).is_file(), name
