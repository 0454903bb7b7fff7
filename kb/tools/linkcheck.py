"""Check the links of a built site: every internal link and anchor must resolve.

External links are listed, never fetched (the site must not depend on the network,
and neither may its tests)::

    python -m kb.tools.linkcheck site/            # problems, then the external links
    python -m kb.tools.linkcheck site/ --quiet    # problems only; exit 1 if any

Links are read from ``href`` / ``src`` attributes of the HTML pages, resolved the
way a browser resolves them against the page's address, and mapped back to files
(``dir/`` → ``dir/index.html``). Anchors must match an ``id`` (or ``name``) in the
target page.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src",
              "iframe": "src", "video": "src", "audio": "src"}
IGNORED_SCHEMES = {"mailto", "tel", "javascript", "data", "blob"}
BASE = "http://site.invalid/"  # a stand-in origin for resolving relative links


@dataclass
class PageLinks:
    links: list[tuple[str, int]] = field(default_factory=list)  # (url, line)
    ids: set[str] = field(default_factory=set)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageLinks()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.page.ids.add(attrs[key])
        name = LINK_ATTRS.get(tag)
        if name and attrs.get(name) is not None:
            if tag == "link" and "canonical" in (attrs.get("rel") or "").split():
                return  # the published address, not a file of this build
            self.page.links.append((attrs[name], self.getpos()[0]))


def parse_page(html: str) -> PageLinks:
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    return parser.page


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)   # "page:line: message"
    external: dict[str, list[str]] = field(default_factory=dict)  # url -> pages


def site_file(site: Path, path: str) -> Path:
    """The file a site path names: ``dir/`` (or ``dir``) → ``dir/index.html``."""
    target = site / unquote(path).lstrip("/")
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def site_base_path(site: Path) -> str:
    """The path the site is served under, from its sitemap (``/`` if unknown).

    MkDocs writes the 404 page with root-relative links under ``site_url``'s path,
    e.g. ``/normalization-kb/assets/...`` for a GitHub project site.
    """
    sitemap = site / "sitemap.xml"
    if sitemap.is_file():
        loc = re.search(r"<loc>\s*([^<\s]+)", sitemap.read_text(encoding="utf-8"))
        if loc:
            return urlparse(loc.group(1)).path.rstrip("/") + "/"
    return "/"


def check_site(site: Path, base_path: str | None = None) -> Report:
    site = Path(site)
    base_path = site_base_path(site) if base_path is None else base_path
    pages = {p: parse_page(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))}
    report = Report()
    for page, parsed in pages.items():
        rel = page.relative_to(site).as_posix()
        page_url = urljoin(BASE, rel)
        for url, line in parsed.links:
            scheme = urlparse(url).scheme
            if scheme in IGNORED_SCHEMES:
                continue
            resolved = urlparse(urljoin(page_url, url))
            if not resolved.geturl().startswith(BASE):
                report.external.setdefault(url, []).append(rel)
                continue
            path = resolved.path
            if url.startswith("/") and not url.startswith(base_path):
                # Works on 127.0.0.1, breaks on a project site such as OWNER.github.io/REPO/.
                report.problems.append(f"{rel}:{line}: root-relative link {url!r} "
                                       f"outside the site's base path {base_path!r}")
                continue
            if path.startswith(base_path):  # root-relative under the published base
                path = "/" + path[len(base_path):]
            target = site_file(site, path)
            if not target.is_file():
                report.problems.append(f"{rel}:{line}: broken link {url!r} (no {target.relative_to(site)})")
                continue
            anchor = unquote(resolved.fragment)
            if anchor and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse_page(
                    target.read_text(encoding="utf-8")).ids
                if anchor not in ids:
                    report.problems.append(f"{rel}:{line}: missing anchor {url!r} "
                                           f"(no id {anchor!r} in {target.relative_to(site)})")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.tools.linkcheck", description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path, help="the built site folder (e.g. site/)")
    parser.add_argument("--quiet", action="store_true", help="print problems only")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"error: {args.site} is not a built site (no index.html); run `make build`",
              file=sys.stderr)
        return 2
    report = check_site(args.site)
    for problem in report.problems:
        print(problem)
    if not args.quiet:
        print(f"\n{len(report.external)} external links (listed, not fetched):")
        for url, where in sorted(report.external.items()):
            print(f"  {url}  ({len(where)} page{'s' if len(where) > 1 else ''}, e.g. {where[0]})")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
