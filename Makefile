# QoreNode: `make run` starts the devnet on its embedded defaults; `make test` runs every check.
# Both install what they need first (Python deps into .venv, npm packages from the lockfile).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
PYTEST_WORKERS ?= 2

.PHONY: install toolchain run test lint typecheck imports unit integration contracts check-contracts bench genesis clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP)

# Compilers for rebuilding the contracts (apt-get, only what is missing).
toolchain:
	bash native/install-toolchain.sh

run: $(STAMP)
	$(BIN)/qorenode start

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

test: install lint typecheck imports check-contracts
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q -p no:cacheprovider

unit: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q -p no:cacheprovider tests/unit

# Rebuild the committed contract outputs from native/ sources (byte for byte).
contracts: $(NPM_STAMP) $(STAMP) toolchain
	node native/solidity/build.js
	$(BIN)/python native/cosmwasm/build.py
	$(BIN)/python native/svm/build.py

check-contracts: contracts
	git diff --exit-code -- native/solidity/build native/cosmwasm/build native/svm/build
	test -z "$$(git status --porcelain --untracked-files=all -- native/solidity/build native/cosmwasm/build native/svm/build)"

genesis: $(STAMP)
	$(BIN)/python -c "import json; from qorenode.genesis import build_devnet_genesis as g; \
	open('genesis/devnet.json', 'w').write(json.dumps(g(), indent=2) + '\n')"

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache *.egg-info
