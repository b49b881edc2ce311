# Chatsy: `make run` serves the demo, `make check` runs the gates (lint, format, types, import
# contracts), `make test` runs the whole suite (SQLite), `make test-postgres` the integration and
# e2e suites on PostgreSQL. Each sets up .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-unit test-integration test-e2e test-postgres lint check eval train bench bench-dashboard bench-flood clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m chatsy.devstack

test: $(STAMP)
	$(BIN)/python -m pytest

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

test-e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

# The integration and e2e suites on PostgreSQL: the server DATABASE_URL names, or, when it is
# unset, a private throw-away cluster (.ci/postgres; needs Debian's postgresql package).
test-postgres: $(STAMP)
	.ci/postgres run $(BIN)/python -m pytest tests/integration tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The gates CI runs before the suite: lint, types (pyproject's [tool.mypy]), import contracts
# ([tool.importlinter]).
check: lint
	$(BIN)/mypy
	$(BIN)/lint-imports

# The triage's accuracy on the repository's data (frozen validation split), and retraining it.
# Local tools: debug mode unless DEBUG is set (off, it needs a SECRET_KEY).
eval: $(STAMP)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py escalation_eval

train: $(STAMP)
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py escalation_train

# The message pipeline beside same-run baselines, on 127.0.0.1 (docs/performance.md), e.g.
# make bench BENCH_ARGS="--database postgres" or BENCH_ARGS="--quick".
bench: $(STAMP)
	$(BIN)/python -m chatsy.bench $(BENCH_ARGS)
	$(MAKE) bench-dashboard

# The supervisor dashboard's server time over 100,000 conversations beside the supervisor page
# (docs/dashboard.md); SQLite, or PostgreSQL with .ci/postgres run make bench-dashboard.
bench-dashboard: $(STAMP)
	$(BIN)/python -m agents.dashboard_benchmark $(DASHBOARD_BENCH_ARGS)

# One visitor flooding (10 sockets, 100 frames/s of each type) beside a normal visitor and an
# agent, against the same run's no-flood baseline (docs/performance.md), e.g.
# make bench-flood BENCH_ARGS="--seconds 30".
bench-flood: $(STAMP)
	$(BIN)/python -m chatsy.bench.flood $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
