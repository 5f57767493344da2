# Quick start:  make notebooks   (set up, open the course in JupyterLab)
#               make test        (set up, run the whole test suite)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: notebooks test setup setup-test warm bench clean

notebooks: setup
	$(VENV)/bin/jupyter trust notebooks/*.ipynb >/dev/null
	$(VENV)/bin/jupyter lab notebooks/ $(ROOT_FLAG)

test: setup-test
	$(PY) -m pytest

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	$(PY) -m golink_magic warm notebooks/cases
	touch $@

setup-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[test]"
	bash scripts/install-browser.sh
	bash scripts/install-debian-go.sh
	touch $@

warm: setup
	$(PY) -m golink_magic warm notebooks/cases

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
