# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench install test-lrs clean

$(BIN)/lrs-adapter: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/lrs-adapter

## The main job on the embedded default, on the bundled fixtures (fixtures/demo/): HR's roster and a briefing
## register imported, then sync (pull the export, map, evaluate) into var/lrs-adapter.db, then the compliance summary.
## Exit code 3 ("done, but something was quarantined or refused") is the demo's expected outcome.
demo: install
	$(BIN)/lrs-adapter --log-format text roster import fixtures/demo/roster.csv
	-$(BIN)/lrs-adapter --log-format text register import fixtures/demo/briefing-register.csv
	$(BIN)/lrs-adapter --log-format text sync; code=$$?; [ $$code -eq 0 ] || [ $$code -eq 3 ]
	$(BIN)/lrs-adapter report --summary
	@echo "each learner: .venv/bin/lrs-adapter status · a manager's team: .venv/bin/lrs-adapter report --manager P00900"

## The real LRSs the integration tests start (Learning Locker's statements service, Ralph) into .test-lrs/.
test-lrs:
	bash scripts/install-test-lrs.sh

## The whole test suite, real LRSs and PostgreSQL included.
test: install test-lrs
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## The quick benchmarks (minutes; bench/RESULTS.md says how to run the issue's full sizes). Each prints its targets
## with PASS or MISS from the medians of interleaved rounds and exits 1 on a miss; `-` goes on to the next figure.
bench: install test-lrs
	-$(BIN)/python bench/pull.py --markdown var/bench-pull.md
	-$(BIN)/python bench/map.py
	-$(BIN)/python bench/store.py
	-$(BIN)/python bench/evaluate.py
	-$(BIN)/python bench/workbook.py
	-$(BIN)/python bench/trend.py

clean:
	rm -rf $(VENV) .test-lrs var
