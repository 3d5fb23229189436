# make run  – set everything up and start the app (SQLite, embedded Celery broker, demo data)
# make test – set everything up and run the whole suite (PostgreSQL and Redis when CI=true)

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

# Under CI the suite runs against the PostgreSQL and Redis on 127.0.0.1.
ifeq ($(CI),true)
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/twinning
export REDIS_URL ?= redis://127.0.0.1:6379/5
endif

.PHONY: run test system-deps venv messages migrate demo worker lint format bench screenshots clean check

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

system-deps:
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh

messages: venv
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0

migrate: venv messages
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --quiet

run: system-deps migrate
	@bash scripts/run.sh $(HOST) $(PORT)

check: venv messages
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .

test: system-deps check
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: system-deps messages
	$(PY) bench/run.py $(ARGS)

# Each role's main pages at 375 and 1366 px, from the demo data: var/screenshots/.
screenshots: system-deps messages
	$(PY) -m pytest tests/screenshots.py -p no:cacheprovider -q
	@echo "Screenshots: $(CURDIR)/var/screenshots/"

clean:
	rm -rf $(VENV) var staticfiles db.sqlite3
