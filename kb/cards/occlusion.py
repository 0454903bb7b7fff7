"""Image occlusion: the ``occlusion::`` property of a block, as logseq-anki-sync writes it.

The property is base64 of UTF-8 JSON::

    {"../assets/image.png": {"config": {"hideAllTestOne": true},
                             "elements": [{"left": .., "top": .., "width": .., "height": ..,
                                           "angle": 0, "cId": 1}, ...]}}

``left``/``top`` are the rectangle's *centre* in the image's natural pixels (the
plugin's canvas uses centred origins). Every distinct ``cId`` is one card. With
``hideAllTestOne`` every rectangle stays covered while one is asked; otherwise
only the one asked is covered. An older plugin format maps the image straight to
the list of elements; it is read too, as the plugin reads it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
import sys
from dataclasses import dataclass
from pathlib import PurePosixPath

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class OcclusionError(ValueError):
    """The property cannot be read; the message says why (the caller adds file:line)."""


@dataclass(frozen=True)
class Rect:
    cid: int
    left: float    # top-left corner, natural pixels (converted from the plugin's centre)
    top: float
    width: float
    height: float

    def fractions(self, size: tuple[int, int]) -> tuple[float, float, float, float]:
        """(left, top, width, height) as fractions of the image's width and height."""
        w, h = size
        return self.left / w, self.top / h, self.width / w, self.height / h


@dataclass(frozen=True)
class Occlusion:
    image: str                 # the key as written in the property (e.g. "../assets/x.png")
    hide_all_test_one: bool
    rects: tuple[Rect, ...]

    @property
    def cids(self) -> list[int]:
        return sorted({r.cid for r in self.rects})


def asset_key(path: str) -> str:
    """A path reduced to compare an image link with a property key.

    Logseq writes ``../assets/x.png`` in the property and the exported note links
    ``/assets/x.png``: both become ``assets/x.png``.
    """
    path = path.split("?")[0].strip()
    parts = [p for p in PurePosixPath(path).parts if p not in ("/", ".", "..")]
    return "/".join(parts)


def decode(value: str) -> list[Occlusion]:
    """Decode an ``occlusion::`` value; raise :class:`OcclusionError` if it is not valid."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise OcclusionError(f"occlusion:: is not valid base64 ({err})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise OcclusionError(f"occlusion:: does not hold UTF-8 JSON ({err})") from None
    except RecursionError:
        raise OcclusionError("occlusion:: JSON is nested too deeply to read") from None
    except ValueError:   # an integer longer than Python reads (sys.get_int_max_str_digits())
        raise OcclusionError(f"occlusion:: JSON holds an integer of more than {sys.get_int_max_str_digits()} "
                             "digits") from None
    if not isinstance(data, dict) or not data:
        raise OcclusionError("occlusion:: JSON must map image paths to their rectangles")
    found = []
    for image, entry in data.items():
        if isinstance(entry, list):        # the plugin's format before 5.6.0
            entry = {"elements": entry, "config": {}}
        if not isinstance(entry, dict) or not isinstance(entry.get("elements"), list):
            raise OcclusionError(f"occlusion:: entry for {image!r} has no list of elements")
        config = entry.get("config") or {}
        if not isinstance(config, dict):
            raise OcclusionError(f"occlusion:: config for {image!r} is not an object")
        rects = tuple(_rect(image, i, element) for i, element in enumerate(entry["elements"]))
        if not rects:
            raise OcclusionError(f"occlusion:: entry for {image!r} has no rectangles")
        found.append(Occlusion(image, bool(config.get("hideAllTestOne", False)), rects))
    return found


def _rect(image: str, index: int, element: object) -> Rect:
    where = f"occlusion:: element {index} of {image!r}"
    if not isinstance(element, dict):
        raise OcclusionError(f"{where} is not an object")
    numbers = {}
    for key in ("left", "top", "width", "height"):
        value = element.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _is_finite(value):
            raise OcclusionError(f"{where}: {key} must be a finite number, got {_shown(value)}")
        numbers[key] = float(value)
    if numbers["width"] <= 0 or numbers["height"] <= 0:
        raise OcclusionError(f"{where}: width and height must be positive")
    angle = element.get("angle", 0)
    if not isinstance(angle, (int, float)) or angle % 360:
        raise OcclusionError(f"{where}: rotated rectangles (angle {angle!r}) are not supported")
    cid = element.get("cId")
    if isinstance(cid, bool) or not isinstance(cid, int) or not 1 <= cid <= 9999:
        raise OcclusionError(f"{where}: cId must be a positive integer, got {cid!r}")
    return Rect(cid, numbers["left"] - numbers["width"] / 2, numbers["top"] - numbers["height"] / 2,
                numbers["width"], numbers["height"])


def _is_finite(value: int | float) -> bool:
    """Whether ``value`` is a number a float holds (an int beyond 1.8e308 is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _shown(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut to ``limit`` characters (a number may have thousands of digits)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header (no image library needed at build time)."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise OcclusionError("occlusion image is not a PNG")
    return struct.unpack(">II", data[16:24])


def anki_occlusion_text(occlusion: Occlusion, size: tuple[int, int]) -> str:
    """The ``Occlusion`` field of Anki's native image-occlusion note type.

    One ``{{cN::image-occlusion:rect:...}}`` per rectangle, positions as fractions
    of the image (Anki's normalised form); ``oi=1`` ("occlude inactive") is
    Anki's "hide all, guess one".
    """
    lines = []
    for rect in occlusion.rects:
        left, top, width, height = rect.fractions(size)
        shape = f"image-occlusion:rect:left={left:.4f}:top={top:.4f}:width={width:.4f}:height={height:.4f}"
        if occlusion.hide_all_test_one:
            shape += ":oi=1"
        lines.append(f"{{{{c{rect.cid}::{shape}}}}}")
    return "<br>".join(lines)
