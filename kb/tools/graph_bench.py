"""The scale part of ``make bench``: generated graphs of N notes (kb/tools/graph_generator.py),
built strictly with the site's machinery and, as the anchor, by plain MkDocs + Material.

For each N: the strict build cold (no jieba cache, no ``.cache/`` of the graph) and warm,
the plain build of the same Markdown, each a new process, medians of ``runs`` builds; the
peak resident memory of a build (``os.wait4``'s rusage of the child); and the bytes a
visitor downloads to run one search (the index and the scripts Material's search worker
loads). Across the sizes: the slope of the warm build, milliseconds per added page, from a
least-squares line (a quadratic part shows as a slope that grows with N). Last, ``make serve``'s
rebuild after a save (``edit_to_page_s``: median of three saves, each to another note, from the save
to the end of the rebuild, in a long-lived process as serve keeps it).

``GRAPH_TARGETS`` are issue 22's targets; kb/tools/bench.py shows them beside the numbers.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kb.tools import graph_generator

SIZES_ENV = "KB_BENCH_GRAPHS"        # e.g. "250,500,1000"; "" measures no graph
DEFAULT_SIZES = (250, 500, 1000)
SEARCH_WORKER = "assets/javascripts/kb-search-worker.js"    # kb/site/theme/assets/javascripts/
SEARCH_MANIFEST = "search/manifest.json"                     # kb/site/search_shards.py
SEARCH_QUERY_SCRIPT = Path(__file__).with_name("search_query.cjs")
SEARCH_QUERY = "归一化 梯度"          # two words the generated graphs use on many pages


@dataclass(frozen=True)
class Target:
    key: str            # a key of one size's results
    budget: float
    notes: int | None   # the size it applies to (None: every size)


GRAPH_TARGETS = (
    Target("build_warm_s", 20.0, 1000),
    Target("edit_to_page_s", 2.0, 1000),
    Target("kb_share_pct", 25.0, None),
    Target("peak_mb", 1024.0, None),
    Target("search_query_gz_kb", 150.0, None),
)


def sizes_from(text: str) -> list[int]:
    """``"250, 500,1000"`` -> [250, 500, 1000]; ``""`` -> []. Bad text: ValueError naming it."""
    sizes = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"{SIZES_ENV} / --graphs: {part!r} is not a number of notes (e.g. 250,500,1000)")
        sizes.append(int(part))
    return sizes


def default_sizes() -> list[int]:
    text = os.environ.get(SIZES_ENV)
    return list(DEFAULT_SIZES) if text is None else sizes_from(text)


def slope(points: list[tuple[float, float]]) -> float | None:
    """The least-squares slope of y over x; None with fewer than two distinct x."""
    xs = [x for x, _ in points]
    if len(set(xs)) < 2:
        return None
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(y for _, y in points)
    return (sum((x - mean_x) * (y - mean_y) for x, y in points)
            / sum((x - mean_x) ** 2 for x in xs))


def search_download(site: Path, query: str = SEARCH_QUERY) -> dict[str, float]:
    """KB a visitor's browser fetches to run ``query`` with kb's search: the worker, the
    manifest, and the term shards and page files the worker fetches for it, found by running
    the site's worker in Node (kb/tools/search_query.cjs). Not search_index.json: pages no
    longer fetch it. Raw and gzipped (as GitHub Pages sends them)."""
    files = [site / SEARCH_WORKER, site / SEARCH_MANIFEST]
    if missing := [str(f.relative_to(site)) for f in files if not f.is_file()]:
        raise SystemExit(f"search files not in the built site {site}: {', '.join(missing)}")
    node = shutil.which("node")
    if node is None:
        raise SystemExit("Node.js is needed to measure the search download: `node` not found.")
    run = subprocess.run([node, str(SEARCH_QUERY_SCRIPT), str(site), query],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"the search worker failed on {query!r} in {site}:\n{run.stderr[-2000:]}")
    fetched = json.loads(run.stdout)["fetched"]
    files += [site / name for name in dict.fromkeys(fetched)]
    data = [f.read_bytes() for f in files]
    return {"search_query_kb": sum(len(d) for d in data) / 1024,
            "search_query_gz_kb": sum(len(gzip.compress(d)) for d in data) / 1024,
            "search_query_files": len(files)}


def build(config: Path, site_dir: Path, env: dict[str, str]) -> tuple[float, float]:
    """``mkdocs build --strict -f config`` in a new process: wall seconds and peak MB."""
    from kb.tools.bench import BIN   # kb/tools/bench.py imports this module

    log = site_dir.with_suffix(".log")
    with open(log, "w+b") as out:
        start = time.perf_counter()
        proc = subprocess.Popen([str(BIN / "mkdocs"), "build", "--strict", "-f", str(config),
                                 "-d", str(site_dir)], stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"build of {config} failed:\n{text[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024   # Linux: KB


def serve_edits(config: Path, site_dir: Path, env: dict[str, str], edits: int = 3) -> dict[str, list[float]]:
    """``make serve``'s rebuilds after ``edits`` saves (kb/tools/serve_session.py, a new process, after
    the warm builds): seconds from each save to the end of its rebuild, when serve reloads the browser."""
    from kb.tools.bench import BIN   # kb/tools/bench.py imports this module

    proc = subprocess.run([str(BIN / "python"), "-m", "kb.tools.serve_session", str(config), str(site_dir),
                           "--edits", str(edits)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"serve rebuilds of {config} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_graph(notes: int, runs: int, work: Path, seed: int = 0) -> dict[str, float]:
    """One size: builds of a new graph of ``notes`` notes in ``work``."""
    from kb.tools.bench import ENV, JIEBA_CACHE   # kb/tools/bench.py imports this module

    folder = work / f"graph-{notes}"
    counts = graph_generator.generate(folder, notes, seed)
    env = {**ENV, "KB_NOTEBOOK_CACHE": str(folder / ".cache" / "mkdocs-jupyter")}
    cold, warm, plain, peak = [], [], [], []
    for i in range(runs):
        JIEBA_CACHE.unlink(missing_ok=True)
        shutil.rmtree(folder / ".cache", ignore_errors=True)
        for times, config, name in ((cold, "mkdocs.yml", "cold"), (warm, "mkdocs.yml", "warm"),
                                    (plain, "mkdocs-plain.yml", "plain")):
            site = work / f"site-{notes}-{name}"
            shutil.rmtree(site, ignore_errors=True)
            seconds, megabytes = build(folder / config, site, env)
            times.append(seconds)
            if config == "mkdocs.yml":
                peak.append(megabytes)
    edits = serve_edits(folder / "mkdocs.yml", work / f"site-{notes}-serve", env)
    site = work / f"site-{notes}-warm"
    pages = sum(1 for _ in site.rglob("index.html"))
    warm_s, plain_s = statistics.median(warm), statistics.median(plain)
    return {
        "notes": notes,
        "pages": pages,
        "cards": sum(counts.cards.values()),
        "build_cold_s": statistics.median(cold),
        "build_warm_s": warm_s,
        "plain_s": plain_s,
        "kb_share_pct": 100 * (warm_s - plain_s) / warm_s,
        "per_page_ms": 1000 * warm_s / pages,
        "edit_to_page_s": statistics.median(edits["rebuild_s"]),
        "peak_mb": max(peak),
        **search_download(site),
    }


def measure(sizes: list[int], runs: int, seed: int = 0) -> dict:
    """Every size, and the slopes across them; what kb/tools/bench.py keeps as ``graphs``."""
    results = []
    with tempfile.TemporaryDirectory(prefix="kb-graph-bench-") as tmp:
        for notes in sizes:
            print(f"graph of {notes} notes: {runs} × (cold, warm, plain) builds ...", flush=True)
            results.append(measure_graph(notes, runs, Path(tmp), seed))
            print(f"  {results[-1]}", flush=True)
    to_ms = lambda value: None if value is None else 1000 * value   # noqa: E731
    return {
        "runs": runs,
        "seed": seed,
        "sizes": results,
        "slope_ms_per_page": to_ms(slope([(r["pages"], r["build_warm_s"]) for r in results])),
        "plain_slope_ms_per_page": to_ms(slope([(r["pages"], r["plain_s"]) for r in results])),
    }
