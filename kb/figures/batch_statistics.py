"""Placeholder for the note's figure of per-feature batch statistics (``image_1689660463795_0.png``).

The seed note shows this image under "对每个维度的特征计算均值和标准差" (compute a
mean and a standard deviation for each feature dimension). The original image is
not available, so this draws what the note says: a mini-batch of m samples by d
features, with one column's statistics taken over the batch axis. It is marked as
a redrawn placeholder on the figure itself.

Run ``python -m kb.figures.batch_statistics`` to rewrite the image.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle

from kb.figures.drawing import CJK_STYLE, asset, save

OUTPUT = asset("image_1689660463795_0.png")
ROWS, COLS = 6, 5          # samples in the mini-batch, feature dimensions
HIGHLIGHT = 2              # the feature whose statistics are shown


@plt.rc_context(CJK_STYLE)
def draw(path: Path = OUTPUT) -> Path:
    fig, ax = plt.subplots(figsize=(7.2, 4.2), dpi=100)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 7)
    ax.axis("off")
    x0, y0, cell = 1.0, 0.9, 0.75
    for row in range(ROWS):
        for col in range(COLS):
            chosen = col == HIGHLIGHT
            ax.add_patch(Rectangle((x0 + col * cell, y0 + row * cell), cell, cell,
                                   facecolor="#c5cae9" if chosen else "white", edgecolor="#3f51b5"))
            ax.text(x0 + (col + 0.5) * cell, y0 + (ROWS - row - 0.5) * cell,
                    rf"$x_{{{row + 1},{col + 1}}}$", ha="center", va="center", fontsize=10)
    ax.text(x0 + COLS * cell / 2, y0 + ROWS * cell + 0.35, "特征维度 $j = 1..d$",
            ha="center", fontsize=12)
    ax.text(x0 - 0.35, y0 + ROWS * cell / 2, "样本 $i = 1..m$", rotation=90,
            ha="center", va="center", fontsize=12)
    column_x = x0 + (HIGHLIGHT + 0.5) * cell
    ax.add_patch(FancyArrowPatch((column_x, y0 - 0.05), (6.0, 1.8), arrowstyle="-|>",
                                 mutation_scale=14, color="#3f51b5", connectionstyle="arc3,rad=0.25"))
    ax.text(6.1, 3.7, r"$\mu_j = \frac{1}{m}\sum_{i=1}^{m} x_{i,j}$", fontsize=15, va="center")
    ax.text(6.1, 2.1, r"$\sigma_j = \sqrt{\frac{1}{m}\sum_{i=1}^{m}(x_{i,j}-\mu_j)^2+\epsilon}$",
            fontsize=15, va="center")
    ax.text(6.1, 5.0, "每个特征维度各自\n在批次内求均值和标准差", fontsize=12, va="center")
    ax.text(9.9, 0.15, "示意图（原图缺失，由 kb/figures/batch_statistics.py 重绘）",
            ha="right", fontsize=8, color="#757575")
    return save(fig, path)


if __name__ == "__main__":
    print(draw())
