# The README's two commands: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test spec clean

$(BIN)/onrecord: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/onrecord  ## install, then serve on the embedded PostgreSQL with the demo data
	$(BIN)/onrecord serve --demo

test: $(BIN)/onrecord  ## install, lint, then run the whole suite
	$(BIN)/ruff check service tests schema bench
	$(BIN)/ruff format --check service tests schema bench
	$(BIN)/pytest $(PYTEST_ARGS)

spec: $(BIN)/onrecord  ## regenerate openapi.yaml from the code
	$(BIN)/onrecord openapi write --format=yaml openapi.yaml

clean:
	rm -rf $(VENV) *.egg-info
