# TiketQ — the two commands a fresh clone needs: `make dev` and `make test`.
SHELL := /bin/bash
# Any Python 3.11 or newer (3.12 and 3.13 work): python3.11 when there is one, else python3;
# `make test PYTHON=/path/to/python3.12` chooses. An existing .venv is used as it is; giving a
# PYTHON of another version than the .venv's stops with a message (remove .venv to rebuild).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
REQUIREMENTS := requirements-dev.txt shared/requirements.txt $(wildcard */requirements.txt)
STAMP := $(VENV)/.installed

.PHONY: dev test bench openapi lint install clean help

# Checked when make reads this file, so that a wrong Python is one line and exit status 2, not a
# traceback half-way through installing. `help` and `clean` need no Python.
ifneq ($(filter-out help clean,$(or $(MAKECMDGOALS),help)),)
PYTHON_PROBLEM := $(shell sh tools/check_python.sh "$(PYTHON)" "$(origin PYTHON)" "$(VENV)" "$(firstword $(MAKECMDGOALS))")
ifneq ($(PYTHON_PROBLEM),)
$(error $(PYTHON_PROBLEM))
endif
endif

help:
	@echo "make dev      run the whole platform on http://localhost:8000 (Ctrl-C stops it;"
	@echo "              REPLICAS=2 runs two processes of every service)"
	@echo "make test     run every check and test suite"
	@echo "make bench    run the benchmarks and write BENCHMARKS.md"
	@echo "make openapi  regenerate every service's checked-in openapi.json"
	@echo "make lint     ruff, mypy and import contracts only"
	@echo "make install  only build .venv (Python 3.11 or newer; PYTHON=/path/to/python3.12 chooses)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) $(REQUIREMENTS)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

# `make dev REPLICAS=2`: two processes of every service, the gateway spreading over them.
REPLICAS ?= 1

dev: $(STAMP)
	REPLICAS=$(REPLICAS) $(PY) -m devstack

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
