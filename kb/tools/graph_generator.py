"""A realistic Logseq graph of N notes, generated from a seed, for ``make bench``.

``generate(folder, notes, seed)`` writes a whole site into ``folder``:

* ``docs/pages/``: the notes, written as the project's notes are (page properties
  ``title::`` and ``tags::``, top-level paragraphs with nested ``+`` blocks), with
  ``[[links]]`` to other notes, namespaced notes (``Parent/Child``, file ``Parent___Child.md``)
  under top-level ones, ``#tags``, inline and display math, Python code blocks, images, and
  cards of all four kinds: clozes ``{{c1 ..}}``, ``question :-> answer``, a block tagged
  ``#card`` whose children are the answer, and image occlusion (``occlusion::``, over a
  generated PNG);
* ``docs/assets/``: the PNG images (drawn here, no image library);
* ``docs/index.md`` (with the learning path and the Anki link) and ``docs/tags.md``;
* ``learning-path.yml``: every note, in stages, as the strict build requires;
* ``mkdocs.yml`` (the project's config with all of kb) and ``mkdocs-plain.yml`` (the same
  without kb: the anchor for kb's cost), both from kb/site/site_config.py.

The same seed and N give byte-identical files. ``GraphCounts`` says what was written:
the bench and the tests compare it with what the build made of it.

``python -m kb.tools.graph_generator FOLDER --notes N [--seed S]`` writes one and prints its counts.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import struct
import sys
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kb.notes import page_names
from kb.site import learning_path
from kb.site import site_config

CARD_KINDS = ("cloze", "arrow", "card", "occlusion")   # kb.cards.extract.CardNote.type
TAGS = ("优化", "训练技巧", "理论", "实验", "Transformer", "CNN", "RNN", "推理", "数值稳定",
        "初始化", "正则化", "分布式")
TERMS_ZH = ("归一化", "梯度", "卷积", "注意力", "残差", "激活函数", "批大小", "学习率", "方差",
            "均值", "权重衰减", "动量", "标准化", "嵌入", "损失函数")
TERMS_EN = ("Norm", "Attention", "Residual", "Scaling", "Dropout", "Momentum", "Kernel",
            "Embedding", "Gradient", "Statistics", "Whitening", "Centering")
SYMBOLS = ("x", "y", "w", "\\mu", "\\sigma", "\\gamma", "\\beta", "\\eta", "\\lambda", "g")
STAGE_SIZE = 25         # notes per stage of the learning path
IMAGE_SIZE = (320, 200)


@dataclass
class GraphCounts:
    notes: int = 0
    namespaced: int = 0            # notes named Parent/Child
    links: int = 0                 # [[links]] to other notes
    tags: int = 0                  # #tags in blocks
    formulas: int = 0              # $..$ and $$..$$
    code_blocks: int = 0
    images: int = 0                # image links, the occluded ones included
    cards: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CARD_KINDS, 0))


def png(width: int, height: int, rng: random.Random) -> bytes:
    """An RGB PNG of a few coloured bands (deterministic for the same ``rng`` state)."""
    bands = [bytes((rng.randrange(256), rng.randrange(256), rng.randrange(256))) for _ in range(4)]
    rows = b"".join(b"\x00" + bands[y * len(bands) // height] * width for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def _occlusion(image: str, rects: int, rng: random.Random) -> str:
    """An ``occlusion::`` value as logseq-anki-sync writes it (kb/cards/occlusion.py): centres."""
    width, height = IMAGE_SIZE
    elements = []
    for cid in range(1, rects + 1):
        w, h = rng.randrange(30, 80), rng.randrange(20, 50)
        elements.append({"left": rng.randrange(w // 2, width - w // 2),
                         "top": rng.randrange(h // 2, height - h // 2),
                         "width": w, "height": h, "angle": 0, "cId": cid})
    data = {image: {"config": {"hideAllTestOne": True}, "elements": elements}}
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


class _Writer:
    """Writes one graph; the counts follow what it writes."""

    def __init__(self, folder: Path, notes: int, seed: int) -> None:
        self.folder, self.rng = folder, random.Random(seed)
        self.counts = GraphCounts()
        self.titles = self._titles(notes)

    def _titles(self, notes: int) -> list[str]:
        titles: list[str] = []
        for i in range(notes):
            name = f"{self.rng.choice(TERMS_EN)} {self.rng.choice(TERMS_ZH)} {i + 1}"
            parents = [t for t in titles if "/" not in t]
            if parents and self.rng.random() < 0.2:
                name = f"{self.rng.choice(parents)}/{self.rng.choice(TERMS_ZH)} {i + 1}"
                self.counts.namespaced += 1
            titles.append(name)
        self.counts.notes = notes
        return titles

    def link(self, me: str) -> str:
        self.counts.links += 1
        return f"[[{self.rng.choice([t for t in self.titles if t != me] or [me])}]]"

    def formula(self) -> str:
        a, b, c = self.rng.sample(SYMBOLS, 3)
        self.counts.formulas += 1
        return self.rng.choice((f"{a}_i = \\frac{{{b} - {c}}}{{\\sqrt{{{c}^2 + \\epsilon}}}}",
                                f"\\hat{{{a}}} = {b} \\cdot {c}",
                                f"\\sum_{{i=1}}^{{m}} {a}_i^2 \\le {b}"))

    def sentence(self, me: str) -> str:
        words = [self.rng.choice(TERMS_ZH) for _ in range(self.rng.randrange(2, 5))]
        text = f"{self.rng.choice(TERMS_EN)}（{'与'.join(words)}）会影响 ${self.formula()}$"
        if self.rng.random() < 0.5:
            text += f"，参见 {self.link(me)}"
        if self.rng.random() < 0.3:
            self.counts.tags += 1
            text += f" #{self.rng.choice(TAGS)}"
        return text

    def image(self, number: int) -> str:
        name = f"gen_{number}.png"
        path = self.folder / "docs" / "assets" / name
        path.write_bytes(png(*IMAGE_SIZE, self.rng))
        self.counts.images += 1
        return f"../assets/{name}"

    def card(self, me: str) -> str:
        number = sum(self.counts.cards[kind] for kind in CARD_KINDS[:3])
        kind = CARD_KINDS[number % 3]      # in turn: any three cards show every text kind
        self.counts.cards[kind] += 1
        number += 1                        # in the question: questions differ, so card ids do
        answer = self.rng.choice(TERMS_ZH)
        if kind == "cloze":
            return f"  + 第 {number} 问的答案是 {{{{c1 {answer}}}}}：{self.sentence(me)}\n"
        if kind == "arrow":
            return f"  + 第 {number} 问：{self.rng.choice(TERMS_EN)} 对应什么？ :-> {answer}\n"
        return (f"  + 第 {number} 问：为什么 {self.rng.choice(TERMS_EN)} 有效？ #card\n"
                f"    + {self.sentence(me)}\n")

    def note(self, index: int) -> str:
        me = self.titles[index]
        tags = self.rng.sample(TAGS, 2)
        out = [f"title:: {me}\ntags:: {', '.join(tags)}\n"]
        for section in range(self.rng.randrange(2, 5)):
            out.append(f"\n{self.sentence(me)}\n\n")
            for _ in range(self.rng.randrange(2, 5)):
                out.append(f"  + {self.sentence(me)}\n")
                if self.rng.random() < 0.4:
                    out.append(f"    + {self.sentence(me)}\n")
            if self.rng.random() < 0.3:
                self.counts.formulas += 1
                out.append(f"  + $${self.formula()}$$\n")
            if self.rng.random() < 0.3:
                self.counts.code_blocks += 1
                out.append(f"  + 代码\n    ```python\n    def f_{index}_{section}(x, eps=1e-5):\n"
                           f"        return (x - x.mean()) / (x.var() + eps) ** 0.5\n    ```\n")
            for _ in range(self.rng.randrange(1, 4)):
                out.append(self.card(me))
        if self.rng.random() < 0.3:
            out.append(f"\n示意图\n\n  + ![示意图]({self.image(index * 2)})\n")
        if index % 5 == 0:                 # the first note has one: every graph has all four kinds
            image, rects = self.image(index * 2 + 1), self.rng.randrange(2, 4)
            self.counts.cards["occlusion"] += rects
            out.append(f"\n遮挡图\n\n![遮挡图]({image})\nocclusion:: {_occlusion(image, rects, self.rng)}\n")
        return "".join(out)

    def learning_path(self) -> str:
        lines = ["# 生成的图谱（kb/tools/graph_generator.py）：每一篇笔记都在路径上。\n"]
        for start in range(0, len(self.titles), STAGE_SIZE):
            lines.append(f"\n- stage: 阶段 {start // STAGE_SIZE + 1}\n  pages:\n")
            for title in self.titles[start:start + STAGE_SIZE]:
                lines.append(f"    - page: {json.dumps(title, ensure_ascii=False)}\n"
                             f"      teaches: {json.dumps('生成的笔记 ' + title, ensure_ascii=False)}\n")
        return "".join(lines)

    def write(self) -> GraphCounts:
        docs = self.folder / "docs"
        (docs / "assets").mkdir(parents=True, exist_ok=True)
        for index, title in enumerate(self.titles):
            path = docs / page_names.filename_for_title(title)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.note(index), encoding="utf-8")
        (docs / "index.md").write_text(
            "---\ntitle: 生成的图谱\n---\n\n# 生成的图谱\n\n- Anki：<!-- kb:anki-deck -->\n\n"
            f"## 学习路径\n\n{learning_path.HOME_MARKER}\n", encoding="utf-8")
        (docs / "tags.md").write_text("---\ntitle: 标签\n---\n\n# 标签\n\n<!-- material/tags -->\n",
                                      encoding="utf-8")
        (self.folder / learning_path.PATH_FILE).write_text(self.learning_path(), encoding="utf-8")
        site_config.write_inheriting(self.folder, "docs")
        site_config.write_plain(self.folder, "docs")
        return self.counts


def generate(folder: Path, notes: int, seed: int = 0) -> GraphCounts:
    """Write a graph of ``notes`` notes and its site into ``folder`` (empty or new)."""
    if notes < 1:
        raise ValueError(f"a graph needs at least one note, not {notes}")
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(f"{folder}: not empty; the graph is written into a new folder")
    return _Writer(folder, notes, seed).write()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.tools.graph_generator", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="a new or empty folder")
    parser.add_argument("--notes", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        counts = generate(args.folder, args.notes, args.seed)
    except (ValueError, FileExistsError) as error:
        raise SystemExit(str(error)) from None
    print(json.dumps(asdict(counts), ensure_ascii=False, indent=2))
    print(f"build it: mkdocs build --strict -f {args.folder / 'mkdocs.yml'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
