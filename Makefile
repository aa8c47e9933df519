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

# From npm, when npm is there (the build and the tests skip what they lack, with a note):
# axe-core for the accessibility check of the e-mails and the preview, and caniemail's data
# (only its JSON is unpacked; the checker is Python) for the e-mail client support check.
AXE_JS := .cache/axe/node_modules/axe-core/axe.min.js
CANIEMAIL_JSON := .cache/caniemail/package/data/caniemail.json
CANIEMAIL_VERSION := 2.0.2
NPM_ASSETS := $(AXE_JS) $(CANIEMAIL_JSON)
ISSUE_DIR = $(if $(ISSUE),issues/$(ISSUE),)
LANG_FLAG = $(if $(LANGS),--langs $(LANGS),)

.PHONY: setup issue test lint pytest test-libretranslate models send bench golden clean help

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

issue: $(RUNTIME_STAMP) $(NPM_ASSETS)  ## build the newest issue (ISSUE=<slug> LANGS=de,fr STRICT=1 PROVIDER=… QUIET=1 VERBOSE=1 ARGS="--check-links")
	$(RUN)/newsletter build $(ISSUE_DIR) $(LANG_FLAG) --install-models $(if $(filter 1,$(STRICT)),--strict,) $(if $(PROVIDER),--provider $(PROVIDER),) $(if $(filter 1,$(QUIET)),--quiet,) $(if $(filter 1,$(VERBOSE)),--verbose,) $(ARGS)

test: lint pytest  ## lint + the whole test suite, offline

lint: $(STAMP)  ## ruff + mypy + the workflows (schema, then zizmor's security audit, offline)
	$(RUN)/ruff check pipeline tests
	$(RUN)/ruff format --check pipeline tests
	$(RUN)/mypy
	$(RUN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(RUN)/zizmor --offline --no-progress .github/workflows/

$(AXE_JS):
	-npm install --no-save --no-audit --no-fund --loglevel=error --prefix .cache/axe axe-core@4.14.1

$(CANIEMAIL_JSON):
	-mkdir -p .cache/caniemail && cd .cache/caniemail \
		&& npm pack --silent --loglevel=error caniemail@$(CANIEMAIL_VERSION) >/dev/null \
		&& tar -xzf caniemail-$(CANIEMAIL_VERSION).tgz package/data/caniemail.json package/LICENSE \
		&& rm -f caniemail-$(CANIEMAIL_VERSION).tgz

pytest: $(STAMP) $(NPM_ASSETS)
	$(RUN)/pytest -q

# The real LibreTranslate server for tests/test_libretranslate_real.py, in a throwaway
# environment of its own (not the product's): libretranslate from PyPI, installed from outside
# the repository with --no-config, so this project's [tool.uv] override (which drops minisbd)
# does not apply to it. .ci/run runs this after make test.
LT_VERSION := 1.9.6
LT_VENV := $(CURDIR)/.cache/libretranslate-$(LT_VERSION)
$(LT_VENV)/.installed:
	$(ensure_uv)
	cd / && $(UV) venv --no-config --quiet --allow-existing $(LT_VENV)
	cd / && VIRTUAL_ENV=$(LT_VENV) $(UV) pip install --no-config --quiet libretranslate==$(LT_VERSION)
	@touch $@

test-libretranslate: $(STAMP) $(LT_VENV)/.installed  ## the fake and the build against a real LibreTranslate server
	LIBRETRANSLATE_PYTHON=$(LT_VENV)/bin/python $(RUN)/pytest -q -m libretranslate tests/test_libretranslate_real.py

# Always from the issue's source language (ISSUE empty: the newest issue); LANGS narrows the
# targets, FROM=fr overrides the source language.
models: $(RUNTIME_STAMP)  ## install the argos packages the issue needs (ISSUE=<slug> LANGS=de,fr FROM=fr)
	$(RUN)/newsletter models install $(subst $(comma), ,$(LANGS)) --issue $(ISSUE_DIR) $(if $(FROM),--from $(FROM),)

# ISSUE empty: the newest issue. NOW=1 sends at once when send_at has passed; TEST_TO="a@x b@y"
# sends a test of each language first.
send: $(RUNTIME_STAMP)  ## push a built issue (dry run unless SEND=1): ISSUE=<slug> PROVIDER=<name>
	$(RUN)/newsletter send $(ISSUE_DIR) $(if $(PROVIDER),--provider $(PROVIDER),) $(if $(filter 1,$(SEND)),,--dry-run) $(if $(filter 1,$(NOW)),--now,) $(if $(TEST_TO),--test-to $(TEST_TO),)


bench: $(STAMP)  ## benchmarks → build/bench/report.md
	$(RUN)/python -m tests.bench

golden: $(STAMP)  ## regenerate the golden render files; review them with git diff
	$(RUN)/python -m tests.golden

clean:  ## remove build output (not .venv)
	rm -rf build

comma := ,
