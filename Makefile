# Carnet: `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint format messages bench bench-send install install-test clean bench-dashboard bench-outage bench-faults bench-load

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Carnet needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[bench]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_admin
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Carnet: http://127.0.0.1:$(PORT)/admin/  (Ctrl-C stops the web app, worker and beat)"
	@# run_all runs the Procfile with honcho in a process group of its own, so that Ctrl-C
	@# stops the processes gracefully and never reaches make (no "Error 130").
	$(BIN)/python manage.py run_all --port $(PORT)

# The tests keep their files in var/test, away from a running `make run` (unless VAR_DIR is set).
test: install-test
	VAR_DIR="$${VAR_DIR:-$(CURDIR)/var/test}" $(BIN)/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-bench
	$(BIN)/python bench/import.py $(BENCH_ARGS)

bench-send: $(VENV)/.installed-bench
	$(BIN)/python bench/send.py $(BENCH_ARGS)

# The outage notice's time to its first message, alone and behind a campaign to 10,000.
bench-outage: $(VENV)/.installed-bench $(VENV)/.installed-test
	$(BIN)/python bench/outage.py $(BENCH_ARGS)

# A worker SIGKILLed at each step of a delivery's life, with the default lease and tick.
bench-faults: $(VENV)/.installed-bench $(VENV)/.installed-test
	$(BIN)/python bench/faults_send.py $(BENCH_ARGS)

# One-click unsubscribes, webhooks and sign-ups at 200 requests/s from wrk (apt-get install wrk).
bench-load: $(VENV)/.installed-test
	$(BIN)/python bench/load.py $(BENCH_ARGS)

bench-dashboard: $(VENV)/.installed
	$(BIN)/python bench/dashboard.py $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/python manage.py makemessages --locale fr --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	$(BIN)/python manage.py compilemessages --locale fr --ignore '.venv/*'

clean:
	rm -rf $(VENV) var
