# Two commands for a new user: `make serve` and `make test`.
# Each target sets up what it needs; a second run with nothing changed is quick,
# because every setup step leaves a stamp that is newer than its inputs.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PYTEST_ARGS ?=
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build deploy test bench mutants notebooks deps browser-deps clean

# --- setup -----------------------------------------------------------------
# The stamps live inside what they stand for (.venv/, node_modules/): deleting the
# folder deletes its stamp, and the next run sets it up again.

VENV_STAMP := $(VENV)/.kb-installed
NPM_STAMP  := node_modules/.kb-installed

# Debian's python3 has no `venv` without the python3-venv package: install it if missing.
SUDO = $$( [ "$$(id -u)" = 0 ] || echo sudo )

$(VENV_STAMP): requirements.txt
	@if ! test -x $(BIN)/python && ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends python3-venv; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages for the browser tests: Chromium and a font that draws Chinese.
# Checked on every run (it takes milliseconds), so removing either brings it back.
browser-deps:
	@if ! command -v chromium >/dev/null || ! fc-list :lang=zh | grep -q .; then \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
	    chromium fonts-wqy-microhei fontconfig; \
	fi

deps: $(VENV_STAMP) $(NPM_STAMP)

# --- the site --------------------------------------------------------------

# A save rebuilds only the pages it changes (kb/site/incremental.py; README.md says what, and its limits).
serve: deps
	$(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000

build: deps
	$(BIN)/mkdocs build --strict

# Publish without GitHub Actions: build and push to the gh-pages branch of `origin`.
# SITE_URL and REPO_URL default to the GitHub Pages address of `origin`.
deploy: deps
	site="$${SITE_URL:-$$($(BIN)/python -m kb.site.github_pages site-url)}" && \
	repo="$${REPO_URL:-$$($(BIN)/python -m kb.site.github_pages repo-url)}" && \
	SITE_URL="$$site" REPO_URL="$$repo" $(BIN)/mkdocs gh-deploy --strict --force --no-history

# --- checks ----------------------------------------------------------------

test: deps browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# Measure build time, page weight, review latency, test time; writes docs/metrics.md.
bench: deps browser-deps
	$(BIN)/python -m kb.tools.bench

# Prove the BatchNorm tests bite: each classic mistake applied to a copy must fail them.
mutants: deps
	$(BIN)/python -m tests.mutation.run_mutants

# Re-run every notebook under docs/ top to bottom and save its outputs (the site shows
# the committed outputs; the tests fail when they are not what the code produces).
notebooks: deps
	$(BIN)/python -m kb.notebooks.run

clean:
	rm -rf site .cache test-output
