# afstudy: rebuild every output from the seeds, run every test.
# `make` (or `make help`) lists the targets. A fresh clone needs only
# `make figures` and `make test`: both build the environment first.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --warn-undefined-variables

PYTHON_BOOT ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.afstudy-env
KERNEL := afstudy
PIP := $(PY) -m pip --disable-pip-version-check --no-input

# Reproducible outputs: fixed timestamps and hash seeds, no progress bars in logs.
export SOURCE_DATE_EPOCH := 1700000000
export PYTHONHASHSEED := 0
export MPLBACKEND := agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export TQDM_DISABLE := 1

AFSTUDY_SRC := $(sort $(wildcard afstudy/*.py)) pyproject.toml
SEEDS := $(sort $(wildcard seeds/*.txt)) seeds/metadata.csv
BUILD := build/notebooks
# run_notebook(notebook, output, parameters): papermill with the kernel "afstudy" over IPC
# sockets (no port races under -j2), written atomically, so a failed run never leaves an
# output make would take as done.
RUN_NOTEBOOK := $(VENV)/bin/afstudy notebook --kernel $(KERNEL) --cwd $(CURDIR)
define run_notebook
$(RUN_NOTEBOOK) $(1) $(2) $(3)
endef

.PHONY: help env figures test lab clean lock notebooks checksums verify archive bench

help: ## List the targets (the default goal).
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
	  | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

env: $(ENV_STAMP) ## Build .venv from requirements.lock and register the Jupyter kernel "afstudy".

$(ENV_STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON_BOOT) >/dev/null || { echo "afstudy needs $(PYTHON_BOOT) (Python 3.11) on PATH"; exit 1; }
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r requirements.lock 2>&1 | { grep -v "is ignored: it is neither" || true; }
	$(PIP) install --quiet --no-deps --no-build-isolation -e . 2>&1 | { grep -v "is ignored: it is neither" || true; }
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (afstudy)" >/dev/null
	@touch $@

# ---- 01 corpus: parse the seeds -------------------------------------------
$(BUILD)/01-corpus.ipynb: notebooks/01-corpus.ipynb $(SEEDS) data/outlets.yaml data/gold/line_roles.csv $(AFSTUDY_SRC) | $(ENV_STAMP)
	$(call run_notebook,$<,$@,-p corpus_dir seeds -p outlets_file data/outlets.yaml)

# ---- 02 actors: mentions, places, labels ------------------------------------
$(BUILD)/02-actors.ipynb: notebooks/02-actors.ipynb $(SEEDS) data/outlets.yaml data/actors.yaml data/gold/mentions.csv $(AFSTUDY_SRC) | $(ENV_STAMP)
	$(call run_notebook,$<,$@,-p corpus_dir seeds -p gazetteer_file data/actors.yaml)

# ---- 03 quotes: quotes, speakers, sourcing ----------------------------------
$(BUILD)/03-quotes.ipynb: notebooks/03-quotes.ipynb $(SEEDS) data/outlets.yaml data/actors.yaml data/quotes.yaml data/gold/quotes.csv $(AFSTUDY_SRC) | $(ENV_STAMP)
	$(call run_notebook,$<,$@,-p corpus_dir seeds -p quote_rules_file data/quotes.yaml)

# ---- 04 co-occurrence: the paper's parameter grid, one executed notebook each ---
ACTOR_TABLES := data/processed/actors/mentions.csv data/processed/actors/sentences.csv data/processed/actors/actors.csv
$(ACTOR_TABLES): $(BUILD)/02-actors.ipynb
	@test -f $@ || { echo "missing $@ after $<"; exit 1; }

OUTLETS := abc_news moscow_times rferl trt_world voa
COOC_UNITS := sentence paragraph article
COOC_LEVELS := actor side
COOC_K := 20
# name: scope_unit_level; every unit x level, pooled and per outlet, plus pooled windows
COOC_RUNS := $(foreach u,$(COOC_UNITS),$(foreach l,$(COOC_LEVELS),$(foreach s,pooled $(OUTLETS),$(s)_$(u)_$(l)))) \
  pooled_window$(COOC_K)_actor pooled_window$(COOC_K)_side
COOC_NOTEBOOKS := $(patsubst %,$(BUILD)/04-cooccurrence/%.ipynb,$(COOC_RUNS))
define cooc_rule
$(BUILD)/04-cooccurrence/$(1).ipynb: notebooks/04-cooccurrence.ipynb $(ACTOR_TABLES) $(AFSTUDY_SRC) | $(ENV_STAMP)
	$$(call run_notebook,$$<,$$@,-p scope $(2) -p unit $(3) -p k $(COOC_K) -p level $(4))
endef
$(foreach u,$(COOC_UNITS),$(foreach l,$(COOC_LEVELS),$(foreach s,pooled $(OUTLETS),\
  $(eval $(call cooc_rule,$(s)_$(u)_$(l),$(s),$(u),$(l))))))
$(foreach l,$(COOC_LEVELS),$(eval $(call cooc_rule,pooled_window$(COOC_K)_$(l),pooled,window,$(l))))

COOC_TABLES := data/processed/cooccurrence/cooccurrence_long.csv data/processed/cooccurrence/cooccurrence_evidence.csv
$(COOC_TABLES) &: $(ACTOR_TABLES) data/processed/corpus/paragraphs.csv $(AFSTUDY_SRC) | $(ENV_STAMP)
	$(VENV)/bin/afstudy cooccurrence data/processed/actors --paragraphs data/processed/corpus/paragraphs.csv \
	  --out data/processed/cooccurrence --k $(COOC_K) >/dev/null

# ---- 05 framing: frames, labels, attention, sourcing per outlet --------------
$(BUILD)/05-framing.ipynb: notebooks/05-framing.ipynb $(SEEDS) data/outlets.yaml data/actors.yaml data/quotes.yaml data/frames.yaml data/gold/frames.csv $(AFSTUDY_SRC) | $(ENV_STAMP)
	$(call run_notebook,$<,$@,-p lexicon_file data/frames.yaml)

# ---- 06 validation report: every measured accuracy, with intervals -----------
$(BUILD)/06-validation.ipynb: notebooks/06-validation.ipynb $(SEEDS) data/outlets.yaml data/actors.yaml data/quotes.yaml data/frames.yaml $(wildcard data/gold/*.csv) $(AFSTUDY_SRC) | $(ENV_STAMP)
	$(call run_notebook,$<,$@,-p n_boot 2000)

# ---- 07 explorer: reads the processed tables, writes nothing ------------------
$(BUILD)/07-explorer.ipynb: notebooks/07-explorer.ipynb $(ACTOR_TABLES) $(BUILD)/03-quotes.ipynb $(AFSTUDY_SRC) | $(ENV_STAMP)
	$(call run_notebook,$<,$@,)

NOTEBOOK_RUNS := $(BUILD)/01-corpus.ipynb $(BUILD)/02-actors.ipynb $(BUILD)/03-quotes.ipynb $(BUILD)/05-framing.ipynb \
  $(BUILD)/06-validation.ipynb $(BUILD)/07-explorer.ipynb

data/processed/corpus/paragraphs.csv: $(BUILD)/01-corpus.ipynb
	@test -f $@ || { echo "missing $@ after $<"; exit 1; }

figures: $(NOTEBOOK_RUNS) $(COOC_NOTEBOOKS) $(COOC_TABLES) ## Rebuild every table and figure from the seeds (only what changed).

test: $(ENV_STAMP) ## Run all tests: pytest, nbval on every notebook, then `make verify`.
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	  AFSTUDY_OUTPUT_ROOT=$$out $(PY) -m pytest
	$(MAKE) --no-print-directory verify

checksums: ## Write data/outputs.sha256 from the current outputs (after `make figures`).
	$(VENV)/bin/afstudy checksums write --root . --manifest data/outputs.sha256

# The archive holds git's tracked files: commit before `make archive` / `make verify`.
ARCHIVE := dist/afstudy-replication.tar.gz
archive: $(ENV_STAMP) ## Build the replication archive dist/afstudy-replication.tar.gz (tracked files, deterministic).
	$(VENV)/bin/afstudy archive --root . --out $(ARCHIVE)

# Unpack the archive into a temporary folder, delete its outputs, rebuild them there with
# this environment and no network (when `unshare` allows), and compare every file with
# the committed manifest, naming each one that differs.
NO_NETWORK := $(shell unshare -rn true 2>/dev/null && echo "unshare -rn")
verify: $(ENV_STAMP) ## Rebuild every output from the archive in a temporary folder and compare checksums.
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(VENV)/bin/afstudy archive --root . --out $$tmp/archive.tar.gz >/dev/null && \
	  tar -xzf $$tmp/archive.tar.gz -C $$tmp && \
	  $(MAKE) --no-print-directory -C $$tmp/afstudy clean >/dev/null && \
	  echo "verify: rebuilding every output in $$tmp/afstudy $(if $(NO_NETWORK),without network,)" && \
	  PYTHONPATH=$$tmp/afstudy $(NO_NETWORK) $(MAKE) --no-print-directory -C $$tmp/afstudy -j2 figures \
	    VENV=$(abspath $(VENV)) ENV_STAMP=$(abspath $(ENV_STAMP)) >$$tmp/build.log 2>&1 || { tail -40 $$tmp/build.log; exit 1; } ; \
	  PYTHONPATH=$$tmp/afstudy $(VENV)/bin/afstudy checksums check --root $$tmp/afstudy --manifest data/outputs.sha256

# The nbval reference of each notebook is its run with the default parameters.
REFERENCE_RUNS := 01-corpus:$(BUILD)/01-corpus.ipynb 02-actors:$(BUILD)/02-actors.ipynb \
  03-quotes:$(BUILD)/03-quotes.ipynb 04-cooccurrence:$(BUILD)/04-cooccurrence/pooled_sentence_actor.ipynb \
  05-framing:$(BUILD)/05-framing.ipynb 06-validation:$(BUILD)/06-validation.ipynb 07-explorer:$(BUILD)/07-explorer.ipynb
notebooks: $(foreach r,$(REFERENCE_RUNS),$(word 2,$(subst :, ,$(r)))) ## Store the executed notebooks' key numbers as the nbval references.
	@for pair in $(REFERENCE_RUNS); do nb=$${pair%%:*}; run=$${pair#*:}; \
	  $(PY) -c "import sys; from afstudy.notebooks import store_reference_outputs as s; print(sys.argv[1], s(sys.argv[1], sys.argv[2]), 'checked cells')" \
	    notebooks/$$nb.ipynb $$run; done

BENCH_ARTICLES ?= 10000
bench: $(ENV_STAMP) $(BUILD)/01-corpus.ipynb ## Benchmark on a synthetic corpus (BENCH_ARTICLES=10000): ratios to the tokenizer floor, memory, dask speed-up.
	$(PY) -m afstudy.bench --articles $(BENCH_ARTICLES) --out build/bench --dask

lab: $(ENV_STAMP) ## Start JupyterLab on 127.0.0.1 (token auth on) in notebooks/, kernel "afstudy".
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --no-browser --ServerApp.root_dir=notebooks --MappingKernelManager.default_kernel_name=$(KERNEL) \
	  $(if $(filter 0,$(shell id -u)),--allow-root,)

lock: ## Recompile requirements.lock (pip-tools, hashes) and environment.yml; needs the index.
	@test -x .venv-tools/bin/pip-compile || { $(PYTHON_BOOT) -m venv .venv-tools && .venv-tools/bin/pip install --quiet pip-tools; }
	.venv-tools/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock requirements.in
	$(PYTHON_BOOT) .ci/environment_from_lock.py requirements.lock environment.yml

clean: ## Remove what `make figures` makes (not the environment, not the committed manifest).
	rm -rf build dist data/interim data/processed figures
