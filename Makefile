# Everything runs from a local venv, so a fresh machine needs only python3 (>= 3.11) and make.
# `make test` runs every stage of tests/tooling/stages.py, streaming each one's output, and prints their durations.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STAGES := $(PY) tests/tooling/stages.py

.PHONY: demo bench test test-matrix ci unit integration sanity units lint galaxy docsite clean

$(STAMP): requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tests/demo/run_demo.py

# The token cache and the module's overhead against the local endpoint: prints the table of docs/performance.md.
bench: $(STAMP)
	$(PY) tests/bench/run_bench.py

# Linters, Galaxy import, EE, then ansible-test sanity, units and integration, then the pytest drivers.
test: $(STAMP)
	$(STAGES)

# ansible-test sanity, units and integration on the oldest supported and the newest ansible-core.
test-matrix: $(STAMP)
	$(STAGES) --matrix --ansible-test-only

# What .ci/run runs when both Pythons of the matrix exist: `make test` with ansible-test on the matrix.
ci: $(STAMP)
	$(STAGES) --matrix

# Quick loops while developing (ansible-test runs these in `make test`).
unit: $(STAMP)
	$(PY) -m pytest tests/unit

integration: $(STAMP)
	$(PY) -m pytest tests/integration

sanity: $(STAMP)
	$(STAGES) --only sanity

units: $(STAMP)
	$(STAGES) --only units

lint: $(STAMP)
	$(STAGES) --only "ruff,changelog lint,docs lint,ansible-lint"

galaxy: $(STAMP)
	$(STAGES) --only "galaxy build+import,execution environment"

docsite: $(STAMP)
	$(PY) tests/tooling/docsite.py

clean:
	rm -rf $(VENV) .venv-oldest .venv-newest .cache .pytest_cache .ruff_cache .hypothesis .ansible tests/output
