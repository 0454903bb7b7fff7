"""GroupNorm with G = 1, 2, 3 and C groups: from LayerNorm to InstanceNorm.

The page "Group Normalization" shows this figure: one sample of an (N, C, H, W)
input drawn as a grid, channels down and the H·W positions across, one colour per
group of values that share a mean and a variance. The groups are read from
``snippets.norms.statistics_mask``; ``tests/test_family_figures.py`` checks them
against the inputs each torch output depends on.

Run ``python -m kb.figures.group_norm_groups`` to rewrite
``docs/assets/group_norm_groups.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from snippets.norms import statistics_mask

from kb.figures.drawing import CJK_STYLE, asset, caption, save

OUTPUT = asset("group_norm_groups.png")
SHAPE = (2, 6, 2, 4)          # N, C, H, W: the figure shows sample 0
GROUPS = {                    # G -> panel title
    1: "G = 1\n= LayerNorm",
    2: "G = 2",
    3: "G = 3",
    6: "G = C = 6\n= InstanceNorm",
}
COLOURS = ["#3949ab", "#ef6c00", "#2e7d32", "#c62828", "#6a1b9a", "#00838f"]


def group_labels(num_groups: int, sample: int = 0) -> np.ndarray:
    """(C, H·W) integers: equal where two values of ``sample`` share their statistics."""
    n, c, h, w = SHAPE
    labels = np.full((c, h, w), -1)
    for channel in range(c):
        if labels[channel, 0, 0] >= 0:
            continue
        mask = statistics_mask("GroupNorm", SHAPE, (sample, channel, 0, 0), num_groups)
        labels[mask[sample]] = labels.max() + 1
    return labels.reshape(c, h * w)


def _panel(ax, num_groups: int) -> None:
    labels = group_labels(num_groups)
    c, hw = labels.shape
    for channel in range(c):
        for position in range(hw):
            ax.add_patch(plt.Rectangle((position, c - 1 - channel), 1, 1,
                                       facecolor=COLOURS[labels[channel, position]],
                                       edgecolor="white", linewidth=1.5))
    ax.set_xlim(0, hw)
    ax.set_ylim(0, c)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([k + 0.5 for k in range(c)], [f"c{c - k}" for k in range(c)], fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("H·W（一个样本）", fontsize=9)
    ax.set_title(GROUPS[num_groups], fontsize=11)


@plt.rc_context(CJK_STYLE)
def draw(path: Path = OUTPUT) -> Path:
    fig, axes = plt.subplots(1, len(GROUPS), figsize=(9, 2.6), dpi=100)
    for ax, num_groups in zip(axes, GROUPS):
        _panel(ax, num_groups)
    caption(fig, "同一颜色的值共享一组均值和方差；C = 6, H·W = 8，"
            "每个样本单独计算（由 kb/figures/group_norm_groups.py 绘制）")
    fig.subplots_adjust(left=0.04, right=0.99, top=0.8, bottom=0.13, wspace=0.25)
    return save(fig, path)


if __name__ == "__main__":
    print(draw())
