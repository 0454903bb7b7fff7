"""The chunked search index (kb/site/search_shards.py, issue 22): terms in the shard their key
names, a query's files bounded whatever the size of the site, the same bytes for the same
index, and a malformed search_index.json reported with its name."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from kb.paths import ROOT
from kb.site import search_shards

SEPARATOR = '[\\s\\u200b\\-_,:!=\\[\\]()"`/，。、；：？！（）《》【】「」“”‘’·]+|\\.(?!\\d)|&[lg]t;'
CONFIG = {"lang": ["zh"], "separator": SEPARATOR, "pipeline": ["stemmer"],
          "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}, "tags": {"boost": 1000000.0}}}


def write_index(folder: Path, docs: list[dict], config: dict = CONFIG) -> Path:
    search = folder / "search"
    search.mkdir(parents=True)
    (search / "search_index.json").write_text(json.dumps({"config": config, "docs": docs}), encoding="utf-8")
    return search


# As Material's plugin writes them: jieba's words separated by zero-width spaces.
DOCS = [
    {"location": "", "title": "归一化\u200b知识库", "text": "<p>\u200b从批\u200b归一化\u200b开始</p>"},
    {"location": "#一瞥", "title": "批\u200b归一化\u200b一瞥", "text": "<p>Ioffe &amp; Szegedy 2015 提出 BatchNorm2d</p>"},
    {"location": "pages/bn/", "title": "Batch Normalization", "text": "<ul><li>批\u200b归一化</li></ul>",
     "tags": ["Algorithm"], "boost": 4},
    {"location": "pages/ln/", "title": "Layer Normalization", "text": "<p>按\u200b层\u200b归一化</p>"},
]


def read_shards(search: Path) -> dict[int, dict]:
    return {int(f.stem): json.loads(f.read_text(encoding="utf-8")) for f in (search / "terms").glob("*.json")}


def test_fnv1a_is_the_standard_32_bit_hash():
    # FNV-1a test vectors (IETF draft-eastlake-fnv): ASCII code points are the bytes.
    assert search_shards.fnv1a("") == 0x811C9DC5
    assert search_shards.fnv1a("a") == 0xE40C292C
    assert search_shards.fnv1a("foobar") == 0xBF9CF968


def test_han_runs_become_bigrams_and_words_lowercase_terms():
    import re
    terms = search_shards.terms_of("批归一化（Batch Normalization）由 Ioffe 提出BN层", re.compile(SEPARATOR))
    assert terms == ["批归", "归一", "一化", "化", "batch", "normalization", "由",
                     "ioffe", "提出", "出", "bn", "层"]


def test_every_term_of_a_doc_is_in_the_shard_its_key_names(tmp_path):
    search = write_index(tmp_path, DOCS)
    manifest = search_shards.write_shards(search)
    count = manifest["config"]["shards"]["terms"]
    shards = read_shards(search)
    assert sorted(shards) == list(range(count))
    # Terms of the second doc (the home page's section 1), read by hand from its title and text.
    for term, key in [("批归", "批"), ("一瞥", "一"), ("瞥", "瞥"), ("ioffe", "io"), ("szegedy", "sz"),
                      ("2015", "20"), ("batchnorm2d", "ba")]:
        shard = shards[search_shards.fnv1a(key) % count]
        assert term in shard, term
        entries = shard[term][1:]
        docs = {(sum(entries[0:i + 1:3]), entries[i + 1]) for i in range(0, len(entries), 3)}
        assert (0, 1) in docs, (term, docs)     # page 0 (the home page), section 1
    # Every term lies in exactly one shard.
    seen = [term for shard in shards.values() for term in shard]
    assert len(seen) == len(set(seen))


def test_postings_count_docs_and_weigh_title_and_tags_above_text(tmp_path):
    search = write_index(tmp_path, DOCS)
    count = search_shards.write_shards(search)["config"]["shards"]["terms"]
    shards = read_shards(search)
    one = shards[search_shards.fnv1a("归") % count]["归一"]
    assert one[0] == 4                      # df: every doc has 归一化 in its title or text
    page = 0
    weights = {}
    for i in range(1, len(one), 3):
        page += one[i]
        weights[(page, one[i + 1])] = one[i + 2]
    assert set(weights) == {(0, 0), (0, 1), (1, 0), (2, 0)}
    # In a title (x1000) it weighs far more than in text only; the BN page is boosted 4x.
    assert weights[(0, 0)] > 100 * weights[(2, 0)]
    algorithm = shards[search_shards.fnv1a("al") % count]["algorithm"]
    assert algorithm[:3] == [1, 1, 0] and algorithm[3] > weights[(0, 0)]   # the tag, page 1


def test_pages_hold_their_docs_without_jieba_separators(tmp_path):
    search = write_index(tmp_path, DOCS)
    search_shards.write_shards(search)
    home = json.loads((search / "pages" / "0.json").read_text(encoding="utf-8"))
    assert [d["location"] for d in home] == ["", "#一瞥"]
    assert home[1]["title"] == "批归一化一瞥"
    assert home[1]["text"] == "<p>Ioffe &amp; Szegedy 2015 提出 BatchNorm2d</p>"
    bn = json.loads((search / "pages" / "1.json").read_text(encoding="utf-8"))
    assert bn == [{"location": "pages/bn/", "title": "Batch Normalization",
                   "text": "<ul><li>批归一化</li></ul>", "tags": ["Algorithm"]}]
    manifest = json.loads((search / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["docs"] == [] and manifest["config"]["separator"] == SEPARATOR
    assert manifest["config"]["shards"]["docs"] == 4 and manifest["config"]["shards"]["pages"] == 3


def test_a_long_text_keeps_whole_leading_blocks():
    html = "<p>" + "a" * 30 + "</p><ul><li>" + "b" * 30 + "</li></ul><p>c</p>"
    assert search_shards.leading_blocks(html, 50) == "<p>" + "a" * 30 + "</p>"
    assert search_shards.leading_blocks(html, 1000) == html
    assert search_shards.leading_blocks("<p>" + "x" * 100 + "</p>", 10) == "x" * 10
    assert search_shards.leading_blocks("<p>a<br>b</p><p>" + "y" * 50 + "</p>", 20) == "<p>a<br>b</p>"


_LETTERS = random.Random(0)
WORDS = (["".join(_LETTERS.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) for _ in range(3000)]
         + [chr(0x4E00 + i) + chr(0x4E00 + 7 * i % 500) for i in range(500)])


def synthetic_docs(pages: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for page in range(pages):
        for section in range(3):
            text = " ".join(rng.choice(WORDS[:50] if rng.random() < 0.3 else WORDS) for _ in range(120))
            docs.append({"location": f"p{page}/" + (f"#s{section}" if section else ""),
                         "title": f"title {page} {section}", "text": f"<p>{text} common</p>"})
    return docs


def test_a_querys_files_stay_bounded_as_the_site_grows(tmp_path):
    """Ten times the pages: more shards, not bigger ones; a term's postings capped."""
    sizes = {}
    for pages in (200, 2000):
        search = write_index(tmp_path / str(pages), synthetic_docs(pages))
        count = search_shards.write_shards(search)["config"]["shards"]["terms"]
        shard_gz = [len(gzip.compress(f.read_bytes())) for f in (search / "terms").glob("*.json")]
        page_gz = [len(gzip.compress(f.read_bytes())) for f in (search / "pages").glob("*.json")]
        common = read_shards(search)[search_shards.fnv1a("co") % count]["common"]
        sizes[pages] = (count, max(shard_gz), max(page_gz), common)
    (small_count, small_shard, small_page, small_common), (big_count, big_shard, big_page, big_common) = \
        sizes[200], sizes[2000]
    assert big_count > 5 * small_count
    assert big_shard < 2 * small_shard + 4096 and big_shard < 16_000, sizes
    assert big_page < 2 * small_page
    # "common" is in all 6,000 docs: its df says so, its postings keep the heaviest MAX_POSTINGS.
    assert big_common[0] == 6000 and len(big_common) == 1 + 3 * search_shards.MAX_POSTINGS
    assert small_common[0] == 600 and len(small_common) == 1 + 3 * 600


def test_the_same_index_gives_the_same_bytes(tmp_path):
    outputs = []
    for name in ("a", "b"):
        search = write_index(tmp_path / name, synthetic_docs(60))
        search_shards.write_shards(search)
        outputs.append({str(f.relative_to(search)): f.read_bytes()
                        for f in sorted(search.rglob("*.json"))})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 60


def test_rewriting_removes_the_files_of_a_larger_index(tmp_path):
    search = write_index(tmp_path, synthetic_docs(300))
    search_shards.write_shards(search)
    (search / "search_index.json").write_text(json.dumps({"config": CONFIG, "docs": DOCS}), encoding="utf-8")
    count = search_shards.write_shards(search)["config"]["shards"]["terms"]
    assert sorted(f.name for f in (search / "terms").iterdir()) == sorted(f"{n}.json" for n in range(count))
    assert sorted(f.name for f in (search / "pages").iterdir()) == ["0.json", "1.json", "2.json"]


def test_sharding_again_reads_only_the_changed_pages_and_gives_a_full_shardings_files(tmp_path, monkeypatch):
    """``make serve`` shards after every save: a page whose docs are the same keeps its postings
    (kb/site/search_shards.py ``page_weights``), and the files are those of a sharding from scratch."""
    monkeypatch.setattr(search_shards, "_last_pages", {}, raising=False)
    search = write_index(tmp_path / "served", synthetic_docs(40))
    search_shards.write_shards(search)
    before = {f.relative_to(search).as_posix(): f.stat().st_mtime_ns for f in search.rglob("*.json")}

    docs = synthetic_docs(40)
    docs[3 * 7]["text"] = "<p>改过的 页面 edited words</p>"          # page 7's own doc
    docs[3 * 20 + 1]["title"] = "another section title"               # a section of page 20
    docs = docs[:3 * 30] + docs[3 * 31:] + [{"location": "new/", "title": "新页", "text": "<p>新的页面</p>"}]
    (search / "search_index.json").write_text(json.dumps({"config": CONFIG, "docs": docs}), encoding="utf-8")
    read_again = []
    real = search_shards.page_weights
    monkeypatch.setattr(search_shards, "page_weights",
                        lambda page_docs, config: read_again.append(page_docs[0].location) or real(page_docs, config))
    search_shards.write_shards(search)
    assert sorted(read_again) == ["new/", "p20/", "p7/"]    # page 30 removed: the others only move

    monkeypatch.setattr(search_shards, "_last_pages", {})
    fresh = write_index(tmp_path / "fresh", docs)
    search_shards.write_shards(fresh)
    served = {f.relative_to(search).as_posix(): f.read_bytes() for f in sorted(search.rglob("*.json"))}
    assert served == {f.relative_to(fresh).as_posix(): f.read_bytes() for f in sorted(fresh.rglob("*.json"))}
    unchanged = {name for name, ns in before.items() if name.startswith("pages/") and
                 (search / name).stat().st_mtime_ns == ns}
    assert unchanged >= {f"pages/{n}.json" for n in range(30) if n not in (7, 20)}   # not written again


@pytest.mark.parametrize("content, message", [
    ('{"config": {"separator": "x"}, "docs": [\n  {"location": "a",}\n]}', r"search_index\.json:2: not JSON"),
    ('[1, 2]', r"search_index\.json: expected an object with 'config' and 'docs'"),
    ('{"config": {}, "docs": []}', r"search_index\.json: config has no 'separator'"),
    ('{"config": {"separator": "x"}, "docs": [{"location": "a", "title": "t"}]}',
     r"search_index\.json: docs\[0\] lacks a string location, title or text"),
    ('{"config": {"separator": "x"}, "docs": [{"location": "a", "title": "t", "text": "", "tags": "x"}]}',
     r"search_index\.json: docs\[0\] \('a'\): tags is not a list of strings"),
])
def test_a_malformed_index_fails_naming_the_file(tmp_path, content, message):
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "search_index.json").write_text(content, encoding="utf-8")
    with pytest.raises(search_shards.SearchIndexError, match=message) as error:
        search_shards.write_shards(tmp_path / "search")
    assert str(tmp_path / "search" / "search_index.json") in str(error.value)


def test_the_hook_fails_the_build_on_a_malformed_or_missing_index(tmp_path):
    from mkdocs.exceptions import PluginError

    from kb.site import search_hooks
    config = SimpleNamespace(site_dir=str(tmp_path))
    with pytest.raises(PluginError, match="search_index.json: not written"):
        search_hooks.on_post_build(config=config)
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "search_index.json").write_text("{", encoding="utf-8")
    with pytest.raises(PluginError, match=r"search_index\.json:1: not JSON"):
        search_hooks.on_post_build(config=config)


def test_the_built_site_has_the_chunked_index(built_site):
    search = built_site / "search"
    manifest = json.loads((search / "manifest.json").read_text(encoding="utf-8"))
    index = json.loads((search / "search_index.json").read_text(encoding="utf-8"))
    shards = manifest["config"]["shards"]
    assert shards["docs"] == len(index["docs"])
    assert len(list((search / "pages").glob("*.json"))) == shards["pages"]
    assert len(list((search / "terms").glob("*.json"))) == shards["terms"]
    assert manifest["config"]["separator"] == index["config"]["separator"]


# --- kb's worker (kb/site/theme/assets/javascripts/kb-search-worker.js) agrees with the writer ---

WORKER = ROOT / "kb" / "site" / "theme" / "assets" / "javascripts" / "kb-search-worker.js"
RUN_IN_WORKER = """
const fs = require("fs"), vm = require("vm");
const context = vm.createContext({ self: { location: { href: "http://x/assets/javascripts/w.js" } },
                                   URL, console, addEventListener() {}, postMessage() {} });
vm.runInContext(fs.readFileSync(process.argv[1], "utf-8"), context);
process.stdout.write(JSON.stringify(vm.runInContext(process.argv[2], context)));
"""


def in_worker(expression: str):
    node = shutil.which("node")
    assert node, "Node.js is needed (it renders the site's math too)"
    run = subprocess.run([node, "-e", RUN_IN_WORKER, str(WORKER), expression],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def test_the_worker_hashes_and_keys_terms_as_the_writer_does():
    terms = ["归一", "化", "batchnorm2d", "a", "ioffe", "2015", "\U00020000\U00020001", "éa", "γ"]
    got = in_worker(f"{json.dumps(terms)}.map(t => [shardKey(t), fnv1a(shardKey(t))])")
    assert got == [[search_shards.shard_key(t), search_shards.fnv1a(search_shards.shard_key(t))] for t in terms]
    assert [key for key, _ in got][:3] == ["归", "化", "ba"]


def test_the_worker_reads_a_query_as_the_writer_reads_text():
    """A query's parts are the terms the writer made of the same words (bigrams of a Han run,
    the last character left to prefix matching only when the run is one character)."""
    index_setup = f"index = {{ separator: new RegExp({json.dumps(SEPARATOR)}) }}"
    got = in_worker(f"{index_setup}; clausesOf('批归一化（BatchNorm） Ioffe 一 层').map(c => c.parts)")
    assert got == [
        [{"term": "批归", "prefix": False}, {"term": "归一", "prefix": False}, {"term": "一化", "prefix": False}],
        [{"term": "batchnorm", "prefix": True}],
        [{"term": "ioffe", "prefix": True}],
        [{"term": "一", "prefix": True}],
        [{"term": "层", "prefix": True}],
    ]
