// Renders TeX to HTML with the pinned npm KaTeX, for the build (no math JavaScript on pages).
// Protocol: one JSON request per line on stdin, {"tex": "...", "display": bool};
// one JSON reply per line on stdout, {"html": "..."} or {"error": "..."}.
"use strict";
const readline = require("readline");
const katex = require("katex");
require("katex/contrib/mhchem"); // KaTeX's mhchem extension: chemistry, \ce{H2O} and \pu{..}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  let reply;
  try {
    const { tex, display } = JSON.parse(line);
    reply = {
      html: katex.renderToString(tex, {
        displayMode: Boolean(display),
        throwOnError: true,
        strict: "ignore", // Unicode text (Chinese) inside \text{} is fine for us
        output: "htmlAndMathml",
      }),
    };
  } catch (err) {
    reply = { error: String(err && err.message ? err.message : err) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
