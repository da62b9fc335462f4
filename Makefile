# hearth: `make demo` runs it on one machine; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/hearth/web/static/vendor/.built

.PHONY: demo test install assets lint bench clean

demo: install assets
	./scripts/ensure-mosquitto.sh
	$(BIN)/hearth demo

test: install assets lint
	./scripts/ensure-system.sh
	$(BIN)/pytest -n auto --dist loadscope

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

assets: $(VENDOR)

$(VENDOR): frontend/package.json frontend/package-lock.json frontend/vendor.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	touch $@

# Lint: ruff, the format check, mypy strict on src and tests, and the import contracts.
lint: install
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) frontend/node_modules src/hearth/web/static/vendor test-artifacts
