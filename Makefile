# The README's contract: `make run` and `make test`.
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install translations migrate e2e bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(PY) -m backoffice.lib.translations

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "  Back Office: http://$(HOST):$(PORT)/"
	@echo "  Sign in as a distributor: ID 100001 (or any ID up to 100300), password gano-demo-2026"
	@echo "  Staff: username 'staff', password gano-demo-2026 (asked to set up an authenticator app at first sign-in)"
	@echo "  Emails (password reset and others) are written to var/mail/, one .eml file per message."
	@echo "  The background task worker and the scheduler run alongside; Ctrl-C stops all."
	@echo ""
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	$(PY) manage.py run_scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "Browser tests: using $(CHROMIUM)"; \
	else \
		echo "Browser tests: SKIPPED, no Chromium at $(CHROMIUM) (apt-get install chromium chromium-driver)"; \
	fi
	$(BIN)/pytest $(PYTEST_ARGS)

e2e: install
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

# Benchmarks print figures (never asserted). BENCH_ARGS="--size 20000" for a quick run;
# BENCH_ARGS="--database-url postgres://…" for PostgreSQL. See docs/performance.md.
bench: install
	$(PY) bench/network.py $(BENCH_ARGS)
	$(PY) bench/shop.py $(SHOP_BENCH_ARGS)
	$(PY) bench/commissions.py $(COMMISSIONS_BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var/static .pytest_cache
