# The two commands that matter on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SIMULATOR_PORT ?= 8765
DEMO_API_KEY ?= local-demo-key

# Settings for the local run only; anything already in the environment wins.
run: export DEBUG ?= true
run: export ACHIEVEIT_BASE_URL ?= http://127.0.0.1:$(SIMULATOR_PORT)
run: export ACHIEVEIT_API_KEY ?= $(DEMO_API_KEY)
run: export SIMULATOR_PORT := $(SIMULATOR_PORT)
run: export POINT_OF_CONTACT_EMAIL ?= contact@example.com

.PHONY: run test bench lint format clean

$(BIN)/.installed-run: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed-run requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed-run
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  Portal:     http://127.0.0.1:8000/   (Ctrl-C stops everything)"
	@echo "  Simulator:  $(ACHIEVEIT_BASE_URL)/_simulator/jobs  (stand-in AchieveIt)"
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: $(BIN)/.installed-dev
	$(BIN)/pytest

bench: $(BIN)/.installed-dev
	$(BIN)/python -m bench

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache
