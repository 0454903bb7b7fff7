"""Small sites built with ``mkdocs build --strict`` and the Logseq hook: what the real
site cannot show yet (a private page, a namespaced child, a broken note).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, build_site

RE_MARKDOWN_EXTENSIONS = re.compile(r"^markdown_extensions:\n(?:[ \t]+.*\n|\n)+", re.MULTILINE)


def write_site(root: Path, pages: dict[str, str]) -> Path:
    """A site in ``root`` with the given docs files; returns its mkdocs.yml."""
    for name, text in pages.items():
        path = root / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    extensions = RE_MARKDOWN_EXTENSIONS.search((ROOT / "mkdocs.yml").read_text(encoding="utf-8")).group(0)
    config = root / "mkdocs.yml"
    config.write_text(
        "site_name: test\n"
        f"docs_dir: {root / 'docs'}\n"
        "strict: true\n"
        "theme:\n  name: material\n  language: zh\n  font: false\n"
        "plugins:\n  - tags\n"
        f"hooks:\n  - {ROOT / 'kb' / 'site' / 'logseq_hooks.py'}\n"
        + extensions,
        encoding="utf-8")
    return config


def soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


GOOD_SITE = {
    "index.md": "# 首页\n\n[[不是链接]] 与 #不是标签 都是普通文字。\n",
    "tags.md": "# 标签\n\n<!-- material/tags -->\n",
    "pages/Batch Normalization.md": (
        "---\ntitle: Batch Normalization\nalias: [BN]\ntags: [Algorithm]\n---\n\n"
        "[[Batch Normalization/维度理解]] 与 [[Secret]]\n"),
    "pages/Batch Normalization___维度理解.md": "- 维度：见 [[bn]]\n",
    "pages/Secret.md": "---\npublic: false\n---\n\n- 私密\n",
    "pages/ReLU.md": "---\ntoc: false\n---\n\n# 标题\n\n- [[Batch Normalization]]\n",
    "pages/Layer Normalization.md": "---\ntitle: Layer Normalization\ntags: Transformer\n---\n\n- 一个标签\n",
}


@pytest.fixture(scope="module")
def good_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("logseq-good")
    result = build_site(root / "site", write_site(root, GOOD_SITE))
    assert result.returncode == 0, result.stdout + result.stderr
    (root / "site" / "build.log").write_text(result.stderr, encoding="utf-8")
    return root / "site"


def test_private_note_is_not_built_and_links_to_it_are_not_written_yet(good_site: Path):
    assert not any("secret" in str(path).lower() for path in good_site.rglob("*"))
    page = soup(good_site, "pages/batch-normalization/index.html")
    secret = page.select_one('[data-page="Secret"]')
    assert secret.name == "span" and "kb-link--missing" in secret["class"]
    missing = json.loads((good_site / "not-written-yet.json").read_text(encoding="utf-8"))
    assert missing == {"Secret": ["pages/Batch Normalization.md:7"]}


def test_build_log_lists_the_pages_not_written_yet(good_site: Path):
    assert "Pages not written yet (1): Secret" in (good_site / "build.log").read_text(encoding="utf-8")


def test_namespaced_page_sits_under_its_parent_in_the_navigation(good_site: Path):
    assert (good_site / "pages" / "batch-normalization" / "维度理解" / "index.html").is_file()
    page = soup(good_site, "pages/batch-normalization/维度理解/index.html")
    nested = [item for item in page.select("nav.md-nav--primary li.md-nav__item--nested")
              if item.find(class_="md-nav__link").get_text(strip=True) == "Batch Normalization"]
    assert nested, "no navigation section for Batch Normalization"
    links = [re.sub(r"\s+", " ", a.get_text()).strip() for a in nested[0].select("a.md-nav__link")]
    assert links[:2] == ["Batch Normalization", "维度理解"]
    # The page itself still shows its full name.
    assert page.find("article").find("h1").get_text(strip=True) == "Batch Normalization/维度理解"


def test_alias_links_resolve_case_insensitively_and_show_as_backlinks(good_site: Path):
    child = soup(good_site, "pages/batch-normalization/维度理解/index.html")
    link = child.select_one('a.kb-link[data-page="Batch Normalization"]')
    assert link.get_text() == "bn" and link["href"] == "../"
    parent = soup(good_site, "pages/batch-normalization/index.html")
    sources = [li["data-source"] for li in parent.select("li.kb-backlink")]
    assert sorted(sources) == ["pages/Batch Normalization___维度理解.md", "pages/ReLU.md"]


def test_toc_false_hides_the_table_of_contents(good_site: Path):
    # Material keeps the table of contents in the page and hides its sidebar.
    relu = soup(good_site, "pages/relu/index.html")
    assert relu.select_one("div.md-sidebar--secondary").has_attr("hidden")
    with_toc = soup(good_site, "pages/batch-normalization/index.html")
    assert not with_toc.select_one("div.md-sidebar--secondary").has_attr("hidden")


def test_ordinary_page_keeps_logseq_like_text_as_text(good_site: Path):
    text = soup(good_site, "index.html").find("article").get_text()
    assert "[[不是链接]] 与 #不是标签 都是普通文字。" in text


def test_tag_index_and_tag_page(good_site: Path):
    tags = soup(good_site, "tags/index.html")
    assert "Batch Normalization" in [a.get_text(strip=True) for a in tags.find("article").find_all("a")]
    algorithm = soup(good_site, "pages/algorithm/index.html")
    assert [a.get_text() for a in algorithm.select("article li.kb-block a.kb-link")] == ["Batch Normalization"]


def test_one_tag_written_as_a_string_is_a_tag(good_site: Path):
    """`tags: Transformer` (one name, not a list) is accepted by the front matter check;
    Material's tags plugin takes only lists, so the hook hands it a list of one."""
    tags = soup(good_site, "tags/index.html")
    assert "Layer Normalization" in [a.get_text(strip=True) for a in tags.find("article").find_all("a")]
    page = soup(good_site, "pages/layer-normalization/index.html")
    assert [a.get_text(strip=True) for a in page.select("article a.md-tag")] == ["Transformer"]


BROKEN_NOTE = (
    "---\ntitle: Broken\ndek: being/Normalization\n---\n\n"  # line 3: misspelt key
    "BN 层希望得到 {{function (* 2 3)}} 的数据\n"                  # line 6: unknown macro
    "\n"
    "![image.png](/assets/image_missing_0.png)\n"               # line 8: missing image
)


def test_problems_in_a_note_fail_the_strict_build_naming_file_and_line(tmp_path: Path):
    result = build_site(tmp_path / "site", write_site(tmp_path, {"index.md": "# 首页\n",
                                                                  "pages/Broken.md": BROKEN_NOTE}))
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "pages/Broken.md:3: unknown front matter key 'dek'" in log
    assert "pages/Broken.md:6: unknown macro {{function (* 2 3)}}" in log
    assert "pages/Broken.md:8: image not found: /assets/image_missing_0.png" in log
    assert re.search(r"Aborted with \d+ warnings in strict mode", log)  # MkDocs adds its own for the image


PROPERTY_NOTE = (
    "title:: Layer Norm/Axes\n"      # line 1: Logseq page properties, no YAML front matter
    "deck:: fx/Deck\n"
    "tags:: Algorithm, Norms\n"
    "\n"
    "- 第一块 [[Layer Norm/Axes]]\n"  # line 5
    "- 第二块\n"
)


def test_a_note_written_with_logseq_page_properties(tmp_path: Path):
    site = tmp_path / "site"
    result = build_site(site, write_site(tmp_path, {"index.md": "# 首页\n", "tags.md": "# 标签\n",
                                                   "pages/layer norm___axes.md": PROPERTY_NOTE}))
    assert result.returncode == 0, result.stdout + result.stderr
    page = soup(site, "pages/layer-norm/axes/index.html")
    # MkDocs did not take the properties for its own metadata ("title: : Layer Norm/Axes").
    assert page.title.get_text().startswith("Axes") or page.title.get_text().startswith("Layer Norm/Axes")
    assert ": " not in page.title.get_text().split(" - ")[0]
    assert [li["data-line"] for li in page.select("li.kb-block")] == ["5", "6"]
    assert "第一块" in page.select_one('li[data-line="5"]').get_text()
    assert {a.get_text() for a in page.select("article a.md-tag, article .md-tag")} >= {"Algorithm", "Norms"}
