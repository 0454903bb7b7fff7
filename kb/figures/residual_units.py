"""The five residual units of He et al. 2016 (Identity Mappings in Deep Residual Networks,
arXiv:1603.05027, Fig. 4), redrawn from ``snippets.residual.UNITS``: the same table
that the NumPy units are built from and that the tests check against torch.

Each column is one unit, bottom to top: the input x_l, the layers of the residual
branch, the addition with the identity shortcut (blue), what follows the addition,
and the output x_{l+1}. The page "Identity Mappings in Deep Residual Networks" shows it.

Run ``python -m kb.figures.residual_units`` to rewrite ``docs/assets/residual_units.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from snippets.residual import UNITS

from kb.figures.drawing import CJK_STYLE, asset, save
from kb.paths import ROOT

OUTPUT = asset("residual_units.png")
COLOURS = {"weight": "#e3f2fd", "BN": "#fff3e0", "ReLU": "#e8f5e9", "addition": "#f3e5f5"}
STEP, BOTTOM, WIDTH = 0.62, 0.9, 1.3


def _arrow(ax, start, end, colour="#616161"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, color=colour,
                                 linewidth=1.0))


def _unit(ax, x: float, title: str, layers: list[str]) -> list[tuple[float, str]]:
    """Draw one unit centred at x; return (y, label) of every box."""
    boxes = []
    ax.text(x, BOTTOM - 0.72, "$x_l$", ha="center", fontsize=12)
    _arrow(ax, (x, BOTTOM - 0.45), (x, BOTTOM - 0.2))
    for index, layer in enumerate(layers):
        y = BOTTOM + index * STEP
        shown = "⊕ addition" if layer == "addition" else layer
        ax.add_patch(FancyBboxPatch((x - WIDTH / 2, y - 0.19), WIDTH, 0.38, boxstyle="round,pad=0.02",
                                    facecolor=COLOURS[layer], edgecolor="#616161", linewidth=0.8))
        ax.text(x, y, shown, ha="center", va="center", fontsize=10)
        boxes.append((y, layer))
        if index:
            _arrow(ax, (x, y - STEP + 0.21), (x, y - 0.21))
    add_y = BOTTOM + layers.index("addition") * STEP
    # the identity shortcut: from x_l up the right side into the addition
    side = x + WIDTH / 2 + 0.28
    ax.plot([x, side, side], [BOTTOM - 0.42, BOTTOM - 0.42, add_y], color="#3f51b5", linewidth=1.4)
    _arrow(ax, (side, add_y), (x + WIDTH / 2 + 0.03, add_y), colour="#3f51b5")
    top = BOTTOM + (len(layers) - 1) * STEP
    _arrow(ax, (x, top + 0.21), (x, top + 0.45))
    ax.text(x, top + 0.52, "$x_{l+1}$", ha="center", fontsize=12)
    ax.text(x, 5.75, title.replace(") ", ")\n", 1), ha="center", va="top", fontsize=10)
    return boxes


@plt.rc_context(CJK_STYLE)
def draw(path: Path = OUTPUT) -> dict[str, list[str]]:
    """Draw the figure to ``path``; return each unit's box labels, bottom to top."""
    fig, ax = plt.subplots(figsize=(10, 6.2), dpi=100)
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.75, 5.8)
    ax.axis("off")
    drawn = {}
    for k, (title, (branch, after)) in enumerate(UNITS.items()):
        boxes = _unit(ax, 0.95 + 2.0 * k, title, [*branch, "addition", *after])
        drawn[title] = [label for _, label in sorted(boxes)]
    ax.text(5.0, -0.7, "残差单元中 BN、ReLU 与相加的五种顺序（He et al. 2016, arXiv:1603.05027, 图 4）；"
            "蓝线是恒等捷径（identity shortcut）。由 kb/figures/residual_units.py 按 snippets/residual.py 绘制",
            ha="center", fontsize=8, color="#616161")
    fig.subplots_adjust(left=0.0, right=1.0, top=1.0, bottom=0.0)
    save(fig, path)
    return drawn


if __name__ == "__main__":
    for unit, labels in draw().items():
        print(unit, "->", " / ".join(labels))
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
