# The README's two commands: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= $(shell command -v chromedriver 2>/dev/null || echo /usr/bin/chromedriver)
export CHROME_BIN ?= $(shell command -v chromium 2>/dev/null || echo /usr/bin/chromium)

SANDBOX = cargo run --quiet --profile sandbox --features sandbox --bin sandbox --

.PHONY: demo test tools test-tools plugin test-native test-browser test-faults bench fmt

## Build the plugin (release), start the sandbox API and the demo CRM, print the URLs.
## FAULTS='rate=0.2,kinds=500|503|429|timeout|malformed|reset,seed=7' fails some API requests.
demo: tools plugin
	$(SANDBOX) --db target/demo.db $(if $(FAULTS),--faults '$(FAULTS)')

## Every test: native unit and API tests, manifest, wasm browser tests, end-to-end in Chromium,
## and the outside fuzzer against the API.
test: test-tools plugin test-native test-browser test-faults

tools:
	@.ci/install-tools.sh build

test-tools:
	@.ci/install-tools.sh test

plugin:
	trunk build --release

test-native:
	cargo test --features sandbox -- --test-threads 2

test-browser:
	cargo test --target wasm32-unknown-unknown --test 'browser*'

## Schemathesis against /v1/openapi.json of a fresh sandbox, every check, API and dev endpoints.
test-faults: test-tools
	.ci/schemathesis.sh

## Benchmarks (see README): API latency at 1,000,000 activities, plugin size and paint time.
bench: test-tools plugin
	cargo bench --features sandbox

fmt:
	cargo fmt --all
