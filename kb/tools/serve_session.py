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

