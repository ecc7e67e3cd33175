# Тандем. `make run` — the demo on http://127.0.0.1:8000; `make test` — the whole suite.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= $(shell ./bin/find-python)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint check bench clean

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "Нужен Python 3.12 или новее (Django 6). Need Python >= 3.12." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(VENV)/.installed

# DEBUG stays off (Russian error pages, WhiteNoise serves the static files without
# collectstatic); `TANDEM_DEBUG=1 make run` for Django's debug page.
run: $(VENV)/.installed
	$(BIN)/tandem migrate --noinput
	$(BIN)/tandem seed-demo --if-empty
	$(BIN)/tandem runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(BIN)/pytest -n 2

lint: $(VENV)/.installed
	$(BIN)/ruff check tandem
	$(BIN)/lint-imports
	$(BIN)/mypy tandem

bench: $(VENV)/.installed
	$(BIN)/tandem bench

clean:
	rm -rf $(VENV) staticfiles
