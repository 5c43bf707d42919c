# Two commands for a newcomer: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
# Three test processes on the two-core machine: the browser flows and live servers wait on Chromium and on
# each other, so a third worker fills the idle time (fresh clone, caches built in the run: 5:18 with -n 2,
# 4:31 with -n 3; docs/benchmarks.md).
PYTEST_ARGS ?= -n 3
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

# Debian packages: what weasyprint needs at run time (Pango, HarfBuzz subsetting
# for fast font subsetting), and what the tests need (a browser, pdftotext/pdffonts).
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# npm from Debian only where no npm is installed (a machine with Node.js from elsewhere has its own).
TEST_DEBS := $(RUN_DEBS) chromium poppler-utils $(if $(shell command -v npm),,npm)

.PHONY: run test bench serve migrate demo lint check system-deps-run system-deps-test clean messages webfont

define ensure_debs
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "安装系统依赖:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "缺少系统依赖，请先运行: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi
endef

system-deps-run:
	$(call ensure_debs,$(RUN_DEBS))

system-deps-test:
	$(call ensure_debs,$(TEST_DEBS))

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

migrate: $(VENV)/.run-deps
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py load_demo_data

run: system-deps-run $(VENV)/.run-deps demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# axe-core for the accessibility checks of the browser tests (package.json, pinned; project-local).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

test: system-deps-test $(VENV)/.dev-deps node_modules/axe-core/axe.min.js
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

# Every benchmark next to its floor, one table (docs/benchmarks.md). SMOKE=1: tiny sizes (CI);
# FULL=1: the sizes the targets were set for. BENCH_ARGS="--only evaluations,activity" picks some.
BENCH_SIZE := $(if $(SMOKE),smoke,$(if $(FULL),full,default))
bench: system-deps-run $(VENV)/.dev-deps
	$(PY) -m bench.harness --size $(BENCH_SIZE) $(BENCH_ARGS)

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

check: $(VENV)/.dev-deps
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

# The project's translations (locale/): admin strings Wagtail leaves in English. The .mo is committed.
messages:
	msgfmt --check-format -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po

# The CJK web-font fallback (static/fonts, static/css/fonts.css) from core/fonts. Committed.
webfont: $(VENV)/.dev-deps
	$(PY) core/fonts/build_webfont.py

clean:
	rm -rf $(VENV) var
