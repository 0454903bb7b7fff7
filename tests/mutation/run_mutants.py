"""Mutation check: every classic BatchNorm mistake must make the tests fail.

Each mutant is a source-text replacement in ``snippets/batch_norm.py``. The script
copies ``snippets/`` and the tests in ``TESTS`` into a temporary folder,
patches the copy (never the real file), runs pytest there with ``-x`` and reports
each mutant as killed (a test failed) or survived (all passed).

Usage (from the repository root)::

    .venv/bin/python -m tests.mutation.run_mutants            # all mutants
    .venv/bin/python -m tests.mutation.run_mutants -k keras   # names containing 'keras'

Exit status 0 only if the unmutated copy passes and every mutant is killed; 1 if a
mutant survived; 2 if a search text is missing or ambiguous (the list has rotted), a
mutant does not compile, or pytest could not run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kb.paths import ROOT

TARGET = Path("snippets/batch_norm.py")
# The suite that must kill every mutant (named, so that a new test file elsewhere
# cannot change the verdict unseen).
TESTS = ("test_batch_norm.py", "test_batch_norm_properties.py")
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
# Our own conftest: the copy must import its own snippets/, nothing else.
CONFTEST = """import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
"""


@dataclass(frozen=True)
class Mutant:
    name: str
    mistake: str
    edits: tuple[tuple[str, str], ...]  # (search, replace), each search found once


# Indentation is part of the search text: it tells the forward (8 spaces inside
# ``if training:``) from the backward (4 spaces).
MUTANTS = [
    Mutant(
        "unbiased-normalisation",
        "normalise with the unbiased m/(m−1) variance (running_var still right)",
        (("        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)\n",
          "        var = ((x - mean.reshape(shape)) ** 2).sum(axis=axes) / (m - 1)\n"),
         ("unbiased = var * m / (m - 1)", "unbiased = var")),
    ),
    Mutant(
        "biased-running-var",
        "running_var tracks the biased σ²_B instead of m/(m−1)·σ²_B",
        (("unbiased = var * m / (m - 1)", "unbiased = var"),),
    ),
    Mutant(
        "eps-outside-sqrt",
        "x̂ = (x − μ)/(√σ² + ε) instead of (x − μ)/√(σ² + ε)",
        (("np.sqrt(var.reshape(shape) + eps)", "(np.sqrt(var.reshape(shape)) + eps)"),),
    ),
    Mutant(
        "keras-momentum",
        "Keras convention: running = momentum·running + (1 − momentum)·batch",
        (("(1 - momentum) * running_mean + momentum * mean",
          "momentum * running_mean + (1 - momentum) * mean"),
         ("(1 - momentum) * running_var + momentum * unbiased",
          "momentum * running_var + (1 - momentum) * unbiased")),
    ),
    Mutant(
        "running-mean-only-momentum",
        "running_mean ← running_mean + momentum·batch (no decay of the old value)",
        (("(1 - momentum) * running_mean + momentum * mean",
          "running_mean + momentum * mean"),),
    ),
    Mutant(
        "num-batches-not-counted",
        "num_batches_tracked is never incremented",
        (("            self.num_batches_tracked += 1\n", ""),
         ("factor = 1.0 / self.num_batches_tracked",
          "factor = 1.0 / max(self.num_batches_tracked, 1)")),
    ),
    Mutant(
        "cumulative-average-off-by-one",
        "momentum=None uses 1/(t + 1) instead of 1/t",
        (("factor = 1.0 / self.num_batches_tracked",
          "factor = 1.0 / (self.num_batches_tracked + 1)"),),
    ),
    Mutant(
        "momentum-none-as-default",
        "momentum=None falls back to the default 0.1 instead of the cumulative average",
        (("factor = 1.0 / self.num_batches_tracked", "factor = 0.1"),),
    ),
    Mutant(
        "spatial-axes-not-reduced",
        "statistics over the batch axis only, one per position, not per channel",
        (("axes = (0,) + tuple(range(2, input.ndim))        # all axes",
          "axes = (0,)  # all axes"),
         ("shape = (1, -1) + (1,) * (input.ndim - 2)        # broadcast",
          "shape = (1,) + input.shape[1:]  # broadcast"),
         ("        m = x.size // x.shape[1]\n", "        m = x.shape[0]\n")),
    ),
    Mutant(
        "channel-axis-reduced",
        "statistics pooled over every axis, the channel axis included",
        (("axes = (0,) + tuple(range(2, input.ndim))        # all axes",
          "axes = tuple(range(input.ndim))  # all axes"),
         ("        m = x.size // x.shape[1]\n", "        m = x.size\n")),
    ),
    Mutant(
        "no-dtype-cast",
        "the output is returned in the compute dtype (float32 for float16 input)",
        (("    return y.astype(input.dtype, copy=False)\n", "    return y\n"),),
    ),
    Mutant(
        "no-float32-compute",
        "float16 input is reduced in float16 (squares overflow)",
        (("    x = input.astype(np.promote_types(input.dtype, np.float32),"
          " copy=False)\n    if training and x.size == 0:",
          "    x = input\n    if training and x.size == 0:"),),
    ),
    Mutant(
        "backward-no-xhat-term",
        "dx misses −x̂·Σ(dy·x̂)",
        (("\n                          - x_hat * grad_weight.reshape(shape))", ")"),),
    ),
    Mutant(
        "backward-no-sum-dy-term",
        "dx misses −Σdy",
        (("(m * dy - grad_bias.reshape(shape)", "(m * dy"),),
    ),
    Mutant(
        "backward-no-gamma",
        "dx forgets the factor γ",
        (("    scale = (gamma * invstd / m).reshape(shape)",
          "    scale = (invstd / m).reshape(shape)"),),
    ),
    Mutant(
        "backward-unbiased-variance",
        "the backward recomputes σ² with m − 1",
        (("    var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)\n    # 1/σ",
          "    var = ((x - mean.reshape(shape)) ** 2).sum(axis=axes) / (m - 1)\n"
          "    # 1/σ"),),
    ),
    Mutant(
        "eval-backward-as-training",
        "the module's eval backward treats μ and σ as functions of the batch",
        (("        if batch_stats:\n            grad_input", "        if True:\n"
          "            grad_input"),),
    ),
    Mutant(
        "eval-uses-batch-statistics",
        "eval normalises with the batch's statistics instead of the buffers",
        (("mean, var = running_mean, running_var",
          "mean, var = x.mean(axis=axes), x.var(axis=axes)"),),
    ),
    Mutant(
        "untracked-buffers-created",
        "track_running_stats=False still creates buffers (so eval uses them)",
        (("        if track_running_stats:\n            self.running_mean",
          "        if True:\n            self.running_mean"),),
    ),
    Mutant(
        "untracked-buffers-updated",
        "training updates the buffers although tracking was switched off",
        (("buffers = not self.training or self.track_running_stats",
          "buffers = True"),),
    ),
    Mutant(
        "naive-variance",
        "σ² = E[x²] − E[x]² (catastrophic cancellation when |μ| ≫ σ)",
        (("        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)\n",
          "        var = (x ** 2).mean(axis=axes) - mean ** 2\n"),),
    ),
    Mutant(
        "bias-before-weight",
        "y = γ(x̂ + β) instead of γx̂ + β",
        (("    if weight is not None:\n        y = y * weight.reshape(shape)\n"
          "    if bias is not None:\n        y = y + bias.reshape(shape)\n",
          "    if bias is not None:\n        y = y + bias.reshape(shape)\n"
          "    if weight is not None:\n        y = y * weight.reshape(shape)\n"),),
    ),
    Mutant(
        "empty-batch-updates-buffers",
        "a zero-size batch goes through (NaN buffers, empty-slice warnings)",
        (("    if training and x.size == 0:\n"
          "        return input.copy()                          # torch leaves",
          "    if False:\n"
          "        return input.copy()                          # torch leaves"),),
    ),
    Mutant(
        "no-batch-size-check",
        "one value per channel in training is accepted",
        (("    if training and size[0] * math.prod(size[2:]) == 1:",
          "    if False:"),),
    ),
    Mutant(
        "eps-zero-accepted-in-training",
        "eps = 0 is accepted in training",
        (("    if training and eps <= 0.0:", "    if training and eps < 0.0:"),),
    ),
]


def apply(source: str, mutant: Mutant) -> str:
    """The mutated source; ValueError when a search text is not found exactly once."""
    for search, replace in mutant.edits:
        count = source.count(search)
        if count != 1:
            raise ValueError(f"{mutant.name}: search text found {count} times "
                             f"(expected once): {search!r}")
        source = source.replace(search, replace)
    return source


def make_copy(folder: Path) -> None:
    """snippets/ and the batch-norm tests, with a conftest that imports them."""
    shutil.copytree(ROOT / "snippets", folder / "snippets",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "tests").mkdir()
    (folder / "tests" / "conftest.py").write_text(CONFTEST)
    for name in TESTS:
        shutil.copy2(ROOT / "tests" / name, folder / "tests" / name)


def run_pytest(folder: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["OMP_NUM_THREADS"] = "1"            # tiny tensors; the jobs share the CPUs
    tests = [f"tests/{name}" for name in TESTS]
    return subprocess.run([sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests],
                          cwd=folder, env=env, capture_output=True, text=True)


def first_failure(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0]
    return output.strip().splitlines()[-1] if output.strip() else "(no output)"


def run_mutant(base: Path, source: str, mutant: Mutant) -> tuple[str, str]:
    """("killed" | "survived" | "error", detail)."""
    mutated = apply(source, mutant)
    try:
        compile(mutated, str(TARGET), "exec")
    except SyntaxError as e:
        return "error", f"the mutant does not compile: {e}"
    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.name}-") as tmp:
        folder = Path(tmp) / "repo"
        shutil.copytree(base, folder)
        (folder / TARGET).write_text(mutated)
        result = run_pytest(folder)
    output = result.stdout + result.stderr
    if result.returncode == 1:
        return "killed", first_failure(output)
    if result.returncode == 0:
        return "survived", "all tests passed"
    return "error", f"pytest exit status {result.returncode}:\n{output[-3000:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", default="", help="only mutants whose name contains this")
    parser.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 1),
                        help="mutants run in parallel (default: min(4, CPUs))")
    args = parser.parse_args(argv)

    source = (ROOT / TARGET).read_text()
    mutants = [m for m in MUTANTS if args.k in m.name]
    try:                                   # fail fast if the list has rotted
        for mutant in MUTANTS:
            apply(source, mutant)
    except ValueError as e:
        print(f"ERROR {e}", file=sys.stderr)
        return 2

    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutants-base-") as tmp:
        base = Path(tmp) / "repo"
        base.mkdir()
        make_copy(base)
        baseline = run_pytest(base)
        if baseline.returncode != 0:
            print("ERROR the unmutated copy does not pass its tests:\n"
                  + (baseline.stdout + baseline.stderr)[-3000:], file=sys.stderr)
            return 2
        print(f"baseline: the unmutated copy passes ({time.monotonic() - start:.0f} s)")
        with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            outcomes = list(pool.map(lambda m: run_mutant(base, source, m), mutants))

    killed = 0
    errors = 0
    for mutant, (status, detail) in zip(mutants, outcomes):
        killed += status == "killed"
        errors += status == "error"
        print(f"{status.upper():8} {mutant.name:32} {mutant.mistake}")
        print(f"         {detail}")
    print(f"{len(mutants)} mutants, {killed} killed "
          f"({time.monotonic() - start:.0f} s, {args.jobs} jobs)")
    if errors:
        return 2
    return 0 if killed == len(mutants) else 1


if __name__ == "__main__":
    sys.exit(main())
