"""kb/bench.py: the results table, and that every page type it measures exists."""

from __future__ import annotations

from pathlib import Path

from kb import bench


def results(**metrics):
    return {"date": "2026-11-28 00:00 UTC", "commit": "abc1234", "machine": "2 核", "metrics": metrics}


def row(page: str, label: str) -> list[str]:
    line = next(line for line in page.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_table_compares_with_the_previous_run_and_checks_budgets():
    page = bench.render_page(
        results(build_warm_s=12.0, kb_share_pct=20.0, review_first_card_ms=120.0),
        results(build_warm_s=8.0, kb_share_pct=30.0),
    )
    assert row(page, "完整严格构建，热启动（中位数）") == ["完整严格构建，热启动（中位数）", "12.0 s", "8.00 s",
                                                "1.50×", "≤ 10 s ❌"]
    assert row(page, "kb 机制占构建时间")[1:] == ["20.0 %", "30.0 %", "0.67×", "≤ 25 % ✅"]
    assert row(page, "复习页显示第一张卡片")[1:] == ["120 ms", "—", "—", "≤ 500 ms ✅"]
    # A metric this run did not measure is shown as missing, never as passing.
    assert row(page, "运行全部测试")[1:] == ["—", "—", "—", "—"]
    assert row(page, "页面重量：plain（gzip 传输）")[4] == "≤ 300 KB"
    assert "上次：2026-11-28 00:00 UTC，提交 `abc1234`" in page


def test_first_run_has_no_previous_column_values():
    page = bench.render_page(results(pages=8), None)
    assert row(page, "页面数")[1:] == ["8", "—", "—", "—"]
    assert "上次" not in page.split("| 指标")[0]


def test_every_measured_page_type_is_built(built_site: Path):
    for page_type, path in bench.PAGE_TYPES.items():
        assert (built_site / path / "index.html").is_file(), page_type


def test_metrics_page_is_generated_and_in_the_site(built_site: Path):
    source = bench.RESULTS_PAGE.read_text(encoding="utf-8")
    assert "本页由 `kb/bench.py` 生成" in source and (bench.RESULTS_JSON).is_file()
    assert (built_site / "metrics" / "index.html").is_file()
