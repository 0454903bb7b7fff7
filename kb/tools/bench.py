"""``make bench``: measure the site and write the results table to docs/metrics.md.

What it measures (medians, since these machines are noisy):

* the strict build, cold (no jieba cache and no .cache/, new process) and warm, 5 runs each;
* the cost of the kb machinery, timed directly inside each warm build: every ``on_*``
  function of the hook modules in mkdocs.yml, the processors of kb's Markdown extension
  (``kb.logseq.extension``) and the loading of those modules; in all, per page, and as a share of
  the build's wall time;
* the time to run the test suite (once);
* page weight per page type (plain, note, notebook, review): every byte Chromium
  loads for the page, and the JavaScript among it;
* the time for the review page to show its first card, in headless Chromium, and its
  DOMContentLoaded time: how much of the first-card time the page and browser take
  before the review code can show anything;
* the size of the search index;
* generated graphs of N notes (N = 250, 500, 1000 unless ``--graphs`` or ``KB_BENCH_GRAPHS``
  says otherwise; kb/tools/graph_bench.py): strict builds cold and warm, the same Markdown built by
  plain MkDocs + Material, peak memory, the per-page slope and the search download.

The previous run's numbers are read from docs/metrics.json, kept in the new results
(``previous``) and shown beside the new ones; then both files are rewritten, the page
from the results alone (``render_page``), so it always matches the JSON. Run with
``python -m kb.tools.bench [--runs N] [--skip-tests] [--graphs 250,500,1000] [--graph-runs N]
[--only-graphs]`` (``--only-graphs`` measures the graphs alone and keeps the rest of
docs/metrics.json as it was).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import importlib
import json
import os
import platform
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kb.paths import ROOT
from kb.tools import graph_bench
from kb.tools import linkcheck
BIN = Path(sys.executable).parent
RESULTS_JSON = ROOT / "docs" / "metrics.json"
RESULTS_PAGE = ROOT / "docs" / "metrics.md"
JIEBA_CACHE = Path(tempfile.gettempdir()) / "jieba.cache"
BUILD_CACHE = ROOT / ".cache"   # mkdocs-jupyter, KaTeX formulas, notebook figures and CSS
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
REVIEW_FIRST_CARD_MARK = "kb-review:first-card"   # performance.mark() of docs/assets/review.js


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    budget: float | None = None   # the value must stay at or below it
    lower_is_better: bool = True


METRICS = [
    Metric("build_cold_s", "完整严格构建，冷启动（中位数）", "s", 10.0),
    Metric("build_warm_s", "完整严格构建，热启动（中位数）", "s", 2.0),     # issue 22
    Metric("kb_s", "kb 机制耗时（热启动构建中）", "s"),
    Metric("kb_share_pct", "kb 机制占构建时间", "%", 25.0),
    Metric("kb_per_page_ms", "kb 机制每页开销", "ms"),
    Metric("pages", "页面数", "", None),
    Metric("tests_s", "运行全部测试", "s"),
    *[Metric(f"transfer_{t}_kb", f"页面重量：{t}（gzip 传输）", "KB",
             300.0 if t == "plain" else None) for t in PAGE_TYPES],
    *[Metric(f"weight_{t}_kb", f"页面重量：{t}（未压缩）", "KB") for t in PAGE_TYPES],
    *[Metric(f"js_{t}_kb", f"JavaScript：{t}", "KB") for t in PAGE_TYPES],
    Metric("review_first_card_ms", "复习页显示第一张卡片", "ms", 500.0),
    Metric("review_dcl_ms", "复习页 DOMContentLoaded", "ms"),
    Metric("review_card_after_dcl_ms", "复习页：DOMContentLoaded 之后到第一张卡片", "ms"),
    Metric("search_index_kb", "search_index.json（未压缩；页面不再下载）", "KB"),
    Metric("search_index_gz_kb", "search_index.json（gzip；页面不再下载）", "KB"),
    Metric("search_query_gz_kb", "一次搜索的下载（gzip）", "KB"),
]

# Why a metric can miss its budget, shown under 未达预算的项目 whenever it does: sentences,
# the first without numbers. A field such as {kb_s} is that metric's value from the same
# run, as the table shows it; a sentence whose numbers the run lacks is left out.
_BUILD_TIME = (
    "构建时间里除了 kb 机制，还有 MkDocs 及其插件本身（Material 主题、search 插件的 jieba 分词、"
    "mkdocs-jupyter）、第三方 Markdown 扩展和 Python 启动。",
    "kb 机制单独计时：{kb_s}，占热启动构建的 {kb_share_pct}；其余时间都花在后者上。",
)
OVER_BUDGET: dict[str, tuple[str, ...]] = {
    "build_cold_s": (
        "冷启动比热启动多做的是重建 jieba 词典缓存和 `.cache/` 里的构建缓存（mkdocs-jupyter 的转换、KaTeX 渲染好的公式、笔记本的图片和样式表；构建前删去了它们）。",
        "热启动为 {build_warm_s}。",
        *_BUILD_TIME,
    ),
    "build_warm_s": _BUILD_TIME,
    "kb_share_pct": (
        "kb 自己的代码（hooks、Logseq 扩展、载入这些模块）太慢。",
        "它共用了 {kb_s}，每页 {kb_per_page_ms}。",
        "整个热启动构建只有 {build_warm_s}（含 Python 启动和载入 MkDocs、Material），"
        "所以 kb 每次构建都做的固定部分（载入模块、写 cards.json 和 Anki 包、切搜索分片）占比显得大。",
        "`python -m kb.tools.bench` 运行时会打印各部分的耗时，从最大的一项查起。",
    ),
    "transfer_plain_kb": (
        "按 GitHub Pages 那样 gzip 后的传输字节计（字体、图片按原样）。"
        "每一页都要加载 Material 的 CSS 和 JavaScript，"
        "有公式的页还有 KaTeX 的字体：大头是这些全站共用的资源，不是页面自身的 HTML。"
        "搜索的索引不在其中：只有搜索时才下载，按需取用它的分片。",
    ),
    "review_first_card_ms": (
        "这个时间从开始导航算起，包含页面和浏览器本身的加载。",
        "到 DOMContentLoaded 为止用了 {review_dcl_ms}：这是本机无头 Chromium（软件渲染）下载、解析并执行"
        "整页 HTML、样式和脚本的时间，任何页面都有这一段。",
        "复习代码（在 Material 的 `document$` 上启动；cards.json 由页面预加载）显示第一张卡片的时刻"
        "与 DOMContentLoaded 结束之差为 {review_card_after_dcl_ms}（负值：卡片在 DOMContentLoaded 的事件处理中就已显示）。",
    ),
}


def fields(sentence: str) -> list[str]:
    """The metric keys a sentence of OVER_BUDGET shows."""
    return [field for _, field, _, _ in string.Formatter().parse(sentence) if field]


def _run(args: list[str]) -> tuple[float, str]:
    """Run a build command in the project; its wall time and standard output."""
    start = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout


def _build(site_dir: Path) -> float:
    """``mkdocs build --strict`` in a new process; its wall time. (Not ``-q``: it silences
    the warnings that ``--strict`` counts.)"""
    return _run([str(BIN / "mkdocs"), "build", "--strict", "-d", str(site_dir)])[0]


def _timed_build(site_dir: Path) -> tuple[float, dict]:
    """``timed_build`` in a new process: its wall time and what kb's code took."""
    elapsed, out = _run([sys.executable, "-m", "kb.tools.bench", "--timed-build", str(site_dir)])
    return elapsed, json.loads(out.splitlines()[-1])


def _clear_caches() -> None:
    JIEBA_CACHE.unlink(missing_ok=True)
    shutil.rmtree(BUILD_CACHE, ignore_errors=True)


class KbTimer:
    """Wall time spent in kb's code, by part. A call that kb's code makes into more
    timed kb code is counted once, in the outer part."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._depth = 0

    def wrap(self, part: str, func: Callable) -> Callable:
        @functools.wraps(func)
        def timed(*args, **kwargs):
            if self._depth:
                return func(*args, **kwargs)
            self._depth += 1
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[part] += time.perf_counter() - start
                self._depth -= 1
        return timed

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _time_hooks(config, timer: KbTimer) -> None:
    """Put a timed wrapper in place of each ``on_*`` function of the config's hook modules."""
    for name, module in config.hooks.items():
        for event, handlers in config.plugins.events.items():
            func = getattr(module, f"on_{event}", None)
            for i, handler in enumerate(handlers):
                if handler is func:
                    handlers[i] = timer.wrap(f"{name} on_{event}", func)


def _time_markdown_extension(timer: KbTimer) -> None:
    """Time kb's Markdown extension: its setup for each page and every processor of kb's
    that it registers (outline preprocessor, inline patterns, ...)."""
    logseq = timer.wrap("imports", importlib.import_module)("kb.logseq.extension")
    extend = logseq.LogseqExtension.extendMarkdown
    part = "kb.logseq.extension (Markdown extension)"

    def extend_timed(self, md) -> None:
        extend(self, md)
        for registry, method in ((md.preprocessors, "run"), (md.inlinePatterns, "handleMatch"),
                                 (md.treeprocessors, "run"), (md.postprocessors, "run")):
            for processor in registry:
                if type(processor).__module__.startswith("kb."):
                    setattr(processor, method, timer.wrap(part, getattr(processor, method)))

    logseq.LogseqExtension.extendMarkdown = timer.wrap(part, extend_timed)


def timed_build(site_dir: Path) -> dict:
    """Build the site in this process as ``mkdocs build --strict`` does, timing kb's code.

    Returns the build's time in this process (``build_s``), the time spent in kb's code
    (``kb_s``) and that time by part (``kb_parts_s``). MkDocs and the hooks keep state in their
    modules, so run it once per process (``python -m kb.tools.bench --timed-build SITE``).
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.config.config_options import Hooks

    timer = KbTimer()
    start = time.perf_counter()
    load_hook = Hooks._load_hook  # MkDocs imports each hook module here
    Hooks._load_hook = timer.wrap("imports", load_hook)
    try:
        config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site_dir), strict=True)
    finally:
        Hooks._load_hook = load_hook
    _time_hooks(config, timer)
    _time_markdown_extension(timer)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    return {"build_s": time.perf_counter() - start, "kb_s": timer.total,
            "kb_parts_s": dict(timer.seconds)}


def measure_builds(runs: int, work: Path) -> dict[str, float]:
    """Cold and warm builds, alternating; kb's code is timed inside each warm build."""
    cold, warm, kb, share, parts = [], [], [], [], defaultdict(list)
    for i in range(runs):
        _clear_caches()
        cold.append(_build(work / f"cold{i}"))
        elapsed, timing = _timed_build(work / f"warm{i}")
        warm.append(elapsed)
        kb.append(timing["kb_s"])
        share.append(100 * timing["kb_s"] / elapsed)
        for part, seconds in timing["kb_parts_s"].items():
            parts[part].append(seconds)
    print("kb's code in the warm build, by part (median ms):")
    for part, seconds in sorted(parts.items(), key=lambda item: -statistics.median(item[1])):
        print(f"  {1000 * statistics.median(seconds):8.1f}  {part}")
    pages = sum(1 for _ in (work / "warm0").rglob("index.html"))
    return {
        "build_cold_s": statistics.median(cold),
        "build_warm_s": statistics.median(warm),
        "kb_s": statistics.median(kb),
        "kb_share_pct": statistics.median(share),
        "kb_per_page_ms": 1000 * statistics.median(kb) / pages,
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
                    # The bytes of the file served, read from the site on disk: reading the
                    # response body through the browser failed now and then for large
                    # files and silently left them out.
                    served = _served_file(site, base, response.url)
                    if served is None or response.status != 200:
                        return
                    body = served.read_bytes()
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
            runs = [_review_times(browser, base + PAGE_TYPES["review"]) for _ in range(5)]
            out["review_first_card_ms"] = statistics.median(card for card, _ in runs)
            out["review_dcl_ms"] = statistics.median(dcl for _, dcl in runs)
            out["review_card_after_dcl_ms"] = statistics.median(card - dcl for card, dcl in runs)
            browser.close()
    finally:
        server.shutdown()
    return out


def _served_file(site: Path, base: str, url: str) -> Path | None:
    """The file under ``site`` that the local server sent for ``url`` (None: another host)."""
    if not url.startswith(base):
        return None
    file = linkcheck.site_file(site, urlsplit(url).path)
    return file if file.is_file() else None


def _review_times(browser, url: str) -> tuple[float, float]:
    """Milliseconds from the start of navigation until the first card is on screen, and
    until DOMContentLoaded ended (the page's own loading, before the review code's work)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(REVIEW_CARD_SELECTOR, state="visible", timeout=10_000)
    # review.js marks the moment it put the first card on the page; reading the clock
    # here instead would add Playwright's polling and round trip (about 300 ms).
    card = page.evaluate(f"performance.getEntriesByName({REVIEW_FIRST_CARD_MARK!r})[0].startTime")
    page.wait_for_load_state("domcontentloaded")
    dcl = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    context.close()
    return card, dcl


def search_index_sizes(site: Path) -> dict[str, float]:
    data = (site / "search" / "search_index.json").read_bytes()
    return {"search_index_kb": len(data) / 1024, "search_index_gz_kb": len(gzip.compress(data)) / 1024}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("", "ms") or value >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _show(value: float | None, unit: str) -> str:
    """A value with its unit, as the table shows it."""
    if value is None:
        return "—"
    return f"{_fmt(value, unit)} {unit}" if unit else _fmt(value, unit)


def render_page(results: dict) -> str:
    """docs/metrics.md, from the results alone (the previous run's numbers are in them)."""
    metrics = results["metrics"]
    previous = results.get("previous")
    prev = (previous or {}).get("metrics", {})
    shown = {metric.key: _show(metrics.get(metric.key), metric.unit) for metric in METRICS}
    lines = [
        "---",
        "title: 项目指标",
        "---",
        "",
        "# 项目指标",
        "",
        "`make bench` 测得的数字（中位数；这类机器噪声大，请看比值和趋势）。"
        "本页由 `kb/tools/bench.py` 从 `metrics.json` 生成，请勿手改。",
        "",
        f"- 本次：{results['date']}，提交 `{results['commit']}`，{results['machine']}",
    ]
    if previous:
        lines.append(f"- 上次：{previous['date']}，提交 `{previous['commit']}`")
    lines += ["", "| 指标 | 本次 | 上次 | 变化 | 预算 |", "|---|---:|---:|---:|---|"]
    missed = []
    for metric in METRICS:
        now, before = metrics.get(metric.key), prev.get(metric.key)
        change = f"{now / before:.2f}×" if now is not None and before else "—"
        budget = "—"
        if metric.budget is not None:
            limit = f"≤ {metric.budget:g}{' ' + metric.unit if metric.unit else ''}"
            budget = limit if now is None else f"{limit} {'✅' if now <= metric.budget else '❌'}"
            if now is not None and now > metric.budget:
                missed.append((metric, limit))
        lines.append(f"| {metric.label} | {shown[metric.key]} | {_show(before, metric.unit)} "
                     f"| {change} | {budget} |")

    lines += ["", "## 未达预算的项目", ""]
    for metric, limit in missed:
        explanation = "".join(sentence.format_map(shown) for sentence in OVER_BUDGET[metric.key]
                              if all(metrics.get(key) is not None for key in fields(sentence)))
        lines.append(f"- {metric.label}：{shown[metric.key]}，预算 {limit}。{explanation}")
    if not missed:
        lines.append("本次测到的指标都在预算内。")

    lines += [
        "",
        "## 说明",
        "",
        "- 冷启动：删去 jieba 词典缓存和 `.cache/`（mkdocs-jupyter、KaTeX、笔记本页面的缓存）后的新进程；热启动：紧接着的第二次构建。"
        "两者都是新进程里的严格构建，计入 Python 启动；热启动由 `python -m kb.tools.bench --timed-build` "
        "照 `mkdocs build --strict` 在进程内构建，同时给 kb 的代码计时。",
        "- kb 机制耗时是在热启动构建里直接计时的：`mkdocs.yml` 中 `hooks:` 各模块的全部 `on_*` 函数、"
        "kb 的 Markdown 扩展（`kb.logseq.extension`）的各个处理器，以及载入这些模块。"
        "占比是它除以该次构建的墙钟时间，每页开销是它除以页面数，都取各次的中位数。",
        "- 页面重量是 Chromium 打开该页时从本机服务器加载的全部资源（HTML、CSS、字体、图片、脚本）："
        "“gzip 传输”按 GitHub Pages 那样压缩文本资源计（字体和图片本已压缩），“未压缩”是文件字节数；"
        "JavaScript 按未压缩计。预算针对传输字节。",
        "- 复习页时间从开始导航算起（本机 127.0.0.1，无头 Chromium）：`review.js` 把第一张卡片放上页面时记下的 `performance.mark(\"kb-review:first-card\")`，"
        "以及导航记录的 `domContentLoadedEventEnd`；“之后到第一张卡片”是每次两者之差的中位数，"
        "为负时卡片在 DOMContentLoaded 的事件处理中（Material 的 `document$` 触发时）就已显示。",
        f"- {SEARCH_DOWNLOAD_NOTE}",
    ]
    for key, reason in results.get("unmeasured", {}).items():
        label = next(metric.label for metric in METRICS if metric.key == key)
        lines.append(f"- {label}：{reason}。")
    lines += ["", *render_graphs(results.get("graphs")), ""]
    return "\n".join(lines)


# What "一次搜索的下载" counts, for this site and for the generated graphs.
SEARCH_DOWNLOAD_NOTE = (
    f"一次搜索的下载：搜“{graph_bench.SEARCH_QUERY}”时浏览器取的文件：kb 的搜索 worker、search/manifest.json、"
    "这次查询用到的词分片和前 20 个结果页面的文件（在 Node 里跑站点的 worker 得出），按 gzip 计；"
    "整个 search_index.json 不再下载。")

# The columns of the graphs' table: key of one size's results, heading, unit.
GRAPH_COLUMNS = (
    ("notes", "笔记", ""),
    ("pages", "页面", ""),
    ("build_cold_s", "冷启动", "s"),
    ("build_warm_s", "热启动", "s"),
    ("plain_s", "纯 MkDocs + Material", "s"),
    ("kb_share_pct", "kb 占比", "%"),
    ("per_page_ms", "每页", "ms"),
    ("edit_to_page_s", "保存后重建", "s"),
    ("peak_mb", "峰值内存", "MB"),
    ("search_query_gz_kb", "一次搜索的下载（gzip）", "KB"),
)


# Why a graph target can be missed, shown after its ❌ (what the profiles of issue 22 found).
GRAPH_OVER_BUDGET = {
    "build_warm_s": "热启动构建里最大的几项（剖析）是：Material 的导航模板（每页都画整个导航）、"
                    "页面渲染、读所有笔记（build_graph）和写搜索分片。",
    "edit_to_page_s": "每次保存不论改了什么都要做的：读每篇笔记的文件并比对文本、算每页的图谱依赖"
                      "（决定重建哪些页）、Material 的搜索插件读写整个 search_index.json，"
                      "以及给重建的每一页画整个导航；进程里第一次保存还要补建缓存，更慢。",
    "kb_share_pct": "kb 的 hooks、Logseq 扩展和缓存比纯 MkDocs + Material 多花的时间；"
                    "用 cProfile 剖析一次热启动构建，从最大的一项查起。",
    "peak_mb": "构建把每页的 HTML、解析好的笔记和卡片、搜索条目都放在内存里直到构建结束。",
    "search_query_gz_kb": "下载量由这次查询命中的词分片和前 20 个结果页面的文件决定，"
                          "分片越大（页面越多、词越常见）下载越多。",
}


def render_graphs(graphs: dict | None) -> list[str]:
    """The section on generated graphs (kb/tools/graph_bench.py), from its results alone."""
    lines = ["## 生成图谱的规模", ""]
    if not graphs:
        return lines + ["还没有测：`make bench`（或只测这一部分：`python -m kb.tools.bench --only-graphs`）"
                        "用 `kb/tools/graph_generator.py` 生成 250、500、1000 篇笔记的图谱来测。"]
    lines += [
        f"{graphs['date']}，提交 `{graphs['commit']}`，{graphs['machine']}；种子 {graphs['seed']}，"
        f"每种构建 {graphs['runs']} 次取中位数，每次都是新进程里的严格构建。",
        "",
        "| " + " | ".join(heading for _, heading, _ in GRAPH_COLUMNS) + " |",
        "|" + "---:|" * len(GRAPH_COLUMNS),
    ]
    for size in graphs["sizes"]:
        lines.append("| " + " | ".join(_show(size.get(key), unit) for key, _, unit in GRAPH_COLUMNS) + " |")
    lines += [
        "",
        f"- 热启动构建每多一页多用 {_show(graphs.get('slope_ms_per_page'), 'ms')}"
        f"（纯 MkDocs + Material：{_show(graphs.get('plain_slope_ms_per_page'), 'ms')}），"
        "由各规模的热启动时间对页面数做最小二乘得出；每页一栏随规模变大说明有超线性的部分。",
        "- kb 占比 =（热启动 − 纯 MkDocs + Material）/ 热启动：同一份 Markdown，后者没有 kb 的 hooks、"
        "主题覆盖、样式和脚本，也没有 tags 插件（它读不懂 Logseq 的 `tags::`）。"
        "为负时 kb 的构建比纯 MkDocs + Material 还快：kb 把每页的 Markdown 转换、卡片、"
        "页面描述和搜索条目缓存在 `.cache/` 里，只在页面的来源变了时重做，纯 MkDocs 每次都重做。",
        "- 保存后重建：`make serve`（`mkdocs serve --dirty`）里保存一篇笔记到重建完成（浏览器随即刷新）的秒数，"
        "三次保存、每次改另一篇笔记，取中位数；只重建受影响的页面（kb/site/incremental.py）。",
        "- 峰值内存是构建进程（含其子进程）的最大常驻内存（`os.wait4` 的 rusage），取 kb 构建中最大的一次。",
        f"- {SEARCH_DOWNLOAD_NOTE}",
        "",
        "目标（issue 22）：",
        "",
    ]
    for target in graph_bench.GRAPH_TARGETS:
        label = next(heading for key, heading, _ in GRAPH_COLUMNS if key == target.key)
        unit = next(unit for key, _, unit in GRAPH_COLUMNS if key == target.key)
        sizes = [s for s in graphs["sizes"] if target.notes in (None, s["notes"]) and s.get(target.key) is not None]
        where = f"{target.notes} 篇笔记" if target.notes else "每种规模"
        if not sizes:
            verdict = "本次没有测这一规模"
        else:
            worst = max(s[target.key] for s in sizes)
            verdict = f"{'✅' if worst <= target.budget else '❌'} 最大 {_show(worst, unit)}"
            if worst > target.budget:
                verdict += f"。{GRAPH_OVER_BUDGET[target.key]}"
        lines.append(f"- {label}（{where}）≤ {_show(target.budget, unit)}：{verdict}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.tools.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="builds of each kind (default 5)")
    parser.add_argument("--skip-tests", action="store_true", help="don't time the test suite")
    parser.add_argument("--timed-build", metavar="SITE", type=Path,
                        help="build into SITE with kb's code timed; print the timings as JSON")
    parser.add_argument("--graphs", metavar="N,N,...", default=None,
                        help=f"generated graphs to measure, in notes (default: ${graph_bench.SIZES_ENV}, "
                             f"else {','.join(map(str, graph_bench.DEFAULT_SIZES))}; '' for none)")
    parser.add_argument("--graph-runs", type=int, default=3, help="builds of each kind per graph (default 3)")
    parser.add_argument("--only-graphs", action="store_true",
                        help="measure the graphs only; keep the rest of docs/metrics.json")
    args = parser.parse_args(argv)
    if args.timed_build:
        print(json.dumps(timed_build(args.timed_build)))
        return 0
    try:
        sizes = graph_bench.default_sizes() if args.graphs is None else graph_bench.sizes_from(args.graphs)
    except ValueError as error:
        parser.error(str(error))

    previous = json.loads(RESULTS_JSON.read_text(encoding="utf-8")) if RESULTS_JSON.is_file() else None
    if args.only_graphs:
        if previous is None or not sizes:
            parser.error("--only-graphs needs docs/metrics.json from an earlier run and at least one size")
        write_results({**previous, "graphs": measure_graphs(sizes, args.graph_runs)})
        return 0
    metrics: dict[str, float | None] = {}
    unmeasured: dict[str, str] = {}   # metric key -> why this run has no number of its own
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        work = Path(tmp)
        print("timing builds ...", flush=True)
        metrics.update(measure_builds(args.runs, work))
        site = work / "warm0"
        metrics.update(search_index_sizes(site))
        metrics["search_query_gz_kb"] = graph_bench.search_download(site)["search_query_gz_kb"]
        print("loading pages in Chromium ...", flush=True)
        metrics.update(measure_in_browser(site))
    if not args.skip_tests:
        print("timing the test suite ...", flush=True)
        metrics["tests_s"] = measure_tests()
    elif previous and previous["metrics"].get("tests_s") is not None:
        metrics["tests_s"] = previous["metrics"]["tests_s"]
        unmeasured["tests_s"] = "本次用了 --skip-tests，表中是上次的数字"
    else:
        metrics["tests_s"] = None
        unmeasured["tests_s"] = "本次用了 --skip-tests，没有测"
    if missing := [metric.key for metric in METRICS if metric.key not in metrics]:
        raise SystemExit(f"kb/tools/bench.py measured no {', '.join(missing)}")

    results = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "machine": _machine(),
        "metrics": {metric.key: metrics[metric.key] for metric in METRICS},
        "unmeasured": unmeasured,
        "previous": {key: previous[key] for key in ("date", "commit", "metrics")} if previous else None,
        "graphs": measure_graphs(sizes, args.graph_runs) if sizes else (previous or {}).get("graphs"),
    }
    write_results(results)
    return 0


def _commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip() or "?"


def _machine() -> str:
    return f"{os.cpu_count()} 核 {platform.machine()}, Python {platform.python_version()}"


def measure_graphs(sizes: list[int], runs: int) -> dict:
    """kb/tools/graph_bench.py's results, dated like the rest."""
    return {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": _commit(), "machine": _machine(), **graph_bench.measure(sizes, runs)}


def write_results(results: dict) -> None:
    RESULTS_PAGE.write_text(render_page(results), encoding="utf-8")
    RESULTS_JSON.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
    print(RESULTS_PAGE.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
