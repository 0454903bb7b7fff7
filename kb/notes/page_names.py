"""Names of a note: Logseq's file name, the page title, and the URL on the site.

Logseq keeps every page flat in ``pages/``; a namespace ``A/B`` is written
``A___B.md`` (the current ``:file/name-format :triple-lowbar``) or ``A%2FB.md``
(the legacy format). The site keeps those file names under ``docs/pages/`` so
notes can be copied over unchanged, and gives each page a readable URL built
from its title: ``Batch Normalization/维度理解`` -> ``pages/batch-normalization/维度理解/``.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import unquote

NOTES_DIR = "pages"            # under docs/, as in a Logseq graph
NAMESPACE_IN_FILE = "___"
# Characters that make a URL segment awkward; letters of any script stay.
RE_URL_UNSAFE = re.compile(r"[\s?#%\"<>\\^`{|}\[\]/:;,'!*&=+$@()（）【】「」，。：；！？、]+")


def is_note(src_uri: str) -> bool:
    """A Markdown file under ``docs/pages/`` is a Logseq note."""
    return src_uri.startswith(NOTES_DIR + "/") and src_uri.endswith(".md")


def title_from_filename(src_uri: str) -> str:
    """``pages/Batch Normalization___维度理解.md`` -> ``Batch Normalization/维度理解``."""
    stem = posixpath.splitext(posixpath.basename(src_uri))[0]
    return unquote(stem.replace(NAMESPACE_IN_FILE, "/"))


def filename_for_title(title: str) -> str:
    """The file Logseq would write for a page title (``A/B`` -> ``pages/A___B.md``)."""
    return f"{NOTES_DIR}/{title.replace('/', NAMESPACE_IN_FILE)}.md"


def slug(segment: str) -> str:
    """One URL segment: lower case, runs of spaces and punctuation become ``-``."""
    text = unicodedata.normalize("NFC", segment).strip().lower()
    return RE_URL_UNSAFE.sub("-", text).strip("-.") or "page"


def dest_uri_for_title(title: str) -> str:
    """Where the page is written in the site: ``pages/<slug>/<slug>/index.html``."""
    parts = [slug(part) for part in title.split("/") if part.strip()]
    return posixpath.join(NOTES_DIR, *parts, "index.html")
