# mke4k: the two commands a fresh clone needs are `make test` and `make preview STACK=dev`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
WHAT ?= all
SCRIPT ?= preflight
PULUMI_BACKEND_URL ?= file://$(CURDIR)/.cache/state
export PULUMI_BACKEND_URL
SCRIPTS := $(wildcard components/k0s/scripts/*.sh components/k0s/runner/*.sh components/platform/scripts/*.sh tools/*.sh tools/*/*.sh tests/e2e/*.sh .ci/run)

.PHONY: help test lint docs docs-check preview up airgap-list backup support-bundle engine cluster-api e2e bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

test: $(VENV)/.installed ## Create .venv, install pinned dependencies, run the whole test suite
	$(BIN)/pytest

lint: $(VENV)/.installed ## ruff, shellcheck on every script, actionlint on the workflows, stale docs
	$(BIN)/ruff check .
	$(BIN)/shellcheck $(SCRIPTS)
	tools/actionlint.sh
	$(BIN)/python tools/gen_config_reference.py --check

docs: $(VENV)/.installed ## Regenerate docs/configuration.md from the settings models
	$(BIN)/python tools/gen_config_reference.py

docs-check: $(VENV)/.installed ## Fail when docs/configuration.md is stale
	$(BIN)/python tools/gen_config_reference.py --check

# The checks `make preview` and `make up` share: CLI, passphrase, backend folder, plugins.
define stack_preflight
	@command -v pulumi >/dev/null || { \
	  echo "make $(1): the Pulumi CLI is not installed. Fix: curl -fsSL https://get.pulumi.com | sh (or brew install pulumi); offline: make engine, then . tools/engine/env.sh"; \
	  exit 1; }
	@[ -n "$${PULUMI_CONFIG_PASSPHRASE+x}$${PULUMI_CONFIG_PASSPHRASE_FILE+x}" ] || { \
	  echo "make $(1): no passphrase for the local backend's secrets. Fix: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)."; \
	  exit 1; }
	@case "$(PULUMI_BACKEND_URL)" in file://*) mkdir -p "$(patsubst file://%,%,$(PULUMI_BACKEND_URL))" ;; esac
	@$(BIN)/python tools/stack_preflight.py plugins "$(STACK)"
	@pulumi login --non-interactive "$(PULUMI_BACKEND_URL)" >/dev/null
	@pulumi stack select --non-interactive --create "$(STACK)"
endef

preview: $(VENV)/.installed ## pulumi preview for STACK (default dev) on a local file:// backend
	$(call stack_preflight,preview)
	pulumi preview --non-interactive --diff --stack "$(STACK)"

up: $(VENV)/.installed ## pulumi up for STACK, with --parallel sized to its nodes (PULUMI_PARALLEL overrides)
	$(call stack_preflight,up)
	pulumi up --non-interactive --diff --stack "$(STACK)" \
	  --parallel "$${PULUMI_PARALLEL:-$$($(BIN)/python tools/stack_preflight.py parallel "$(STACK)")}"

airgap-list: $(VENV)/.installed ## What STACK needs from its mirror: image/chart/file lines (WHAT=images|charts|files)
	@$(BIN)/python tools/airgap_list.py --stack "$(STACK)" --what "$(WHAT)"

backup: $(VENV)/.installed ## Back up STACK's control plane now, into mke4k:backup.directory (and S3)
	@$(BIN)/python tools/backup.py --stack "$(STACK)"

JOURNAL_LINES ?= 2000
BUNDLE_DIR ?=
support-bundle: $(VENV)/.installed ## Collect k0s status/version, journal, redacted /etc/k0s of STACK's nodes (docs/operations.md §12)
	@$(BIN)/python tools/support_bundle.py --stack "$(STACK)" --journal-lines "$(JOURNAL_LINES)" \
	  $(if $(BUNDLE_DIR),--output "$(BUNDLE_DIR)")

engine: ## Build the Pulumi CLI, Python host and providers from Go modules (offline machines)
	tools/engine/build.sh

cluster-api: ## Build the test control plane (kube-apiserver, etcd, kwok, kubectl, helm) from Go modules
	tools/cluster-api/build.sh

e2e: $(VENV)/.installed ## Real engine end to end on network-namespace test hosts (root; see tests/e2e)
	tests/e2e/run.sh

bench: $(VENV)/.installed ## Performance benchmarks (prints tables; see bench/README.md)
	$(BIN)/python -m bench.run

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
