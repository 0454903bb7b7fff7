"""Run the notebooks under ``docs/`` and check that their committed outputs are current.

The site is built with mkdocs-jupyter's ``execute: false``: a notebook page shows the
outputs stored in the ``.ipynb``, so the build stays fast. Those outputs must be what
the current code produces. Two tools keep them so:

* ``python -m kb.notebooks.run [PATH ...]`` (``make notebooks``) runs each notebook top to
  bottom in a fresh kernel and saves it with its new outputs; ``--check`` runs them and
  only reports outputs that differ from the committed ones.
* The tests (``tests/test_notebooks.py``) run every notebook and compare, cell by cell,
  the fresh outputs with the committed ones (``compare_outputs``): a notebook whose
  code changed without being re-run fails the suite.

What is compared: the text a cell prints (stdout, joined: a kernel may split one print
into several messages), every rich output's MIME types, their text exactly and their
PNG images by pixels with a small tolerance (anti-aliasing may move a pixel). Standard
error is not compared (warnings depend on the machine); a committed notebook must have
none, and no errors. So that text compares exactly on any machine, a notebook fixes its
seeds, runs torch on one thread, trains in float64 and prints rounded numbers.
"""

from __future__ import annotations

import argparse
import base64
import io
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from kb.paths import DOCS

# A pixel "differs" when a channel moves by more than PIXEL_TOLERANCE (of 255); an image
# matches when at most MAX_DIFFERING_PIXELS of its pixels differ.
PIXEL_TOLERANCE = 32
MAX_DIFFERING_PIXELS = 0.001
# Object addresses in reprs (``<Foo at 0x7f...>``) change on every run.
RE_ADDRESS = re.compile(r"\b0x[0-9a-f]{6,}\b")


def notebook_paths(folder: Path = DOCS) -> list[Path]:
    """Every notebook of the site, sorted (checkpoints excluded)."""
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run ``nb`` top to bottom in a fresh ``python3`` kernel started in ``cwd``; in place.

    Raises ``nbclient.exceptions.CellExecutionError`` (with the cell and traceback)
    when a cell fails.
    """
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


@dataclass(frozen=True)
class _Image:
    mime: str
    data: str  # base64, as stored in the notebook


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _normalised(cell) -> list[tuple[str, object]]:
    """A cell's outputs as comparable items: ("stdout", text), ("rich", {mime: value}), ..."""
    items: list[tuple[str, object]] = []
    stdout = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            if out.get("name") == "stdout":
                stdout.append(_text(out.get("text", "")))
        elif kind in ("display_data", "execute_result"):
            rich = {}
            for mime, value in out.get("data", {}).items():
                if mime.startswith("image/") and not mime.endswith("svg+xml"):
                    rich[mime] = _Image(mime, _text(value).replace("\n", ""))
                else:
                    rich[mime] = RE_ADDRESS.sub("0x…", _text(value))
            items.append(("rich", rich))
        elif kind == "error":
            items.append(("error", f"{out.get('ename')}: {out.get('evalue')}"))
    if stdout:
        items.insert(0, ("stdout", "".join(stdout)))
    return items


def images_match(a: str, b: str) -> tuple[bool, str]:
    """Compare two base64 PNGs pixel by pixel; return (match, why not)."""
    if a == b:
        return True, ""
    import numpy as np
    from PIL import Image

    pa, pb = (np.asarray(Image.open(io.BytesIO(base64.b64decode(x))).convert("RGBA"), dtype=int)
              for x in (a, b))
    if pa.shape != pb.shape:
        return False, f"image size {pa.shape[1]}x{pa.shape[0]} != {pb.shape[1]}x{pb.shape[0]}"
    differing = (np.abs(pa - pb).max(axis=-1) > PIXEL_TOLERANCE).mean()
    if differing > MAX_DIFFERING_PIXELS:
        return False, f"{differing:.2%} of the pixels differ"
    return True, ""


def _first_difference(a: str, b: str) -> str:
    for i, (la, lb) in enumerate(zip(a.splitlines(), b.splitlines()), 1):
        if la != lb:
            return f"line {i}: committed {la!r}, now {lb!r}"
    return f"committed {len(a.splitlines())} lines, now {len(b.splitlines())}"


def compare_outputs(committed: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> list[str]:
    """How the freshly executed notebook's outputs differ from the committed ones (empty: same).

    Both notebooks must hold the same cells (``executed`` is a run of ``committed``).
    """
    code_a = [c for c in committed.cells if c.cell_type == "code"]
    code_b = [c for c in executed.cells if c.cell_type == "code"]
    if [c.source for c in code_a] != [c.source for c in code_b]:
        return ["the two notebooks do not hold the same code cells"]
    problems = []
    for number, (a, b) in enumerate(zip(code_a, code_b), 1):
        where = f"code cell {number} ({a.source.strip().splitlines()[0][:40] if a.source.strip() else 'empty'!r})"
        items_a, items_b = _normalised(a), _normalised(b)
        if [k for k, _ in items_a] != [k for k, _ in items_b] or any(
                ka == "rich" and set(va) != set(vb)
                for (ka, va), (_, vb) in zip(items_a, items_b)):
            problems.append(f"{where}: outputs {_kinds(items_a)} committed, {_kinds(items_b)} now")
            continue
        for (kind, va), (_, vb) in zip(items_a, items_b):
            if kind != "rich":
                if va != vb:
                    problems.append(f"{where}: {kind} differs, {_first_difference(va, vb)}")
                continue
            for mime in va:
                x, y = va[mime], vb[mime]
                if isinstance(x, _Image):
                    same, why = images_match(x.data, y.data)
                    if not same:
                        problems.append(f"{where}: {mime} differs: {why}")
                elif x != y:
                    problems.append(f"{where}: {mime} differs, {_first_difference(x, y)}")
    return problems


def _kinds(items) -> list[str]:
    return [k if k != "rich" else "+".join(sorted(v)) for k, v in items]


def committed_problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is wrong with a notebook as committed, without running it.

    Its code cells ran once each, in order, in one kernel (execution counts 1..n),
    and it has no error and no standard-error output.
    """
    problems = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code]
    if counts != list(range(1, len(code) + 1)):
        problems.append(f"execution counts are {counts}, not 1..{len(code)}: "
                        "run it top to bottom in a fresh kernel (make notebooks)")
    for number, cell in enumerate(code, 1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"code cell {number}: error {out.get('ename')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"code cell {number}: writes to stderr: "
                                f"{_text(out.get('text', ''))[:80]!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.notebooks.run", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all under docs/)")
    parser.add_argument("--check", action="store_true",
                        help="run and compare with the committed outputs; write nothing")
    args = parser.parse_args(argv)
    paths = args.paths or notebook_paths()
    failed = 0
    for path in paths:
        committed = nbformat.read(path, as_version=4)
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        execute(nb, path.resolve().parent)
        seconds = time.perf_counter() - start
        if args.check:
            problems = compare_outputs(committed, nb)
            failed += bool(problems)
            status = "stale" if problems else "current"
            print(f"{path}: {status} ({seconds:.1f} s)")
            for problem in problems:
                print(f"  {problem}")
        else:
            nbformat.write(nb, path)
            print(f"{path}: executed and saved ({seconds:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
