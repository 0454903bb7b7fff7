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

import matplotlib

matplotlib.use("Agg")  # no display; the same pixels everywhere

import matplotlib.pyplot as plt  # noqa: E402

from kb.cards import occlusion  # noqa: E402
from kb.paths import ROOT  # noqa: E402

# The original note, kept verbatim in the repository (tests/test_logseq_site.py checks it
# against the owner's export in tests/fixtures/original-note/).
SEED_NOTE = ROOT / "docs" / "pages" / "Batch Normalization.md"
OUTPUT = ROOT / "docs" / "assets" / "image_1724172031817_0.png"
WIDTH, HEIGHT = 760, 600    # natural pixels; the rectangles reach x = 707 and y = 481
DPI = 100
MARGIN = 4                  # pixels between a text's ink box and its rectangle

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

# The occlusion data of the seed note, as written there (base64 JSON), kept here so
# that the figure can be drawn without the seed file at hand.
SEED_OCCLUSION = (
    "eyIuLi9hc3NldHMvaW1hZ2VfMTcyNDE3MjAzMTgxN18wLnBuZyI6eyJjb25maWciOnsiaGlkZUFsbFRlc3RPbmUiOnRydWV9"
    "LCJlbGVtZW50cyI6W3sibGVmdCI6MTkxLjUxNTUyOTA3NzA4ODUzLCJ0b3AiOjE4OS41OTQ0MTY2NTQ0MjUyMywid2lkdGgi"
    "OjEzMS4xMTE5ODc5MjE3NDAxNCwiaGVpZ2h0IjoxMTEuMDQ2MzYzNjc5NTEyNjQsImFuZ2xlIjowLCJjSWQiOjF9LHsibGVm"
    "dCI6MjM3LjYyNjk0ODU1ODAzOTU0LCJ0b3AiOjI5My41MjM4MzU2MzQwMjc1Mywid2lkdGgiOjIyNS41NTcwNjM5NjcwNjEx"
    "NywiaGVpZ2h0Ijo4OS43NDU0MTY3MDE4ODkyMSwiYW5nbGUiOjAsImNJZCI6Mn0seyJsZWZ0IjoyNDguMTgyNTc0NzA0Mjgx"
    "MywidG9wIjozODEuOTEwMzMxMTI3MTkxMzQsIndpZHRoIjoyNDIuMjIzODQyMDkyNzA2MTUsImhlaWdodCI6NzUuMTAwMTE2"
    "Njg3NjUwMDcsImFuZ2xlIjowLCJjSWQiOjN9LHsibGVmdCI6MjY2LjUxNjAzMDY0MjQ5MDcsInRvcCI6NDUxLjA3ODgwMTY1"
    "ODU3NzEsIndpZHRoIjoyNzguODkwNzUzOTY5MTI0OTQsImhlaWdodCI6NTguOTE0MTUzMDI3MTIyODksImFuZ2xlIjowLCJj"
    "SWQiOjR9LHsibGVmdCI6NjAzLjY0ODM4NDc1Njg5NTQsInRvcCI6MTk1LjAyMjI3MzI2Mjk1NTIsIndpZHRoIjoxOTcuOTYz"
    "MzQ3MDEzMjc0NTYsImhlaWdodCI6NTQuNDEyOTk1NjA2OTAwNjQsImFuZ2xlIjowLCJjSWQiOjV9LHsibGVmdCI6NTg3Ljky"
    "NzU4NTQ5NDI5NTQsInRvcCI6MjkzLjg0NDM0ODI0MTY1MzcsIndpZHRoIjoyMzYuMDcxNjU2Nzg4NzMyNTUsImhlaWdodCI6"
    "NDUuNTQ4NjI2MzI2NTA1NzcsImFuZ2xlIjowLCJjSWQiOjZ9LHsibGVmdCI6NjI3LjUzNjE2NDM5MTM4MDgsInRvcCI6Mzcz"
    "LjczOTY1NTI2MDY1MzU0LCJ3aWR0aCI6MTU4LjQsImhlaWdodCI6NDMuNDQ0NjUyNjE4NzA3ODM1LCJhbmdsZSI6MCwiY0lk"
    "Ijo3fSx7ImxlZnQiOjYxOS40MjY5ODM2MTU4MTI5LCJ0b3AiOjQ0NC41MzkyOTM0MTA5MDQyNCwid2lkdGgiOjE3NS4yOTUw"
    "OTc2MjkxMTY5OCwiaGVpZ2h0Ijo0My45ODU0NDY0NzUwMDc5NiwiYW5nbGUiOjAsImNJZCI6OH1dfX0="
)


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


def occlusion_rects(value: str = SEED_OCCLUSION) -> dict[int, occlusion.Rect]:
    """The note's rectangles by cId (``left``/``top`` converted from centres to corners)."""
    (entry,) = occlusion.decode(value)
    return {rect.cid: rect for rect in entry.rects}


def seed_occlusion_value(note: Path = SEED_NOTE) -> str:
    """The ``occlusion::`` value of the seed note (to check the copy above against it)."""
    match = re.search(r"^occlusion:: (\S+)$", note.read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise ValueError(f"{note}: no occlusion:: property")
    return match.group(1)


def _target(rect: occlusion.Rect) -> Box:
    """Where a text may go: its rectangle less a margin."""
    return Box(rect.left + MARGIN, rect.top + MARGIN,
               rect.left + rect.width - MARGIN, rect.top + rect.height - MARGIN)


def draw(path: Path = OUTPUT) -> dict[int, Box]:
    """Draw the figure to ``path``; return each text's ink box by cId (image pixels)."""
    rects = occlusion_rects()
    plt.rcParams.update({"mathtext.fontset": "cm", "font.family": "serif", "font.serif": ["DejaVu Serif"],
                         "svg.hashsalt": "kb", "path.simplify": False})
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

    path.parent.mkdir(parents=True, exist_ok=True)
    # No software or date in the PNG's metadata: the same code gives the same bytes.
    fig.savefig(path, dpi=DPI, facecolor="white", metadata={"Software": None})
    plt.close(fig)
    return boxes


if __name__ == "__main__":
    for cid, box in draw().items():
        print(f"cId {cid}: text at {box}")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
