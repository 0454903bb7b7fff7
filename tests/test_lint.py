"""``python -m kb lint``: every planted problem found at its file and line, and the build agrees.

Each problem is planted in a small docs folder made here, on a line found by its own
text (``line_of``), so the expected line numbers do not come from the code under test.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, build_site, write_config
from test_import import png

CARDS_PAGE = "Lint Cards.md"
NAMES_PAGE = "lint names.md"


def occlusion_value(image: str) -> str:
    data = {image: {"config": {}, "elements": [{"left": 5, "top": 5, "width": 4, "height": 4, "angle": 0, "cId": 1}]}}
    return base64.b64encode(json.dumps(data).encode("utf-8")).decode("ascii")


CARDS = "\n".join([
    "---",
    "title: Lint Cards",
    "deck: test/Lint",
    "---",
    "",
    "- 没有答案的卡片 #card",                                 # a #card block with no children
    "- 箭头后面什么也没有 :->",                               # an arrow with nothing after it
    "- 代码里的填空 `{{c1 答案}}` 不算",                       # a cloze inside code
    "- 公式 {{c1 $x^{a_{b}}$}} 里的花括号",                     # }} inside math in a cloze
    "- 这是一个重复的问题 :-> 答案一",
    "- 这是一个重复的问题 :-> 答案二",                                # the same question: the same card id
    "- ![图](../assets/present.png)",
    "  occlusion:: 这不是-base64!!",                           # occlusion data that does not decode
    "- ![图](../assets/absent.png)",                           # occlusion whose image is missing
    f"  occlusion:: {occlusion_value('../assets/absent.png')}",
    "- 链接到 [[不存在的页面]]",                                # a link to a page that does not exist
    "- 坏公式 $\\frac{a$ 少了右括号",                            # a formula KaTeX cannot render
    "- 这一块没有问题 {{c1 答案}}",
    "",
])
NAMES = "\n".join([   # no title of its own; a front matter key that does not exist
    "---",
    "dek: test/Lint",
    "---",
    "",
    "- 链接到 [[Lint Cards]] 没问题",
    "",
])
SNIPPET = "---\ntitle: Lint Snippet\n---\n\n- 代码\n  - --8<-- \"no_such_module.py:section\"\n"
SHARED_ID = "6721b8a2-0000-4000-8000-0000000000aa"
IDS_A = f"---\ntitle: Lint Ids A\ndeck: test/Lint\n---\n\n- 甲页面的第一个块 {{{{c1 一}}}}\n  id:: {SHARED_ID}\n"
IDS_B = f"---\ntitle: Lint Ids B\ndeck: test/Lint\n---\n\n- 乙页面的第一个块 {{{{c1 二}}}}\n  id:: {SHARED_ID}\n"
PRIVATE = "---\ntitle: Lint Private\npublic: false\ndeck: test/Lint\n---\n\n- 空卡片 #card\n"


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only line containing ``fragment``."""
    found = [i + 1 for i, line in enumerate(text.split("\n")) if fragment in line]
    assert len(found) == 1, (fragment, found)
    return found[0]


# (file, line, severity, kind) of every problem planted above.
PLANTED = {
    (CARDS_PAGE, line_of(CARDS, "没有答案的卡片"), "error", "card-empty-side"),
    (CARDS_PAGE, line_of(CARDS, "箭头后面什么也没有"), "error", "card-empty-side"),
    (CARDS_PAGE, line_of(CARDS, "代码里的填空"), "error", "cloze-in-code"),
    (CARDS_PAGE, line_of(CARDS, "公式 {{c1"), "error", "cloze-math-braces"),
    (CARDS_PAGE, line_of(CARDS, "答案二"), "error", "duplicate-card-id"),
    (CARDS_PAGE, line_of(CARDS, "这不是-base64"), "error", "occlusion-data"),
    (CARDS_PAGE, line_of(CARDS, "absent.png)"), "error", "occlusion-image"),
    (CARDS_PAGE, line_of(CARDS, "absent.png)"), "error", "image"),          # the page's own image check
    (CARDS_PAGE, line_of(CARDS, "不存在的页面"), "error", "missing-page"),
    (CARDS_PAGE, line_of(CARDS, "坏公式"), "error", "math"),
    (NAMES_PAGE, 1, "info", "no-title"),       # not a problem: the build names the page after its file
    (NAMES_PAGE, line_of(NAMES, "dek:"), "error", "front-matter"),
    # A shared id:: is one mistake, one error (not also a duplicate card id): as in the build.
    ("Lint Ids B.md", line_of(IDS_B, "id::"), "error", "duplicate-block-id"),
    ("Lint Snippet.md", line_of(SNIPPET, "--8<--"), "error", "snippet"),
}


def make_docs(root: Path, snippet: bool = True) -> Path:
    docs = root / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "assets").mkdir()
    (docs / "assets" / "present.png").write_bytes(png(10, 10))
    pages = {CARDS_PAGE: CARDS, NAMES_PAGE: NAMES, "Lint Ids A.md": IDS_A, "Lint Ids B.md": IDS_B,
             "Lint Private.md": PRIVATE}
    if snippet:
        pages["Lint Snippet.md"] = SNIPPET
    for name, text in pages.items():
        (docs / "pages" / name).write_text(text, encoding="utf-8")
    return docs


def kb_command(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, env=env, capture_output=True, text=True)


RE_PROBLEM = re.compile(r"^docs/pages/(?P<file>[^:]+):(?P<line>\d+): (?P<severity>error|warning|info)\[(?P<kind>[a-z-]+)\]: "
                        r"(?P<message>.+)$")


def parse(output: str) -> list[dict]:
    return [m.groupdict() for m in map(RE_PROBLEM.match, output.splitlines()) if m]


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("lint")
    docs = make_docs(root)
    return docs, kb_command("lint", "--docs", str(docs), cwd=root)


def test_lint_finds_every_planted_problem_at_its_file_and_line(planted):
    _, result = planted
    found = {(p["file"], int(p["line"]), p["severity"], p["kind"]) for p in parse(result.stdout)}
    assert found == PLANTED, result.stdout


def test_lint_prints_one_sorted_line_per_problem_then_a_summary_and_fails(planted):
    _, result = planted
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    problems = lines[:-1]
    assert len(problems) == len(PLANTED) and all(RE_PROBLEM.match(line) for line in problems), lines
    keys = [(p["file"], int(p["line"]), p["kind"]) for p in parse(result.stdout)]
    assert keys == sorted(keys)
    errors = sum(1 for *_, severity, _ in PLANTED if severity == "error")
    infos = sum(1 for *_, severity, _ in PLANTED if severity == "info")
    assert errors + infos == len(PLANTED)
    assert lines[-1] == (f"{errors} errors, 0 warnings, {infos} info in 6 notes "
                         "(1 not public, so not built: only their front matter is checked)")


def test_messages_say_what_is_wrong(planted):
    _, result = planted
    messages = {(p["file"], p["kind"]): p["message"] for p in parse(result.stdout)}
    assert "empty #card" in messages[(CARDS_PAGE, "card-empty-side")] or \
        "needs text on both sides" in messages[(CARDS_PAGE, "card-empty-side")]
    assert "also docs/pages/Lint Cards.md:" + str(line_of(CARDS, "答案一")) in messages[(CARDS_PAGE, "duplicate-card-id")]
    assert (f"already used at docs/pages/Lint Ids A.md:{line_of(IDS_A, 'id::')}"
            in messages[("Lint Ids B.md", "duplicate-block-id")])
    assert "absent.png" in messages[(CARDS_PAGE, "occlusion-image")]
    assert "[[不存在的页面]]" in messages[(CARDS_PAGE, "missing-page")]
    assert "no_such_module.py" in messages[("Lint Snippet.md", "snippet")]


def test_a_private_page_is_not_checked_beyond_its_front_matter(planted):
    _, result = planted
    assert "Lint Private.md" not in result.stdout


def test_lint_of_given_paths_checks_only_them_and_resolves_links_against_docs(tmp_path: Path):
    docs = make_docs(tmp_path)
    elsewhere = tmp_path / "graph" / "pages"
    elsewhere.mkdir(parents=True)
    (elsewhere / "New.md").write_text("---\ntitle: New\n---\n\n- [[Lint Cards]] 和 [[Other]]\n", encoding="utf-8")
    other = "---\ntitle: Other\n---\n\n- [[Nowhere]]\n"
    (elsewhere / "Other.md").write_text(other, encoding="utf-8")
    result = kb_command("lint", "--docs", str(docs), "graph/pages/New.md", "graph/pages/Other.md", cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert result.stdout.strip().splitlines() == [
        f"graph/pages/Other.md:{line_of(other, 'Nowhere')}: "
        "error[missing-page]: [[Nowhere]] links to a page that is not written yet",
        "1 error, 0 warnings in 2 notes"]


def test_a_duplicate_id_with_a_page_not_given_is_still_reported(tmp_path: Path):
    docs = make_docs(tmp_path)
    result = kb_command("lint", "--docs", str(docs), "docs/pages/Lint Ids A.md", cwd=tmp_path)
    assert result.returncode == 1
    found = {(p["file"], int(p["line"]), p["kind"]) for p in parse(result.stdout)}
    assert ("Lint Ids B.md", line_of(IDS_B, "id::"), "duplicate-block-id") in found


def test_a_missing_path_is_a_usage_error(tmp_path: Path):
    result = kb_command("lint", "--docs", str(tmp_path), "nothing-here.md", cwd=tmp_path)
    assert result.returncode == 2 and "nothing-here.md: no such file" in result.stdout


def test_the_checked_in_notes_have_no_errors():
    result = kb_command("lint", cwd=ROOT)
    assert result.returncode == 0, result.stdout
    # Every card of the project's own notes is written to the card rules: no card-form warning.
    assert re.search(r"^0 errors, 0 warnings(, \d+ info)? in \d+ notes", result.stdout.splitlines()[-1]), \
        result.stdout


def test_the_strict_build_fails_on_exactly_the_errors_lint_reports(tmp_path: Path):
    docs = make_docs(tmp_path)
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    lint = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    build = build_site(tmp_path / "site", write_config(tmp_path, docs))
    assert lint.returncode == 1 and build.returncode != 0
    # The build names files by absolute path, lint relative to where it runs.
    log = (build.stdout + build.stderr).replace(f"{tmp_path}/", "")
    errors = [p for p in parse(lint.stdout) if p["severity"] == "error"]
    assert errors
    for problem in errors:   # the build names the same file, line and message
        assert f"{problem['file']}:{problem['line']}: {problem['message']}" in log, problem
    # ... and nothing else from the notes: the build warns about the same places, no more.
    warned = set()
    for line in log.splitlines():
        match = re.search(r"pages/(?P<file>[^:/]+\.md):(?P<line>\d+): ", line)
        if line.startswith("WARNING") and match:
            warned.add((match["file"], match["line"]))
    assert warned == {(p["file"], p["line"]) for p in errors}


def test_a_page_without_a_title_is_info_in_lint_and_silent_in_the_strict_build(tmp_path: Path):
    """Lint and build agree: a missing title is no problem (the page is named after its file,
    as MkDocs does), so lint passes with an info line and the strict build passes quietly."""
    docs = tmp_path / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "pages" / "Untitled Note.md").write_text("- 一个没有标题的页面 {{c1 答案}}\n  - 子块\n",
                                                      encoding="utf-8")
    lint = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout
    assert [(p["file"], p["line"], p["severity"], p["kind"]) for p in parse(lint.stdout)] == [
        ("Untitled Note.md", "1", "info", "no-title")]
    assert lint.stdout.strip().splitlines()[-1] == "0 errors, 0 warnings, 1 info in 1 note"
    build = build_site(tmp_path / "site", write_config(tmp_path, docs))
    log = build.stdout + build.stderr
    assert build.returncode == 0, log
    assert not [line for line in log.splitlines() if line.startswith("WARNING")], log
    assert (tmp_path / "site" / "pages" / "untitled-note" / "index.html").is_file() or \
        any("Untitled Note" in p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("index.html"))


def test_a_formula_katex_cannot_render_is_an_error_of_lint_and_of_the_strict_build(tmp_path: Path):
    note = "---\ntitle: Lint Math\n---\n\n- 正常的 $x^{2}$\n- 坏的 $\\frac{1}{$ 公式\n  - $$\\badcommand{x}$$\n"
    docs = tmp_path / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "pages" / "Lint Math.md").write_text(note, encoding="utf-8")
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    lint = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    found = [(p["line"], p["kind"]) for p in parse(lint.stdout) if p["severity"] == "error"]
    assert lint.returncode == 1 and found == [(str(line_of(note, "坏的")), "math"),
                                              (str(line_of(note, "badcommand")), "math")], lint.stdout
    messages = [p["message"] for p in parse(lint.stdout)]
    assert all(m.startswith("math: KaTeX parse error") for m in messages), messages
    build = build_site(tmp_path / "site", write_config(tmp_path, docs))
    log = build.stdout + build.stderr
    assert build.returncode != 0
    for problem in parse(lint.stdout):    # the build warns at the same line with the same message
        assert f"Lint Math.md:{problem['line']}: {problem['message']}" in log, (problem, log)


def test_a_tag_whose_page_would_take_a_notes_url_fails_lint_and_the_strict_build(tmp_path: Path):
    note = "---\ntitle: Batch Normalization\n---\n\n- 正文\n"
    tagging = "---\ntitle: Tagging\n---\n\n- 用了标签 #Batch-Normalization\n"
    docs = tmp_path / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "pages" / "Batch Normalization.md").write_text(note, encoding="utf-8")
    (docs / "pages" / "Tagging.md").write_text(tagging, encoding="utf-8")
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    lint = kb_command("lint", "--docs", str(docs), cwd=tmp_path)
    found = [(p["file"], p["line"], p["kind"]) for p in parse(lint.stdout) if p["severity"] == "error"]
    assert lint.returncode == 1 and found == [("Tagging.md", "5", "url-taken")], lint.stdout
    build = build_site(tmp_path / "site", write_config(tmp_path, docs))
    assert build.returncode != 0
    assert "its URL pages/batch-normalization/index.html is already taken" in build.stdout + build.stderr
