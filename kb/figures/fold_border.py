"""Folding BatchNorm into the *following* conv: wrong on the zero-padded border.

The page "BN 折叠（推理加速）" shows this figure: for eval-mode BatchNorm2d then a
3×3 conv with padding 1, the error |conv(BN(x)) − conv'(x)| of the folded conv
(``snippets.fusion.fold_bn_into_next_conv``) at each output pixel, when x is padded
with zeros (left) and when it is padded with the value x₀ that BatchNorm maps to 0
(right). ``tests/test_family_figures.py`` checks both maps and the committed image.

Run ``python -m kb.figures.fold_border`` to rewrite ``docs/assets/fold_border.png``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from snippets.fusion import fold_bn_into_next_conv

from kb.figures.drawing import CJK_STYLE, asset, caption, save

OUTPUT = asset("fold_border.png")
C_IN, C_OUT, SIZE = 3, 4, 8          # channels in and out, an 8×8 image


def layers():
    """Eval-mode BN (running statistics far from 0 and 1) and the conv after it, float64."""
    rng = np.random.default_rng(0)
    bn = dict(running_mean=rng.uniform(2, 4, C_IN), running_var=rng.uniform(0.5, 2, C_IN),
              eps=1e-5, weight=rng.uniform(0.5, 2, C_IN), bias=rng.standard_normal(C_IN))
    conv = dict(weight=rng.standard_normal((C_OUT, C_IN, 3, 3)) / 3,
                bias=rng.standard_normal(C_OUT))
    x = rng.standard_normal((1, C_IN, SIZE, SIZE)) + 3
    return bn, conv, x


def zero_point(bn) -> np.ndarray:
    """x₀ per channel with BN(x₀) = 0: x₀ = μ − β·√(σ² + ε)/γ."""
    return bn["running_mean"] - bn["bias"] * np.sqrt(bn["running_var"] + bn["eps"]) / bn["weight"]


def pad_with(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """x padded by one pixel on each side, channel c with ``values[c]``."""
    n, c, h, w = x.shape
    out = np.broadcast_to(values.reshape(1, c, 1, 1), (n, c, h + 2, w + 2)).copy()
    out[..., 1:-1, 1:-1] = x
    return out


def error_maps() -> tuple[np.ndarray, np.ndarray]:
    """(H, W) max over output channels of |conv(BN(x)) − conv'(x)|: zero padding, x₀ padding."""
    bn, conv, x = layers()
    t = torch.from_numpy
    with torch.no_grad():
        normalised = F.batch_norm(t(x), t(bn["running_mean"]), t(bn["running_var"]),
                                  t(bn["weight"]), t(bn["bias"]), training=False, eps=bn["eps"])
        expected = F.conv2d(normalised, t(conv["weight"]), t(conv["bias"]), padding=1).numpy()
        weight, bias = fold_bn_into_next_conv(conv["weight"], conv["bias"], bn["running_mean"],
                                              bn["running_var"], bn["eps"], bn["weight"], bn["bias"])
        zeros = F.conv2d(t(x), t(weight), t(bias), padding=1).numpy()
        x0 = F.conv2d(t(pad_with(x, zero_point(bn))), t(weight), t(bias)).numpy()
    return (np.abs(zeros - expected).max(axis=(0, 1)), np.abs(x0 - expected).max(axis=(0, 1)))


def _panel(ax, fig, error: np.ndarray, title: str, vmax: float) -> None:
    image = ax.imshow(error, cmap="Reds", vmin=0, vmax=vmax)
    for (row, col), value in np.ndenumerate(error):
        ax.text(col, row, f"{value:.1f}", ha="center", va="center", fontsize=7,
                color="white" if value > vmax / 2 else "#424242")
    ax.set_xticks([])
    ax.set_yticks([])
    # below 1e-12 it is rounding, whose last digits vary with torch's thread count
    worst = "< 1e-12（舍入误差）" if error.max() < 1e-12 else f"{error.max():.2g}"
    ax.set_title(f"{title}\n最大误差 {worst}", fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03)


@plt.rc_context({**CJK_STYLE, "axes.unicode_minus": False})
def draw(path: Path = OUTPUT) -> Path:
    zeros, x0 = error_maps()
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 4.2), dpi=100)
    vmax = float(zeros.max())
    _panel(axes[0], fig, zeros, "x 四周补 0（padding=1）", vmax)
    _panel(axes[1], fig, x0, "x 四周补 $x_0$，BN($x_0$) = 0", vmax)
    caption(fig, "|conv(BN(x)) − conv'(x)|，每个输出像素取 4 个输出通道的最大值；"
            "8×8 输入，3×3 卷积（由 kb/figures/fold_border.py 绘制）")
    fig.subplots_adjust(left=0.02, right=0.96, top=0.86, bottom=0.08, wspace=0.15)
    return save(fig, path)


if __name__ == "__main__":
    print(draw())
