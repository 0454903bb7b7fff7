"""Placeholder for the note's figure of BN / ReLU order in a residual unit (``image_1724162865257_0.png``).

The seed note shows this image under "BN 和 [[ReLU]] 的顺序关系？", next to ResNet's
pre-activation order and the paper "Identity Mappings in Deep Residual Networks"
(He et al. 2016, arXiv:1603.05027), before comparing BN-ReLU with ReLU-BN. The
original image is not available, so this draws the two residual units that
comparison is about: the original unit (weight -> BN -> ReLU, ReLU after the
addition) and the full pre-activation unit (BN -> ReLU -> weight), marked on the
figure as a redrawn placeholder.

Run ``python -m kb.figures.preactivation`` to rewrite the image.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from kb.figures.drawing import CJK_STYLE, asset, save

OUTPUT = asset("image_1724162865257_0.png")
COLOURS = {"weight": "#e3f2fd", "BN": "#fff3e0", "ReLU": "#e8f5e9", "addition": "#f3e5f5"}

# Bottom to top, as in the paper's figure.
UNITS = {
    "(a) original": ["weight", "BN", "ReLU", "weight", "BN", "addition", "ReLU"],
    "(e) full pre-activation": ["BN", "ReLU", "weight", "BN", "ReLU", "weight", "addition"],
}


def _unit(ax, x: float, title: str, layers: list[str]) -> None:
    step, bottom = 0.72, 0.9
    ax.text(x, bottom - 0.75, "$x_l$", ha="center", fontsize=13)
    for index, layer in enumerate(layers):
        y = bottom + index * step
        ax.add_patch(FancyBboxPatch((x - 0.75, y - 0.22), 1.5, 0.44, boxstyle="round,pad=0.02",
                                    facecolor=COLOURS[layer], edgecolor="#616161"))
        ax.text(x, y, layer, ha="center", va="center", fontsize=11)
        if index:
            ax.add_patch(FancyArrowPatch((x, y - step + 0.24), (x, y - 0.24), arrowstyle="-|>",
                                         mutation_scale=10, color="#616161"))
    add_y = bottom + layers.index("addition") * step
    ax.add_patch(FancyArrowPatch((x, bottom - 0.4), (x, bottom - 0.24), arrowstyle="-|>",
                                 mutation_scale=10, color="#616161"))
    # The identity shortcut from x_l to the addition.
    ax.plot([x, x + 1.25, x + 1.25], [bottom - 0.4, bottom - 0.4, add_y], color="#3f51b5")
    ax.add_patch(FancyArrowPatch((x + 1.25, add_y), (x + 0.77, add_y), arrowstyle="-|>",
                                 mutation_scale=10, color="#3f51b5"))
    top = bottom + (len(layers) - 1) * step
    ax.text(x, top + 0.55, "$x_{l+1}$", ha="center", fontsize=13)
    ax.text(x, top + 1.05, title, ha="center", fontsize=13)


@plt.rc_context(CJK_STYLE)
def draw(path: Path = OUTPUT) -> Path:
    fig, ax = plt.subplots(figsize=(7.2, 6.4), dpi=100)
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.9, 7.4)
    ax.axis("off")
    for x, (title, layers) in zip((2.6, 7.0), UNITS.items()):
        _unit(ax, x, title, layers)
    ax.text(5.0, -0.8, "残差单元中 BN 与 ReLU 的位置（He et al. 2016, Identity Mappings in Deep Residual "
            "Networks）\n示意图（原图缺失，由 kb/figures/preactivation.py 重绘）",
            ha="center", fontsize=8, color="#757575")
    return save(fig, path)


if __name__ == "__main__":
    print(draw())
