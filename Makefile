# zhizao — two commands for a newcomer: `make run` and `make test`.
# Both create the local virtual environment (.venv) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501

.PHONY: run test lint typecheck unit bench bench-load system-deps clean help

help:
	@echo "make run          set up .venv and start the app on http://localhost:$(PORT)"
	@echo "make test         set up .venv, run lint, type checks and the whole test suite"
	@echo "make bench        run the speed scripts under bench/ and print their figures"
	@echo "make bench-load   simulated firms at once over the websocket protocol (bench/load.py)"
	@echo "make system-deps  install the Debian packages that some tests need (root)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The embedded SQLite database (data/zhizao.sqlite; DATABASE_URL to use another) is created or
# upgraded, and filled with demo data the first time (the demo passwords are printed then and kept
# in data/demo-accounts.txt).
# Every QR code and link the app prints starts with ZHIZAO_PUBLIC_URL; behind a real host name, set
# it to that (make run ZHIZAO_PUBLIC_URL=https://zhizao.example.cn). Only `run` sets it: the tests
# decide for themselves.
run: export ZHIZAO_PUBLIC_URL ?= http://localhost:$(PORT)
run: $(STAMP)
	$(BIN)/zhizao db upgrade
	$(BIN)/zhizao demo seed --if-empty
	$(BIN)/python -m streamlit run ui/server.py \
		--server.headless=true --server.port=$(PORT) --browser.gatherUsageStats=false

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

# bench/make_answers.py is not a bench: it generates the answer sets that bench/scoring.py times.
BENCHES := bench/scoring.py bench/app.py bench/benchmark.py bench/documents.py bench/browser.py bench/load.py
bench: $(STAMP)
	@for script in $(BENCHES); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# bench/load.py alone (last in `make bench`, about 5 minutes); PostgreSQL with BENCH_DATABASE_URL=postgresql+psycopg://…
bench-load: $(STAMP)
	$(BIN)/python bench/load.py $(if $(BENCH_DATABASE_URL),--database-url "$(BENCH_DATABASE_URL)")

# Tools that only tests need. Debian package names; run as root (CI does).
SYSTEM_PACKAGES := chromium fonts-wqy-microhei poppler-utils zbar-tools postgresql nginx
system-deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
