# The two commands that matter on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SIMULATOR_PORT ?= 8765
WEB_PORT ?= 8000
DEMO_API_KEY ?= local-demo-key

run: export SIMULATOR_PORT := $(SIMULATOR_PORT)
run: export WEB_PORT := $(WEB_PORT)

.PHONY: run test bench screenshots lint format clean

$(BIN)/.installed-run: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed-run requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The local run's settings, written once and then yours to edit. The portal, its
# commands and honcho all read it; a variable set in the environment wins.
.env:
	@printf '%s\n' \
	  "# Written by 'make run' for the local run (delete it to get it again)." \
	  "DEBUG=true" \
	  "ACHIEVEIT_BASE_URL=http://127.0.0.1:$(SIMULATOR_PORT)" \
	  "ACHIEVEIT_API_KEY=$(DEMO_API_KEY)" \
	  "POINT_OF_CONTACT_EMAIL=contact@example.com" > $@
	@echo "Wrote .env: local settings (DEBUG on, the simulator and its demo key)."

run: $(BIN)/.installed-run .env
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  Portal:     http://127.0.0.1:$(WEB_PORT)/   (Ctrl-C stops everything)"
	@echo "  Simulator:  http://127.0.0.1:$(SIMULATOR_PORT)/_simulator/jobs  (stand-in AchieveIt)"
	@echo "  Commands:   in another terminal, e.g. .venv/bin/python manage.py validate_updates tests/fixtures/csv/messy_updates.csv --team demo"
	@echo
	@# Ctrl-C reaches make, this shell and honcho, which stops the four and exits
	@# 130 (143 on SIGTERM): a stop asked for. Without the trap the shell would die
	@# of the SIGINT once honcho is done, and make report "Interrupt" (or, for
	@# the status, "Error 130").
	trap : INT TERM; PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile \
	  || { status=$$?; [ $$status -eq 130 ] || [ $$status -eq 143 ] || exit $$status; }

test: $(BIN)/.installed-dev
	$(BIN)/pytest

bench: $(BIN)/.installed-dev
	$(BIN)/python -m bench

# The browser tests, keeping a picture of each page they check at 1366 and 390 px
# (the README shows some). Needs what `make test` needs.
screenshots: $(BIN)/.installed-dev
	rm -rf docs/screenshots
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -q tests/browser

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache
