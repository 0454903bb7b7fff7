"""Command-line tools: lint, stats, import of a Logseq graph, bench, link check.
Stand on everything below."""
