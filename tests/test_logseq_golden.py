"""Golden files: each Logseq construct, from lines of the original note, renders to the HTML on file.

On a difference the test shows a unified diff. After an intended change, regenerate
with ``.venv/bin/python -m tests.logseq_golden`` and read the diff in git.
"""

from __future__ import annotations

import difflib

import pytest

from logseq_golden import cases, render_case


def test_there_are_golden_cases():
    assert len(cases()) >= 10


@pytest.mark.parametrize("case", cases(), ids=lambda path: path.stem)
def test_golden_html(case):
    expected_path = case.with_suffix(".html")
    assert expected_path.is_file(), f"no {expected_path.name}: run .venv/bin/python -m tests.logseq_golden"
    expected = expected_path.read_text(encoding="utf-8")
    actual = render_case(case)
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            fromfile=f"{expected_path.name} (on file)",
                                            tofile=f"{expected_path.name} (rendered now)"))
        pytest.fail(f"{case.name} renders differently; if intended, run "
                    f".venv/bin/python -m tests.logseq_golden\n{diff}")
