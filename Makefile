# briefing: `make run` runs the daily DAG once through Airflow; `make test` runs the test suite.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DATE   ?= $(shell date -u +%Y-%m-%d)

# Airflow keeps its SQLite metadata and logs under the project, never in the user's home.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export TRANSFORMERS_VERBOSITY := error
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test lint clean chromium cluster-packages airflow airflow-celery airflow-stop

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-cluster.txt constraints.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -r requirements-cluster.txt \
		-c constraints.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(AIRFLOW_HOME)/airflow.db: $(STAMP)
	mkdir -p $(AIRFLOW_HOME)
	$(VENV)/bin/airflow db migrate > $(AIRFLOW_HOME)/migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/migrate.log; exit 1)

run: $(STAMP) $(AIRFLOW_HOME)/airflow.db
	@$(VENV)/bin/airflow dags test daily_briefing $(DATE) > $(AIRFLOW_HOME)/last-run.log 2>&1 || { \
		errors=$$(sed -n -E 's/^[A-Za-z_.]*(Exception|Error|Unavailable|NoArticles|NoSuchRun): (run refused: )?//p' \
			$(AIRFLOW_HOME)/last-run.log | awk '!seen[$$0]++' | tail -n 1); \
		if [ -n "$$errors" ]; then echo "$$errors" | sed 's/^/error: /' >&2; \
		else tail -n 40 $(AIRFLOW_HOME)/last-run.log >&2; fi; \
		echo "the run failed; its whole log: $(AIRFLOW_HOME)/last-run.log" >&2; exit 1; }
	@echo "Digest: $(CURDIR)/out/$(DATE)/digest.html"
	@cat out/$(DATE)/report.txt  # its last line says what was missing when the run was degraded

test: $(STAMP) chromium cluster-packages
	$(VENV)/bin/pytest

# The browser check needs Debian's chromium; install it when missing and we may (root, apt).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium not installed: the browser check will be skipped"; }

# A live local Airflow (API server, scheduler, DAG processor) on 127.0.0.1; prints the UI address and login.
airflow: $(STAMP)
	scripts/airflow.sh start

# The same on the CeleryExecutor: PostgreSQL, Redis, API server, scheduler, DAG processor and two Celery workers.
airflow-celery: $(STAMP) cluster-packages
	scripts/airflow-celery.sh start

# Stops whichever of the two is running (each stops only the processes it started, by PID).
airflow-stop:
	scripts/airflow.sh stop
	scripts/airflow-celery.sh stop

# PostgreSQL and Redis for the Celery cluster (and its test); installed when missing and we may (root, apt).
cluster-packages:
	@{ ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1; } \
		|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null) \
		|| echo "postgresql/redis-server not installed: the Celery cluster test will be skipped"; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf out .airflow .airflow-celery .pytest_cache .ruff_cache
