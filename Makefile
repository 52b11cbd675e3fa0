# The two commands: `make run` (a demo on http://127.0.0.1:8000) and `make test` (everything, on SQLite and PostgreSQL).
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install system lint types contracts test-sqlite test-postgres test-failover ha-start ha-stop bench migration screenshots clean sim messages messages-update

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/loyalty db upgrade
	$(BIN)/loyalty demo --base-url http://$(HOST):$(PORT)
	$(BIN)/loyalty serve --host $(HOST) --port $(PORT)

system:
	bash scripts/ensure-system.sh

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

types: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

test-sqlite: install
	$(BIN)/pytest -q -p no:cacheprovider -m "not sim"

test-postgres: install
	bash scripts/with-postgres.sh env LOYALTY_TEST_DATABASE=postgresql $(BIN)/pytest -q -p no:cacheprovider -m "not browser and not failover and not sim"

# Each test starts its own pg_auto_failover cluster and prints its figures (about a minute each).
test-failover: install
	LOYALTY_TEST_DATABASE=postgresql $(BIN)/pytest -q -s -p no:cacheprovider -m failover tests/failover

test: install system lint types contracts test-sqlite test-postgres test-failover

# The simulator's longer sweep (docs/reliability.md): SIM_SEEDS seeds of each scheduler on each database, and the
# shrinking of what it finds. One seed again: pytest tests/sim --sim-seed=N.
SIM_SEEDS ?= 100
sim: install
	LOYALTY_SIM_SEEDS=$(SIM_SEEDS) $(BIN)/pytest -q -p no:cacheprovider tests/sim
	LOYALTY_SIM_SEEDS=$(SIM_SEEDS) bash scripts/with-postgres.sh env LOYALTY_TEST_DATABASE=postgresql \
		$(BIN)/pytest -q -p no:cacheprovider tests/sim

# A local monitor + primary + synchronous standby (docs/operations.md); HA_DIR holds it, cluster.env the URL.
HA_DIR ?= /tmp/loyalty-ha
ha-start:
	bash scripts/ha-cluster-start.sh $(HA_DIR)

ha-stop:
	bash scripts/ha-cluster-stop.sh $(HA_DIR)

bench: install
	LOYALTY_BENCH=1 LOYALTY_SKIP_BROWSER=1 bash scripts/ensure-system.sh
	LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh $(PY) benchmarks/pos.py
	LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh $(PY) benchmarks/purchase_path.py
	LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh $(PY) benchmarks/purchase_path.py --profile 200
	LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh $(PY) benchmarks/pages_per_sale.py
	bash scripts/with-postgres.sh $(PY) benchmarks/instructions.py
	bash scripts/with-postgres.sh $(PY) benchmarks/auth.py
	bash scripts/with-postgres.sh $(PY) benchmarks/identification.py
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/como.py
	bash scripts/with-postgres.sh $(PY) benchmarks/backtest.py --postgres
	LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh $(PY) benchmarks/lots.py
	$(PY) benchmarks/guessing.py
	$(PY) benchmarks/sqlite_commit.py
	LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh $(PY) benchmarks/imports.py --members 100000

screenshots: install system
	LOYALTY_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -p no:cacheprovider -m browser

# The catalogues (src/loyalty/locales/<lang>/LC_MESSAGES/messages.po), read as .po at run time: no compile step.
# `make messages` extracts every word the code says into messages.pot and merges it into each language's .po;
# new entries come out empty (or fuzzy) until translated, and tests/i18n fails until they are.
LOCALES := src/loyalty/locales
KEYWORDS := -k msg -k tr -k N_ -k Message
messages: install
	$(BIN)/pybabel extract -F babel.cfg $(KEYWORDS) --no-location --sort-output --omit-header \
		-o $(LOCALES)/messages.pot .
	$(MAKE) messages-update

messages-update: install
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-wrap \
		--ignore-obsolete

migration: install
	$(PY) scripts/new_migration.py $(MESSAGE)

clean:
	rm -rf $(VENV) loyalty.db loyalty.db-wal loyalty.db-shm
