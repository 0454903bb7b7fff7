"""``![x.pdf](../assets/x.pdf)``: Logseq embeds a file that is not an image; the site links it.

Logseq writes every dropped file as an image (``![name](../assets/name.ext)``); a
browser cannot show a PDF (or a video, a document) in ``<img>``, which would be a
broken image. A file whose extension is not an image's becomes a link to it, its
label kept. The file itself is copied by ``kb import`` like an image.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from kb.notes.code_regions import map_prose

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif", ".ico", ".tif", ".tiff"}
RE_EMBED = re.compile(r"!\[(?P<label>[^\]\n]*)\]\((?P<path>[^)\n]+?)\)(?P<size>\{:[^}\n]*\})?")


def _is_image(path: str) -> bool:
    name = unquote(path.split("?", 1)[0].split("#", 1)[0]).strip().strip("<>")
    return posixpath.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def rewrite(text: str) -> str:
    """``text`` with every embed of a file that is not an image written as a link to it."""
    def one(match: re.Match[str]) -> str:
        path = match.group("path").strip()
        if _is_image(path) or "://" in path or not posixpath.splitext(path)[1]:
            return match.group(0)
        if path.startswith("/assets/"):     # notes are files in docs/pages/: a relative link works under any site URL
            path = ".." + path
        return f"[{match.group('label') or posixpath.basename(unquote(path))}]({path})"

    return map_prose(text, lambda prose: RE_EMBED.sub(one, prose))
