# Two commands for a new user: `make serve` and `make test`.
# Each target sets up what it needs; a second run with nothing changed is quick,
# because every setup step leaves a stamp that is newer than its inputs.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMPS  := .stamps
PYTEST_ARGS ?=
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build deploy test bench mutants notebooks deps browser-deps clean

# --- setup -----------------------------------------------------------------

$(STAMPS)/venv: requirements.txt
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages for the browser tests: Chromium and a font that draws Chinese.
$(STAMPS)/browser:
	@mkdir -p $(STAMPS)
	@if ! command -v chromium >/dev/null || ! fc-list :lang=zh | grep -q .; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends \
	    chromium fonts-wqy-microhei fontconfig; \
	fi
	@touch $@

deps: $(STAMPS)/venv $(STAMPS)/npm

browser-deps: $(STAMPS)/browser

# --- the site --------------------------------------------------------------

serve: deps
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: deps
	$(BIN)/mkdocs build --strict

# Publish without GitHub Actions: build and push to the gh-pages branch of `origin`.
# SITE_URL and REPO_URL default to the GitHub Pages address of `origin`.
deploy: deps
	site="$${SITE_URL:-$$($(BIN)/python -m kb.github_pages site-url)}" && \
	repo="$${REPO_URL:-$$($(BIN)/python -m kb.github_pages repo-url)}" && \
	SITE_URL="$$site" REPO_URL="$$repo" $(BIN)/mkdocs gh-deploy --strict --force --no-history

# --- checks ----------------------------------------------------------------

test: deps browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# Measure build time, page weight, review latency, test time; writes docs/metrics.md.
bench: deps browser-deps
	$(BIN)/python -m kb.bench

# Prove the BatchNorm tests bite: each classic mistake applied to a copy must fail them.
mutants: deps
	$(BIN)/python tests/mutation/run_mutants.py

# Re-run every notebook under docs/ top to bottom and save its outputs (the site shows
# the committed outputs; the tests fail when they are not what the code produces).
notebooks: deps
	$(BIN)/python -m kb.notebooks

clean:
	rm -rf site .cache test-output
