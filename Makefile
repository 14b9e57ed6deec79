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
PAPERMILL := $(VENV)/bin/papermill --kernel $(KERNEL) --no-progress-bar --log-level WARNING --cwd $(CURDIR)

# run_notebook(notebook, output, papermill parameters): execute into a temporary file,
# rename on success, so a failed run never leaves an output make would take as done.
define run_notebook
@mkdir -p $(dir $(2))
$(PAPERMILL) $(1) $(2).part.ipynb $(3)
@mv $(2).part.ipynb $(2)
endef

.PHONY: help env figures test lab clean lock notebooks

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

NOTEBOOK_RUNS := $(BUILD)/01-corpus.ipynb $(BUILD)/02-actors.ipynb $(BUILD)/03-quotes.ipynb

figures: $(NOTEBOOK_RUNS) ## Rebuild every table and figure from the seeds (only what changed).

test: $(ENV_STAMP) ## Run all tests: pytest for afstudy and nbval for the notebooks.
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	  AFSTUDY_OUTPUT_ROOT=$$out $(PY) -m pytest

notebooks: $(NOTEBOOK_RUNS) ## Store the executed notebooks' key numbers as the nbval references.
	@for nb in $(NOTEBOOK_RUNS); do \
	  $(PY) -c "import sys; from afstudy.notebooks import store_reference_outputs as s; print(sys.argv[1], s(sys.argv[1], sys.argv[2]), 'checked cells')" \
	    notebooks/$$(basename $$nb) $$nb; done

lab: $(ENV_STAMP) ## Start JupyterLab on 127.0.0.1 (token auth on) in notebooks/.
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --no-browser --notebook-dir=notebooks

lock: ## Recompile requirements.lock (pip-tools, hashes) and environment.yml; needs the index.
	@test -x .venv-tools/bin/pip-compile || { $(PYTHON_BOOT) -m venv .venv-tools && .venv-tools/bin/pip install --quiet pip-tools; }
	.venv-tools/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock requirements.in
	$(PYTHON_BOOT) .ci/environment_from_lock.py requirements.lock environment.yml

clean: ## Remove what `make figures` makes (not the environment).
	rm -rf build data/interim data/processed figures
