# Ember's top-level commands. `make demo` and `make test` work on a fresh machine: each runs
# `make setup` first, which installs only what is missing.
PY      := .venv/bin/python
BUILD   := build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all setup build test test-c test-py demo clean

all: build

setup:
	@bash scripts/setup.sh

build:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: setup build test-c test-py

test-c: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-py: build
	@$(PY) -m pytest -q tests/python

demo: setup build
	@$(PY) examples/demo.py

clean:
	rm -rf $(BUILD)
