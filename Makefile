# Two commands on a fresh machine: `make book` and `make test`. Each sets up what it needs in
# .venv. `make book` (the HTML) needs no root and no system packages; `make pdf`, `make test`
# and the browser checks need Debian's chromium and poppler-utils (`make system`, as root).
# Node (Lighthouse) is only for `make audit`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
DEV_READY := $(VENV)/.dev-ready
JUPYTER_READY := $(VENV)/.jupyter-ready
NODE_READY := node_modules/.ready
SYSTEM_READY := $(VENV)/.system-ready
RUN := PATH="$(CURDIR)/$(BIN):$$PATH"
# uv installs the hashed locks (requirements.txt: the book; requirements-dev.txt: the book,
# the tests, the browser checks and ruff; requirements-jupyter.txt: the book and JupyterLab,
# for `make jupyter` only), all compiled from pyproject.toml by `make lock`.
# It compiles bytecode as it installs: some machines set PYTHONDONTWRITEBYTECODE, and every
# kernel would otherwise compile pandas and statsmodels afresh.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_INSTALL := VIRTUAL_ENV="$(CURDIR)/$(VENV)" $(UV) pip install --quiet --compile-bytecode
LOCK := $(UV) pip compile pyproject.toml --python-version 3.11.0 --generate-hashes \
	--annotation-style line --quiet

.PHONY: FORCE book pdf system book-offline test test-slow test-all lint check-book bench kernel clean golden \
	audit lock jupyter rerun

$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Each stamp holds the digest of the lock and pyproject.toml it installed: an install follows
# the files' content, not their dates (a stamp dated in the future never hides a new lock).
digest = $(shell cat $(1) pyproject.toml 2>/dev/null | sha256sum | cut -c1-16)
BOOK_DIGEST := $(call digest,requirements.txt)
DEV_DIGEST := $(call digest,requirements-dev.txt)
JUPYTER_DIGEST := $(call digest,requirements-jupyter.txt)
ifneq ($(BOOK_DIGEST),$(shell cat $(READY) 2>/dev/null))
$(READY): FORCE
endif
ifneq ($(DEV_DIGEST),$(shell cat $(DEV_READY) 2>/dev/null))
$(DEV_READY): FORCE
endif
ifneq ($(JUPYTER_DIGEST),$(shell cat $(JUPYTER_READY) 2>/dev/null))
$(JUPYTER_READY): FORCE
endif
FORCE:

$(READY): requirements.txt pyproject.toml | $(UV)
	$(UV_INSTALL) --require-hashes -r requirements.txt
	$(UV_INSTALL) --no-deps --no-build-isolation -e .
	echo $(BOOK_DIGEST) > $@

$(DEV_READY): requirements-dev.txt pyproject.toml | $(UV)
	$(UV_INSTALL) --require-hashes -r requirements-dev.txt
	$(UV_INSTALL) --no-deps --no-build-isolation -e .
	echo $(DEV_DIGEST) > $@
	echo $(BOOK_DIGEST) > $(READY)

$(JUPYTER_READY): requirements-jupyter.txt pyproject.toml | $(UV)
	$(UV_INSTALL) --require-hashes -r requirements-jupyter.txt
	$(UV_INSTALL) --no-deps --no-build-isolation -e .
	echo $(JUPYTER_DIGEST) > $@

# Recompile the locks from pyproject.toml (the versions already locked are kept where they
# still fit); commit the result. JupyterLab's lock is held to the book's versions (-c), so
# installing it never changes a package the chapters run with.
lock: | $(UV)
	$(LOCK) -o requirements.txt
	$(LOCK) --extra test --extra browser --extra dev -o requirements-dev.txt
	$(LOCK) --extra jupyter -c requirements.txt -o requirements-jupyter.txt

$(NODE_READY): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages, for the PDF and the tests only: chromium prints the PDF and runs the
# browser tests; poppler reads the PDF. Installing them needs root (`make system`; CI runs it
# as a step of its own); `make book` needs neither.
SYSTEM_PACKAGES := chromium poppler-utils
$(SYSTEM_READY): | $(READY)
	if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null; then \
		$(MAKE) --no-print-directory system; fi
	touch $@

system:
	apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null

# The HTML book: Python and the registries only, no root, no system packages.
book: $(READY)
	$(RUN) $(BIN)/python -m cmac.book.build

# The HTML book and its PDF: needs Debian's chromium and poppler-utils (`make system`).
pdf: $(READY)
	$(RUN) $(BIN)/python -m cmac.book.build --pdf

# The same build with the network cut (loopback only), to prove it needs nothing from outside.
book-offline: $(READY) $(SYSTEM_READY)
	unshare --net bash -c 'ip link set lo up && $(RUN) $(BIN)/python -m cmac.book.build --pdf'

# Cold build, no-change rebuild, one edited chapter, and jupyter-book's own execution.
bench: $(DEV_READY)
	$(RUN) $(BIN)/python -m cmac.book.bench

lint: $(DEV_READY)
	$(BIN)/ruff check src tests chapters

# The (incremental) build first, so the golden test compares the current results record; then,
# on both cores, the tests that start no kernel and no Sphinx, and the slow ones that guard
# safety (marked guard: the hostile-text build, the stop and kill tests, the copied project,
# the chapter that left no record). `make test-all` adds the other slow tests.
PYTEST := $(RUN) $(BIN)/python -m pytest -n 2 --dist loadfile
test: lint $(SYSTEM_READY)
	$(RUN) $(BIN)/python -m cmac.book.build
	$(PYTEST) -m "(guard or not slow) and not browser"

# The other tests that start kernels or Sphinx: builds of small books, incremental reruns,
# determinism. `make test-all` is `make test` and these; CI runs both.
test-slow: lint $(SYSTEM_READY)
	$(RUN) $(BIN)/python -m cmac.book.build
	$(PYTEST) -m "slow and not guard and not browser"

test-all: test test-slow

# Rewrite the golden snapshot from a fresh build; commit it with the change that moved it.
golden: $(READY)
	$(RUN) $(BIN)/python -m cmac.book.build
	$(BIN)/python -m cmac.book.golden --update

# After `make book`: every page in Chromium, internal links, the PDF.
check-book: $(DEV_READY) $(SYSTEM_READY)
	$(RUN) $(BIN)/python -m pytest -m browser tests/browser

# After `make book`: Lighthouse (mobile) on every page, served gzip-compressed on localhost with
# the network cut (loopback only); fails below target. JSON reports go to _build/audit/.
audit: $(READY) $(NODE_READY) $(SYSTEM_READY)
	unshare --net bash -c 'ip link set lo up && $(RUN) CHROME_PATH=/usr/bin/chromium \
		$(BIN)/python -m cmac.polish.audit'

# One chapter with other parameters, run by papermill into _build/reruns/<chapter>/ (the
# executed notebook, results/<chapter>.json, tables/, papermill.log), e.g.
#   make rerun CHAPTER=05-trends-and-breaks SET="scale=level series_start=1992"
# A failed run prints one line first, the error (a misspelt or bad parameter says which and
# why); papermill's full message stays in papermill.log. RERUN_DIR=... names another folder.
CHAPTER ?=
SET ?=
RERUN_DIR ?= _build/reruns/$(CHAPTER)
RERUN_SOURCE = $(firstword $(wildcard chapters/$(CHAPTER).ipynb $(CHAPTER).ipynb))
rerun: $(READY)
	@if [ -z "$(CHAPTER)" ] || [ -z "$(RERUN_SOURCE)" ]; then \
		echo "RERUN FAILED: CHAPTER='$(CHAPTER)' is not a chapter; chapters: intro" \
			$(patsubst chapters/%.ipynb,%,$(wildcard chapters/*.ipynb)) >&2; exit 2; fi
	@mkdir -p "$(RERUN_DIR)"
	@echo "Running $(RERUN_SOURCE) into $(RERUN_DIR)/ ..."
	@$(RUN) $(BIN)/papermill "$(RERUN_SOURCE)" "$(RERUN_DIR)/$(CHAPTER).ipynb" \
		--no-progress-bar -p results_dir "$$(realpath -m "$(RERUN_DIR)")" -p chapter_name "$(CHAPTER)" \
		$(foreach s,$(SET),-p $(firstword $(subst =, ,$(s))) "$(patsubst $(firstword $(subst =, ,$(s)))=%,%,$(s))") \
		2> "$(RERUN_DIR)/papermill.log" \
		|| { echo "RERUN FAILED: $$(grep -v '^\s*$$' "$(RERUN_DIR)/papermill.log" | tail -n 1)" >&2; \
		     echo "(papermill's full message: $(RERUN_DIR)/papermill.log)" >&2; exit 1; }
	@echo "Done: $(RERUN_DIR)/results/$(CHAPTER).json and $(RERUN_DIR)/tables/"

# Jupyter kernels of this clone's .venv. Each clone registers its own: `make jupyter` puts
# them inside .venv (--sys-prefix), where only this clone's JupyterLab looks (jupyter_core
# prefers a virtual environment's own kernels over the user's); `make kernel` registers one
# for a Jupyter you already have (--user), under a name made from this clone's path, so two
# clones never re-point each other's kernel.
KERNEL_ID := $(shell printf '%s' "$(CURDIR)" | sha256sum | cut -c1-10)
KERNEL_NAME := cmac-study-$(KERNEL_ID)
kernel: $(READY)
	$(BIN)/python -m ipykernel install --user --name "$(KERNEL_NAME)" \
		--display-name "CMAC study ($(CURDIR))"

# JupyterLab on the project, with its kernel: the chapters ask for "python3", which here is
# this .venv's Python (and so is "CMAC study", for new notebooks). JUPYTER_ARGS passes more
# options, e.g. make jupyter JUPYTER_ARGS="--no-browser --port 8899". As root (a container,
# CI's machine), Jupyter refuses to start without --allow-root: it is passed there.
JUPYTER_ARGS ?=
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
jupyter: $(JUPYTER_READY)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (CMAC study)"
	$(BIN)/python -m ipykernel install --sys-prefix --name cmac-study --display-name "CMAC study"
	cd "$(CURDIR)" && $(RUN) $(BIN)/jupyter lab --notebook-dir="$(CURDIR)" $(AS_ROOT) $(JUPYTER_ARGS)

clean:
	rm -rf _build
