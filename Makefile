# The README's two commands: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

LINT := tools/spec-lint/node_modules/.bin

.PHONY: run test spec lint-spec clean

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

$(LINT)/redocly: tools/spec-lint/package-lock.json
	npm ci --prefix tools/spec-lint --no-audit --no-fund
	touch $@

lint-spec: $(LINT)/redocly  ## lint openapi.yaml as Redocly and Spectral recommend; openapi-typescript must take it
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		$(LINT)/redocly lint --config tools/spec-lint/redocly.yaml openapi.yaml
	$(LINT)/spectral lint --ruleset tools/spec-lint/.spectral.yaml --fail-severity error openapi.yaml
	$(LINT)/openapi-typescript openapi.yaml > /dev/null

clean:
	rm -rf $(VENV) *.egg-info tools/spec-lint/node_modules
