# Everything runs from a local venv, so a fresh machine needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test unit integration sanity clean

$(STAMP): requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tests/demo/run_demo.py

test: $(STAMP)
	$(PY) -m ruff check plugins tests
	$(VENV)/bin/antsibull-changelog lint
	$(PY) tests/sanity/run_sanity.py
	$(PY) -m pytest tests

unit: $(STAMP)
	$(PY) -m pytest tests -m "not integration"

integration: $(STAMP)
	$(PY) -m pytest tests -m integration

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache .hypothesis

sanity: $(STAMP)
	$(PY) tests/sanity/run_sanity.py
