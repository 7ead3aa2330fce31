# Khareetaty: `make run` starts everything with demo data, `make test` runs the suite.
.PHONY: run test stop reset bootstrap lint format requirements bench security security-baseline \
	backup restore

VENV := .venv/bin

bootstrap:
	@scripts/bootstrap.sh

# `make run` serves plain HTTP on 127.0.0.1 with DEBUG off: the installation's own key from
# var/ (scripts/local_secrets.sh), no HTTPS redirect or secure-only cookies (there is no TLS
# here), static files by WhiteNoise after collectstatic, mail printed to the console, and the
# database as the non-owner application role. Each can be overridden from the environment.
run: export SECURE_SSL_REDIRECT ?= false
run: export SESSION_COOKIE_SECURE ?= false
run: export CSRF_COOKIE_SECURE ?= false
run: export SECURE_HSTS_SECONDS ?= 0
run: export ALLOWED_HOSTS ?= localhost,127.0.0.1,[::1]
run: export KHAREETATY_PG_USER ?= khareetaty_app
run: export EMAIL_URL ?= consolemail://
run: bootstrap
	@$(VENV)/python manage.py collectstatic --noinput -v 0
	@$(VENV)/python manage.py setup_demo
	@$(VENV)/python manage.py setup_periodic_tasks
	@echo "Khareetaty is starting on http://127.0.0.1:$${KHAREETATY_PORT:-8000}/ (Ctrl-C or 'make stop' to stop)"
	@sh -c 'echo $$$$ > var/run/honcho.pid; exec env DEMO_ACTIVITY=$${DEMO_ACTIVITY:-true} $(VENV)/honcho start -f Procfile'


# The suite runs in parallel workers (pytest-xdist); each worker has its own test database
# and its own Redis database (khareetaty/pytest_environment.py). TEST_WORKERS=0 runs it in
# one process.
TEST_WORKERS ?= 2
test: bootstrap
	@$(VENV)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Backups (docs/operations.md): the whole database (pg_dump custom format), the intake archive
# and the audit checkpoints in one tar under var/backups/. Both run as the schema owner;
# the restore checks every table's row count and verifies the audit chain.
backup: export KHAREETATY_PG_USER ?= khareetaty
backup:
	@$(VENV)/python manage.py backup_create $(if $(DIR),--output-dir "$(DIR)")

restore: export KHAREETATY_PG_USER ?= khareetaty
restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/khareetaty-....tar"; exit 2; }
	@$(VENV)/python manage.py backup_restore "$(FILE)"

# Static security analysis: fails on any new high-severity finding. The reviewed findings of
# today's code are in .ci/bandit-baseline.json (see docs/security.md); regenerate it with
# `make security-baseline` only after reviewing what changed.
BANDIT := $(VENV)/bandit -q -r khareetaty incidents analytics commands patrol interop iot briefings bench manage.py \
	-x "*/tests/*,*/migrations/*"
security:
	@$(BANDIT) --baseline .ci/bandit-baseline.json --severity-level high

security-baseline:
	@$(BANDIT) -f json -o .ci/bandit-baseline.json || true

stop:
	@scripts/stop.sh

reset: stop
	@. var/local.env 2>/dev/null; \
	  if [ -n "$${KHAREETATY_PG_HOME:-}" ] && [ "$$KHAREETATY_PG_HOME" != "$(CURDIR)/var" ]; then \
	    rm -rf "$$KHAREETATY_PG_HOME"; fi
	rm -rf var

lint:
	$(VENV)/ruff format --check .
	$(VENV)/ruff check .

format:
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

requirements:
	$(VENV)/pip-compile --quiet --strip-extras --output-file requirements.txt requirements.in
	$(VENV)/pip-compile --quiet --strip-extras --output-file requirements-dev.txt requirements-dev.in
