"""The review page's scheduler (docs/assets/review-scheduler.js on ts-fsrs) against PyPI `fsrs`.

Node runs the very files the browser loads; both schedulers get the same review
sequence with fuzzing off and must give the same due dates, stability and difficulty.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from conftest import ROOT

import fsrs  # noqa: E402 - pinned in requirements.txt

TS_FSRS = ROOT / "node_modules" / "ts-fsrs" / "dist" / "index.umd.js"
SCHEDULER_JS = ROOT / "docs" / "assets" / "review-scheduler.js"

# Ratings, and how long after the card falls due each review happens (on time or late: for a
# review before the due date the two libraries round the elapsed days differently).
SEQUENCE = [("good", 0), ("good", 0), ("good", 3600), ("again", 86400 * 2), ("hard", 0),
            ("good", 600), ("easy", 86400), ("good", 7200), ("again", 0), ("good", 0),
            ("easy", 86400 * 5), ("hard", 0)]
START = datetime(2024, 8, 20, 16, 0, tzinfo=timezone.utc)

# Node code that defines load(path): run a browser script with `globalThis` as its global.
NODE_LOADER = r"""
const fs = require("fs");
function load(path) {
  const module = { exports: {} };
  new Function("exports", "module", "define", fs.readFileSync(path, "utf8"))(module.exports, module, undefined);
  return module.exports;
}
"""

NODE_RUNNER = NODE_LOADER + r"""
const FSRS = load(process.argv[2]);
load(process.argv[3]);
const K = globalThis.KBScheduler;
const fsrs = K.scheduler(FSRS, { fuzz: false });
const steps = JSON.parse(fs.readFileSync(0, "utf8"));
let stored = null;
const out = [];
for (const step of steps) {
  stored = K.rate(FSRS, fsrs, stored, step.rating, new Date(step.at));
  out.push(stored);
}
process.stdout.write(JSON.stringify(out));
"""


def python_reviews():
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card()
    now = START
    steps, results = [], []
    for rating, delay in SEQUENCE:
        if steps:
            now = card.due + timedelta(seconds=delay)
        steps.append({"rating": rating, "at": now.isoformat().replace("+00:00", "Z")})
        card, _ = scheduler.review_card(card, getattr(fsrs.Rating, rating.capitalize()), now)
        results.append(card)
    return steps, results


def test_browser_scheduler_matches_pypi_fsrs(tmp_path):
    node = shutil.which("node")
    assert node, "Node.js is needed (it renders math at build time too)"
    steps, expected = python_reviews()
    runner = tmp_path / "run.cjs"
    runner.write_text(NODE_RUNNER, encoding="utf-8")
    done = subprocess.run([node, str(runner), str(TS_FSRS), str(SCHEDULER_JS)], input=json.dumps(steps),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    actual = json.loads(done.stdout)
    assert len(actual) == len(expected) == len(SEQUENCE)
    states = {s for s in (c.state for c in expected)}
    assert {fsrs.State.Learning, fsrs.State.Review, fsrs.State.Relearning} <= states  # all paths taken
    for i, (js, py) in enumerate(zip(actual, expected)):
        js_due = datetime.fromisoformat(js["due"].replace("Z", "+00:00"))
        assert abs((js_due - py.due).total_seconds()) < 1, (i, js["due"], py.due)
        assert js["stability"] == pytest.approx(py.stability, rel=1e-6), i
        assert js["difficulty"] == pytest.approx(py.difficulty, rel=1e-6), i
        assert js["state"] == int(py.state), i
        assert js["reps"] == i + 1
