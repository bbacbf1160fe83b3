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

.PHONY: help venv demo test test-unit test-notebooks test-browser lab notebooks lock bench clean

help:
	@echo "make demo       generate data and run the pipeline end to end (the main job)"
	@echo "make test       unit + integration tests, nbval over every notebook, browser tests"
	@echo "make lab        JupyterLab on notebooks/"
	@echo "make notebooks  re-execute every notebook in place (refreshes stored outputs)"
	@echo "make lock       re-resolve dependencies into requirements.lock"
	@echo "make bench      run the benchmarks in benchmarks/"

$(STAMP): pyproject.toml requirements.lock
	@echo "==> creating $(VENV) with $(PYTHON) and installing from requirements.lock"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ibml)" >/dev/null
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/ibml demo

test: $(STAMP)
	$(BIN)/python -m pytest tests reference_impl
	$(BIN)/python -m pytest $(NBVAL_OPTS) notebooks/week*.ipynb

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests reference_impl -m "not browser and not slow"

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_OPTS) notebooks/week*.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

notebooks: $(STAMP)
	$(BIN)/python -m reference_impl.notebook_tools execute notebooks/

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do \
	  case $$f in *_evidently.py) continue;; esac; \
	  echo "==> $$f"; $(BIN)/python $$f || exit 1; done

lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/python -m pip install --quiet --upgrade pip
	.lockvenv/bin/python -m pip install --quiet '.[dev]'
	.lockvenv/bin/python -m pip freeze --exclude-editable | grep -v '^ibml' > requirements.lock
	rm -rf .lockvenv build *.egg-info
	@echo "requirements.lock refreshed: review the diff and commit it"

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
