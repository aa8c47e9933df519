# Every target sets up its own environment first (idempotent; a no-op when nothing changed).
# uv installs exactly what uv.lock pins into .venv; it is installed with pip when missing.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
RUN := $(VENV)/bin
STAMP := $(VENV)/.synced-dev
RUNTIME_STAMP := $(VENV)/.synced-runtime
ISSUE ?=
LANGS ?=
PROVIDER ?=
SEND ?=

ISSUE_DIR = $(if $(ISSUE),issues/$(ISSUE),)
LANG_FLAG = $(if $(LANGS),--langs $(LANGS),)

.PHONY: setup issue test lint pytest models send bench golden clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: $(STAMP)  ## create or update .venv from uv.lock, with the developer tools

define ensure_uv
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 \
		|| $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
endef

# The runtime environment (make issue/models/send) leaves the developer tools out.
# --inexact keeps them when a developer has them already.
$(RUNTIME_STAMP): pyproject.toml uv.lock
	$(ensure_uv)
	$(UV) sync --locked --quiet --no-dev --inexact
	@touch $@

$(STAMP): pyproject.toml uv.lock
	$(ensure_uv)
	$(UV) sync --locked --quiet
	@touch $@ $(RUNTIME_STAMP)

issue: $(RUNTIME_STAMP)  ## build the newest issue (or ISSUE=<slug>, LANGS=de,fr)
	$(RUN)/newsletter build $(ISSUE_DIR) $(LANG_FLAG) --install-models $(if $(STRICT),--strict,)

test: lint pytest  ## lint + the whole test suite, offline

lint: $(STAMP)  ## ruff + mypy
	$(RUN)/ruff check pipeline tests
	$(RUN)/ruff format --check pipeline tests
	$(RUN)/mypy

pytest: $(STAMP)
	$(RUN)/pytest -q

models: $(RUNTIME_STAMP)  ## install the argos packages the issue needs (LANGS=... to choose)
	$(RUN)/newsletter models install $(if $(LANGS),$(subst $(comma), ,$(LANGS)),--issue $(or $(ISSUE_DIR),$$(ls -d issues/*/ | sort | tail -n1)))

send: $(RUNTIME_STAMP)  ## push a built issue (dry run unless SEND=1): ISSUE=<slug> PROVIDER=<name>
	$(RUN)/newsletter send $(ISSUE_DIR) $(if $(PROVIDER),--provider $(PROVIDER),) $(if $(filter 1,$(SEND)),,--dry-run)

bench: $(STAMP)  ## benchmarks → build/bench/report.md
	$(RUN)/python -m tests.bench

golden: $(STAMP)  ## regenerate the golden render files; review them with git diff
	$(RUN)/python -m tests.golden

clean:  ## remove build output (not .venv)
	rm -rf build

comma := ,
