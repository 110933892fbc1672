# Two commands for a fresh machine:  make run  |  make test
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# The web (daphne), worker (links in messages) and mail processes all read these; see README.
PORT ?= 8000
MAIL_PORT ?= 8025
BIND_HOST ?= 127.0.0.1
WEB_PORT := $(PORT)
export PORT WEB_PORT MAIL_PORT BIND_HOST
export PYTHONUNBUFFERED := 1

.PHONY: run test test-e2e bench lint install install-dev migrate seed messages clean

# `make run` needs only the runtime packages; the test tools (playwright, schemathesis, pdfium, …) come
# with the first `make test`, so a shop trying the demo waits for the smaller install only.
# The packages are installed by uv, itself a package from PyPI: it resolves and unpacks in parallel
# and does not compile every module up front, which cuts the first install from minutes to seconds.
# The project itself is not built: pyproject.toml only lists what the code needs.
UV := $(VENV)/bin/uv
UV_SPEC ?= uv>=0.8,<1
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	test -x $(UV) || $(PYTHON) -m pip --python $(PY) install -q "$(UV_SPEC)" \
	  || { $(PY) -m ensurepip -q && $(PY) -m pip install -q "$(UV_SPEC)"; }
	$(UV) pip install -q --python $(PY) -r pyproject.toml
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(UV) pip install -q --python $(PY) -r pyproject.toml --extra dev
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --once

## make run: install, migrate, seed demo data once, start daphne + a django-q2 worker
run: seed
	$(PY) manage.py print_welcome
	$(VENV)/bin/honcho -f Procfile start

## make test: the default suite (SQLite + in-memory layer unless DATABASE_URL / REDIS_URL are set)
test: install-dev
	$(PY) -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

## browser and live-server tests (Debian chromium; .ci/run installs it)
test-e2e: install-dev
	$(PY) -m pytest -q -m e2e -p no:xdist $(PYTEST_ARGS)

bench: install-dev
	$(PY) -m tests.bench.run $(BENCH_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

messages: install
	cd $(CURDIR) && $(PY) manage.py makemessages -l en --ignore=.venv --ignore=tests \
		&& $(PY) manage.py makemessages -d djangojs -l en --ignore=.venv --ignore=tests --ignore=static/technician/vendor \
		&& $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media staticfiles
