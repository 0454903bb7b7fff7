"""kb/site/nav_template.py: Material's navigation template no longer looks for the index page of
sections a pruned navigation draws collapsed, draws the same navigation, and stops the build with
a clear error when Material's template is not the one the patch was written for."""

from __future__ import annotations

import re

import jinja2
import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from kb.paths import ROOT
from kb.site import nav_template


class Item:
    """Enough of a MkDocs page or section for nav-item.html; counts reads of ``is_index``."""
    reads = 0

    def __init__(self, title, url=None, children=None, active=False, index=False):
        self.title, self.url, self.children, self.active = title, url, children, active
        self._index = index
        self.meta, self.typeset, self.encrypted, self.pages = None, None, None, None

    @property
    def is_index(self):
        Item.reads += 1
        return self._index


def navigation():
    """Five collapsed sections of 40 pages each (the first an index page), and an open one."""
    closed = [Item(f"第 {s} 章", children=[Item(f"页 {s}.{p}", url=f"c{s}/p{p}/", index=p == 0)
                                           for p in range(40)]) for s in range(5)]
    current = Item("当前页", url="open/now/")
    opened = Item("打开的章", active=True, children=[Item("章首", url="open/", index=True), current])
    return [*closed, opened], current


def render(env: jinja2.Environment) -> tuple[str, int]:
    items, current = navigation()
    template = env.from_string('{% import "partials/nav-item.html" as item with context %}'
                               '{% for nav_item in items %}{{ item.render(nav_item, "__nav_" ~ loop.index, 1) }}{% endfor %}')
    Item.reads = 0
    html = template.render(items=items, page=current, features=["navigation.indexes", "navigation.prune"],
                           config=load_config(str(ROOT / "mkdocs.yml")), base_url=".")
    return html, Item.reads


def theme_env() -> jinja2.Environment:
    """The site's theme (Material with kb's custom_dir), as MkDocs makes it for a build."""
    return load_config(str(ROOT / "mkdocs.yml")).theme.get_env()


def test_collapsed_sections_are_not_searched_and_the_navigation_is_the_same():
    material_html, material_reads = render(theme_env())
    patched_html, patched_reads = render(nav_template.install(theme_env()))
    assert material_reads >= 5 * 40            # Material asks every page of every section
    assert patched_reads == 2                  # only the open section's two pages
    # The open section still links its index page (open/, seen from open/now/); a collapsed
    # section links its first page.
    assert re.findall(r'href="([^"]*)"', patched_html) == [f"../../c{s}/p0/" for s in range(5)] + ["../", "./"]
    # What a browser shows is the same: the HTML differs only in runs of blanks between tags.
    assert patched_html != material_html
    assert re.sub(r"\s+", " ", patched_html) == re.sub(r"\s+", " ", material_html)


def test_a_template_material_changed_stops_the_build_with_its_name():
    with pytest.raises(PluginError, match=r"nav-item\.html: the search for a section's index page is not"):
        nav_template.skip_index_search_when_pruned("{% macro render(nav_item) %}{% endmacro %}",
                                                   "theme/partials/nav-item.html")
    moved = nav_template.OPEN_SECTION + nav_template.INDEX_SEARCH
    with pytest.raises(PluginError, match="no longer follows"):
        nav_template.skip_index_search_when_pruned(moved, "nav-item.html")


def test_the_site_build_reads_the_patched_template():
    from kb.site import hooks

    config = load_config(str(ROOT / "mkdocs.yml"))
    env = hooks.on_env(config.theme.get_env(), config=config, files=None)
    source, _, _ = env.loader.get_source(env, nav_template.TEMPLATE)
    open_branch = source.index(nav_template.OPEN_SECTION)
    assert source.index(nav_template.INDEX_SEARCH) > open_branch
