# Two commands do everything:  `make test` (fast, smoke mode)  and  `make run` (full training).
# Both create .venv from requirements.txt on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
MARKDOWN  := README.md $(wildcard answers/*.md)
MATHJAX   := tests/mathjax/node_modules/.installed

.PHONY: test lint run quotes lab bench clean-venv

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-build-isolation --no-deps -e .
	touch $@

# The math-rendering test (tests/test_math.py) runs MathJax under Node.js. Without node (or without npm to
# install MathJax), `make test` skips it with a one-line note, except under CI (CI set, and not to 0 or false),
# where it is required.
NODE_HINT := install it from https://nodejs.org or with: sudo apt install nodejs npm
HAVE_NODE := $(shell command -v node >/dev/null 2>&1 && { command -v npm >/dev/null 2>&1 || \
                     [ -d tests/mathjax/node_modules/mathjax-full ]; } && echo yes)
IN_CI     := $(filter-out 0 false False FALSE,$(CI))
NO_NODE_NOTE := $(if $(HAVE_NODE)$(IN_CI),,math-rendering test skipped: Node.js (node and npm) is missing; $(NODE_HINT))

$(MATHJAX): tests/mathjax/package.json tests/mathjax/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "Node.js (node and npm) is missing, and \
	the math-rendering test needs it$(if $(IN_CI), under CI=$(CI)); $(NODE_HINT)" >&2; exit 1; }
	npm ci --prefix tests/mathjax --no-audit --no-fund --loglevel=error
	touch $@

# Lint, then unit tests + every notebook through nbval in smoke mode (never touches results/*.json;
# FRESH=1: smoke runs always train, so the training code is exercised, never a saved record).
test: lint $(STAMP) $(if $(NO_NODE_NOTE),,$(MATHJAX))
	SMOKE=1 FRESH=1 $(BIN)/python -m pytest -q tests $(NOTEBOOKS) --nbval-lax --nbval-current-env
	$(if $(NO_NODE_NOTE),@echo '$(NO_NODE_NOTE)')

# ruff (rules in pyproject.toml); ruff reads the notebooks' code cells too.
lint: $(STAMP)
	$(BIN)/ruff check dlkit tests benchmarks notebooks

# Full mode: re-execute every notebook in place (outputs saved, results/*.json written) with a
# cell progress bar and a wall time per notebook, then refresh the numbers in README.md and answers/.
run: $(STAMP)
	$(BIN)/python -m dlkit.run_notebooks $(NOTEBOOKS)
	$(MAKE) quotes

# Rewrite the quoted numbers and generated tables from results/*.json.
quotes: $(STAMP)
	$(BIN)/python -m dlkit.quote --write $(MARKDOWN)

# Open the notebooks in JupyterLab with the project's environment as the kernel.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/pipeline_speed.py
	$(BIN)/python benchmarks/resnet_cpu_speed.py

clean-venv:
	rm -rf $(VENV)
