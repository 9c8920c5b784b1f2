# TiketQ — the two commands a fresh clone needs: `make dev` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
REQUIREMENTS := requirements-dev.txt shared/requirements.txt $(wildcard */requirements.txt)
STAMP := $(VENV)/.installed

.PHONY: dev test bench openapi lint install clean help

help:
	@echo "make dev      run the whole platform on http://localhost:8000 (Ctrl-C stops it)"
	@echo "make test     run every check and test suite"
	@echo "make bench    run the benchmarks and write BENCHMARKS.md"
	@echo "make openapi  regenerate every service's checked-in openapi.json"
	@echo "make lint     ruff, mypy and import contracts only"

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "TiketQ needs Python 3.11, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) $(REQUIREMENTS)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

dev: $(STAMP)
	$(PY) -m devstack

test: $(STAMP)
	$(PY) tools/run_tests.py

lint: $(STAMP)
	$(PY) tools/code_health.py

bench: $(STAMP)
	$(PY) -m bench

openapi: $(STAMP)
	$(PY) tools/export_openapi.py

clean:
	rm -rf .devstack .pytest_cache .mypy_cache .ruff_cache
