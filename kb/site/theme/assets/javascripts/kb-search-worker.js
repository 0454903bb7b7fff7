/* kb's search worker: Material's search box and result list over a chunked index (issue 22).
 *
 * Material's page talks to its search worker with four messages (SETUP, READY, QUERY, RESULT;
 * Material 9.8, src/templates/assets/javascripts/integrations/search/worker/). kb/site/theme/
 * main.html points Material at this worker and hands it search/manifest.json instead of the
 * whole search/search_index.json: SETUP carries the index's config with `config.shards`.
 * A query fetches only the term shards its words need and the files of its best pages, both
 * written by kb/site/search_shards.py; HAN, shardKey and fnv1a must agree with that module.
 *
 * A RESULT is what Material's worker sends: items = one group per page, [docs of the page sorted
 * by score, the page's own doc last with score 0 if it did not match], each doc with its
 * location, title and text highlighted with <mark>, score and terms ({query word: found}).
 */
"use strict";

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
const MAX_PAGES = 20;                                     // result groups, with their docs fetched
const BASE = new URL("../../search/", self.location.href);  // this file is assets/javascripts/
const HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
const RUNS = new RegExp(`[${HAN}]+|[^${HAN}]+`, "gu");
const IS_HAN = new RegExp(`^[${HAN}]`, "u");
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                      "meta", "source", "track", "wbr"]);

let index = null;            // {shards, separator, suggest}
let latest = 0;              // the newest query: an older one's result is dropped
const files = new Map();     // url -> Promise of its JSON

function fnv1a(key) {
  let h = 0x811c9dc5;
  for (const ch of key)
    h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
  return h;
}

function shardKey(term) {
  return [...term].slice(0, IS_HAN.test(term) ? 1 : 2).join("");
}

function fetchJSON(path) {
  const url = new URL(path, BASE).href;
  if (!files.has(url))
    files.set(url, fetch(url).then(response => {
      if (!response.ok)
        throw new Error(`${url}: ${response.status}`);
      return response.json();
    }).catch(error => {
      files.delete(url);
      throw error;
    }));
  return files.get(url);
}

/* The query's words: each a clause, its parts the terms it needs (all of them). A Han run of
 * two or more characters needs its bigrams; one Han character or another word of two or more
 * characters matches terms by prefix; a single other character matches itself. */
function clausesOf(query) {
  const clauses = [];
  for (const word of query.toLowerCase().replace(/[*+^~]/g, " ").split(index.separator)) {
    if (!word)
      continue;
    const runs = word.match(RUNS) || [];
    const parts = [];
    for (const run of runs) {
      const chars = [...run];
      if (IS_HAN.test(run) && chars.length > 1)
        for (let i = 0; i + 1 < chars.length; i++)
          parts.push({ term: chars[i] + chars[i + 1], prefix: false });
      else
        parts.push({ term: run, prefix: IS_HAN.test(run) || chars.length > 1 });
    }
    clauses.push({ word, runs, parts });
  }
  return clauses;
}

function shardOf(term) {
  return fnv1a(shardKey(term)) % index.shards.terms;
}

function idf(df) {
  const n = index.shards.docs;
  return Math.log(1 + Math.abs((n - df + 0.5) / (df + 0.5)));
}

/* doc key (page * 65536 + section) -> score of one part, from its shard */
function partScores(part, shard) {
  const scores = new Map();
  const terms = part.prefix
    ? Object.keys(shard).filter(term => term.startsWith(part.term))
    : (part.term in shard ? [part.term] : []);
  for (const term of terms) {
    const flat = shard[term];
    const weight = idf(flat[0]) / index.shards.scale;
    for (let i = 1, page = 0; i < flat.length; i += 3) {
      page += flat[i];
      const key = page * 65536 + flat[i + 1];
      scores.set(key, (scores.get(key) || 0) + weight * flat[i + 2]);
    }
  }
  return scores;
}

/* Highlighting: the ranges of `text` (no tags in it) that the clauses match */
function ranges(text, clauses) {
  const found = [];
  const lower = text.toLowerCase();
  for (const clause of clauses)
    for (const run of clause.runs)
      if (IS_HAN.test(run))
        for (let at = lower.indexOf(run); at >= 0; at = lower.indexOf(run, at + run.length))
          found.push([at, at + run.length]);
  const words = clauses.flatMap(clause => clause.runs.filter(run => !IS_HAN.test(run)));
  if (words.length) {
    const separator = new RegExp(index.separator.source, "g");
    let start = 0;
    const visit = (from, until) => {
      for (const match of lower.slice(from, until).matchAll(RUNS)) {
        const token = match[0];
        if (IS_HAN.test(token))
          continue;
        if (words.some(word => word.length > 1 ? token.startsWith(word) : token === word))
          found.push([from + match.index, from + match.index + token.length]);
      }
    };
    for (const match of lower.matchAll(separator)) {
      if (match.index > start)
        visit(start, match.index);
      start = match.index + match[0].length;
    }
    if (start < lower.length)
      visit(start, lower.length);
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const range of found)
    if (merged.length && range[0] <= merged[merged.length - 1][1])
      merged[merged.length - 1][1] = Math.max(merged[merged.length - 1][1], range[1]);
    else
      merged.push(range);
  return merged;
}

/* `html` with <mark> around what the clauses match, outside tags; and whether anything was */
function mark(html, clauses) {
  let marked = false;
  const out = html.split(/(<[^>]*>)/).map((piece, i) => {
    if (i % 2 === 1 || !piece)
      return piece;
    let result = "", cursor = 0;
    for (const [start, end] of ranges(piece, clauses)) {
      result += piece.slice(cursor, start) + "<mark>" + piece.slice(start, end) + "</mark>";
      cursor = end;
      marked = true;
    }
    return result + piece.slice(cursor);
  }).join("");
  return { html: out, marked };
}

/* The top-level blocks of `html` (text before an element belongs to its block) */
function blocks(html) {
  const found = [];
  let depth = 0, start = 0;
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*>/g)) {
    if (match[1]) {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        found.push(html.slice(start, match.index + match[0].length));
        start = match.index + match[0].length;
      }
    } else if (!VOID.has(match[2].toLowerCase()) && !match[0].endsWith("/>")) {
      depth++;
    }
  }
  if (start < html.length)
    found.push(html.slice(start));
  return found;
}

/* As Material's worker: the title highlighted whole, the text as the (at most two) blocks
 * with a match, or whole when none has one. */
function highlighted(doc, clauses) {
  const title = mark(doc.title, clauses).html;
  const matching = blocks(doc.text).map(block => mark(block, clauses)).filter(block => block.marked);
  const text = matching.length ? matching.slice(0, 2).map(block => block.html).join("") : doc.text;
  return { ...doc, title, text };
}

function suggestion(clauses, docs) {
  const last = clauses[clauses.length - 1];
  if (!last || last.runs.length !== 1 || IS_HAN.test(last.word))
    return [];
  for (const doc of docs)
    for (const token of doc.title.toLowerCase().replace(/<[^>]*>/g, " ").split(index.separator))
      for (const run of token.match(RUNS) || [])
        if (!IS_HAN.test(run) && run.startsWith(last.word) && run.length > last.word.length)
          return [run];
  return [];
}

async function search(query) {
  const clauses = clausesOf(query);
  if (!clauses.length)
    return { items: [] };
  const parts = clauses.flatMap(clause => clause.parts);
  const shards = new Map(await Promise.all(
    [...new Set(parts.map(part => shardOf(part.term)))]
      .map(async n => [n, await fetchJSON(`terms/${n}.json`)])));

  /* Each doc's score, and which clauses it matches (all of a clause's parts) */
  const scores = new Map(), matched = new Map();
  clauses.forEach((clause, c) => {
    let clauseScores = null;
    for (const part of clause.parts) {
      const found = partScores(part, shards.get(shardOf(part.term)));
      if (clauseScores === null) {
        clauseScores = found;
      } else {
        for (const [key, score] of clauseScores)
          if (found.has(key))
            clauseScores.set(key, score + found.get(key));
          else
            clauseScores.delete(key);
      }
    }
    for (const [key, score] of clauseScores || []) {
      scores.set(key, (scores.get(key) || 0) + score);
      matched.set(key, (matched.get(key) || new Set()).add(c));
    }
  });

  /* Material's post-query boost: pages above sections, docs with more of the words above */
  const ranked = [...scores].map(([key, score]) => {
    const section = key % 65536;
    const boost = +(section === 0) + matched.get(key).size / clauses.length;
    return { page: Math.floor(key / 65536), section, key, score: score * (1 + boost ** 2) };
  }).sort((a, b) => b.score - a.score || a.key - b.key);

  const pages = [];
  for (const doc of ranked)
    if (!pages.includes(doc.page) && pages.push(doc.page) === MAX_PAGES)
      break;
  const pageDocs = new Map(await Promise.all(
    pages.map(async page => [page, await fetchJSON(`pages/${page}.json`)])));

  const groups = new Map(pages.map(page => [page, []]));
  for (const doc of ranked) {
    const group = groups.get(doc.page);
    if (!group)
      continue;
    const terms = Object.fromEntries(clauses.map((clause, c) => [clause.word, matched.get(doc.key).has(c)]));
    group.push({ ...highlighted(pageDocs.get(doc.page)[doc.section], clauses), score: doc.score, terms });
  }
  for (const [page, group] of groups)
    if (!group.some(doc => doc.location === pageDocs.get(page)[0].location))
      group.push({ ...pageDocs.get(page)[0], score: 0, terms: {} });

  const result = { items: [...groups.values()] };
  if (index.suggest)
    result.suggest = suggestion(clauses, ranked.slice(0, 10)
      .filter(doc => pageDocs.has(doc.page))
      .map(doc => pageDocs.get(doc.page)[doc.section]));
  return result;
}

addEventListener("message", async ({ data: message }) => {
  switch (message.type) {
    case SETUP: {
      const { config, options } = message.data;
      if (!config.shards || config.shards.version !== 1)
        throw new Error("kb search: the index config has no shards of version 1 (search/manifest.json)");
      index = { shards: config.shards, separator: new RegExp(config.separator), suggest: !!options?.suggest };
      postMessage({ type: READY });
      break;
    }
    case QUERY: {
      const id = ++latest;
      let data;
      try {
        data = await search(message.data);
      } catch (error) {
        console.warn(`kb search: query ${JSON.stringify(message.data)} failed`, error);
        data = { items: [] };
      }
      if (id === latest)
        postMessage({ type: RESULT, data });
      break;
    }
    default:
      throw new TypeError(`kb search: unknown message type ${message.type}`);
  }
});
