# Khareetaty: `make run` starts everything with demo data, `make test` runs the suite.
.PHONY: run test stop reset bootstrap lint format requirements bench

VENV := .venv/bin

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	@$(VENV)/python manage.py collectstatic --noinput -v 0
	@$(VENV)/python manage.py setup_demo
	@$(VENV)/python manage.py setup_periodic_tasks
	@echo "Khareetaty is starting on http://127.0.0.1:$${KHAREETATY_PORT:-8000}/ (Ctrl-C or 'make stop' to stop)"
	@sh -c 'echo $$$$ > var/run/honcho.pid; exec env DEMO_ACTIVITY=$${DEMO_ACTIVITY:-true} $(VENV)/honcho start -f Procfile'


test: bootstrap
	@$(VENV)/python -m pytest $(PYTEST_ARGS)

stop:
	@scripts/stop.sh

reset: stop
	rm -rf var

lint:
	$(VENV)/ruff format --check .
	$(VENV)/ruff check .

format:
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

requirements:
	$(VENV)/pip-compile --quiet --strip-extras --output-file requirements.txt requirements.in
