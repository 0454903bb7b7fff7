"""Golden files for the Logseq extension: Markdown in, HTML out.

Each case under ``tests/golden/logseq/`` is a small note (``<case>.md``, lines of
the original note) and the HTML it renders to (``<case>.html``). The note is
rendered as ``docs/pages/<case>.md`` with the same Markdown extensions as the site
(read from mkdocs.yml), among a few fixed pages (``FIXTURE_PAGES``) so links can
both resolve and be missing.

Regenerate every ``.html`` after an intended change, then read the diff::

    .venv/bin/python -m tests.logseq_golden

With ``--graph``, also the golden file of the whole fixture graph of
tests/test_logseq_graph_end_to_end.py (imported and built by the README's commands, so slower).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import markdown
import yaml
from mkdocs.utils.yaml import get_yaml_loader

from kb.logseq.extension import LogseqExtension
from kb.notes.graph import build_graph
from kb.paths import DOCS, MKDOCS_YML, ROOT

GOLDEN_DIR = Path(__file__).resolve().parent / "golden" / "logseq"
DOCS_DIR = DOCS

# Pages that exist around each case: an alias, a namespaced page, a page with a block id.
FIXTURE_PAGES = {
    "pages/ReLU.md": "---\ntitle: ReLU\nalias: [Rectified Linear Unit]\n---\n\n- 线性整流函数\n",
    "pages/Batch Normalization___维度理解.md": "- 维度\n",
    "pages/Internal Covariance Shift.md": (
        "alias:: ICS\n\n- 内部协方差漂移\n  id:: 6721b8a2-5b1e-4c4f-9a43-0f4d1c2b3a10\n"),
    "pages/Block Refs.md": (   # a block whose first line is a heading task with a link and math
        "- ### TODO [#A] 见 [[ReLU]] 的 $\\max(0, x)$\n  id:: 6721b8a2-5b1e-4c4f-9a43-0f4d1c2b3a20\n  第二行不显示\n"),
    "pages/Identity Mappings in Deep Residual Networks.md": (
        "- [[ResNet]] 的恒等映射\n- BN 和 [[ReLU]] 的顺序关系？ [[ResNet]]\n  - 预激活 #card\n"),
}


def site_markdown_extensions(config: Path = MKDOCS_YML) -> tuple[list[str], dict]:
    """The site's ``markdown_extensions`` as names and configs, read with MkDocs' own YAML loader."""
    data = yaml.load(config.read_text(encoding="utf-8"), Loader=get_yaml_loader())
    names, configs = [], {}
    for item in data["markdown_extensions"]:
        if isinstance(item, dict):
            (name, cfg), = item.items()
            names.append(name)
            configs[name] = cfg or {}
        else:
            names.append(item)
    # The site's snippets are found from the repository root; here from anywhere, and the
    # golden cases include their own snippet file so others' code changes do not move them.
    if "pymdownx.snippets" in configs:
        base_paths = [str(ROOT / p) for p in configs["pymdownx.snippets"]["base_path"]]
        configs["pymdownx.snippets"] = {**configs["pymdownx.snippets"],
                                        "base_path": [str(GOLDEN_DIR / "snippets"), *base_paths]}
    return names, configs


def render_note(src_uri: str, text: str, pages: dict[str, str] | None = None,
                docs_dir: Path = DOCS_DIR) -> tuple[str, list[str], list[str]]:
    """Render one note among ``pages``: (HTML, the page's problems, the graph's problems)."""
    sources = {**(FIXTURE_PAGES if pages is None else pages), src_uri: text}
    graph = build_graph(list(sources.items()))
    note = graph.note_at(src_uri)
    assert note is not None, f"{src_uri} is not a public note"
    names, configs = site_markdown_extensions()
    body = note.front.body
    extension = LogseqExtension(graph=graph, src_uri=src_uri, docs_dir=str(docs_dir),
                                first_line=note.front.body_first_line)
    md = markdown.Markdown(extensions=[extension, *names], extension_configs=configs)
    return md.convert(body), md.logseq_problems, [str(p) for p in graph.problems]


def render_case(case: Path) -> str:
    html, problems, graph_problems = render_note(f"pages/{case.stem}.md", case.read_text(encoding="utf-8"))
    if problems or graph_problems:
        raise AssertionError(f"golden case {case.name} has problems: {problems + graph_problems}")
    return html + "\n"


def cases() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.md"))


def main(args: list[str]) -> None:
    for case in cases():
        case.with_suffix(".html").write_text(render_case(case), encoding="utf-8")
        print(f"wrote {case.with_suffix('.html').relative_to(ROOT)}")
    if "--graph" in args:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from test_logseq_graph_end_to_end import write_golden

        with tempfile.TemporaryDirectory() as folder:
            print(f"wrote {write_golden(Path(folder)).relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
