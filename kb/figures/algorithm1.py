"""Draw Algorithm 1 of the batch-normalization paper (Ioffe & Szegedy 2015, arXiv:1502.03167).

The seed note's image-occlusion card covers this figure with eight rectangles
(its ``occlusion::`` property): the four formulas on the left (cId 1-4) and their
four labels on the right (cId 5-8). The original image is not available, so this
script redraws it: each formula and label is fitted inside its rectangle, read
from the note itself, so the cards hide exactly the text they ask for.

Run ``python -m kb.figures.algorithm1`` to rewrite
``docs/assets/image_1724172031817_0.png``; the tests redraw it and check that
every rectangle covers its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt

from kb.cards import occlusion
from kb.figures.drawing import asset, save
from kb.paths import DOCS, ROOT

# The original note, kept verbatim in the repository (tests/test_logseq_site.py checks it
# against the owner's export in tests/fixtures/original-note/).
SEED_NOTE = DOCS / "pages" / "Batch Normalization.md"
OUTPUT = asset("image_1724172031817_0.png")
WIDTH, HEIGHT = 760, 600    # natural pixels; the rectangles reach x = 707 and y = 481
DPI = 100
MARGIN = 4                  # pixels between a text's ink box and its rectangle
# The paper's look: serif text, Computer Modern formulas; paths drawn without simplification.
STYLE = {"mathtext.fontset": "cm", "font.family": "serif", "font.serif": ["DejaVu Serif"],
         "path.simplify": False}

# What each rectangle (by cId) hides: mathtext for the formulas, words for the labels.
FORMULAS = {
    1: r"$\mu_{\mathcal{B}} \leftarrow \dfrac{1}{m}\sum_{i=1}^{m} x_i$",
    2: r"$\sigma_{\mathcal{B}}^2 \leftarrow \dfrac{1}{m}\sum_{i=1}^{m}(x_i - \mu_{\mathcal{B}})^2$",
    3: r"$\widehat{x}_i \leftarrow \dfrac{x_i - \mu_{\mathcal{B}}}{\sqrt{\sigma_{\mathcal{B}}^2 + \epsilon}}$",
    4: r"$y_i \leftarrow \gamma\widehat{x}_i + \beta \equiv \mathrm{BN}_{\gamma,\beta}(x_i)$",
    5: "// mini-batch mean",
    6: "// mini-batch variance",
    7: "// normalize",
    8: "// scale and shift",
}

@dataclass(frozen=True)
class Box:
    """An axis-aligned box in image pixels (origin top left, y down)."""

    left: float
    top: float
    right: float
    bottom: float

    def inside(self, other: "Box") -> bool:
        return (self.left >= other.left and self.top >= other.top
                and self.right <= other.right and self.bottom <= other.bottom)


def occlusion_rects(note: Path = SEED_NOTE) -> dict[int, occlusion.Rect]:
    """The note's rectangles by cId (``left``/``top`` converted from centres to corners)."""
    (entry,) = occlusion.decode(seed_occlusion_value(note))
    return {rect.cid: rect for rect in entry.rects}


def seed_occlusion_value(note: Path = SEED_NOTE) -> str:
    """The ``occlusion::`` value of the seed note: base64 JSON, as the note writes it."""
    match = re.search(r"^occlusion:: (\S+)$", note.read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise ValueError(f"{note}: no occlusion:: property")
    return match.group(1)


def _target(rect: occlusion.Rect) -> Box:
    """Where a text may go: its rectangle less a margin."""
    return Box(rect.left + MARGIN, rect.top + MARGIN,
               rect.left + rect.width - MARGIN, rect.top + rect.height - MARGIN)


@plt.rc_context(STYLE)
def draw(path: Path = OUTPUT) -> dict[int, Box]:
    """Draw the figure to ``path``; return each text's ink box by cId (image pixels)."""
    rects = occlusion_rects()
    fig = plt.figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(HEIGHT, 0)
    ax.axis("off")
    renderer = fig.canvas.get_renderer()

    def ink_box(text) -> Box:
        extent = text.get_window_extent(renderer)   # display pixels, origin bottom left
        return Box(extent.x0, HEIGHT - extent.y1, extent.x1, HEIGHT - extent.y0)

    # Rules and the header of the algorithm, as in the paper.
    for y in (14, 122, 500):
        ax.plot([20, WIDTH - 20], [y, y], color="black", linewidth=1.2)
    ax.text(28, 42, r"Input: Values of $x$ over a mini-batch: $\mathcal{B} = \{x_{1\ldots m}\}$;",
            fontsize=14, va="center")
    ax.text(82, 70, r"Parameters to be learned: $\gamma$, $\beta$", fontsize=14, va="center")
    ax.text(28, 100, r"Output: $\{y_i = \mathrm{BN}_{\gamma,\beta}(x_i)\}$", fontsize=14, va="center")
    ax.text(28, 530, "Algorithm 1: Batch Normalizing Transform, applied to", fontsize=14, va="center",
            style="italic")
    ax.text(28, 558, r"activation $x$ over a mini-batch.", fontsize=14, va="center", style="italic")

    def place(cid: int, size: float):
        """Draw one text at its rectangle, its ink centred vertically; return it and its box."""
        rect = rects[cid]
        target = _target(rect)
        # Formulas start at the rectangle's left edge, labels end at its right edge.
        x, ha = (target.left, "left") if cid <= 4 else (target.right, "right")
        centre_y = rect.top + rect.height / 2
        text = ax.text(x, centre_y, FORMULAS[cid], fontsize=size, ha=ha, va="center_baseline")
        box = ink_box(text)
        # mathtext's baseline is not its middle: move the ink box's centre to the rectangle's.
        text.set_y(centre_y + (target.top + target.bottom) / 2 - (box.top + box.bottom) / 2)
        return text, ink_box(text)

    def fits(cid: int, size: float) -> bool:
        text, box = place(cid, size)
        text.remove()
        return box.inside(_target(rects[cid]))

    # One size for the formulas and one for the labels: the largest that fits every
    # rectangle of the group, as the paper sets them in one size.
    boxes: dict[int, Box] = {}
    for group in ((1, 2, 3, 4), (5, 6, 7, 8)):
        size = 24.0
        while size > 6 and not all(fits(cid, size) for cid in group):
            size -= 0.5
        for cid in group:
            boxes[cid] = place(cid, size)[1]

    save(fig, path)
    return boxes


if __name__ == "__main__":
    for cid, box in draw().items():
        print(f"cId {cid}: text at {box}")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
