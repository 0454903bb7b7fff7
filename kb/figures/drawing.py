"""What every figure shares: drawn without a display, where it goes, its fonts, how it is saved.

A figure's ``draw`` is decorated with ``@plt.rc_context(settings)`` (its settings apply to
it only, so figures drawn in one process, as the tests draw them, do not change each other)
and ends with ``save(fig, path)``. ``CJK_STYLE`` is the settings of the figures whose text
is Chinese: a sans-serif font that has the characters, formulas in Computer Modern.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from kb.paths import ASSETS

matplotlib.use("Agg")  # no display; the same pixels everywhere

CJK_FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"]
CJK_STYLE = {"font.family": "sans-serif", "font.sans-serif": CJK_FONTS, "mathtext.fontset": "cm"}


def asset(name: str) -> Path:
    """Where the pages find an image: ``docs/assets/<name>``."""
    return ASSETS / name


def caption(fig, text: str, y: float = 0.02) -> None:
    """The grey line under a figure: what it shows, and which module drew it."""
    fig.text(0.5, y, text, ha="center", fontsize=8, color="#616161")


def save(fig, path: Path) -> Path:
    """Write ``fig`` to ``path`` as PNG on white, close it and return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # No software or date in the PNG's metadata: the same code gives the same bytes.
    fig.savefig(path, facecolor="white", metadata={"Software": None})
    plt.close(fig)
    return path
