# nrfsim — the two commands are the contract: `make run` and `make test`.
SWIFT ?= swift
VENV := .venv
PY := $(VENV)/bin/python
BIN := .build/debug/nrfsim
STATE ?= state

.PHONY: run test deps build swift-test hub-tsan interop-test bench clean

## Install what is missing, build, and run the seed's whole DPS workflow: the local emulator, the PKI, DPS, a
## virtual nrf9161dk provisioned with nrfcredstore, the Azure IoT Hub sample connecting and streaming telemetry.
## RUN_ARGS="--until connected,telemetry=3" stops after those milestones (CI); otherwise it streams until Ctrl-C.
RUN_ARGS ?=
run: deps build
	$(PY) scripts/run_demo.py --nrfsim $(BIN) --state $(STATE) $(RUN_ARGS)

## Install what is missing, build, and run every test: swift test, the hub's tests again under Thread Sanitizer,
## then the Python interop suite.
test: deps build swift-test hub-tsan interop-test

deps:
	@bash scripts/install-deps.sh

## A compiler warning in the project's own targets is an error here (Package.swift: warningsAsErrors).
build:
	$(SWIFT) build

swift-test:
	$(SWIFT) test

## The emulator's tests (sessions, the C2D race, the 200-client stress test) under Thread Sanitizer, in a build
## folder of their own so that the debug build stays as it is. One test at a time: the concurrency is inside the
## tests (200 clients at once); unrelated tests in parallel gave a report on heap reuse between them (ServerPKITests).
hub-tsan:
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan --no-parallel --filter HubEmulatorTests

## In parallel (pytest-xdist): every test's servers listen on a loopback address of their own (Tests/interop/loopback.py),
## so the suite needs no fixed port free. INTEROP_JOBS=0 runs it in one process.
INTEROP_JOBS ?= 2
interop-test: build
	NRFSIM_BIN=$(abspath $(BIN)) $(PY) -m pytest -q -n $(INTEROP_JOBS) --dist worksteal Tests/interop

## Benchmarks print their figures and ratios; they are never part of `make test`.
bench: deps
	$(SWIFT) build -c release
	NRFSIM_BIN=$(abspath .build/release/nrfsim) $(PY) benchmarks/modem_at_latency.py
	NRFSIM_BIN=$(abspath .build/release/nrfsim) $(PY) benchmarks/kconfig_bench.py
	NRFSIM_BIN=$(abspath .build/release/nrfsim) KCONFIG_RANDOM_CASES=5000 $(PY) -m pytest -q Tests/interop/test_kconfig_differential.py -k random_trees
	NRFSIM_BIN=$(abspath .build/release/nrfsim) $(PY) benchmarks/hub_vs_mosquitto.py
	NRFSIM_BIN=$(abspath .build/release/nrfsim) $(PY) benchmarks/hostile_latency.py
	$(PY) benchmarks/json_parse.py
	NRFSIM_BIN=$(abspath .build/release/nrfsim) $(PY) benchmarks/dps_registrations.py
	NRFSIM_BIN=$(abspath .build/release/nrfsim) $(PY) benchmarks/firmware_boot.py
	NRFSIM_BIN=$(abspath .build/release/nrfsim) $(PY) benchmarks/fota_update.py
	NRFSIM_BIN=$(abspath .build/release/nrfsim) $(PY) benchmarks/day_in_the_life.py

clean:
	rm -rf .build .build-tsan
