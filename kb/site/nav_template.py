"""Material's navigation template, made to skip work a pruned section never shows (issue 22).

``partials/nav-item.html`` (Material 9) looks through every section's children for its index
page before it knows whether the section is shown. With ``navigation.prune`` a section that is
not the current page's own is drawn collapsed by ``render_pruned``, which never uses that index
page; but the search still runs, for every section on every page: on a graph of a thousand notes
about a million ``Page.is_index`` lookups a build, the largest single cost of a warm build.

``skip_index_search_when_pruned`` moves the search into the branch that draws an open section.
What a page shows is unchanged; the HTML differs only in whitespace (the loop no longer writes its
few blanks per child of a collapsed section). The template is patched where it is read, on exact
text: when Material changes the template so that the text is not found, the build stops with an
error naming the template, never silently keeping or half-applying the patch.
"""

from __future__ import annotations

import jinja2
from mkdocs.exceptions import PluginError

TEMPLATE = "partials/nav-item.html"

INDEX_SEARCH = """\
    {% set _ = namespace(index = none) %}
    {% if "navigation.indexes" in features %}
      {% for item in nav_item.children %}
        {% if item.is_index and _.index is none %}
          {% set _.index = item %}
        {% endif %}
      {% endfor %}
    {% endif %}
    {% set index = _.index %}
"""
OPEN_SECTION = '      {% if not is_pruned %}\n'


def skip_index_search_when_pruned(source: str, name: str = TEMPLATE) -> str:
    """``source`` of nav-item.html with the index search inside ``{% if not is_pruned %}``."""
    for text, what in ((INDEX_SEARCH, "the search for a section's index page"),
                       (OPEN_SECTION, "the branch that draws an open section")):
        if source.count(text) != 1:
            raise PluginError(
                f"{name}: {what} is not where kb/site/nav_template.py expects it (found "
                f"{source.count(text)} times, expected once); Material's template changed: "
                f"update INDEX_SEARCH / OPEN_SECTION there to the new template")
    before, after = source.split(INDEX_SEARCH)
    if OPEN_SECTION not in after:
        raise PluginError(f"{name}: the open-section branch no longer follows the index search; "
                          f"Material's template changed: update kb/site/nav_template.py")
    return before + after.replace(OPEN_SECTION, OPEN_SECTION + INDEX_SEARCH, 1)


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Make ``env`` read the patched navigation template (the theme's own, custom_dir included)."""
    source, filename, _ = env.loader.get_source(env, TEMPLATE)
    patched = skip_index_search_when_pruned(source, filename or TEMPLATE)
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({TEMPLATE: patched}), env.loader])
    return env
