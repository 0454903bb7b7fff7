"""kb/bench.py: the results table, the explanations of missed budgets, kb's timing, that
docs/metrics.md is what the bench makes of docs/metrics.json, and that every page type
it measures exists."""

from __future__ import annotations

import json
import types
from pathlib import Path

from kb import bench


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
                                                "1.50×", "≤ 10 s ❌"]
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
    assert lines[0].startswith("- 完整严格构建，热启动（中位数）：12.0 s，预算 ≤ 10 s。构建时间里除了 kb 机制")
    assert "3.00 s，占热启动构建的 25.0 %" in lines[0]   # at its budget: not missed, but shown
    assert "800 ms" in lines[1] and "400 ms" in lines[1]


def test_an_explanation_leaves_out_the_numbers_the_run_lacks():
    section = missed_budgets(bench.render_page(results(review_first_card_ms=1200.0)))
    assert "复习页显示第一张卡片：1200 ms，预算 ≤ 500 ms。这个时间从开始导航算起" in section
    assert "—" not in section and "{" not in section


def test_a_run_within_every_budget_says_so():
    section = missed_budgets(bench.render_page(results(build_warm_s=5.0, review_first_card_ms=100.0)))
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
    config = types.SimpleNamespace(hooks={"kb/hooks.py": hook},
                                   plugins=types.SimpleNamespace(events=events))
    timer = bench.KbTimer()
    bench._time_hooks(config, timer)
    assert events["page_markdown"][0] is plugin_handler
    assert events["page_markdown"][1]("x") == "x!"
    assert set(timer.seconds) == {"kb/hooks.py on_page_markdown"}


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
    assert "本页由 `kb/bench.py` 从 `metrics.json` 生成" in source
    assert (built_site / "metrics" / "index.html").is_file()
