# One entry point for setup, run, test, lint and benchmarks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install up test lint bench bench-full clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first: a looser pin pulled by sentence-transformers would fetch CUDA.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with the `talentmatch` command

up: install  ## set up and start the whole stack with embedded defaults and demo data
	$(BIN)/talentmatch up

test: install  ## run the test suite (starts its own broker and redis; uses PostgreSQL if reachable)
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy shared services talentmatch bench

bench: install  ## quick benchmarks (under a minute each)
	$(BIN)/python -m bench --quick

bench-full: install
	$(BIN)/python -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
