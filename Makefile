# Two commands do all set-up: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export DATABASE_URL ?= sqlite:///./fullcircle.db
# Links in receipts, emails and posters, and seed-demo's printed sign-in address, follow PORT.
export FULLCIRCLE_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test test-fast lint typecheck pytest install messages bench bench-full wrk clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/fullcircle migrate
	$(BIN)/fullcircle seed-demo
	@echo ""
	@echo "Demo sign-in: admin@example.org (also moderator@, improvement@, safeguarding@,"
	@echo "staff@, serviceuser@ and carer@example.org), password: purple kite harbour lantern"
	@echo "Serving on http://127.0.0.1:$(PORT) (press Ctrl+C to stop)"
	$(BIN)/fullcircle serve --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile -q

test: lint typecheck pytest

# The edit loop: no browser, no schemathesis, no concurrency tests (make test runs them all).
test-fast: lint typecheck
	$(BIN)/pytest -n 2 --dist loadfile -q -m "not browser and not slow"

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o app/locale/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale -l en --no-fuzzy-matching
	$(BIN)/pybabel compile -d app/locale

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

wrk:
	@command -v wrk >/dev/null 2>&1 || { echo "installing Debian wrk"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

bench: $(STAMP) wrk
	$(BIN)/python bench/run.py --sizes 1000,100000

bench-full: $(STAMP) wrk
	$(BIN)/python bench/run.py --sizes 1000,100000,1000000
