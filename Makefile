# The two commands of the README:
#   make run   - create .venv, install, index seeds/, serve the API and chat page on http://127.0.0.1:8000/
#   make test  - install (if needed) and run the whole test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run install index serve test test-fast bench eval-dev

run: index serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel (a looser spec would pull a multi-GB CUDA build)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

index: install
	$(BIN)/citeqa index

serve: install
	$(BIN)/citeqa serve

test: install
	$(BIN)/python -m pytest

# the unit half only (no real models, no crash loops, no browser): seconds, for the edit-test loop
test-fast: install
	$(BIN)/python -m pytest -m "not integration and not slow and not browser"

bench: install
	$(BIN)/python -m bench.latency

eval-dev: install
	$(BIN)/python -m eval.run --gold eval/gold/dev.jsonl --out eval/reports/dev
