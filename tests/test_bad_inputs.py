"""The corpus of bad inputs (tests/bad_inputs/): each problem gives its own clear error
with file:line, the strict build fails, and nothing else on the page is lost.

All cases are built together into one small site, once strictly (it must fail and
name every problem) and once leniently (every page must still show its other blocks).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, build_site, serve, write_config
from test_browser import browser, page  # noqa: F401 - fixtures: Chromium, a page that blocks other hosts
from test_lint import kb_command

CORPUS = Path(__file__).with_name("bad_inputs")

# case -> (text on the line the error names, which occurrence of it, what the message says).
# The line number is found in the case's own file (source_line), not taken from the output.
EXPECTED = {
    "unclosed_cloze": ("{{c1 0-1", 1, r"unclosed cloze '\{\{c1 0-1 高斯分布 的数据'"),
    "cloze_in_code": ("{{c1 tf.nn", 1, r"cloze inside code"),
    "braces_in_math": ("{{c1 $", 1, r"'\}\}' inside math in a cloze ends the cloze early"),
    "unknown_macro": ("{{renderer", 1, r"unknown macro \{\{renderer :todomaster\}\}"),
    "unknown_link": ("[[一个不存在的页面]]", 1, r"\[\[一个不存在的页面\]\] links to a page that is not written yet"),
    "missing_snippet_section": ("no_such_section", 1,
                                r"snippet section 'no_such_section' not found in batch_norm\.py"),
    "missing_image": ("no_such_image.png", 1, r"image not found: /assets/no_such_image\.png"),
    "bad_occlusion_base64": ("occlusion::", 1, r"occlusion:: is not valid base64"),
    "bad_occlusion_json": ("occlusion::", 1, r"occlusion:: does not hold UTF-8 JSON"),
    "bad_front_matter": ("deck: [", 1, r"front matter is not valid YAML"),
    "bad_math": ("\\frac{a$", 1, r"math: KaTeX parse error: .* in formula '\\\\frac\{a'"),
    "scalar_tags": ("tags: 5", 1, r"front matter 'tags' must be a list of tag names, not 5"),
    "date_tags": ("tags: 2024", 1, r"front matter 'tags' must be a list of tag names, not datetime\.date\(2024, 1, 1\)"),
    "scalar_alias": ("alias: true", 1, r"front matter 'alias' must be a page name or a list of them, not True"),
    # Occlusion data that is JSON, but JSON Python cannot read or a float cannot hold.
    "occlusion_nested_json": ("occlusion::", 1, r"occlusion:: JSON is nested too deeply to read"),
    "occlusion_huge_number": ("occlusion::", 1, r"occlusion:: element 0 of '\.\./assets/image_1724172031817_0\.png': "
                              r"left must be a finite number, got 1000+… \(401 characters\)"),
    "occlusion_long_integer": ("occlusion::", 1, r"occlusion:: JSON holds an integer of more than 4300 digits"),
    # Two blocks share an id:: (a card's id is its block's id): one error, at the second id:: line,
    # naming the first (not also a "duplicate card id" for the same mistake).
    "duplicate_card_id": ("id:: 6711c0de", 2, r"block id 6711c0de-0000-4000-8000-000000000001 is already used at "
                          r"{path}:{line1}"),
    "empty_card": ("没有答案 #card", 1, r"empty #card: its children are the answer, and it has none"),
}


def source_line(case: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line of the case's file that contains ``fragment``."""
    lines = (CORPUS / f"{case}.md").read_text(encoding="utf-8").split("\n")
    found = [number for number, text in enumerate(lines, start=1) if fragment in text]
    assert len(found) >= occurrence, (case, fragment, found)
    return found[occurrence - 1]


def test_the_corpus_holds_exactly_the_expected_cases():
    assert sorted(p.stem for p in CORPUS.glob("*.md")) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def corpus_docs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad-inputs")
    docs = root / "docs"
    (docs / "pages").mkdir(parents=True)
    # The site's stylesheets, scripts and the occlusion figure, as mkdocs.yml names them.
    shutil.copytree(ROOT / "docs" / "assets", docs / "assets")
    (docs / "index.md").write_text("# 坏输入\n", encoding="utf-8")
    for case in CORPUS.glob("*.md"):
        shutil.copy(case, docs / "pages" / case.name)
    return docs


@pytest.fixture(scope="module")
def strict_output(corpus_docs: Path) -> str:
    result = build_site(corpus_docs.parent / "strict-site", write_config(corpus_docs.parent, corpus_docs))
    assert result.returncode != 0, "the strict build must fail on bad input"
    return result.stdout + result.stderr


def shown_path(corpus_docs: Path, case: str) -> str:
    """How every warning names a page: relative to the folder of mkdocs.yml (docs/pages/x.md)."""
    return (corpus_docs / "pages" / f"{case}.md").relative_to(corpus_docs.parent).as_posix()


def warnings_about(output: str, case: str) -> list[str]:
    """The WARNING lines that name the case's file, in any form (its name is unique to it)."""
    return [line for line in output.splitlines()
            if line.startswith("WARNING") and re.search(rf"(?<!\w){case}\.md\b", line)]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_problem_is_one_warning_with_its_file_and_line(strict_output: str, corpus_docs: Path, case: str):
    fragment, occurrence, message = EXPECTED[case]
    line = source_line(case, fragment, occurrence)
    path = shown_path(corpus_docs, case)
    message = message.replace("{path}", re.escape(path)).replace("{line1}", str(source_line(case, fragment, 1)))
    found = warnings_about(strict_output, case)
    assert len(found) == 1, f"{case}: {len(found)} warnings, not one:\n" + "\n".join(found)
    assert re.fullmatch(rf"WARNING\s+-\s+{re.escape(path)}:{line}: {message}.*", found[0]), (path, line, found[0])


def test_the_build_warns_once_per_bad_input_and_of_nothing_else(strict_output: str):
    assert f"Aborted with {len(EXPECTED)} warnings in strict mode!" in strict_output, strict_output


def test_no_traceback_only_messages(strict_output: str):
    assert "Traceback" not in strict_output


@pytest.fixture(scope="module")
def lint_output(corpus_docs: Path) -> str:
    result = kb_command("lint", "--docs", str(corpus_docs), cwd=corpus_docs.parent)
    assert result.returncode == 1, "lint must fail on bad input"
    return result.stdout + result.stderr


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_lint_names_the_same_file_line_and_problem(lint_output: str, corpus_docs: Path, case: str):
    fragment, occurrence, message = EXPECTED[case]
    path = shown_path(corpus_docs, case)
    message = message.replace("{path}", re.escape(path)).replace("{line1}", str(source_line(case, fragment, 1)))
    errors = [line for line in lint_output.splitlines() if line.startswith(f"{path}:") and "error[" in line]
    assert len(errors) == 1, f"{case}: {len(errors)} errors, not one:\n" + "\n".join(errors)
    line = source_line(case, fragment, occurrence)
    assert re.fullmatch(rf"{re.escape(path)}:{line}: error\[[a-z-]+\]: {message}.*", errors[0]), errors[0]


def test_lint_prints_no_traceback(lint_output: str):
    assert "Traceback" not in lint_output


@pytest.fixture(scope="module")
def lenient_site(corpus_docs: Path, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lenient")
    config = write_config(folder, corpus_docs, extra="strict: false\n")
    site = folder / "site"
    result = build_site(site, config, strict=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def page_of(site: Path, case: str) -> Path:
    """The built page of a case (its URL comes from its title), found by its sentinel."""
    pages = [p for p in site.rglob("index.html") if f"SENTINEL-{case}" in p.read_text("utf-8")]
    assert len(pages) == 1, case
    return pages[0]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_nothing_else_on_the_page_is_lost(lenient_site: Path, case: str):
    assert f"AFTER-{case}" in page_of(lenient_site, case).read_text(encoding="utf-8")


def test_a_link_to_a_page_not_written_yet_is_marked_and_goes_nowhere(lenient_site: Path, page):
    with serve(lenient_site) as url:
        page.goto(url + "/" + page_of(lenient_site, "unknown_link").parent.relative_to(lenient_site).as_posix() + "/")
        missing = page.locator('.kb-link--missing[data-page="一个不存在的页面"]')
        assert missing.evaluate("el => el.tagName") == "SPAN"
        assert missing.get_attribute("href") is None
        assert missing.get_attribute("title") == "还没有写（not written yet）"
        assert missing.evaluate("el => getComputedStyle(el).borderBottomStyle") == "dashed"
        before = page.url
        missing.click()
        page.wait_for_timeout(200)
        assert page.url == before
