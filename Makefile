# The README's two commands: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= $(shell command -v chromedriver 2>/dev/null || echo /usr/bin/chromedriver)
export CHROME_BIN ?= $(shell command -v chromium 2>/dev/null || echo /usr/bin/chromium)

SANDBOX = cargo run --quiet --profile sandbox --features sandbox --bin sandbox --

.PHONY: demo test tools test-tools bench-tools plugin test-native test-browser bench wasm-profile fmt

## Build the plugin (release), start the sandbox API and the demo CRM, print the URLs.
demo: tools plugin
	$(SANDBOX) --db target/demo.db

## Every test: native unit and API tests, manifest, wasm browser tests, end-to-end in Chromium.
test: test-tools plugin test-native test-browser

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

## Benchmarks (see README): API latency at 1,000,000 activities, plugin size and paint time,
## and where the wasm's bytes are.
bench: bench-tools plugin wasm-profile
	cargo bench --features sandbox

bench-tools:
	@.ci/install-tools.sh bench

# The release wasm as wasm-opt makes it from wasm-bindgen's output (the same passes, read from
# www/index.html), but keeping the function names, so twiggy can name what takes the bytes.
WASM_OPT_PARAMS = $(shell sed -n 's/.*data-wasm-opt-params="\([^"]*\)".*/\1/p' www/index.html)
wasm-profile:
	wasm-opt -Oz $(WASM_OPT_PARAMS) --debuginfo target/wasm-bindgen/release/crm-sidebar_bg.wasm -o target/wasm-profile.wasm
	twiggy top -n 20 target/wasm-profile.wasm
	twiggy monos -g -m 10 target/wasm-profile.wasm

fmt:
	cargo fmt --all
