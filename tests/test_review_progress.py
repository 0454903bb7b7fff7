"""docs/assets/review-progress.js in Node, with a stand-in for localStorage: the cases a browser
cannot easily be made to show (a backup that fails, two backups in the same millisecond, ties).
The page itself is tested in test_review_progress_browser.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess

from conftest import ROOT
from test_fsrs_parity import NODE_LOADER

SCRIPTS = [ROOT / "docs" / "assets" / name for name in ("review-scheduler.js", "review-progress.js")]
KEY = "kb-review-progress"

# A Map-backed localStorage; setItem throws QuotaExceededError for keys starting with `full`.
STORAGE = r"""
function storage(items, full) {
  const map = new Map(Object.entries(items));
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => {
      if (full !== undefined && k.startsWith(full)) {
        const err = new Error("quota"); err.name = "QuotaExceededError"; throw err;
      }
      map.set(k, String(v));
    },
  };
}
"""


def run_node(body: str):
    node = shutil.which("node")
    assert node, "Node.js is needed (it renders math at build time too)"
    loads = "".join(f"load({json.dumps(str(path))});\n" for path in SCRIPTS)
    script = NODE_LOADER + loads + STORAGE + "const P = globalThis.KBProgress;\n" + body
    done = subprocess.run([node, "-e", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def card(last_review: str | None, reps: int = 1) -> dict:
    return {"due": "2030-01-01T00:00:00.000Z", "stability": 2.0, "difficulty": 5.0, "elapsed_days": 0,
            "scheduled_days": 1, "reps": reps, "lapses": 0, "learning_steps": 0, "state": 2,
            "last_review": last_review}


def progress(cards: dict) -> dict:
    return {"format": "kb-review-progress", "version": 1, "cards": cards}


def test_save_refuses_to_overwrite_unreadable_progress_it_cannot_back_up():
    result = run_node(f"""
      const s = storage({{ {json.dumps(KEY)}: "{{broken" }}, {json.dumps(KEY + ".unreadable.")});
      let error = null;
      try {{ P.save(s, KBScheduler.emptyProgress(), new Date("2026-01-01T00:00:00Z")); }} catch (e) {{ error = e.message; }}
      process.stdout.write(JSON.stringify({{ error, items: Object.fromEntries(s.map) }}));
    """)
    assert "没有保存" in result["error"] and "quota" in result["error"]
    assert result["items"] == {KEY: "{broken"}


def test_each_backup_gets_a_key_of_its_own():
    result = run_node(f"""
      const s = storage({{}});
      const now = new Date("2026-01-01T00:00:00Z");
      s.setItem({json.dumps(KEY)}, "one"); P.load(s, now);
      s.setItem({json.dumps(KEY)}, "two"); P.load(s, now);
      process.stdout.write(JSON.stringify(Object.fromEntries(s.map)));
    """)
    assert result == {KEY: json.dumps(progress({}), separators=(",", ":")),
                      f"{KEY}.unreadable.2026-01-01T00:00:00.000Z": "one",
                      f"{KEY}.unreadable.2026-01-01T00:00:00.000Z-2": "two"}


def test_merge_keeps_the_later_review_and_the_local_one_on_a_tie():
    mine = progress({"tie": card("2026-01-02T00:00:00.000Z", reps=1), "never": card(None, reps=1),
                     "only-mine": card("2026-01-01T00:00:00.000Z")})
    theirs = progress({"tie": card("2026-01-02T00:00:00.000Z", reps=5), "never": card("2025-01-01T00:00:00.000Z", 5),
                       "only-theirs": card(None, reps=5)})
    result = run_node(f"process.stdout.write(JSON.stringify(P.merge({json.dumps(mine)}, {json.dumps(theirs)})));")
    assert result["added"] == ["only-theirs"] and result["updated"] == ["never"] and result["kept"] == ["tie"]
    cards = result["progress"]["cards"]
    assert {k: v["reps"] for k, v in cards.items()} == {"tie": 1, "never": 5, "only-mine": 1, "only-theirs": 5}
