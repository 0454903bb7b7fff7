"""The knowledge base's command line: ``python -m kb import|lint|stats``.

* ``import GRAPH_DIR``: copy the public pages of a Logseq graph, and their images,
  into ``docs/`` (kb/tools/logseq_import.py);
* ``lint [PATHS]``: the notes' problems with ``file:line``, the same checks as the
  strict build (kb/tools/lint.py);
* ``stats``: cards by type, links in and out and included snippet sections, per
  page and per deck (kb/tools/stats.py).

``python -m kb COMMAND --help`` explains each one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.paths import DOCS as DOCS_DIR


def _docs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", type=Path, default=DOCS_DIR, metavar="DIR",
                        help=f"the site's docs folder, holding pages/ and assets/ (default: {DOCS_DIR})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kb",
        description="Tools for the notes of the normalization knowledge base.",
        epilog="Run 'python -m kb COMMAND --help' for the options of a command.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser(
        "import", help="copy the public pages of a Logseq graph (and their images) into docs/",
        description=(
            "Copy the public pages of a Logseq graph into DOCS/pages/ and the images they use into "
            "DOCS/assets/, byte for byte, under Logseq's file names (A___B.md; the legacy A%%2FB.md "
            "becomes A___B.md; a public journal 2024_10_05.md becomes 'Oct 5th, 2024.md'). A page is "
            "public when its front matter says 'public: true' or its page properties say "
            "'public:: true'. Card ids come from the text, so imported cards keep their review "
            "progress and their Anki notes. Each file is listed as added, updated, unchanged, "
            "skipped or removed, with the reason. DOCS/.kb-import.json records what was imported: "
            "a file changed in docs/ since then is never overwritten (or removed) without --force."),
        epilog="Exit status: 0 done; 1 something needs attention (a local edit kept, a missing image, "
               "a name clash); 2 the graph or the import record cannot be read.")
    imp.add_argument("graph", type=Path, metavar="GRAPH_DIR",
                     help="the Logseq graph folder (with pages/, journals/, assets/)")
    imp.add_argument("--dry-run", action="store_true", help="print what would happen; write nothing")
    imp.add_argument("--force", action="store_true",
                     help="replace or remove files changed in docs/ since the last import")
    _docs_option(imp)

    lint = commands.add_parser(
        "lint", help="report the notes' problems with file:line",
        description=(
            "Check notes and print one line per problem, 'path:line: error[kind]: message', "
            "'path:line: warning[kind]: message' or 'path:line: info[kind]: message', sorted, then a "
            "summary. Errors are what fails "
            "'mkdocs build --strict' (the same checks: broken front matter, unknown macros, missing "
            "images, card syntax such as an empty #card or arrow side, a cloze in code, '}}' inside math "
            "in a cloze, occlusion data that does not decode or whose image is missing, duplicate card "
            "ids, missing snippet sections, links to pages not written yet, errata under DOCS/errata/ whose "
            "target is not found or found twice, ...), with the file and line the build names. Warnings are "
            "cards hard to memorise (an answer listing 3 or more items, a cloze over about 12 Chinese "
            "characters or 6 words, a front too short to be a question, the same answer twice in a deck). "
            "Info is not a problem (the build is silent on it): a page without a "
            "title of its own is named after its file. Without PATHS, every note under "
            "DOCS/pages/ is checked; with PATHS, those files (folders: their .md files), with links "
            "resolved against DOCS/pages/ plus the given files; an erratum file given checks its note "
            "with its errata."),
        epilog="Exit status: 0 no errors (warnings and info allowed); 1 errors found; 2 bad arguments.")
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATHS", help="note files or folders to check")
    _docs_option(lint)

    stats = commands.add_parser(
        "stats", help="cards, links and snippet sections per page and per deck",
        description=(
            "Print two tables: per page (its deck, its cards by type: cloze, arrow, #card, occlusion; "
            "links out to other pages and how many of those are not written yet; links in from other "
            "pages; snippet sections included with --8<--) and per deck (pages and cards by type), "
            "then the snippet sections each page includes, then the card-form warnings of 'lint' per page "
            "by kind (enumeration, long cloze, short front, same answer). Cards are counted with the "
            "errata under DOCS/errata/ applied."))
    _docs_option(stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "import":
        from kb.tools.logseq_import import run_import
        return run_import(args.graph, args.docs, dry_run=args.dry_run, force=args.force)
    if args.command == "lint":
        from kb.tools.lint import run_lint
        return run_lint(args.paths, args.docs)
    from kb.tools.stats import run_stats
    return run_stats(args.docs)


if __name__ == "__main__":
    sys.exit(main())
