# Ember's top-level commands. `make demo` and `make test` work on a fresh machine: each runs
# `make setup` first, which installs only what is missing.
PY      := .venv/bin/python
BUILD   := build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all setup build build-asan test test-c test-c-asan test-py demo clean

all: build

setup:
	@bash scripts/setup.sh

build:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: setup build test-c test-c-asan test-py

test-c: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The C tests again under AddressSanitizer and UndefinedBehaviorSanitizer: the malformed-file
# tests then fail on any out-of-bounds read, not only on a crash.
build-asan:
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEMBER_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)

test-c-asan: build-asan
	@cd build-asan && ctest --output-on-failure -j $(JOBS)

test-py: build
	@$(PY) -m pytest -q tests/python

# Runs LeNet 100,000 times through the Python binding: outputs bit-identical, RSS flat.
# SOAK_ARGS="--runs N --cli-runs M" changes the counts and adds runs of the CLI.
.PHONY: soak
soak: build
	@$(PY) scripts/soak.py $(SOAK_ARGS)

demo: setup build
	@$(PY) examples/demo.py

clean:
	rm -rf $(BUILD)
