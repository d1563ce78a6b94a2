# Two commands do everything:  `make test` (fast, smoke mode)  and  `make run` (full training).
# Both create .venv from requirements.txt on first use (what opening and running the notebooks needs);
# `make test` and `make book` add the tools of requirements-dev.txt (lint, workflow linters, Sphinx, Playwright).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
MARKDOWN  := README.md MAINTAINING.md $(wildcard answers/*.md)
MATHJAX   := tests/mathjax/node_modules/.installed

.PHONY: test lint book run quotes lab bench recheck clean-venv has-browser

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-build-isolation --no-deps -e .
	touch $@

# The tools for tests, lint and the book, on top of the readers' environment.
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# The math-rendering test (tests/test_math.py) runs MathJax under Node.js, and the book serves the same
# MathJax, installed by npm. Without node (or without npm to install MathJax), `make test` skips both with a
# one-line note, except under CI (CI set, and not to 0 or false), where they are required.
NODE_HINT := install it from https://nodejs.org or with: sudo apt install nodejs npm
HAVE_NODE := $(shell command -v node >/dev/null 2>&1 && { command -v npm >/dev/null 2>&1 || \
                     [ -d tests/mathjax/node_modules/mathjax-full ]; } && echo yes)
IN_CI     := $(filter-out 0 false False FALSE,$(CI))
NO_NODE_NOTE := $(if $(HAVE_NODE)$(IN_CI),,math-rendering and book tests skipped: Node.js (node and npm) is missing; $(NODE_HINT))

# The book's browser test (tests/test_book.py) drives a Chromium or Chrome through Playwright. Without one it is
# skipped with a one-line note, except under CI, where it is required (.ci/run installs Debian's chromium).
BROWSER_HINT := install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or Chrome, or point BOOK_BROWSER at one
# The names tests/test_book.py looks for, in the same order; `make -s has-browser` (used by .ci/run) fails without one.
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable chrome
HAVE_BROWSER := $(shell [ -n "$$BOOK_BROWSER" ] && echo yes || \
                  for b in $(BROWSERS); do command -v $$b >/dev/null 2>&1 && echo yes && break; done)
NO_BROWSER_NOTE := $(if $(HAVE_BROWSER)$(IN_CI),,browser test skipped: no Chromium or Chrome found; $(BROWSER_HINT))

has-browser:
	@test -n "$(HAVE_BROWSER)"

$(MATHJAX): tests/mathjax/package.json tests/mathjax/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "Node.js (node and npm) is missing, and \
	the math-rendering test and the book need it$(if $(IN_CI), under CI=$(CI)); $(NODE_HINT)" >&2; exit 1; }
	npm ci --prefix tests/mathjax --no-audit --no-fund --loglevel=error
	touch $@

# Lint, then unit tests (the book built and checked in a browser among them) + every notebook through nbval in
# smoke mode (never touches results/*.json; FRESH=1: smoke runs always train, so the training code is exercised,
# never a saved record).
test: lint $(DEV_STAMP) $(if $(NO_NODE_NOTE),,$(MATHJAX))
	SMOKE=1 FRESH=1 $(BIN)/python -m pytest -q tests $(NOTEBOOKS) --nbval-lax --nbval-current-env
	$(if $(NO_NODE_NOTE),@echo '$(NO_NODE_NOTE)')
	$(if $(NO_BROWSER_NOTE),@echo '$(NO_BROWSER_NOTE)')

# ruff (rules in pyproject.toml); ruff reads the notebooks' code cells too.
lint: $(DEV_STAMP)
	$(BIN)/ruff check dlkit tests benchmarks notebooks book

# Full mode: re-execute every notebook in place (outputs saved, results/*.json written) with a
# cell progress bar and a wall time per notebook, then refresh the numbers in README.md and answers/.
run: $(STAMP)
	RECORD=1 $(BIN)/python -m dlkit.run_notebooks $(NOTEBOOKS)
	$(MAKE) quotes

# Rewrite the quoted numbers and generated tables from results/*.json.
quotes: $(STAMP)
	$(BIN)/python -m dlkit.quote --write $(MARKDOWN)

# The book: README, the four answers and the four notebooks (with their stored outputs; nothing is executed) as
# one static site in _build/html/ (config and extension in book/). Offline: MathJax comes from tests/mathjax.
# -W: a warning, such as a dead link or anchor or a missing figure, fails the build.
book: $(DEV_STAMP) $(MATHJAX)
	$(BIN)/python -m sphinx -W --keep-going -q -c book -d _build/doctrees . _build/html
	@echo "book: open $(CURDIR)/_build/html/index.html"

# JupyterLab's settings for this venv only: no "get notified about official Jupyter news?" pop-up over the
# notebooks (it asks while fetchNews is unset), no news or update checks.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_OVERRIDES): $(STAMP)
	mkdir -p $(@D)
	echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $@

# Open the notebooks in JupyterLab with the project's environment as the kernel.
lab: $(STAMP) $(LAB_OVERRIDES)
	$(BIN)/jupyter lab notebooks/

# Retrain one committed Q4 run exactly as its record's spec says and compare: accuracy difference and the share of
# test images predicted alike. EXACT=1 fails unless every image agrees (it should, on the record's CPU and torch).
#   make recheck RUN=results/runs/q4/LeNet-5_MNIST_0_248d0672d1404f1a.json
recheck: $(if $(RUN),$(STAMP))
	@test -n "$(RUN)" || { echo "usage: make recheck RUN=results/runs/q4/<record>.json [EXACT=1]" >&2; exit 2; }
	$(BIN)/python -m dlkit.recheck $(RUN) $(if $(filter 1,$(EXACT)),--expect-exact)

bench: $(STAMP)
	RECORD=1 $(BIN)/python benchmarks/pipeline_speed.py
	RECORD=1 $(BIN)/python benchmarks/resnet_cpu_speed.py

clean-venv:
	rm -rf $(VENV)
