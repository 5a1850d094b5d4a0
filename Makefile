# Two commands on a fresh machine: `make book` and `make test`. Each sets up .venv itself.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: book test lint kernel clean

$(READY): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation -e .
	touch $@

book: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m cmac.build

lint: $(READY)
	$(BIN)/ruff check src tests chapters

test: lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

kernel: $(READY)
	$(BIN)/python -m ipykernel install --user --name cmac-study --display-name "CMAC study"

clean:
	rm -rf _build
