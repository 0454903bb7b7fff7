// Run a built site's search worker (assets/javascripts/kb-search-worker.js, from
// kb/site/theme/) in Node for one query, as Material's page drives it: SETUP with the config
// of search/manifest.json, then QUERY. Prints JSON: the files under search/ the worker fetched,
// in order, and the result's groups (each a list of the docs' locations) and suggestions.
//
//   node kb/tools/search_query.cjs SITE_DIR "归一化 梯度"
//
// kb/tools/graph_bench.py counts a query's download with it; the tests check the worker with it.
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [site, query] = process.argv.slice(2);
if (!site || query === undefined) {
  console.error("usage: node search_query.cjs SITE_DIR QUERY");
  process.exit(2);
}
const ORIGIN = "http://site.invalid/";
const WORKER = "assets/javascripts/kb-search-worker.js";

const fetched = [];
let handler = null;
let answer = null;

function fetchFile(url) {
  const relative = decodeURIComponent(new URL(url).pathname).slice(1);
  fetched.push(relative);
  const file = path.join(site, relative);
  if (!fs.existsSync(file))
    return Promise.resolve({ ok: false, status: 404, json: async () => null });
  const text = fs.readFileSync(file, "utf-8");
  return Promise.resolve({ ok: true, status: 200, json: async () => JSON.parse(text) });
}

const context = vm.createContext({
  self: { location: { href: ORIGIN + WORKER } },
  URL, console, fetch: fetchFile,
  addEventListener: (type, fn) => { if (type === "message") handler = fn; },
  postMessage: message => { if (message.type === 3) answer = message.data; },
});
vm.runInContext(fs.readFileSync(path.join(site, WORKER), "utf-8"), context, { filename: WORKER });

(async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(site, "search", "manifest.json"), "utf-8"));
  await handler({ data: { type: 0, data: { config: manifest.config, docs: [], options: { suggest: true } } } });
  await handler({ data: { type: 2, data: query } });
  if (answer === null)
    throw new Error("the worker sent no result");
  process.stdout.write(JSON.stringify({
    fetched,
    groups: answer.items.map(group => group.map(doc => doc.location)),
    marked: answer.items.flat().filter(doc => /<mark>/.test(doc.title + doc.text)).length,
    suggest: answer.suggest,
  }));
})().catch(error => {
  console.error(error);
  process.exit(1);
});
