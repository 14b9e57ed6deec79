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

# The study: CORPUS (a folder of *.txt with metadata.csv, or one .csv/.jsonl/.parquet file;
# default: the seeds) and OUT (the output root; default: this folder, the committed outputs).
# GOLD (a folder of gold CSVs) is optional; the seeds use data/gold. Any other corpus needs OUT.
# Curated files of your own (default: the package's data/): GAZETTEER, OUTLETS, QUOTE_RULES,
# LEXICON, VALUE_SETS; SPACY_MODEL an installed pretrained pipeline (default: blank English).
# COLUMNS maps a single-file corpus's column names to ours, e.g. COLUMNS="text=body headline=title".
CORPUS ?=
COLUMNS ?=
OUT ?=
GOLD ?=
JOBS ?=
GAZETTEER ?=
OUTLETS ?=
QUOTE_RULES ?=
LEXICON ?=
VALUE_SETS ?=
SPACY_MODEL ?=
opt = $(if $(2),--$(1) $(abspath $(2)),)
STUDY = $(call opt,corpus,$(CORPUS)) $(call opt,out,$(OUT)) $(call opt,gold,$(GOLD)) $(call opt,gazetteer,$(GAZETTEER)) \
  $(call opt,outlets,$(OUTLETS)) $(call opt,quote-rules,$(QUOTE_RULES)) $(call opt,lexicon,$(LEXICON)) $(call opt,value-sets,$(VALUE_SETS)) \
  $(if $(SPACY_MODEL),--spacy-model $(SPACY_MODEL),) $(foreach c,$(COLUMNS),--column $(c))
AFSTUDY := $(VENV)/bin/afstudy

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

# Every table, figure and executed notebook of the study, rebuilt where an input's content
# changed (afstudy.build: content stamps, warm notebook kernels, all cores). Always run:
# the build decides what is out of date.
figures: $(ENV_STAMP) ## Rebuild every table and figure (CORPUS=… OUT=… [GOLD=…] for your own corpus; only what changed).
	$(AFSTUDY) build $(STUDY) $(if $(JOBS),--jobs $(JOBS),) --kernel $(KERNEL)

# pytest, then nbval on copies of the notebooks whose parameters point every output at a
# temporary root (the committed outputs are never written by the tests), then `make verify`.
test: $(ENV_STAMP) ## Run all tests: pytest, nbval on every notebook, then `make verify`.
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	  $(PY) -m afstudy.notebooks parameterize notebooks "$$out/notebooks" --out-root "$$out/root" && \
	  $(PY) -m pytest -c pyproject.toml --rootdir . tests "$$out/notebooks"
	$(MAKE) --no-print-directory verify

checksums: ## Write data/outputs.sha256 from the current outputs (after `make figures`).
	$(VENV)/bin/afstudy checksums write --root . --manifest data/outputs.sha256

# The archive holds git's tracked files: commit before `make archive` / `make verify`.
ARCHIVE := dist/afstudy-replication.tar.gz
archive: $(ENV_STAMP) ## Build the replication archive dist/afstudy-replication.tar.gz (tracked files, deterministic).
	$(VENV)/bin/afstudy archive --root . --out $(ARCHIVE)

# Unpack the archive into a temporary folder, delete its outputs, rebuild them there with
# this environment, no network (when `unshare` allows) and cold kernels (a fresh kernel for
# every notebook run, papermill's own way), and compare every file with the committed
# manifest (written from the warm build), naming each one that differs.
NO_NETWORK := $(shell unshare -rn true 2>/dev/null && echo "unshare -rn")
verify: $(ENV_STAMP) ## Rebuild every output from the archive in a temporary folder and compare checksums.
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(VENV)/bin/afstudy archive --root . --out $$tmp/archive.tar.gz >/dev/null && \
	  tar -xzf $$tmp/archive.tar.gz -C $$tmp && \
	  $(MAKE) --no-print-directory -C $$tmp/afstudy clean >/dev/null && \
	  echo "verify: rebuilding every output in $$tmp/afstudy $(if $(NO_NETWORK),without network,)" && \
	  PYTHONPATH=$$tmp/afstudy $(NO_NETWORK) $(abspath $(AFSTUDY)) build --cold --kernel $(KERNEL) --out $$tmp/afstudy \
	    >$$tmp/build.log 2>&1 || { tail -40 $$tmp/build.log; exit 1; } ; \
	  PYTHONPATH=$$tmp/afstudy $(VENV)/bin/afstudy checksums check --root $$tmp/afstudy --manifest data/outputs.sha256

# The nbval reference of each notebook is its run with the default parameters.
BUILD := build/notebooks
REFERENCE_RUNS := 01-corpus:$(BUILD)/01-corpus.ipynb 02-actors:$(BUILD)/02-actors.ipynb \
  03-quotes:$(BUILD)/03-quotes.ipynb 04-cooccurrence:$(BUILD)/04-cooccurrence/pooled_sentence_actor.ipynb \
  05-framing:$(BUILD)/05-framing.ipynb 06-validation:$(BUILD)/06-validation.ipynb 07-explorer:$(BUILD)/07-explorer.ipynb
notebooks: figures ## Store the executed notebooks' key numbers as the nbval references.
	@for pair in $(REFERENCE_RUNS); do nb=$${pair%%:*}; run=$${pair#*:}; \
	  $(PY) -c "import sys; from afstudy.notebooks import store_reference_outputs as s; print(sys.argv[1], s(sys.argv[1], sys.argv[2]), 'checked cells')" \
	    notebooks/$$nb.ipynb $$run; done

# PEER_MODEL: an installed spaCy pipeline (a name for spacy.load) timed on the same texts;
# without it the peer rows read "not measured".
BENCH_ARTICLES ?= 10000
PEER_MODEL ?=
bench: $(ENV_STAMP) ## Benchmarks: extraction on a realistic corpus (BENCH_ARTICLES=10000 [PEER_MODEL=…]): ratios to the tokenizer floor and a peer, memory, writing shares, dask; then the cold vs warm build.
	$(PY) -m afstudy.bench --articles $(BENCH_ARTICLES) --out build/bench --dask $(if $(PEER_MODEL),--peer-model $(PEER_MODEL),)
	$(PY) -m afstudy.benchbuild --out build/bench

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
