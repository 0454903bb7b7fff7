"""Link check of the built site (kb/tools/linkcheck.py): internal links and anchors resolve."""

from __future__ import annotations

from pathlib import Path

from kb.tools import linkcheck


def write(site: Path, rel: str, html: str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")


def test_checker_finds_broken_links_and_anchors_and_lists_external_ones(tmp_path):
    write(tmp_path, "index.html",
          '<a href="a/">ok</a>\n<a href="a/#sec">ok anchor</a>\n<a href="a/#nope">bad anchor</a>\n'
          '<a href="missing/">broken</a>\n<img src="img/x.png">\n'
          '<a href="https://arxiv.org/abs/1502.03167">paper</a>\n<a href="mailto:x@y">mail</a>\n'
          '<a href="#top">self</a><h1 id="top">t</h1>')
    write(tmp_path, "a/index.html", '<h2 id="sec">s</h2><a href="../index.html#top">back</a>'
                                    '<a href="../%E5%BD%92/">quoted</a>')
    write(tmp_path, "归/index.html", "<p>ok</p>")
    report = linkcheck.check_site(tmp_path)
    assert report.problems == [
        "index.html:3: missing anchor 'a/#nope' (no id 'nope' in a/index.html)",
        "index.html:4: broken link 'missing/' (no missing/index.html)",
        "index.html:5: broken link 'img/x.png' (no img/x.png)",
    ]
    assert report.external == {"https://arxiv.org/abs/1502.03167": ["index.html"]}


def test_root_relative_links_must_stay_under_the_published_base(tmp_path):
    write(tmp_path, "sitemap.xml", "<urlset><url><loc>https://o.github.io/kb/</loc></url></urlset>")
    write(tmp_path, "assets/x.png", "")
    write(tmp_path, "index.html", '<img src="/kb/assets/x.png">\n<img src="/assets/x.png">')
    report = linkcheck.check_site(tmp_path)
    assert report.problems == [
        "index.html:2: root-relative link '/assets/x.png' outside the site's base path '/kb/'"]


def test_cli_exit_status(tmp_path, capsys):
    write(tmp_path, "index.html", '<a href="gone.html">x</a>')
    assert linkcheck.main([str(tmp_path), "--quiet"]) == 1
    assert "index.html:1: broken link 'gone.html'" in capsys.readouterr().out
    assert linkcheck.main([str(tmp_path / "nothing")]) == 2


def test_built_site_has_no_broken_internal_link_or_anchor(built_site: Path, test_output: Path):
    report = linkcheck.check_site(built_site)
    assert report.problems == []
    # External links are listed for a person to look at (never fetched: no network in tests).
    listing = "".join(f"{url}\t{', '.join(sorted(set(pages)))}\n"
                      for url, pages in sorted(report.external.items()))
    (test_output / "external-links.txt").write_text(listing, encoding="utf-8")
    assert "pages/ref/index.html" in report.external["https://www.zhihu.com/question/283715823"]
