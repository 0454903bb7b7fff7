"""A chunked search index, so a visitor downloads only what one query needs (issue 22).

Material's search plugin writes ``search/search_index.json``: every page's text, which
Material's own worker downloads whole on every page view (13.9 MB for a 1,000-note graph).
``write_shards`` reads that file and writes, beside it under ``search/``:

* ``manifest.json``: Material's index with no docs (its ``config``: languages, separator,
  field boosts), plus ``config.shards``: the format version, the number of term shards, docs
  and pages. The page fetches this instead of the whole index (kb/site/theme/main.html);
* ``terms/<n>.json``: term -> ``[df, page, section, weight, page, section, weight, ...]``,
  pages as deltas from the previous entry's, at most ``MAX_POSTINGS`` entries (the heaviest),
  in shard ``n = fnv1a(shard_key(term)) % shards``;
* ``pages/<page>.json``: one page's docs (the page, then its sections): location, title, text
  (its leading blocks, at most ``MAX_TEXT`` characters), tags. A query fetches the files of its
  best pages only.

Terms: the text outside HTML tags is split with the index's separator; within each piece, a
run of Han characters gives one term per character, the character and the next one ("归一化"
-> 归一, 一化, 化), so the browser matches Chinese without jieba (a query's Han run needs its
bigrams); any other run is one lowercased term, matched by prefix. A term's shard key is its
first character (Han) or its first two (other), so every term a query word can match by
prefix lies in one shard. kb/site/theme/assets/javascripts/kb-search-worker.js reads this
format: the two must agree on ``HAN``, ``shard_key`` and ``fnv1a``.

Weight of a term in a doc: as lunr with Material's settings (b = 0): for each field,
``boost_field * tf * (k1 + 1) / (tf + k1)``, summed and times the doc's boost; times 10, rounded.
The worker multiplies by the term's idf.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TERMS_DIR = "terms"
PAGES_DIR = "pages"
K1 = 1.2
MAX_POSTINGS = 2000        # a term's heaviest docs; a query's download stays bounded
MAX_TEXT = 8000            # characters of a doc's text kept for its result (whole leading blocks)
MAX_PAGE_TEXT = 12_000     # and of all the docs of a page together
SHARD_TARGET_BYTES = 24_000  # raw JSON per term shard (a few KB gzipped)
WEIGHT_SCALE = 10

# Han characters: the same ranges as HAN in kb-search-worker.js.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_PIECE_RUNS = re.compile(f"([{HAN}]+)|([^{HAN}\0]+)")
_IS_HAN = re.compile(f"[{HAN}]")
_TAG = re.compile(r"<[^>]*>")
_ZWSP = "\u200b"           # jieba's word separator in the plugin's text


class SearchIndexError(ValueError):
    """search_index.json is not what Material's search plugin writes."""


def fnv1a(key: str) -> int:
    """32-bit FNV-1a over the key's code points (kb-search-worker.js computes the same)."""
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def shard_key(term: str) -> str:
    return term[:1] if _IS_HAN.match(term) else term[:2]


def terms_of(text: str, separator: re.Pattern) -> list[str]:
    """The terms of plain text, in order (one per Han character, one per other run)."""
    terms = []
    # The pieces between separators, each cut into Han and other runs: one regex over the text.
    for han, other in _PIECE_RUNS.findall(separator.sub("\0", text.lower())):
        if han:
            terms += [han[i:i + 2] for i in range(len(han))]
        else:
            terms.append(other)
    return terms


def plain_text(html: str) -> str:
    return unescape(_TAG.sub(" ", html))


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_TAG_PARTS = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")


def leading_blocks(html: str, limit: int = MAX_TEXT) -> str:
    """The whole top-level blocks of ``html`` that fit in ``limit`` characters; if the first
    block alone is longer, its plain text cut at ``limit``."""
    if len(html) <= limit:
        return html
    depth, kept = 0, 0
    for match in _TAG_PARTS.finditer(html):
        if match.end() > limit:
            break
        if match.group(1):
            depth = max(0, depth - 1)
            if depth == 0:
                kept = match.end()
        elif match.group(2).lower() not in _VOID and not match.group(0).endswith("/>"):
            depth += 1
    if kept:
        return html[:kept]
    return re.sub(r"&[#\w]*$", "", _TAG.sub("", html)[:limit])


@dataclass
class Doc:
    location: str
    title: str
    text: str
    tags: list[str] = field(default_factory=list)
    boost: float = 1.0


def read_index(path: Path) -> tuple[dict, list[Doc]]:
    """The plugin's config and docs from ``path``; a malformed file fails naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SearchIndexError(f"{path}: cannot be read: {error}") from error
    except json.JSONDecodeError as error:
        raise SearchIndexError(f"{path}:{error.lineno}: not JSON: {error.msg}") from error
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict) \
            or not isinstance(data.get("docs"), list):
        raise SearchIndexError(f"{path}: expected an object with 'config' and 'docs' (Material's search index)")
    config = data["config"]
    if not isinstance(config.get("separator"), str):
        raise SearchIndexError(f"{path}: config has no 'separator'")
    docs = []
    for number, doc in enumerate(data["docs"]):
        if not isinstance(doc, dict) or not all(isinstance(doc.get(key), str)
                                                for key in ("location", "title", "text")):
            raise SearchIndexError(f"{path}: docs[{number}] lacks a string location, title or text: "
                                   f"{json.dumps(doc, ensure_ascii=False)[:120]}")
        tags = doc.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise SearchIndexError(f"{path}: docs[{number}] ({doc['location']!r}): tags is not a list of strings")
        boost = doc.get("boost", 1.0)
        if not isinstance(boost, (int, float)):
            raise SearchIndexError(f"{path}: docs[{number}] ({doc['location']!r}): boost is not a number")
        docs.append(Doc(doc["location"], doc["title"], doc["text"], list(tags), float(boost)))
    return config, docs


def group_pages(docs: list[Doc]) -> list[list[Doc]]:
    """Each page's docs, the page's own first, in the order of the index (as Material groups
    them: a doc whose location before '#' was seen before is a section of that page)."""
    pages: dict[str, list[Doc]] = {}
    for doc in docs:
        path = doc.location.split("#")[0]
        pages.setdefault(path, []).append(doc)
    return list(pages.values())


def _tf_part(tf: int) -> float:
    return tf * (K1 + 1) / (tf + K1)


# Each page's (term, section, weight) list, by what it is made of: the index's separator and field
# boosts and the page's docs. ``make serve`` shards the index again after every save, and only the
# pages whose docs changed are read again (kept from the last write_shards of this process only).
_PageKey = tuple
_last_pages: dict[_PageKey, list[tuple[str, int, int]]] = {}


def _page_key(page_docs: list[Doc], config: dict) -> _PageKey:
    return (config["separator"], _dump(config.get("fields", {})),
            tuple((d.location, d.title, d.text, tuple(d.tags), d.boost) for d in page_docs))


def page_weights(page_docs: list[Doc], config: dict) -> list[tuple[str, int, int]]:
    """A page's postings without its page number: (term, section, weight), in section order."""
    separator = re.compile(config["separator"])
    boosts = {name: float(spec.get("boost", 1.0)) for name, spec in config.get("fields", {}).items()}
    found: list[tuple[str, int, int]] = []
    for section, doc in enumerate(page_docs):
        fields = {"title": plain_text(doc.title), "text": plain_text(doc.text), "tags": " ".join(doc.tags)}
        weights: dict[str, float] = {}
        for name, value in fields.items():
            if name not in boosts:
                continue
            for term, tf in Counter(terms_of(value.replace(_ZWSP, ""), separator)).items():
                weights[term] = weights.get(term, 0.0) + boosts[name] * _tf_part(tf)
        for term, weight in weights.items():
            weight *= doc.boost
            found.append((term, section, max(1, round(weight * WEIGHT_SCALE))))
    return found


def postings(pages: list[list[Doc]], config: dict) -> dict[str, list[tuple[int, int, int]]]:
    """term -> [(page, section, weight)] in page, section order."""
    global _last_pages
    found: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    kept: dict[_PageKey, list[tuple[str, int, int]]] = {}
    for page_id, page_docs in enumerate(pages):
        key = _page_key(page_docs, config)
        weights = kept.get(key) or _last_pages.get(key)
        if weights is None:
            weights = page_weights(page_docs, config)
        kept[key] = weights
        for term, section, weight in weights:
            found[term].append((page_id, section, weight))
    _last_pages = kept
    return found


def encode_postings(entries: list[tuple[int, int, int]]) -> list[int]:
    """[df, page delta, section, weight, ...]: the heaviest MAX_POSTINGS entries, in doc order."""
    kept = entries
    if len(entries) > MAX_POSTINGS:
        kept = sorted(sorted(entries, key=lambda e: -e[2])[:MAX_POSTINGS])
    flat, previous = [len(entries)], 0
    for page, section, weight in kept:
        flat += [page - previous, section, weight]
        previous = page
    return flat


def shown_docs(page_docs: list[Doc]) -> list[dict]:
    """A page's docs as its results show them: jieba's separators removed, each text its leading
    blocks, within ``MAX_TEXT`` for a doc and ``MAX_PAGE_TEXT`` for the page."""
    shown, budget = [], MAX_PAGE_TEXT
    for doc in page_docs:
        text = leading_blocks(doc.text.replace(_ZWSP, ""), max(0, min(MAX_TEXT, budget)))
        budget -= len(text)
        entry = {"location": doc.location, "title": doc.title.replace(_ZWSP, ""), "text": text}
        if doc.tags:
            entry["tags"] = doc.tags
        shown.append(entry)
    return shown


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def shard_count(encoded: dict[str, list[int]]) -> int:
    total = sum(len(term) + len(_dump(flat)) + 4 for term, flat in encoded.items())
    return max(1, math.ceil(total / SHARD_TARGET_BYTES))


def write_shards(site_search: Path) -> dict:
    """Write the chunked index beside ``site_search/search_index.json``; return its manifest."""
    config, docs = read_index(site_search / "search_index.json")
    pages = group_pages(docs)
    encoded = {term: encode_postings(entries) for term, entries in postings(pages, config).items()}
    count = shard_count(encoded)
    shards: list[dict[str, list[int]]] = [{} for _ in range(count)]
    for term, flat in encoded.items():
        shards[fnv1a(shard_key(term)) % count][term] = flat

    _write_folder(site_search / TERMS_DIR, {f"{number}.json": _dump(shard) for number, shard in enumerate(shards)})
    _write_folder(site_search / PAGES_DIR, {f"{page_id}.json": _dump(shown_docs(page_docs))
                                            for page_id, page_docs in enumerate(pages)})
    manifest = {
        "config": {**config, "shards": {"version": FORMAT_VERSION, "terms": count, "docs": len(docs),
                                        "pages": len(pages), "k1": K1, "scale": WEIGHT_SCALE}},
        "docs": [],
    }
    (site_search / MANIFEST).write_text(_dump(manifest), encoding="utf-8")
    return manifest


def _write_folder(folder: Path, texts: dict[str, str]) -> None:
    """``folder`` holds exactly ``texts`` (file name -> text): a file whose text is already there is
    not written again (``make serve`` shards after every save: most files stay the same)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
    folder.mkdir(exist_ok=True)
    for path in folder.iterdir():
        if path.name not in texts or not path.is_file() or path.is_symlink():
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    for name, text in texts.items():
        path, data = folder / name, text.encode("utf-8")
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass
        path.write_bytes(data)


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), mtime=0))
