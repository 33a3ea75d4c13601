# motcua — two commands: `make run` and `make test`.
# constraints.txt pins the versions the tests passed with; refresh it deliberately (pip freeze) after an upgrade.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test check lint typecheck bench chromium sysdeps clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) sysdeps

## WeasyPrint (the PDF forms) needs Debian's pango; harfbuzz-subset makes font subsetting 3-5x faster.
sysdeps:
	@ldconfig -p | grep -q libpango-1.0 && ldconfig -p | grep -q libharfbuzz-subset || { \
	  echo "Installing Debian's pango and harfbuzz-subset for the PDF forms"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; }
	@command -v pdftotext >/dev/null 2>&1 || { \
	  echo "Installing Debian's poppler-utils: the tests read the forms with pdftotext and pdfinfo"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  echo "Installing Debian's espeak-ng: the hall display speaks each call in Vietnamese (offline)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null; }
	@command -v softhsm2-util >/dev/null 2>&1 || { \
	  echo "Installing Debian's softhsm2: it stands in for the leaders' USB signing tokens (PKCS#11) in tests and the demo"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 >/dev/null; }

## make run: migrate, load Phú Thọ's 148 communes, officers and a year of dossiers (index folded), serve on
## http://$(HOST):$(PORT) with the worker and the local SMS/Zalo simulators
run: $(STAMP) sysdeps
	MOTCUA_DEMO=true $(BIN)/motcua migrate
	MOTCUA_DEMO=true $(BIN)/motcua demo-data --background
	MOTCUA_DEMO=true MOTCUA_SIMULATORS=true $(BIN)/motcua serve --host $(HOST) --port $(PORT)

## Debian's Chromium drives the browser tests; never a downloaded browser.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## lint: ruff, then the layer contract of docs/architecture.md (import-linter, configured in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check src tests bench migrations scripts
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

## make test: lint, types, then every test on SQLite and on PostgreSQL, browser journeys in Chromium.
## Without PostgreSQL the run fails; MOTCUA_TEST_WITHOUT_POSTGRES=1 opts out explicitly.
test: $(STAMP) sysdeps chromium lint typecheck
	$(BIN)/pytest -n 2 --dist loadgroup -q --durations=15

## make check: the fast loop while working — lint, types, and the SQLite tests without the browser and the tests
## marked slow (fuzzing, demo loads, concurrency, throttling walks). `make test` stays the whole truth.
## The two fuzzing modules are all slow: not even imported here (building the API fuzzer's schema and strategies
## cost each test process ~6 s of CPU at collection), nor schemathesis's pytest plugin, which only they use.
CHECK_SKIP := --ignore=tests/e2e --ignore=tests/test_api_fuzz.py --ignore=tests/web/test_form_fuzz.py -p no:schemathesis
check: $(STAMP) sysdeps lint typecheck
	MOTCUA_TEST_WITHOUT_POSTGRES=1 $(BIN)/pytest -n 2 -q -m "not slow and not e2e" $(CHECK_SKIP)

bench: $(STAMP)
	@for b in bench/*.py; do case $$b in */__init__.py) ;; *) echo "== $$b"; $(BIN)/python $$b || exit 1;; esac; done
	@echo "== tests/queue/test_concurrency.py: 8 officers x 500 calls over 4,000 tickets (PostgreSQL)"
	MOTCUA_QUEUE_FULL_RACE=1 $(BIN)/pytest -q --durations=1 -k "4000 and postgresql" tests/queue/test_concurrency.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-artifacts
