# One entry point for setup, run, test, lint and benchmarks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install up test lint bench bench-full clean

$(STAMP): pyproject.toml
	@echo "==> [1/4] $(VENV): a virtual environment for Python ($$($(PYTHON) --version 2>&1))"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/4] pip itself, up to date"
	$(BIN)/python -m pip install --upgrade pip
	@echo "==> [3/4] torch 2.13.0, the CPU build (a looser pin pulled by sentence-transformers would fetch CUDA)"
	$(BIN)/python -m pip install torch==2.13.0
	@echo "==> [4/4] the project and its dependencies (pip install -e '.[dev]'): the longest step on a fresh machine"
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)
	@echo "==> installed; the talentmatch command is $(BIN)/talentmatch"

install: $(STAMP)  ## create .venv and install the project with the `talentmatch` command

UP_ARGS ?=  # e.g. make up UP_ARGS="--var /tmp/tm --profiles-port 9001"; see talentmatch up --help

up: install  ## set up and start the whole stack with embedded defaults and demo data
	@echo "==> starting the stack: $(BIN)/talentmatch up $(UP_ARGS)"
	$(BIN)/talentmatch up $(UP_ARGS)

test: install  ## run the test suite (starts its own broker and redis; uses PostgreSQL if reachable)
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy shared services talentmatch bench tests

bench: install  ## quick benchmarks (under a minute each)
	$(BIN)/python -m bench --quick

bench-full: install
	$(BIN)/python -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
