# OneTrip: `make run` serves the demo portal, `make test` runs every check and test.
# Both install what is missing: Debian packages (as root), then a .venv from requirements.txt.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
SYSTEM_PACKAGES := fonts-wqy-zenhei libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
	gettext chromium chromium-driver poppler-utils
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/onetrip
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# pytest-xdist workers for the unit and page tests (each gets a database of its own).
TEST_WORKERS ?= auto
# The translations (locale/<lang>/LC_MESSAGES/django.po) and the .mo files `make install` builds.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test install system-deps services lint migrate seed serve clean bench messages

run: install migrate seed serve

# DEBUG is off by default (production); the demo portal that `make run` serves turns it on.
run migrate seed serve bench: export DEBUG ?= true
# Tests read production's settings with a test secret key (tests/settings.py).
test: export DJANGO_SETTINGS_MODULE ?= tests.settings

# Two passes: the unit and page tests in parallel, then the browser and integration tests
# (live servers, Celery workers and redis-servers on fixed ports) one at a time. Exit code 5
# ("no tests collected", e.g. PYTEST_ARGS naming one folder) is not a failure of a pass.
test: install services lint
	@echo "==> Checking that the models and their migrations agree"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) manage.py makemigrations --check --dry-run
	@echo "==> Unit and page tests, in parallel ($(TEST_WORKERS) workers)"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -n $(TEST_WORKERS) -m "not browser and not integration" $(PYTEST_ARGS) || [ $$? = 5 ]
	@echo "==> Browser and integration tests, one at a time"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -m "browser or integration" $(PYTEST_ARGS) || [ $$? = 5 ]

install: system-deps $(STAMPS)/venv $(STAMPS)/dev.env $(MO_FILES)

# The translations compiled for Django (not committed); msgfmt comes with gettext.
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@echo "==> Compiling the translation $<"
	msgfmt --check-format -o $@ $<

# After changing UI text: extract every translatable string into locale/en (new ones come
# with an empty msgstr to translate), compile, and run the test that every string has English.
messages: $(STAMPS)/venv
	@echo "==> Extracting the translatable strings into locale/en/LC_MESSAGES/django.po"
	$(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles --ignore=node_modules
	msgfmt --check-format -o locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.po
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) -m pytest -p no:cacheprovider -n 0 -q tests/hall/test_translations.py

# This checkout is a development one: manage.py runs with DEBUG on here (hall/settings.py reads
# this file after the environment and .env; deployments and the tests never do).
$(STAMPS)/dev.env:
	@mkdir -p $(STAMPS)
	@echo "==> Marking this checkout for development ($@: DEBUG=true for manage.py)"
	@printf '# Written by make: this checkout runs manage.py with DEBUG on.\nDEBUG=true\n' > $@

# Debian packages WeasyPrint, the CJK font and the browser tests need; skipped when present.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	echo "==> Checking the Debian packages: $(SYSTEM_PACKAGES)"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian packages:$$missing (waits up to 15 minutes for another apt-get to finish)"; \
			apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $$missing >/dev/null; \
		else \
			echo "Missing Debian packages (install them as root):$$missing"; \
		fi; \
	fi

$(STAMPS)/venv: requirements.txt
	@mkdir -p $(STAMPS)
	@test -x $(PY) || { echo "==> Creating the virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> Installing the Python packages of requirements.txt into $(VENV)"
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

# PostgreSQL and Redis must answer for the tests; start them when they do not.
services:
	@echo "==> Checking that PostgreSQL and Redis answer"
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		echo "Starting PostgreSQL"; \
		command -v pg_ctlcluster >/dev/null || (echo "Installing PostgreSQL"; apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq postgresql >/dev/null); \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | tail -1) main start; \
		for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='onetrip'" | grep -q 1 \
		|| { echo "Creating the database onetrip"; createdb -h 127.0.0.1 -U postgres onetrip; }
	@# The integration tests also run redis-servers of their own (ports 6391, 6393) to stop.
	@command -v redis-server >/dev/null || (echo "Installing Redis"; apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq redis-server >/dev/null)
	@if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
		echo "Starting Redis"; \
		mkdir -p /var/lib/redis /var/log/redis; \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/onetrip.log; \
		for i in $$(seq 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 1; done; \
	fi

lint: $(STAMPS)/venv
	@echo "==> Lint and format checks (ruff)"
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrate: $(STAMPS)/venv
	@echo "==> Applying the database migrations (nothing to do when up to date)"
	$(PY) manage.py migrate --noinput

seed: $(STAMPS)/venv
	@echo "==> Loading the demo data (what exists is kept, nothing is duplicated)"
	$(PY) manage.py seed_demo

# The web server and the schedule (Celery beat) together; Ctrl-C stops both.
serve:
	@echo "==> Serving http://127.0.0.1:8000/ with the schedule (Ctrl-C stops both)"
	$(PY) manage.py serve_embedded 127.0.0.1:8000

# Each bench on a database of its own whose name ends in "bench" (the scripts refuse others);
# the HTTP lifecycle bench starts its own redis-server, gunicorn and Celery worker (DEBUG off).
BENCH_DATABASE_PREFIX ?= postgres://postgres@127.0.0.1:5432/onetrip
bench: install services
	DATABASE_URL=$(BENCH_DATABASE_PREFIX)_bench $(PY) bench/catalog_search.py
	DATABASE_URL=$(BENCH_DATABASE_PREFIX)_http_bench $(PY) bench/http_lifecycle.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(STAMPS) staticfiles
