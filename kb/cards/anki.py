"""Anki packages (.apkg) of the notes' flashcards, written with genanki.

* One package per deck, named after the site: the decks' common root (the notes'
  ``deck:: being/Normalization``) becomes the site's name in Anki (``归一化知识库``),
  and a deck below it keeps its place there (``being/Normalization/Extra`` becomes
  ``归一化知识库::Extra``); ``/`` is read as Anki's ``::``.
* Our own model ids (genanki's built-in cloze model id is shared by everyone, and
  another add-on's changes to it would reach our notes).
* Each note's GUID is derived from its id (``kb.cards.extract``), never from its fields:
  an edited note then updates the note already in Anki and keeps its reviews.
* Clozes are Anki clozes; math is ``\\( \\)`` / ``\\[ \\]`` for Anki's MathJax.
* Image occlusion uses Anki's native format (``{{c1::image-occlusion:rect:..}}``
  in the ``Occlusion`` field of a cloze model with the stock templates), so Anki
  draws the masks itself; the image travels as media.
* An erratum of kind imprecise (kb/cards/errata.py) shows on the back: in the ``Page``
  field of the cloze model (shown on the back only), in ``Back Extra`` for occlusion.
* The package timestamp is the sources' last commit time: the same sources give
  the same bytes, and Anki updates a note only from a newer package.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

import genanki

from kb.cards import render as card_html
from kb.cards.extract import CardNote
from kb.cards.occlusion import anki_occlusion_text

# Ids of our note types; fixed forever (Anki keys its note types by id).
CLOZE_MODEL_ID = 1_724_172_031_001
OCCLUSION_MODEL_ID = 1_724_172_031_002

CSS = """\
.card { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; font-size: 20px;
        text-align: left; color: black; background-color: white; }
.context { color: #666; font-size: 0.8em; margin-bottom: 0.8em; }
.page { color: #888; font-size: 0.7em; margin-top: 1.2em; }
.cloze { font-weight: bold; color: #3f51b5; }
.card-arrow-answer { margin-top: 0.6em; }
/* An arrow card's front asks from one side: the hidden side's [...] is not shown. */
.card-arrow-answer .cloze[data-cloze], .card-question .cloze[data-cloze] { display: none; }
.page-ref { color: #3f51b5; }
.tag { color: #888; }
.kb-erratum { border-left: 4px solid #c62828; background: #fff4f4; padding: 0.3em 0.7em; margin-top: 1em;
              font-size: 0.8em; }
.kb-erratum p { margin: 0.3em 0; }
"""

CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    "归一化知识库 Cloze",
    fields=[{"name": "Text"}, {"name": "Context"}, {"name": "Page"}],
    templates=[{
        "name": "Cloze",
        "qfmt": '{{#Context}}<div class="context">{{Context}}</div>{{/Context}}\n{{cloze:Text}}',
        "afmt": '{{#Context}}<div class="context">{{Context}}</div>{{/Context}}\n{{cloze:Text}}\n'
                '<div class="page">{{Page}}</div>',
    }],
    css=CSS,
    model_type=genanki.Model.CLOZE,
)

# Anki's stock image-occlusion templates (Anki 23.10+ draws the masks from the
# cloze text of the Occlusion field).
_IO_FRONT = """\
{{#Header}}<div>{{Header}}</div>{{/Header}}
<div style="display: none">{{cloze:Occlusion}}</div>
<div id="err"></div>
<div id="image-occlusion-container">
    {{Image}}
    <canvas id="image-occlusion-canvas"></canvas>
</div>
<script>
try {
    anki.imageOcclusion.setup();
} catch (exc) {
    document.getElementById("err").innerHTML = `Error loading image occlusion. Is your Anki version up to date?<br><br>${exc}`;
}
</script>
"""
_IO_BACK = _IO_FRONT + """
<div><button id="toggle">Toggle Masks</button></div>
{{#Back Extra}}<div>{{Back Extra}}</div>{{/Back Extra}}
"""
_IO_CSS = """\
#image-occlusion-canvas {
    --inactive-shape-color: #ffeba2;
    --active-shape-color: #ff8e8e;
    --inactive-shape-border: 1px #212121;
    --active-shape-border: 1px #212121;
    --highlight-shape-color: #ff8e8e00;
    --highlight-shape-border: 1px #ff8e8e;
}
.card { font-family: arial; font-size: 20px; text-align: center; color: black; background-color: white; }
"""

OCCLUSION_MODEL = genanki.Model(
    OCCLUSION_MODEL_ID,
    "归一化知识库 Image Occlusion",
    fields=[{"name": "Occlusion"}, {"name": "Image"}, {"name": "Header"}, {"name": "Back Extra"},
            {"name": "Comments"}],
    templates=[{"name": "Image Occlusion", "qfmt": _IO_FRONT, "afmt": _IO_BACK}],
    css=_IO_CSS,
    model_type=genanki.Model.CLOZE,
)

RE_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


def _segments(deck: str) -> list[str]:
    return [part.strip() for part in deck.split("/") if part.strip()]


def anki_deck_names(decks: Iterable[str], site_name: str) -> dict[str, str]:
    """Each deck's name in Anki: the decks' common root is the site, the rest stays below it.

    ``{"being/Normalization"}`` -> ``{"being/Normalization": "归一化知识库"}``;
    ``being/A`` and ``being/B`` -> ``归一化知识库::A`` and ``归一化知识库::B``.
    """
    paths = {deck: _segments(deck) for deck in decks}
    root = min(paths.values(), key=len, default=[])
    depth = next((i for i, part in enumerate(root) if any(p[i] != part for p in paths.values())), len(root))
    site = site_name.strip().replace("::", ":") or "deck"
    return {deck: "::".join([site] + parts[depth:]) for deck, parts in paths.items()}


def package_file_name(anki_name: str) -> str:
    """A stable file name for a deck's package: ``归一化知识库::Extra`` -> ``归一化知识库-Extra.apkg``."""
    stem = re.sub(r"[^\w.-]+", "-", anki_name.replace("::", "-"), flags=re.UNICODE).strip("-.")
    return f"{stem or 'deck'}.apkg"


def deck_id(deck: str) -> int:
    """A deck id derived from the deck's name, so every build gives the same one."""
    return int(hashlib.sha256(deck.encode("utf-8")).hexdigest()[:13], 16) + (1 << 30)


def anki_tags(tags: Iterable[str]) -> list[str]:
    """Anki tags hold no spaces."""
    out = []
    for tag in tags:
        tag = re.sub(r"\s+", "_", tag.strip())
        if tag and tag not in out:
            out.append(tag)
    return out


def _media_name(site_path: str) -> str:
    return site_path.rsplit("/", 1)[-1]


def _local_images(field: str) -> str:
    """Images point at the media file by its bare name, as Anki expects."""
    return RE_SRC.sub(lambda m: m.group(1) + html.escape(_media_name(html.unescape(m.group(2)))) + m.group(3), field)


def genanki_note(note: CardNote) -> genanki.Note:
    tags = anki_tags(note.tags)
    guid = genanki.guid_for(note.id)
    context = " › ".join([html.escape(note.page.title), *note.context])   # the page, then the nearest parent
    if note.type == "occlusion":
        assert note.occlusion is not None
        header = " › ".join([*note.context, note.html] if note.html else note.context) or html.escape(note.page.title)
        fields = [anki_occlusion_text(note.occlusion, note.image_size),
                  f'<img src="{html.escape(_media_name(note.image))}">',
                  _local_images(card_html.anki_text(header)), card_html.anki_text(note.back_extra), ""]
        return genanki.Note(model=OCCLUSION_MODEL, fields=fields, tags=tags, guid=guid)
    # The Page field is shown on the back only: an imprecise erratum goes there, after the page's name
    # (a field of its own would change the note type, and Anki would not update the notes already imported).
    fields = [_local_images(card_html.anki_text(note.html)), card_html.anki_text(context),
              html.escape(note.page.title) + card_html.anki_text(note.back_extra)]
    return genanki.Note(model=CLOZE_MODEL, fields=fields, tags=tags, guid=guid)


def source_timestamp(sources: Iterable[Path], repo: Path) -> float:
    """The last commit time of the sources (seconds); a source with uncommitted
    changes counts with its modification time, so a local edit still reaches Anki."""
    paths = [str(p) for p in sources]
    stamp = 0.0
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", *paths], cwd=repo,
                             capture_output=True, text=True, check=True).stdout.strip()
        stamp = float(out) if out else 0.0
        dirty = _changed_paths(paths, repo)
    except (OSError, subprocess.CalledProcessError):
        dirty = None   # no git: every file counts with its mtime
    committed = stamp != 0.0
    for path in paths:
        if not committed or dirty is None or _resolved(path, repo) in dirty:
            stamp = max(stamp, Path(path).stat().st_mtime if Path(path).exists() else time.time())
    return stamp


def _resolved(path: str | Path, base: Path) -> Path:
    return (Path(base) / path).resolve()


def _changed_paths(paths: list[str], repo: Path) -> set[Path]:
    """The paths among ``paths`` with uncommitted changes (staged, unstaged or untracked).

    Uses NUL-separated porcelain output with quotepath off, so non-ASCII names
    (which plain ``--porcelain`` prints quoted and octal-escaped) and names with
    spaces come back verbatim; each is resolved against the work tree's top."""
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=repo,
                         capture_output=True, text=True, check=True).stdout.strip()
    raw = subprocess.run(["git", "-c", "core.quotepath=off", "status", "--porcelain", "-z",
                          "--untracked-files=all", "--", *paths], cwd=repo,
                         capture_output=True, check=True).stdout
    entries = [os.fsdecode(entry) for entry in raw.split(b"\0")]
    changed: set[Path] = set()
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        changed.add(_resolved(entry[3:], Path(top)))
        if entry[0] in "RC" and index < len(entries):   # rename/copy: next entry is the source
            changed.add(_resolved(entries[index], Path(top)))
            index += 1
    return changed


def write_package(deck: str, anki_name: str, notes: list[CardNote], path: Path, timestamp: float) -> list[str]:
    """Write the deck's notes to ``path`` as the Anki deck ``anki_name``; return the media file names it carries."""
    anki_deck = genanki.Deck(deck_id(deck), anki_name)
    media: dict[str, Path] = {}
    for note in notes:
        anki_deck.add_note(genanki_note(note))
        for file in note.media:
            name = _media_name(str(file))
            if media.setdefault(name, file) != file:
                raise ValueError(f"{note.where}: two media files named {name!r}: {media[name]} and {file}")
    images = sorted(media)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.apkg"
        genanki.Package(anki_deck, media_files=[str(media[name]) for name in images]).write_to_file(
            str(raw), timestamp=timestamp)
        _repack_reproducibly(raw, Path(path), timestamp)
    return images


def _repack_reproducibly(raw: Path, path: Path, timestamp: float) -> None:
    """genanki stamps zip entries with the current time; give them the package's time."""
    date_time = time.gmtime(max(timestamp, 315532800))[:6]   # zip dates start in 1980
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
