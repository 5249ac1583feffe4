# Ember's top-level commands. `make demo` and `make test` work on a fresh machine: each runs
# `make setup` first, which installs only what is missing.
PY      := .venv/bin/python
BUILD   := build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all setup build labs test-labs build-asan build-aarch64 build-m55 build-m4 build-m7 bench-m55 bench-m4 size test test-c test-c-asan test-aarch64 test-m55 test-py test-breadth demo clean
.PHONY: build-fuzz build-tsan fuzz fuzz-coverage test-fuzz test-fuzz-replay test-cli-asan test-tsan test-valgrind

all: build

setup:
	@bash scripts/setup.sh

build:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: setup build test-c test-c-asan test-aarch64 test-m55 test-py test-labs test-cli-asan test-tsan test-valgrind test-fuzz-replay test-fuzz

test-c: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The C tests again under AddressSanitizer and UndefinedBehaviorSanitizer: the malformed-file
# tests then fail on any out-of-bounds read, not only on a crash.
build-asan:
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEMBER_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)

test-c-asan: build-asan
	@cd build-asan && $(SAN_ENV) ctest --output-on-failure -j $(JOBS)

# The runtime cross-built for 64-bit Arm Linux (gcc-aarch64-linux-gnu): the C tests, and the CLI
# on the real programs (scripts/check_cli.py), run under qemu-aarch64.
AARCH64_EMU := qemu-aarch64 -L /usr/aarch64-linux-gnu
build-aarch64:
	@cmake -S . -B build-aarch64 -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake >/dev/null
	@cmake --build build-aarch64 -j $(JOBS)

test-aarch64: build-aarch64
	@cd build-aarch64 && ctest --output-on-failure -j $(JOBS)
	@printf '#!/bin/sh\nexec $(AARCH64_EMU) "$$(dirname "$$0")/bin/ember" "$$@"\n' > build-aarch64/ember-qemu
	@chmod +x build-aarch64/ember-qemu
	@$(PY) scripts/check_cli.py build-aarch64/ember-qemu

# Bare-metal Cortex-M55 (gcc-arm-none-eabi + newlib, no OS, no malloc): libember and firmware
# images that run programs from flash, tested under QEMU's mps3-an547 (docs/microcontrollers.md).
# The host CLI writes the firmware's model headers (ember pte2c) and their expected outputs.
build-m55: build
	@cmake -S targets/cortex-m55 -B build-m55 -G Ninja -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/arm-none-eabi.cmake \
	    -DEMBER_HOST_CLI=$(CURDIR)/$(BUILD)/bin/ember >/dev/null
	@cmake --build build-m55 -j $(JOBS)

# Instructions per inference of each firmware image under QEMU (targets/cortex-m55/bench.sh,
# a TCG plugin counting from execute's entry to the next call): build-m55/icount.md.
bench-m55: build-m55
	@bash targets/cortex-m55/bench.sh build-m55

# Bytes per section of the core runtime alone and of each firmware image: build-m55/size.md.
size: build-m55
	@bash targets/cortex-m55/size.sh build-m55

# The same images for the Cortex-M4 and M7 (Armv7E-M: the DSP extension's kernels and the
# portable ones), run on QEMU's mps2-an386 / mps2-an500.
build-m4 build-m7: build-%: build
	@cmake -S targets/cortex-m55 -B build-$* -G Ninja -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/arm-none-eabi.cmake \
	    -DEMBER_MCPU=cortex-$* -DEMBER_HOST_CLI=$(CURDIR)/$(BUILD)/bin/ember >/dev/null
	@cmake --build build-$* -j $(JOBS)

# Instructions per inference on the M4 (mps2-an386): build-m4/icount.md.
bench-m4: build-m4
	@bash targets/cortex-m55/bench.sh build-m4 qemu-system-arm mps2-an386

test-m55: build-m55 build-m4 build-m7
	@cd build-m55 && ctest --output-on-failure -j $(JOBS)
	@cd build-m4 && ctest --output-on-failure -j $(JOBS)
	@cd build-m7 && ctest --output-on-failure -j $(JOBS)

test-py: build
	@$(PY) -m pytest -q tests/python

# The Jupyter labs (labs/README.md) run top to bottom with nbclient; any cell error fails. The
# executed notebooks and their figures go to labs/out/ (ignored). make test runs them with
# EMBER_LABS_SMALL=1 (smaller models, fewer runs); lab 3 builds firmware against build-m55.
labs: build build-m55
	@$(PY) labs/run_labs.py

test-labs: build build-m55
	@EMBER_LABS_SMALL=1 $(PY) labs/run_labs.py

# The breadth sweep: 126 transformers and timm architectures through export, the C runtime and
# eager (docs/breadth.md); test-py runs only its few fast ones. The table goes to BREADTH_REPORT
# (markdown, and JSON beside it).
BREADTH_REPORT ?= $(BUILD)/breadth_report.md
test-breadth: setup build
	@EMBER_BREADTH_REPORT=$(BREADTH_REPORT) $(PY) -m pytest -q -m breadth tests/python/test_breadth.py

# Runs LeNet 100,000 times through the Python binding: outputs bit-identical, RSS flat.
# SOAK_ARGS="--runs N --cli-runs M" changes the counts and adds runs of the CLI.
.PHONY: soak
soak: build
	@$(PY) scripts/soak.py $(SOAK_ARGS)

# ---- fuzzing and the other sanitizers (docs/fuzzing.md) ---------------------------------------
# Any sanitizer report is fatal; leaks count.
SAN_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:print_stacktrace=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SECONDS ?= 300
FUZZ_JOBS ?= $(JOBS)
FUZZ_TEST_SECONDS ?= 15

# libFuzzer binaries (clang): fuzz_<name>, plus replay_fuzz_<name> built the same way (ASan+UBSan).
build-fuzz:
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS) $(addprefix replay_,$(FUZZ_TARGETS))

# A campaign: every target FUZZ_SECONDS with FUZZ_JOBS jobs; corpus and crashes in fuzz-work/.
fuzz: setup build-fuzz
	@bash scripts/fuzz.sh campaign $(FUZZ_SECONDS) $(FUZZ_JOBS)

# make test's short run: FUZZ_TEST_SECONDS per target from the seeds, one job; any crash fails.
test-fuzz: build-fuzz
	@bash scripts/fuzz.sh test $(FUZZ_TEST_SECONDS)

# The regression files, the seeds and tests/data through every replay_fuzz_* in both sanitizer
# builds (gcc and clang), one process per file.
test-fuzz-replay: build-asan build-fuzz
	@bash scripts/fuzz_replay.sh build-asan; a=$$?; bash scripts/fuzz_replay.sh build-fuzz; b=$$?; [ $$a -eq 0 ] && [ $$b -eq 0 ]

# Line coverage of runtime/ and kernels/ reached by the seeds and the campaign's corpus.
fuzz-coverage: setup
	@cmake -S . -B build-cov -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DEMBER_COVERAGE=ON >/dev/null
	@cmake --build build-cov -j $(JOBS) --target $(addprefix replay_,$(FUZZ_TARGETS))
	@bash scripts/fuzz_coverage.sh build-cov

# The CLI under ASan+UBSan: run on ExecuTorch's files against torch's outputs, inspect everything.
test-cli-asan: build-asan
	@$(SAN_ENV) $(PY) scripts/check_cli.py build-asan/bin/ember

# ThreadSanitizer (gcc's when its runtime is there, else clang's) over tests/c/test_threads.c and
# tests/c/test_threadpool.c.
build-tsan:
	@cc=cc; echo 'int main(void){return 0;}' | cc -fsanitize=thread -x c - -o /dev/null 2>/dev/null || cc=clang; \
	cmake -S . -B build-tsan -G Ninja -DCMAKE_C_COMPILER=$$cc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_TSAN=ON >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target test_threads test_threadpool

# Without address randomisation where allowed: some kernels' ASLR ranges break older TSan runtimes.
test-tsan: build-tsan
	@norand=""; setarch $$(uname -m) -R true 2>/dev/null && norand="setarch $$(uname -m) -R"; \
	cd build-tsan && $$norand ctest --output-on-failure -R 'test_threads|test_threadpool'

# valgrind memcheck: the runtime test and one CLI run, with leak checking.
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
test-valgrind: build
	@$(VALGRIND) build/bin/test_runtime
	@d=$$(mktemp -d); $(VALGRIND) build/bin/ember run tests/data/et_lenet.pte --input tests/data/et_lenet.in0.npy \
	    --output-dir $$d >/dev/null; st=$$?; rm -rf $$d; [ $$st -eq 0 ] && echo "valgrind: test_runtime and ember run clean"

demo: setup build
	@$(PY) examples/demo.py

clean:
	rm -rf $(BUILD)
