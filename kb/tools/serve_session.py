"""The builds ``mkdocs serve --dirty`` (``make serve``) makes, run in this process without a server.

``mkdocs serve`` loads the config once, calls ``on_startup(command="serve", dirty=True)`` on its
plugins and builds; on each save it loads the config again and builds again, with the same
``site_url`` and ``serve_url``, into the same folder (mkdocs/commands/serve.py). This does the
same, so that the tests and the benchmark exercise the rebuild ``make serve`` does.
"""

from __future__ import annotations

import time
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

SERVE_URL = "http://127.0.0.1:8000/"


class ServeSession:
    def __init__(self, config_file: Path, site_dir: Path, dirty: bool = True) -> None:
        """``dirty``: ``mkdocs serve --dirty`` (what ``make serve`` runs); else plain ``mkdocs serve``."""
        self.config_file, self.site_dir, self.dirty = Path(config_file), Path(site_dir), dirty
        self.builds = 0
        self.config = None      # the last build's config

    def build(self) -> float:
        """One build as serve makes it (the first is the initial build); its seconds."""
        start = time.perf_counter()
        config = load_config(config_file=str(self.config_file), site_dir=str(self.site_dir))
        if self.builds == 0:
            config.plugins.on_startup(command="serve", dirty=self.dirty)
        config.site_url = SERVE_URL
        self.config = config
        build(config, serve_url=SERVE_URL, dirty=self.dirty)
        self.builds += 1
        return time.perf_counter() - start



def edit_times(config_file: Path, site_dir: Path, edits: int = 3) -> dict[str, list[float]]:
    """Serve's initial build, then ``edits`` saves, each a line added to another note of the graph
    (spread over ``docs/pages/``), each followed by the rebuild serve makes. Per save: the seconds
    until the rebuild ends (when serve reloads the browser) and until the note's page is written."""
    session = ServeSession(config_file, site_dir)
    session.build()
    notes = sorted((Path(config_file).parent / "docs" / "pages").glob("*.md"))
    rebuilt, written = [], []
    for number in range(edits):
        note = notes[(number * 2 + 1) * len(notes) // (edits * 2)]
        text = note.read_text(encoding="utf-8")
        saved = time.time()
        note.write_text(text.rstrip("\n") + f"\n- 编辑 {number}\n", encoding="utf-8")
        rebuilt.append(session.build())
        page = _dest_of(session, note)
        written.append(page.stat().st_mtime - saved if page is not None else float("nan"))
    return {"rebuild_s": rebuilt, "page_written_s": written}


def _dest_of(session: ServeSession, note: Path) -> Path | None:
    """The output file of ``note``'s page in the session's last build."""
    from kb.site import incremental

    plan = incremental.plan_of(session.config)
    src_uri = note.resolve().relative_to(Path(session.config.docs_dir).resolve()).as_posix()
    file = plan.files.get_file_from_path(src_uri) if plan is not None else None
    return Path(file.abs_dest_path) if file is not None else None


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(description="time make serve's rebuild after a save (prints JSON)")
    parser.add_argument("config", type=Path)
    parser.add_argument("site_dir", type=Path)
    parser.add_argument("--edits", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(edit_times(args.config, args.site_dir, args.edits)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
