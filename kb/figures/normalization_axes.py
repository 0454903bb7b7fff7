"""Which values share one mean and variance: BatchNorm, LayerNorm, InstanceNorm, GroupNorm.

The page "Batch Normalization/维度理解" shows this figure, drawn in the manner of figure 2
of the GroupNorm paper (Wu & He 2018, arXiv:1803.08494): a feature map as a cube with
axes N, C and H·W; the cells shaded blue are normalised with the same statistics as
the dark cell. The shading is ``snippets.norms.statistics_mask``, and the tests check
it against the inputs that one torch output depends on.

Run ``python -m kb.figures.normalization_axes`` to rewrite
``docs/assets/normalization_axes.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from snippets.norms import statistics_mask

from kb.figures.drawing import CJK_STYLE, asset, caption, save

OUTPUT = asset("normalization_axes.png")
SHAPE = (4, 6, 2, 2)          # N, C, H, W: H·W = 4 positions
INDEX = (3, 0, 1, 1)          # the dark cell: on the front, right and top faces
NUM_GROUPS = 2                # GroupNorm: 2 groups of 3 channels
PANELS = {                    # name -> title
    "BatchNorm": "Batch Norm\n统计量取自 N, H, W",
    "LayerNorm": "Layer Norm\n统计量取自 C, H, W",
    "InstanceNorm": "Instance Norm\n统计量取自 H, W",
    "GroupNorm": "Group Norm\n统计量取自 C/G, H, W",
}


def shaded(norm: str) -> np.ndarray:
    """(N, C, H, W) booleans: the values whose statistics normalise the dark cell."""
    return statistics_mask(norm, SHAPE, INDEX, NUM_GROUPS)


def _panel(ax, norm: str) -> None:
    n, c = SHAPE[:2]
    cells = shaded(norm).reshape(n, c, -1)                 # (N, C, H·W)
    colours = np.empty(cells.shape, dtype=object)
    colours[...] = "#ffffff"
    colours[cells] = "#7986cb"
    flat_index = (INDEX[0], INDEX[1], INDEX[2] * SHAPE[3] + INDEX[3])
    colours[flat_index] = "#1a237e"
    ax.voxels(np.ones(cells.shape, dtype=bool), facecolors=colours, edgecolor="#424242",
              linewidth=0.4, shade=False)
    ax.set_box_aspect(cells.shape)
    ax.view_init(elev=22, azim=-58)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_zticks([])
    ax.set_xlabel("N", labelpad=-12, fontsize=11)
    ax.set_ylabel("C", labelpad=-12, fontsize=11)
    ax.set_zlabel("H·W", labelpad=-14, fontsize=11)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.pane.set_visible(False)
        axis.line.set_color("#9e9e9e")
    ax.set_title(PANELS[norm], fontsize=11, pad=0)


@plt.rc_context(CJK_STYLE)
def draw(path: Path = OUTPUT) -> Path:
    fig = plt.figure(figsize=(10, 3.3), dpi=100)
    for k, norm in enumerate(PANELS):
        _panel(fig.add_subplot(1, 4, k + 1, projection="3d"), norm)
    caption(fig, "深色格子用浅蓝格子（含自身）的均值和方差归一化；"
            "N = 4, C = 6, H·W = 4, G = 2（由 kb/figures/normalization_axes.py 绘制）")
    fig.subplots_adjust(left=0.0, right=0.97, top=0.86, bottom=0.06, wspace=0.12)
    return save(fig, path)


if __name__ == "__main__":
    print(draw())
