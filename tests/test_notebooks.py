"""Every notebook under docs/ runs top to bottom, and its committed outputs are what its code produces.

The site shows the outputs stored in each .ipynb (mkdocs-jupyter, ``execute: false``),
so the build stays fast; these tests keep those outputs honest. Each notebook is run
once, in a fresh kernel, and its fresh outputs are compared with the committed ones
(``kb.notebooks.run.compare_outputs``): printed text exactly, figures by pixels. A notebook
whose code changed without ``make notebooks`` fails here.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image

from conftest import ROOT
from kb.notebooks import run as notebooks

NOTEBOOKS = notebooks.notebook_paths()
EXPERIMENTS = [p for p in NOTEBOOKS if p.parent.name == "experiments" and p.name[:2].isdigit()]


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT / "docs"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "docs/ should hold at least one notebook page"


def test_the_four_experiments_of_issue_8_are_there():
    prefixes = sorted(p.name[:2] for p in EXPERIMENTS)
    assert prefixes[:4] == ["01", "02", "03", "04"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_is_committed_with_its_outputs(path: Path):
    # Run once, top to bottom, in one kernel; no error and no warning on the page.
    problems = notebooks.committed_problems(nbformat.read(path, as_version=4))
    assert problems == [], f"{path.name}: {problems}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_runs_top_to_bottom(path: Path):
    committed = nbformat.read(path, as_version=4)
    executed = nbformat.read(path, as_version=4)
    notebooks.execute(executed, path.parent)  # raises CellExecutionError on any error
    problems = notebooks.compare_outputs(committed, executed)
    assert problems == [], (f"{path.name}: the committed outputs are not what the code "
                            f"produces now; run `make notebooks`.\n" + "\n".join(problems))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=_id)
def test_experiment_cites_its_paper_links_the_theory_and_ends_with_an_assertion(path: Path):
    nb = nbformat.read(path, as_version=4)
    intro = nb.cells[0].source
    assert nb.cells[0].cell_type == "markdown" and intro.startswith("# ")
    assert re.search(r"arXiv:\d{4}\.\d{4,5}", intro), "cite the paper with its arXiv id"
    assert "](../pages/" in intro, "link the theory page"
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if "image/png" in o.get("data", {})]
    assert figures, "an experiment shows its result as a plot"
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert re.search(r"^assert ", last.source, re.MULTILINE), \
        "the last code cell asserts the direction of the effect"


# --- the comparison itself ---------------------------------------------------------------


def _png(size=(60, 40), box=None) -> str:
    image = Image.new("RGB", size, "white")
    if box:
        image.paste((200, 30, 30), box)
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def _notebook(*outputs_per_cell) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# t")])
    for number, outputs in enumerate(outputs_per_cell, 1):
        nb.cells.append(new_code_cell(f"cell_{number}()", execution_count=number,
                                      outputs=list(outputs)))
    return nb


def _stdout(text):
    return new_output("stream", name="stdout", text=text)


def _figure(png):
    return new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})


def test_compare_accepts_identical_outputs_and_a_stream_split_differently():
    a = _notebook([_stdout("accuracy 0.912\nloss 0.3\n"), _figure(_png())])
    b = _notebook([_stdout("accuracy 0.912\n"), _stdout("loss 0.3\n"), _figure(_png())])
    assert notebooks.compare_outputs(a, a) == []
    assert notebooks.compare_outputs(a, b) == []


def test_compare_reports_changed_printed_text():
    a = _notebook([_stdout("accuracy 0.912\n")])
    b = _notebook([_stdout("accuracy 0.913\n")])
    [problem] = notebooks.compare_outputs(a, b)
    assert "code cell 1" in problem and "0.912" in problem and "0.913" in problem


def test_compare_reports_missing_and_extra_outputs():
    a = _notebook([_stdout("x\n"), _figure(_png())], [])
    assert notebooks.compare_outputs(a, _notebook([_stdout("x\n")], []))
    assert notebooks.compare_outputs(a, _notebook([_stdout("x\n"), _figure(_png())],
                                                  [_stdout("new\n")]))


def test_compare_ignores_stderr_and_object_addresses():
    result = new_output("execute_result", execution_count=1,
                        data={"text/plain": "<Line2D at 0x7f3a2c1d9e50>"})
    moved = new_output("execute_result", execution_count=1,
                       data={"text/plain": "<Line2D at 0x7f11aa22bb33>"})
    a = _notebook([result])
    b = _notebook([new_output("stream", name="stderr", text="FutureWarning: ...\n"), moved])
    assert notebooks.compare_outputs(a, b) == []


def test_compare_tolerates_a_pixel_but_not_a_changed_figure():
    base = _png(box=(10, 10, 30, 20))
    smaller_box = _png(box=(10, 10, 11, 11))  # 199 of 2400 pixels differ from `base`
    assert notebooks.images_match(base, base)[0]
    nearly = base64.b64encode(_with_pixel_changed(base64.b64decode(base))).decode()
    assert notebooks.images_match(base, nearly)[0]
    same, why = notebooks.images_match(base, smaller_box)
    assert not same and "pixels differ" in why
    same, why = notebooks.images_match(base, _png(size=(61, 40), box=(10, 10, 30, 20)))
    assert not same and "size" in why
    a, b = _notebook([_figure(base)]), _notebook([_figure(smaller_box)])
    [problem] = notebooks.compare_outputs(a, b)
    assert "image/png" in problem


def _with_pixel_changed(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.putpixel((0, 0), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()


def test_committed_problems_catch_out_of_order_runs_errors_and_stderr():
    good = _notebook([_stdout("a\n")], [])
    assert notebooks.committed_problems(good) == []
    reordered = _notebook([], [])
    reordered.cells[1].execution_count, reordered.cells[2].execution_count = 2, 1
    assert "execution counts" in notebooks.committed_problems(reordered)[0]
    never_run = _notebook([])
    never_run.cells[1].execution_count = None
    assert notebooks.committed_problems(never_run)
    error = _notebook([new_output("error", ename="AssertionError", evalue="", traceback=[])])
    assert "error AssertionError" in notebooks.committed_problems(error)[0]
    warning = _notebook([new_output("stream", name="stderr", text="UserWarning: x\n")])
    assert "stderr" in notebooks.committed_problems(warning)[0]


# --- the command that re-runs the notebooks --------------------------------------------


def test_the_command_saves_outputs_and_check_reports_stale_ones(tmp_path: Path):
    path = tmp_path / "tiny.ipynb"
    nb = new_notebook(cells=[new_code_cell("x = 6 * 7"), new_code_cell("print(x)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    command = [sys.executable, "-m", "kb.notebooks.run"]

    run = subprocess.run(command + [str(path)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    saved = nbformat.read(path, as_version=4)
    assert [c.execution_count for c in saved.cells] == [1, 2]
    assert saved.cells[1].outputs[0].text == "42\n"

    saved.cells[0].source = "x = 6 * 8"  # edited, not re-run: the output 42 is now stale
    nbformat.write(saved, path)
    check = subprocess.run(command + ["--check", str(path)], cwd=ROOT, capture_output=True,
                           text=True)
    assert check.returncode == 1
    assert "stale" in check.stdout and "'42'" in check.stdout and "'48'" in check.stdout
    assert nbformat.read(path, as_version=4).cells[1].outputs[0].text == "42\n"  # untouched


def test_make_notebooks_runs_that_command():
    dry = subprocess.run(["make", "-n", "notebooks"], cwd=ROOT, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert re.search(r"python -m kb\.notebooks\.run\s*$", dry.stdout, re.MULTILINE)
