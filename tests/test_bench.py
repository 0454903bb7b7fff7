"""kb/tools/bench.py: the results table, the explanations of missed budgets, kb's timing, that
docs/metrics.md is what the bench makes of docs/metrics.json, and that every page type
it measures exists."""

from __future__ import annotations

import json
import shutil
import types
from pathlib import Path

import pytest

from kb.paths import ROOT
from kb.tools import bench


def results(previous=None, **metrics):
    return {"date": "2026-11-28 00:00 UTC", "commit": "abc1234", "machine": "2 核",
            "metrics": metrics, "previous": previous}


def row(page: str, label: str) -> list[str]:
    line = next(line for line in page.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def missed_budgets(page: str) -> str:
    return page.split("## 未达预算的项目")[1].split("## ")[0]


def test_table_compares_with_the_previous_run_and_checks_budgets():
    page = bench.render_page(results(
        results(build_warm_s=8.0, kb_share_pct=30.0),
        build_warm_s=12.0, kb_share_pct=20.0, review_first_card_ms=120.0,
    ))
    assert row(page, "完整严格构建，热启动（中位数）") == ["完整严格构建，热启动（中位数）", "12.0 s", "8.00 s",
                                                "1.50×", "≤ 2 s ❌"]
    assert row(page, "kb 机制占构建时间")[1:] == ["20.0 %", "30.0 %", "0.67×", "≤ 25 % ✅"]
    assert row(page, "复习页显示第一张卡片")[1:] == ["120 ms", "—", "—", "≤ 500 ms ✅"]
    # A metric this run did not measure is shown as missing, never as passing.
    assert row(page, "运行全部测试")[1:] == ["—", "—", "—", "—"]
    assert row(page, "页面重量：plain（gzip 传输）")[4] == "≤ 300 KB"
    assert "上次：2026-11-28 00:00 UTC，提交 `abc1234`" in page


def test_first_run_has_no_previous_column_values():
    page = bench.render_page(results(pages=8))
    assert row(page, "页面数")[1:] == ["8", "—", "—", "—"]
    assert "上次" not in page.split("| 指标")[0]


def test_each_missed_budget_is_listed_with_its_value_budget_and_explanation():
    section = missed_budgets(bench.render_page(results(
        build_warm_s=12.0, kb_s=3.0, kb_share_pct=25.0, review_first_card_ms=1200.0,
        review_dcl_ms=800.0, review_card_after_dcl_ms=400.0)))
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert [line.split("：")[0] for line in lines] == ["- 完整严格构建，热启动（中位数）", "- 复习页显示第一张卡片"]
    assert lines[0].startswith("- 完整严格构建，热启动（中位数）：12.0 s，预算 ≤ 2 s。构建时间里除了 kb 机制")
    assert "3.00 s，占热启动构建的 25.0 %" in lines[0]   # at its budget: not missed, but shown
    assert "800 ms" in lines[1] and "400 ms" in lines[1]


def test_an_explanation_leaves_out_the_numbers_the_run_lacks():
    section = missed_budgets(bench.render_page(results(review_first_card_ms=1200.0)))
    assert "复习页显示第一张卡片：1200 ms，预算 ≤ 500 ms。这个时间从开始导航算起" in section
    assert "—" not in section and "{" not in section


def test_a_run_within_every_budget_says_so():
    section = missed_budgets(bench.render_page(results(build_warm_s=1.5, review_first_card_ms=100.0)))
    assert section.strip() == "本次测到的指标都在预算内。"


def test_every_budget_has_an_explanation_that_names_only_metrics():
    keys = {metric.key for metric in bench.METRICS}
    assert set(bench.OVER_BUDGET) == {metric.key for metric in bench.METRICS if metric.budget is not None}
    for key, sentences in bench.OVER_BUDGET.items():
        assert not bench.fields(sentences[0]), f"{key}: the first sentence must need no numbers"
        assert {field for sentence in sentences for field in bench.fields(sentence)} <= keys, key


def test_kb_timer_counts_nested_kb_calls_once():
    timer = bench.KbTimer()
    inner = timer.wrap("inner", lambda: None)
    outer = timer.wrap("outer", lambda: inner() or "done")
    assert outer() == "done"
    assert set(timer.seconds) == {"outer"} and timer.total == timer.seconds["outer"] > 0


def test_only_the_hook_modules_functions_are_timed():
    def on_page_markdown(markdown, **kwargs):
        return markdown + "!"

    def plugin_handler(markdown, **kwargs):
        return markdown

    hook = types.SimpleNamespace(on_page_markdown=on_page_markdown)
    events = {"page_markdown": [plugin_handler, on_page_markdown], "post_build": []}
    config = types.SimpleNamespace(hooks={"kb/site/hooks.py": hook},
                                   plugins=types.SimpleNamespace(events=events))
    timer = bench.KbTimer()
    bench._time_hooks(config, timer)
    assert events["page_markdown"][0] is plugin_handler
    assert events["page_markdown"][1]("x") == "x!"
    assert set(timer.seconds) == {"kb/site/hooks.py on_page_markdown"}


def test_metrics_page_is_what_the_bench_makes_of_the_json():
    data = json.loads(bench.RESULTS_JSON.read_text(encoding="utf-8"))
    assert bench.RESULTS_PAGE.read_text(encoding="utf-8") == bench.render_page(data)


def test_metrics_json_has_every_metric_and_says_why_one_is_missing():
    data = json.loads(bench.RESULTS_JSON.read_text(encoding="utf-8"))
    metrics, unmeasured = data["metrics"], data.get("unmeasured", {})
    assert [metric.key for metric in bench.METRICS if metric.key not in metrics] == []
    assert [key for key, value in metrics.items() if value is None and key not in unmeasured] == []
    assert set(unmeasured) <= set(metrics)


def test_every_measured_page_type_is_built(built_site: Path):
    for page_type, path in bench.PAGE_TYPES.items():
        assert (built_site / path / "index.html").is_file(), page_type


def test_metrics_page_is_generated_and_in_the_site(built_site: Path):
    source = bench.RESULTS_PAGE.read_text(encoding="utf-8")
    assert "本页由 `kb/tools/bench.py` 从 `metrics.json` 生成" in source
    assert (built_site / "metrics" / "index.html").is_file()


GRAPHS = {
    "date": "2026-12-06 04:00 UTC", "commit": "def5678", "machine": "2 核", "runs": 3, "seed": 0,
    "sizes": [
        {"notes": 250, "pages": 300, "build_cold_s": 9.0, "build_warm_s": 6.0, "plain_s": 5.0,
         "kb_share_pct": 16.7, "per_page_ms": 20.0, "peak_mb": 300.0, "search_query_gz_kb": 90.0},
        {"notes": 1000, "pages": 1200, "build_cold_s": 30.0, "build_warm_s": 24.0, "plain_s": 20.0,
         "kb_share_pct": 16.7, "per_page_ms": 20.0, "edit_to_page_s": 3.0, "peak_mb": 900.0,
         "search_query_gz_kb": 200.0},
    ],
    "slope_ms_per_page": 20.0, "plain_slope_ms_per_page": 16.7,
}


def graph_rows(page: str) -> list[list[str]]:
    section = page.split("## 生成图谱的规模")[1]
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in section.splitlines() if line.startswith("| ") and not line.startswith("| 笔记")]


def test_graphs_table_has_one_row_per_size_and_checks_the_issue_targets():
    page = bench.render_page({**results(build_warm_s=5.0), "graphs": GRAPHS})
    assert graph_rows(page) == [
        ["250", "300", "9.00 s", "6.00 s", "5.00 s", "16.7 %", "20 ms", "—", "300 MB", "90.0 KB"],
        ["1000", "1200", "30.0 s", "24.0 s", "20.0 s", "16.7 %", "20 ms", "3.00 s", "900 MB", "200 KB"],
    ]
    section = page.split("## 生成图谱的规模")[1]
    assert "每多一页多用 20 ms（纯 MkDocs + Material：17 ms）" in section
    assert "- 热启动（1000 篇笔记）≤ 20.0 s：❌ 最大 24.0 s" in section
    assert "- 保存后重建（1000 篇笔记）≤ 2.00 s：❌ 最大 3.00 s" in section
    assert "- kb 占比（每种规模）≤ 25.0 %：✅ 最大 16.7 %" in section
    assert "- 峰值内存（每种规模）≤ 1024 MB：✅ 最大 900 MB" in section
    assert "一次搜索的下载（gzip）（每种规模）≤ 150 KB：❌ 最大 200 KB" in section
    assert "提交 `def5678`" in section and "每种构建 3 次" in section


def test_a_target_for_a_size_not_measured_is_not_shown_as_met():
    small = {**GRAPHS, "sizes": GRAPHS["sizes"][:1], "slope_ms_per_page": None,
             "plain_slope_ms_per_page": None}
    section = bench.render_page({**results(), "graphs": small}).split("## 生成图谱的规模")[1]
    assert "- 热启动（1000 篇笔记）≤ 20.0 s：本次没有测这一规模" in section
    assert "每多一页多用 —" in section


def test_a_run_without_graphs_says_how_to_measure_them():
    section = bench.render_page(results()).split("## 生成图谱的规模")[1]
    assert "还没有测" in section and "--only-graphs" in section and "|" not in section


def test_graph_sizes_are_read_from_a_comma_list():
    from kb.tools import graph_bench
    assert graph_bench.sizes_from("250, 500,1000") == [250, 500, 1000]
    assert graph_bench.sizes_from("") == []
    for bad in ("250;500", "0", "-5", "abc"):
        with pytest.raises(ValueError, match="KB_BENCH_GRAPHS"):
            graph_bench.sizes_from(bad)


def test_graph_sizes_come_from_the_environment_else_the_default(monkeypatch):
    from kb.tools import graph_bench
    monkeypatch.delenv(graph_bench.SIZES_ENV, raising=False)
    assert graph_bench.default_sizes() == [250, 500, 1000]
    monkeypatch.setenv(graph_bench.SIZES_ENV, "20")
    assert graph_bench.default_sizes() == [20]


def test_slope_is_the_least_squares_line():
    from kb.tools import graph_bench
    assert graph_bench.slope([(100, 7.0), (300, 17.0), (200, 12.0)]) == pytest.approx(0.05)
    # 1, 2, 4 over 0, 1, 2: the line through them rises 1.5 per step.
    assert graph_bench.slope([(0, 1.0), (1, 2.0), (2, 4.0)]) == pytest.approx(1.5)
    assert graph_bench.slope([(100, 7.0)]) is None
    assert graph_bench.slope([(100, 7.0), (100, 9.0)]) is None


SEPARATOR = '[\\s\\u200b\\-_,:!=\\[\\]()"`/，。、；：？！（）《》【】「」“”‘’·]+|\\.(?!\\d)|&[lg]t;'


def small_search_site(site: Path, pages: int) -> None:
    """A built site's search part: an index of ``pages`` pages (only the first two say 归一化),
    cut by kb/site/search_shards.py, and kb's worker."""
    from kb.site import search_shards
    docs = [{"location": "", "title": "首页", "text": "<p>批归一化</p>"},
            {"location": "p1/", "title": "层归一化", "text": "<p>LayerNorm</p>"}]
    docs += [{"location": f"q{i}/", "title": f"page {i}", "text": f"<p>word{i} 其他内容</p>"} for i in range(pages - 2)]
    (site / "search").mkdir(parents=True)
    (site / "search" / "search_index.json").write_text(json.dumps(
        {"config": {"lang": ["zh"], "separator": SEPARATOR, "fields": {"title": {"boost": 1000}, "text": {}}},
         "docs": docs}), encoding="utf-8")
    search_shards.write_shards(site / "search")
    (site / "assets" / "javascripts").mkdir(parents=True)
    shutil.copy(ROOT / "kb" / "site" / "theme" / "assets" / "javascripts" / "kb-search-worker.js",
                site / "assets" / "javascripts")


def test_search_download_counts_the_worker_manifest_and_the_files_a_query_fetches(tmp_path):
    from kb.tools import graph_bench
    small_search_site(tmp_path, 500)
    search = tmp_path / "search"
    # The shards holding 归一化's bigrams (found by reading them) and the two pages that have it.
    shards = [f for f in sorted((search / "terms").glob("*.json"))
              if {"归一", "一化"} & set(json.loads(f.read_text(encoding="utf-8")))]
    expected = [tmp_path / "assets" / "javascripts" / "kb-search-worker.js", search / "manifest.json",
                *shards, search / "pages" / "0.json", search / "pages" / "1.json"]
    got = graph_bench.search_download(tmp_path, "归一化")
    assert got["search_query_files"] == len(expected)
    assert got["search_query_kb"] == pytest.approx(sum(f.stat().st_size for f in expected) / 1024)
    assert 0 < got["search_query_gz_kb"] < got["search_query_kb"]
    # The whole index is not part of it.
    assert got["search_query_kb"] < (search / "search_index.json").stat().st_size / 1024


def test_search_download_needs_the_worker(tmp_path):
    from kb.tools import graph_bench
    small_search_site(tmp_path, 3)
    (tmp_path / "assets" / "javascripts" / "kb-search-worker.js").unlink()
    with pytest.raises(SystemExit, match="kb-search-worker.js"):
        graph_bench.search_download(tmp_path)


def test_serve_edit_times_time_three_saves_each_rebuilding_the_saved_note(tmp_path, monkeypatch):
    """edit_to_page_s's measurement (kb/tools/serve_session.py): three notes saved, each followed by
    the rebuild make serve makes; each note's page then has the line added."""
    from kb.site import incremental
    from kb.tools import graph_generator, serve_session

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("REPO_URL", "https://github.com/example/normalization-kb")
    monkeypatch.setenv("KB_NOTEBOOK_CACHE", str(tmp_path / "graph" / ".cache" / "mkdocs-jupyter"))
    graph_generator.generate(tmp_path / "graph", 12, seed=3)
    try:
        times = serve_session.edit_times(tmp_path / "graph" / "mkdocs.yml", tmp_path / "site", edits=3)
    finally:
        incremental.start(dirty=False)   # this process's later builds are not serve's
    assert len(times["rebuild_s"]) == len(times["page_written_s"]) == 3
    assert all(0 < written <= rebuild for written, rebuild in zip(times["page_written_s"], times["rebuild_s"]))
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("index.html")]
    for number in range(3):
        assert sum(f"编辑 {number}" in page for page in pages) == 1, number


def test_the_project_table_shows_what_one_search_downloads_not_a_whole_index_per_page():
    page = bench.render_page(results(search_query_gz_kb=42.0, search_index_gz_kb=70.0))
    assert row(page, "一次搜索的下载（gzip）")[1] == "42.0 KB"
    notes = page.split("## 说明")[1].split("## ")[0]
    weight = next(line for line in notes.splitlines() if line.startswith("- 页面重量"))
    assert "搜索索引" not in weight.split("：")[0]   # pages no longer load search_index.json
    assert "一次搜索的下载：搜“归一化 梯度”时浏览器取的文件" in notes


def test_a_missed_graph_target_says_why_and_a_met_one_does_not():
    from kb.tools import graph_bench

    assert set(bench.GRAPH_OVER_BUDGET) == {target.key for target in graph_bench.GRAPH_TARGETS}
    section = bench.render_page({**results(build_warm_s=5.0), "graphs": GRAPHS}).split("## 生成图谱的规模")[1]
    missed = next(line for line in section.splitlines() if line.startswith("- 保存后重建（1000 篇笔记）"))
    assert missed.endswith("❌ 最大 3.00 s。" + bench.GRAPH_OVER_BUDGET["edit_to_page_s"])
    met = next(line for line in section.splitlines() if line.startswith("- 峰值内存（每种规模）"))
    assert met.endswith("✅ 最大 900 MB")
