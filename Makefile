# ibml — every target creates .venv on first use and installs from the committed lock.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := true
export PYDEVD_DISABLE_FILE_VALIDATION := 1
NBVAL_OPTS := --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-cell-timeout 300 -p no:randomly

.PHONY: help venv demo test lint test-unit test-notebooks test-browser lab notebooks lock lock-check bench clean book

help:
	@echo "make demo       generate data and run the pipeline end to end (the main job)"
	@echo "make test       ruff + mypy, unit + integration tests, nbval over every notebook, browser tests"
	@echo "make lint       ruff (lint + format check), mypy, actionlint (.github/workflows) and hadolint (Dockerfile)"
	@echo "make lab        JupyterLab on notebooks/"
	@echo "make notebooks  re-execute every notebook in place (refreshes stored outputs)"
	@echo "make lock       re-resolve dependencies into requirements.lock (hashed, reproducible)"
	@echo "make lock-check re-resolve into a scratch file and diff it with requirements.lock"
	@echo "make bench      run the benchmarks in benchmarks/"

$(STAMP): pyproject.toml requirements.lock
	@echo "==> creating $(VENV) with $(PYTHON) and installing from requirements.lock"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11) and sys.version_info >= (3, 11, 5), "Python 3.11.5 or later 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .  # editable: cannot be hashed; builds with the locked setuptools
	$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; echo "requirements.lock does not satisfy pyproject.toml: run make lock"; exit 1; }
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ibml)" >/dev/null
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/ibml demo

lint: $(STAMP)
	$(BIN)/ruff check reference_impl
	$(BIN)/ruff format --check reference_impl
	$(BIN)/mypy
	$(BIN)/actionlint
	$(BIN)/hadolint Dockerfile

test: lint
	$(BIN)/python -m pytest tests reference_impl
	$(BIN)/python -m pytest $(NBVAL_OPTS) notebooks/week*.ipynb notebooks/appendix_*.ipynb

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests reference_impl -m "not browser and not slow"

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_OPTS) notebooks/week*.ipynb notebooks/appendix_*.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

notebooks: $(STAMP)
	$(BIN)/python -m reference_impl.notebook_tools execute notebooks/

# The course as a static site from the committed notebooks (never executed) and docs: book/_build/html/index.html.
# Offline; Sphinx warnings (a broken link or anchor among them) fail it. Sources are staged in book/_src (git-ignored).
book: $(STAMP)
	$(BIN)/python book/build.py

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do \
	  case $$f in *_evidently.py) continue;; esac; \
	  echo "==> $$f"; $(BIN)/python $$f || exit 1; done

# The lock: every package of .[dev,spark,postgres,onnx,book] plus the build backend (setuptools, for the
# editable install), pinned with sha256 hashes, for CPython 3.11 on Linux. Reproducible: the resolver
# is pinned (LOCK_TOOL), it sees the index as it was on LOCK_DATE (--exclude-newer) and it keeps the
# versions already in requirements.lock; running it twice gives the same file. To take upgrades, move
# LOCK_DATE forward and run `make lock LOCK_UPGRADE=--upgrade` (or --upgrade-package NAME).
LOCK_TOOL := uv==0.13.9
LOCK_DATE := 2026-12-05T00:00:00Z
LOCK_UPGRADE ?=
LOCK_OUT ?= requirements.lock

# `make lock-check` proves the claim above: the same resolution into a scratch copy, diffed with the committed file.
lock-check:
	cp requirements.lock .lock-check.txt && $(MAKE) --no-print-directory lock LOCK_OUT=.lock-check.txt; status=$$?; rm -f .lock-check.txt; exit $$status

lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/python -m pip install --quiet '$(LOCK_TOOL)'
	.lockvenv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	  | UV_NO_CONFIG=1 UV_CACHE_DIR=.lockvenv/cache .lockvenv/bin/uv pip compile --quiet pyproject.toml - --all-extras \
	    --python-version 3.11.5 --python-platform linux --exclude-newer $(LOCK_DATE) --generate-hashes \
	    --index-url https://pypi.org/simple --custom-compile-command 'make lock' $(LOCK_UPGRADE) -o $(LOCK_OUT)
	if [ "$(LOCK_OUT)" != requirements.lock ]; then diff -u requirements.lock $(LOCK_OUT) && echo "requirements.lock reproduces: same pins, same hashes"; fi
	rm -rf .lockvenv
	@if [ "$(LOCK_OUT)" = requirements.lock ]; then echo "requirements.lock refreshed: review the diff and commit it"; fi

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
