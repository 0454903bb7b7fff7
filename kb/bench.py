"""``make bench``: measure the site and write the results table to docs/metrics.md.

What it measures (medians, since these machines are noisy):

* the strict build, cold (no jieba or notebook cache, new process) and warm, 5 runs each;
* the cost of the kb machinery: the same pages built with and without kb's hooks
  (and so without its Markdown extension), per page and as a share of the build;
* the time to run the test suite (once);
* page weight per page type (plain, note, notebook, review): every byte Chromium
  loads for the page, and the JavaScript among it;
* the time for the review page to show its first card, in headless Chromium;
* the size of the search index.

The previous run's numbers are read from docs/metrics.json and shown beside the new
ones; then both files are rewritten. Run with ``python -m kb.bench [--runs N]
[--skip-tests]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS_JSON = ROOT / "docs" / "metrics.json"
RESULTS_PAGE = ROOT / "docs" / "metrics.md"
JIEBA_CACHE = Path(tempfile.gettempdir()) / "jieba.cache"
NOTEBOOK_CACHE = ROOT / ".cache" / "mkdocs-jupyter"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}

# Page types and the page that stands for each (paths in the built site).
PAGE_TYPES = {
    "plain": "",                                   # the home page: Markdown, math, code
    "note": "pages/batch-normalization/",          # a Logseq note: outline, cards, links
    "notebook": "experiments/first_look/",         # a mkdocs-jupyter page
    "review": "review/",                           # the flashcard review page
}
# The front of the card the review page shows (docs/review.md, docs/assets/review.js).
REVIEW_CARD_SELECTOR = ".kb-review__card:not([hidden]) .kb-review__front:not(:empty)"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    budget: float | None = None   # the value must stay at or below it
    lower_is_better: bool = True


METRICS = [
    Metric("build_cold_s", "完整严格构建，冷启动（中位数）", "s", 10.0),
    Metric("build_warm_s", "完整严格构建，热启动（中位数）", "s", 10.0),
    Metric("build_plain_s", "同样页面不带 kb 机制的构建（中位数）", "s"),
    Metric("kb_share_pct", "kb 机制占构建时间", "%", 25.0),
    Metric("kb_per_page_ms", "kb 机制每页开销", "ms"),
    Metric("pages", "页面数", "", None),
    Metric("tests_s", "运行全部测试", "s"),
    *[Metric(f"transfer_{t}_kb", f"页面重量：{t}（gzip 传输）", "KB",
             300.0 if t == "plain" else None) for t in PAGE_TYPES],
    *[Metric(f"weight_{t}_kb", f"页面重量：{t}（未压缩）", "KB") for t in PAGE_TYPES],
    *[Metric(f"js_{t}_kb", f"JavaScript：{t}", "KB") for t in PAGE_TYPES],
    Metric("review_first_card_ms", "复习页显示第一张卡片", "ms", 500.0),
    Metric("search_index_kb", "搜索索引（未压缩）", "KB"),
    Metric("search_index_gz_kb", "搜索索引（gzip）", "KB"),
]


def _build(site_dir: Path, config: Path = ROOT / "mkdocs.yml", strict: bool = True) -> float:
    args = [str(BIN / "mkdocs"), "build", "-q", "-f", str(config), "-d", str(site_dir)]
    if strict:
        args.insert(2, "--strict")
    start = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def _clear_caches() -> None:
    JIEBA_CACHE.unlink(missing_ok=True)
    shutil.rmtree(NOTEBOOK_CACHE, ignore_errors=True)


def _plain_config(folder: Path) -> Path:
    """The site's config without kb's hooks: same pages, theme and plugins."""
    from mkdocs.utils import yaml_load

    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        project = yaml_load(f)
    config = folder / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\n"
        f"docs_dir: {ROOT / 'docs'}\n"
        "hooks: []\n"
        "strict: false\n"
        f"theme:\n  name: material\n  custom_dir: {ROOT / project['theme']['custom_dir']}\n",
        encoding="utf-8",
    )
    return config


def measure_builds(runs: int, work: Path) -> dict[str, float]:
    cold, warm, plain = [], [], []
    for i in range(runs):
        _clear_caches()
        cold.append(_build(work / f"cold{i}"))
        warm.append(_build(work / f"warm{i}"))
    plain_config = _plain_config(work)
    for i in range(runs):
        plain.append(_build(work / f"plain{i}", plain_config, strict=False))
    pages = sum(1 for _ in (work / "warm0").rglob("index.html"))
    warm_s, plain_s = statistics.median(warm), statistics.median(plain)
    return {
        "build_cold_s": statistics.median(cold),
        "build_warm_s": warm_s,
        "build_plain_s": plain_s,
        "kb_share_pct": 100 * max(warm_s - plain_s, 0) / warm_s,
        "kb_per_page_ms": 1000 * max(warm_s - plain_s, 0) / pages,
        "pages": pages,
    }


def measure_tests() -> float:
    start = time.perf_counter()
    result = subprocess.run([str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                            env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the tests fail; fix them before measuring:\n{result.stdout[-3000:]}")
    return elapsed


def measure_in_browser(site: Path) -> dict[str, float]:
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    out: dict[str, float] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for page_type, path in PAGE_TYPES.items():
                if not (site / path / "index.html").is_file():
                    raise SystemExit(f"no {page_type} page at {path!r}: update PAGE_TYPES")
                context = browser.new_context()
                page = context.new_page()
                sizes: dict[str, tuple[int, int, str]] = {}

                def record(response, sizes=sizes):
                    try:
                        body = response.body()
                    except Exception:  # redirects and aborted requests have no body
                        return
                    kind = response.request.resource_type
                    # What a host that gzips text (GitHub Pages does) sends over the wire;
                    # fonts (woff2) and images are compressed already.
                    sent = len(body) if kind in ("font", "image", "media") \
                        else len(gzip.compress(body))
                    sizes[response.url] = (len(body), sent, kind)

                page.on("response", record)
                page.goto(base + path, wait_until="networkidle")
                out[f"weight_{page_type}_kb"] = sum(raw for raw, _, _ in sizes.values()) / 1024
                out[f"transfer_{page_type}_kb"] = sum(sent for _, sent, _ in sizes.values()) / 1024
                out[f"js_{page_type}_kb"] = sum(raw for raw, _, kind in sizes.values()
                                                if kind == "script") / 1024
                context.close()
            times = [_first_card_ms(browser, base + PAGE_TYPES["review"]) for _ in range(5)]
            out["review_first_card_ms"] = statistics.median(times)
            browser.close()
    finally:
        server.shutdown()
    return out


def _first_card_ms(browser, url: str) -> float:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(REVIEW_CARD_SELECTOR, state="visible", timeout=10_000)
    # Time from the start of navigation to the moment the card is on screen.
    ms = page.evaluate("performance.now()")
    context.close()
    return ms


def search_index_sizes(site: Path) -> dict[str, float]:
    data = (site / "search" / "search_index.json").read_bytes()
    return {"search_index_kb": len(data) / 1024, "search_index_gz_kb": len(gzip.compress(data)) / 1024}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("", "ms") or value >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def render_page(results: dict, previous: dict | None) -> str:
    prev = (previous or {}).get("metrics", {})
    lines = [
        "---",
        "title: 项目指标",
        "---",
        "",
        "# 项目指标",
        "",
        "`make bench` 测得的数字（中位数；这类机器噪声大，请看比值和趋势）。"
        "本页由 `kb/bench.py` 生成，请勿手改。",
        "",
        f"- 本次：{results['date']}，提交 `{results['commit']}`，{results['machine']}",
    ]
    if previous:
        lines.append(f"- 上次：{previous['date']}，提交 `{previous['commit']}`")
    lines += ["", "| 指标 | 本次 | 上次 | 变化 | 预算 |", "|---|---:|---:|---:|---|"]
    for metric in METRICS:
        now, before = results["metrics"].get(metric.key), prev.get(metric.key)
        unit = f" {metric.unit}" if metric.unit else ""
        change = "—"
        if now is not None and before:
            change = f"{now / before:.2f}×"
        budget = "—"
        if metric.budget is not None:
            ok = now is not None and now <= metric.budget
            budget = f"≤ {metric.budget:g}{unit} {'✅' if ok else '❌'}" if now is not None \
                else f"≤ {metric.budget:g}{unit}"
        lines.append(f"| {metric.label} | {_fmt(now, metric.unit)}{unit if now is not None else ''} "
                     f"| {_fmt(before, metric.unit)}{unit if before is not None else ''} "
                     f"| {change} | {budget} |")
    lines += [
        "",
        "说明：",
        "",
        "- 冷启动：删去 jieba 词典缓存和 mkdocs-jupyter 缓存后的新进程；热启动：紧接着的第二次构建。",
        "- kb 机制的开销 = 热启动构建时间 − 同样页面去掉 `kb/` 的 hooks（也就没有 Logseq 扩展、"
        "KaTeX 渲染、卡片导出）后的构建时间。",
        "- 页面重量是 Chromium 打开该页时从本机服务器加载的全部资源（HTML、CSS、字体、图片、脚本、搜索索引）："
        "“gzip 传输”按 GitHub Pages 那样压缩文本资源计（字体和图片本已压缩），“未压缩”是文件字节数；"
        "JavaScript 按未压缩计。预算针对传输字节。",
        "- 复习页时间是从开始导航到第一张卡片可见（`performance.now()`），本机 127.0.0.1。",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="builds of each kind (default 5)")
    parser.add_argument("--skip-tests", action="store_true", help="don't time the test suite")
    args = parser.parse_args(argv)

    previous = json.loads(RESULTS_JSON.read_text(encoding="utf-8")) if RESULTS_JSON.is_file() else None
    metrics: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        work = Path(tmp)
        print("timing builds ...", flush=True)
        metrics.update(measure_builds(args.runs, work))
        site = work / "warm0"
        metrics.update(search_index_sizes(site))
        print("loading pages in Chromium ...", flush=True)
        metrics.update(measure_in_browser(site))
    if not args.skip_tests:
        print("timing the test suite ...", flush=True)
        metrics["tests_s"] = measure_tests()
    elif previous:
        metrics["tests_s"] = previous["metrics"].get("tests_s")

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip() or "?"
    results = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "machine": f"{os.cpu_count()} 核 {platform.machine()}, Python {platform.python_version()}",
        "metrics": metrics,
    }
    RESULTS_PAGE.write_text(render_page(results, previous), encoding="utf-8")
    RESULTS_JSON.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
    print(RESULTS_PAGE.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
