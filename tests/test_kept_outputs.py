"""kb/site/kept_outputs.py: a site-wide file is kept only when it was written by this process from
the same inputs and is still as written."""

from __future__ import annotations

import os

from kb.site import kept_outputs


def test_a_file_is_kept_only_for_the_same_key_while_it_is_as_written(tmp_path):
    path = tmp_path / "cards.json"
    assert not kept_outputs.unchanged(path, ("a", 1))           # never written
    path.write_text("one", encoding="utf-8")
    assert not kept_outputs.unchanged(path, ("a", 1))           # written, but not by this module's caller
    kept_outputs.written(path, ("a", 1))
    assert kept_outputs.unchanged(path, ("a", 1))
    assert not kept_outputs.unchanged(path, ("a", 2))           # other inputs
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert not kept_outputs.unchanged(path, ("a", 1))           # touched since (e.g. a full build wrote it)
    kept_outputs.written(path, ("a", 1))
    path.unlink()
    assert not kept_outputs.unchanged(path, ("a", 1))           # removed (MkDocs cleans the site folder)


def test_media_state_changes_with_a_media_file(tmp_path):
    image = tmp_path / "a.png"
    image.write_bytes(b"1")
    before = kept_outputs.media_state([image])
    image.write_bytes(b"22")
    assert kept_outputs.media_state([image]) != before
