# Quick start: `make demo` and `make test` on a fresh clone. Both create or refresh .venv from pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: setup demo test ontology validate clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# The main job on the bundled examples: exit 1 (some exports need a license they lack) is the expected outcome.
demo: setup
	$(BIN)/wakg info --as-of 2026-07-23
	$(BIN)/wakg check examples/exports.csv; status=$$?; test $$status -le 1

# Regenerate ontology/*.ttl modules from ontology/tables/*.csv after editing a table.
ontology: setup
	$(BIN)/wakg build

validate: setup
	$(BIN)/wakg validate

test: setup
	$(BIN)/wakg build --check
	$(BIN)/wakg validate
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# Benchmark (not part of `make test`): 1k..1M rows, the engines compared on a 2,000-row sample of 100,000
# generated exports, and 1M rows with party names against the csv-module floor; results in bench/results.json.
bench: setup
	$(BIN)/python bench/run.py --reference-max 10000 --agree 100000 --names 1000000 --json bench/results.json
