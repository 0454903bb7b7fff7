"""Publishing: the GitHub workflow, sitemap, page metadata, edit links, 404, dates."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from conftest import ROOT, TEST_REPO_URL, TEST_SITE_URL
from kb.cards.errata import ERRATA_DIR
from kb.site import github_pages
from kb.site import page_meta

WORKFLOW = ROOT / ".github" / "workflows" / "site.yml"
RE_CJK = re.compile(r"[\u4e00-\u9fff]")


def content_pages(site: Path) -> list[Path]:
    """Every built page a reader can reach (not the 404 page)."""
    return sorted(p for p in site.rglob("index.html"))


def meta(page_html: str, attr: str, name: str) -> str | None:
    match = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)"', page_html)
    return match.group(1) if match else None


# --- the workflow -------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def run_steps(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_workflow_tests_every_push_and_pull_request_with_the_readme_command(workflow):
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as True
    assert "push" in triggers and "pull_request" in triggers
    test = workflow["jobs"]["test"]
    assert "make test" in run_steps(test)
    assert "make test" in (ROOT / "README.md").read_text(encoding="utf-8")
    cached = [step["with"]["path"] for step in test["steps"]
              if step.get("uses", "").startswith("actions/cache")]
    assert "~/.cache/pip" in cached
    assert any(step.get("with", {}).get("cache") == "npm" for step in test["steps"]
               if step.get("uses", "").startswith("actions/setup-node"))


def test_workflow_deploys_main_to_pages_with_the_official_actions(workflow):
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "test"
    assert "refs/heads/main" in deploy["if"] and "DEPLOY_PAGES" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    pages_actions = [u for u in uses(deploy) if u.endswith("-pages") or "pages-artifact" in u]
    assert pages_actions == ["actions/configure-pages", "actions/upload-pages-artifact",
                             "actions/deploy-pages"]
    build = next(step for step in deploy["steps"] if step.get("run") == "make build")
    assert set(build["env"]) == {"SITE_URL", "REPO_URL"}
    upload = next(step for step in deploy["steps"]
                  if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"


def test_readme_documents_deploy_and_how_to_switch_it_off():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make deploy" in readme and "DEPLOY_PAGES" in readme and "GitHub Actions" in readme
    assert "DEPLOY_PAGES" in WORKFLOW.read_text(encoding="utf-8").split("name: site")[0]


# --- the built site -------------------------------------------------------------------


def test_sitemap_lists_every_built_page(built_site: Path):
    tree = ET.parse(built_site / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {unquote(loc.text) for loc in tree.getroot().findall("s:url/s:loc", ns)}
    built = set()
    for page in content_pages(built_site):
        folder = page.parent.relative_to(built_site).as_posix()
        built.add(TEST_SITE_URL + ("" if folder == "." else folder + "/"))
    assert built and listed == built


def test_every_page_has_a_description_and_open_graph_tags(built_site: Path):
    missing = {}
    for page in content_pages(built_site):
        text = page.read_text(encoding="utf-8")
        found = {
            "description": meta(text, "name", "description"),
            "og:title": meta(text, "property", "og:title"),
            "og:description": meta(text, "property", "og:description"),
            "og:url": meta(text, "property", "og:url"),
        }
        empty = [k for k, v in found.items() if not v or not v.strip()]
        if empty:
            missing[str(page.relative_to(built_site))] = empty
    assert missing == {}


def test_description_with_quotation_marks_stays_inside_its_attribute(built_site: Path):
    # The He et al. notebook's first paragraph quotes the paper's title in "..." and has "&".
    from bs4 import BeautifulSoup
    soup = BeautifulSoup((built_site / "experiments/03_he2016_preactivation/index.html")
                         .read_text(encoding="utf-8"), "html.parser")
    for tag in (soup.find("meta", attrs={"name": "description"}),
                soup.find("meta", attrs={"property": "og:description"})):
        assert '"Identity Mappings in Deep Residual Networks"' in tag["content"]
        assert "He, Zhang, Ren & Sun" in tag["content"]


def test_page_description_comes_from_its_first_paragraph(built_site: Path):
    text = (built_site / "index.html").read_text(encoding="utf-8")
    assert meta(text, "name", "description").startswith("这里是关于深度学习中归一化")
    notebook = (built_site / "experiments/first_look/index.html").read_text(encoding="utf-8")
    assert meta(notebook, "property", "og:title") == "批归一化的第一个实验"


def test_every_page_links_to_its_source_for_editing(built_site: Path):
    # Every page written in docs/ links to its own source; pages the build
    # generates (tag pages) have no source and so no edit link.
    prefix = TEST_REPO_URL + "/edit/main/docs/"
    edited = set()
    for page in content_pages(built_site):
        text = page.read_text(encoding="utf-8")
        for href in re.findall(r'<a href="([^"]+)" title="编辑此页"', text):
            assert href.startswith(prefix), (page, href)
            edited.add(unquote(href[len(prefix):]))
    docs = ROOT / "docs"
    # docs/errata/ corrects notes; its files are not pages (kb/cards/errata.py) and have no edit link.
    sources = {p.relative_to(docs).as_posix() for p in docs.rglob("*")
               if p.suffix in (".md", ".ipynb") and ".ipynb_checkpoints" not in p.parts
               and p.relative_to(docs).parts[0] != ERRATA_DIR
               and not re.search(r"^public:\s*false\s*$", p.read_text(encoding="utf-8"),
                                 re.MULTILINE)}
    assert edited == sources
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert f'href="{TEST_REPO_URL}/edit/main/docs/index.md"' in home


def test_no_page_asks_the_github_api_for_repository_facts(built_site: Path):
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'class="md-source"' in home  # the repository link is there ...
    assert 'data-md-component="source"' not in home  # ... without the script that calls the API


def test_404_page_exists_and_is_in_chinese(built_site: Path):
    text = (built_site / "404.html").read_text(encoding="utf-8")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.DOTALL).group(1)
    assert "404" in heading and RE_CJK.search(heading)
    assert "Not found" not in text


# --- pure functions -------------------------------------------------------------------


@pytest.mark.parametrize("remote", [
    "https://github.com/being/normalization-kb.git",
    "https://github.com/being/normalization-kb",
    "git@github.com:being/normalization-kb.git",
    "ssh://git@github.com/being/normalization-kb.git",
    "https://token@github.com/being/normalization-kb.git\n",
])
def test_repo_web_url_from_github_remotes(remote):
    assert github_pages.repo_web_url(remote) == "https://github.com/being/normalization-kb"


@pytest.mark.parametrize("remote", ["/srv/git/normalization-kb.git", "https://gitlab.com/a/b.git", ""])
def test_repo_web_url_is_none_elsewhere(remote):
    assert github_pages.repo_web_url(remote) is None


def test_pages_site_url_for_project_and_user_sites():
    assert github_pages.pages_site_url("https://github.com/Being/kb") == "https://being.github.io/kb/"
    assert github_pages.pages_site_url("https://github.com/being/being.github.io") == \
        "https://being.github.io/"
    with pytest.raises(ValueError, match="not a GitHub repository"):
        github_pages.pages_site_url("https://example.com/x")


def test_description_skips_headings_code_and_display_math_and_reads_inline_math_as_tex():
    html = ('<h1>标题</h1><pre><code>x = 1</code></pre><p></p>'
            '<div class="arithmatex" data-search-exclude><span class="katex">DISPLAY</span></div>'
            '<p>均值 <kb-math class="arithmatex" data-search-exclude><span class="katex">'
            '<math><semantics><mi>μ</mi><annotation encoding="application/x-tex">\\mu_B</annotation>'
            '</semantics></math><span class="katex-html">μB</span></span></kb-math> 与 '
            '<code>running_mean</code>。</p><p>第二段</p>')
    assert page_meta.description_from_html(html) == "均值 μ_B 与 running_mean。"


@pytest.mark.parametrize("tex,text", [
    (r"\mathrm{ReLU}(x) = \max(0, x)", "ReLU(x) = max(0, x)"),
    (r"\hat{x}_i = (x_i - \mu_\mathcal{B}) / \sqrt{\sigma_\mathcal{B}^2 + \epsilon}",
     "x\u0302_i = (x_i - μ_B) / √(σ_B² + ε)"),
    (r"\frac{1}{m}\sum_i x_i", "1/m∑_i x_i"),
    (r"\dfrac{x - \mu}{\sqrt{\sigma^2}}", "(x - μ)/(√(σ²))"),
    (r"\frac{\partial \ell}{\partial x}", "(∂ ℓ)/(∂ x)"),
    (r"W^{-1}\,x", "W⁻¹ x"),
    (r"a^{T}", "a^T"),
    (r"e^{2\pi i}", "e^(2π i)"),
    ("x \\", "x "),
])
def test_description_reads_tex_as_plain_text(tex, text):
    assert page_meta.tex_to_text(tex) == text


def test_description_is_cut_at_the_limit():
    text = page_meta.description_from_html("<p>" + "很长" * 200 + "</p>", limit=20)
    assert len(text) == 20 and text.endswith("…")


def test_description_is_cut_at_a_sentence_or_clause_end():
    sentences = "批归一化让训练更快。" * 20            # 10 characters each
    assert page_meta.description_from_html(f"<p>{sentences}</p>", limit=45) == sentences[:40]
    cited = "参见 arXiv:1502.03167 的 3.2 节 " * 5      # no sentence or clause ends there
    assert page_meta.description_from_html(f"<p>{cited}</p>", limit=45) == cited[:44].rstrip() + "…"
    clauses = "均值和方差，" * 20                      # 6 characters each
    assert page_meta.description_from_html(f"<p>{clauses}</p>", limit=45) == clauses[:41] + "…"


def test_dates_come_from_front_matter_else_git(tmp_path):
    import datetime as dt
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    page = tmp_path / "page.md"
    page.write_text("x\n", encoding="utf-8")
    assert page_meta.page_dates({}, page) == (None, None)  # not committed yet
    subprocess.run(["git", "add", "page.md"], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x",
                    "--date", "2024-03-04T05:06:07Z"], cwd=tmp_path, check=True,
                   env={"GIT_COMMITTER_DATE": "2024-03-04T05:06:07Z", "PATH": "/usr/bin:/bin"})
    assert page_meta.page_dates({}, page) == ("2024-03-04", None)
    front = {"date": dt.date(2024, 10, 5), "updated": dt.date(2025, 1, 20)}
    assert page_meta.page_dates(front, page) == ("2025-01-20", "2024-10-05")


def test_a_formulas_reading_is_worked_out_once(monkeypatch):
    """Every page's search text asks for each of its formulas' readings (kb/site/hooks.py); a
    formula on many pages is read from its TeX once (issue 22)."""
    calls = []
    read = page_meta.tex_to_text
    monkeypatch.setattr(page_meta, "tex_to_text", lambda tex: calls.append(tex) or read(tex))
    forget = getattr(page_meta.math_reading, "cache_clear", lambda: None)
    forget()
    tex = r"\sqrt{\sigma^2 + \epsilon}"
    formula = ('<kb-math class="arithmatex" data-search-exclude><span class="katex"><math><semantics>'
               f'<annotation encoding="application/x-tex">{tex}</annotation></semantics></math></span></kb-math>')
    assert page_meta.math_reading(formula) == "√(σ² + ε)"
    first = len(calls)
    assert first >= 1
    assert page_meta.math_reading("".join(list(formula))) == "√(σ² + ε)"   # an equal string, another object
    assert len(calls) == first
    other = formula.replace(tex, r"\frac{1}{m}")
    assert page_meta.math_reading(other) == "1/m" and len(calls) > first
    forget()
