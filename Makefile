# Sala: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench clean plotly-bundle

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

## run: migrate, load the demo data if empty, start the simulator and serve on :8050
run: $(STAMP)
	$(PY) manage.py run

## test: the whole suite (PostgreSQL/Redis tests run when SALA_TEST_PG / SALA_TEST_REDIS are set)
test: $(DEV_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(DEV_STAMP)
	$(PY) -m bench $(BENCH)

## plotly-bundle: rebuild assets/vendor/plotly-sala.min.js (needs node and npm; see deploy/plotly)
plotly-bundle:
	cd deploy/plotly && npm ci --no-audit --no-fund --ignore-scripts && node build.js

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
