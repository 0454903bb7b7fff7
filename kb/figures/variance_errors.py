"""Relative error of four variance methods against the mean, in float32 and float16.

The page "BN 数值稳定性" shows this figure and the table ``error_table()`` writes.
Every number comes from ``snippets.numerics.variance_errors`` (n = 1024 draws of
N(μ, 1), eight seeds, the worst seed plotted); ``tests/test_family_figures.py``
checks that the committed figure is what this draws and ``tests/test_family_pages.py``
that the page's table is what ``error_table()`` prints.

Run ``python -m kb.figures.variance_errors`` to rewrite
``docs/assets/variance_errors.png`` and print the table for the page.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from snippets.numerics import VARIANCES, variance_errors

from kb.figures.drawing import CJK_STYLE, asset, caption, save

OUTPUT = asset("variance_errors.png")
SEEDS = range(8)
N = 1024
# Means on the x axis. float16 stops at 1e3: past it the data (spacing ≥ 2) has
# almost no variance left to measure.
MEANS = {np.float32: [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4],
         np.float16: [1, 3, 10, 30, 100, 300, 1e3]}
# Rows of the page's table: (dtype, mean)
TABLE_ROWS = [(np.float32, 0.0), (np.float32, 1e3), (np.float32, 1e4), (np.float16, 1e3)]
STYLE = {"one-pass": ("#c62828", "o"), "two-pass": ("#2e7d32", "s"),
         "Welford": ("#ef6c00", "^"), "Chan": ("#3949ab", "D")}
OVERFLOW = 1e3   # where an overflowed sum (error inf) is drawn


@lru_cache(maxsize=None)
def errors(dtype: type, mean: float) -> dict[str, tuple[float, float]]:
    """method -> (smallest, largest) relative error over ``SEEDS``."""
    runs = [variance_errors(mean, dtype, n=N, seed=seed) for seed in SEEDS]
    return {name: (min(run[name] for run in runs), max(run[name] for run in runs))
            for name in VARIANCES}


def _number(value: float) -> str:
    """Two significant digits: 7.4e-3, 0.23, 17, inf."""
    if math.isinf(value):
        return "inf"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10**exponent, 1)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    if -1 <= exponent <= 1:
        return f"{mantissa * 10.0**exponent:.{max(0, 1 - exponent)}f}"
    return f"{mantissa:g}e{exponent}"


def _cell(low: float, high: float) -> str:
    if math.isinf(low):
        return "inf（溢出）"
    return f"{_number(low)} … {_number(high)}"


def error_table() -> list[str]:
    """The page's Markdown table: min … max relative error over the seeds."""
    lines = ["| dtype | 均值 μ | " + " | ".join(VARIANCES) + " |",
             "|---|---|" + "---|" * len(VARIANCES)]
    for dtype, mean in TABLE_ROWS:
        found = errors(dtype, mean)
        cells = [_cell(*found[name]) for name in VARIANCES]
        lines.append(f"| {np.dtype(dtype).name} | {mean:g} | " + " | ".join(cells) + " |")
    return lines


def _panel(ax, dtype: type) -> None:
    means = MEANS[dtype]
    eps = np.finfo(dtype).eps
    grid = np.array(means, dtype=float)
    ax.plot(grid, eps * grid**2, color="#9e9e9e", linestyle="--", linewidth=1,
            label=r"$\epsilon_\mathrm{mach} \cdot (\mu/\sigma)^2$")
    for k, (name, (colour, marker)) in enumerate(STYLE.items()):
        worst = np.array([errors(dtype, mean)[name][1] for mean in means])
        finite = np.isfinite(worst)
        # overflows on one line, each method a little lower so none hides another
        shown = np.where(finite, np.maximum(worst, 1e-10), OVERFLOW / 3**k)
        ax.plot(grid[finite], shown[finite], color=colour, marker=marker, markersize=4,
                linewidth=1.2, label=name)
        ax.plot(grid[~finite], shown[~finite], color=colour, marker="x", markersize=7,
                linestyle="none")
    ax.text(grid[0], OVERFLOW * 1.8, "× = 求和溢出（inf）", fontsize=8, color="#616161")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-10, OVERFLOW * 8)
    ax.axhspan(OVERFLOW / 30, OVERFLOW * 8, color="#f5f5f5", zorder=0)
    ax.set_xlabel(r"均值 $\mu$（$\sigma = 1$, $n = 1024$）")
    ax.set_title(f"{np.dtype(dtype).name}：8 个种子中最差的相对误差", fontsize=11)
    ax.grid(True, which="major", color="#eeeeee")


@plt.rc_context({**CJK_STYLE, "axes.unicode_minus": False})
def draw(path: Path = OUTPUT) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for ax, dtype in zip(axes, MEANS):
        _panel(ax, dtype)
    axes[0].set_ylabel("方差的相对误差")
    axes[0].legend(fontsize=8, loc="center left")
    caption(fig, "每个数都由 snippets/numerics.py 的 variance_errors 算出"
            "（kb/figures/variance_errors.py 绘制）", y=0.01)
    fig.subplots_adjust(left=0.07, right=0.99, top=0.92, bottom=0.17, wspace=0.15)
    return save(fig, path)


if __name__ == "__main__":
    print(draw())
    print("\n".join(error_table()))
