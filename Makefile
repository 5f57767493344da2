# Quick start:  make notebooks   (set up, open the course in JupyterLab)
#               make test        (set up, run the whole test suite)
# Developers:   make check       (the fast tier: no Go build, no browser, no site build; under 20 s)
#               make author      (everything a course author needs, jupytext included; opens notebooks/src)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: notebooks test check author setup setup-check setup-test warm bench fixtures clean

notebooks: setup
	$(VENV)/bin/jupyter trust notebooks/*.ipynb >/dev/null
	$(VENV)/bin/jupyter lab notebooks/ $(ROOT_FLAG)

test: setup-test
	$(PY) -m pytest

check: setup-check
	$(PY) -m pytest -q -m "not go and not browser and not site"

author: setup-check
	$(VENV)/bin/jupyter lab notebooks/src/ $(ROOT_FLAG)

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	$(PY) -m golink_magic warm notebooks/cases
	touch $@

setup-check: $(VENV)/.installed-check

$(VENV)/.installed-check: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[test]"
	touch $@

setup-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed-check
	bash scripts/install-browser.sh
	bash scripts/install-debian-go.sh
	bash scripts/install-hub.sh $(VENV)
	touch $@

warm: setup
	$(PY) -m golink_magic warm notebooks/cases

bench: setup
	$(PY) benchmarks/run.py

fixtures: setup-check
	$(PY) scripts/save_fixtures.py

clean:
	rm -rf $(VENV) build *.egg-info

# --- JupyterLab extension (begin) -------------------------------------------------------------
# Go highlighting for %%gofile / %%gotxtar cells.  Source: labextension/; its prebuilt assets are
# committed in golink_magic/labextension/ and a wheel installs them into
# share/jupyter/labextensions/ (pyproject's data-files).  setuptools' editable install skips
# data-files, so the dev venv links the built folder there instead (as `jupyter labextension
# develop` would).  Only `make labextension` needs Node.js.
LABEXT_LINK := $(VENV)/share/jupyter/labextensions/golink-magic-highlight
.PHONY: labextension

labextension:
	cd labextension && npm ci --no-audit --no-fund && npm run build

setup: $(LABEXT_LINK)
$(VENV)/.installed-check: | $(LABEXT_LINK)

$(LABEXT_LINK): | $(VENV)/.installed
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR)/golink_magic/labextension $@
# --- JupyterLab extension (end) ---------------------------------------------------------------

# --- the course in the browser (begin) --------------------------------------------------------
# `make lite`: the notebooks as a JupyterLite site in build/lite/ (scripts/build_lite.py): the
# browser's own Python kernel, Go's tools as WebAssembly from the pinned toolchain, the standard
# library's archives.  Needs npm (the Pyodide package, the WASI shim); serve build/lite/ with any
# static web server, e.g. `python3 -m http.server -d build/lite`.
.PHONY: lite

lite: setup
	$(PY) scripts/build_lite.py
# --- the course in the browser (end) ----------------------------------------------------------

# --- course website (begin) -------------------------------------------------------------------
# `make site`: the saved notebooks (never re-executed) as a static website in build/site/
# (Sphinx + MyST-NB + sphinx-book-theme; configuration in site/, build in scripts/build_site.py).
# Needs only the venv and the `site` extra: no Go, no browser.
.PHONY: site

site: $(VENV)/.installed-site
	$(PY) scripts/build_site.py

$(VENV)/.installed-site: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e ".[site]"
	touch $@
# --- course website (end) ---------------------------------------------------------------------
