# 绩效 — everything starts from these targets. `make run` and `make test` work on a fresh
# machine: they create the virtual environment and install what is missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
DEMO_EMPLOYEES ?= 300
PG_URL ?= postgres://postgres@127.0.0.1:5432/pms
# tests run in parallel, one worker per core (pytest-xdist); each worker has its own database
TEST_WORKERS ?= auto
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: browser-packages setup run test lint types test-sqlite test-postgres test-browser messages bench system-packages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# Debian packages the product needs at run time (gettext to compile translations, a CJK font
# for the PDF target responsibility letter) and the browser tests need (Chromium, a CJK
# font). Installed only when missing.
system-packages:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	test -f "$${PMS_PDF_FONT:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}" || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi; \
	fi

browser-packages:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi; \
	fi

messages: $(VENV)/.installed system-packages
	$(PY) manage.py compilemessages --ignore=.venv -v 0

setup: $(VENV)/.installed messages

run: setup
	mkdir -p var
	@$(PY) manage.py migrate --noinput -v 0 && \
	$(PY) manage.py collectstatic --noinput -v 0 && \
	$(PY) manage.py seed_demo --if-empty --employees $(DEMO_EMPLOYEES) --seed 1 && \
	$(PY) manage.py demo_logins && \
	echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C stops the server, the worker and the scheduler)" && \
	trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py db_worker --interval 1 & \
	$(PY) manage.py scheduler --interval 30 & \
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 \
	  --access-logfile - --log-level warning

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(VENV)/.installed
	$(VENV)/bin/mypy pms config bench

test-sqlite: setup
	$(PY) manage.py makemigrations --check --dry-run -v 1
	DATABASE_URL= $(VENV)/bin/pytest -m "not browser" -n $(TEST_WORKERS)

test-postgres: setup
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -m "not browser" -n $(TEST_WORKERS) --create-db

test-browser: setup browser-packages
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -m browser

test: setup lint types test-sqlite test-postgres test-browser

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) var
