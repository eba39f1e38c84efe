# The README's two commands: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= $(shell command -v chromedriver 2>/dev/null || echo /usr/bin/chromedriver)
export CHROME_BIN ?= $(shell command -v chromium 2>/dev/null || echo /usr/bin/chromium)

# A CI run builds once: no incremental caches (they take disk and a fresh clone never reuses them).
ifdef CI
export CARGO_INCREMENTAL := 0
endif

SANDBOX = cargo run --quiet --profile sandbox --features sandbox --bin sandbox --

.PHONY: demo test tools test-tools bench-tools plugin test-native test-browser test-faults bench wasm-profile fmt package package-tools test-packages

## Build the plugin (release), start the sandbox API and the demo CRM (with simulated website
## visitors), print the URLs.
## FAULTS='rate=0.2,kinds=500|503|429|timeout|malformed|reset,seed=7' fails some API requests.
demo: tools plugin
	$(SANDBOX) --db target/demo.db --visitor-simulator $(if $(FAULTS),--faults '$(FAULTS)')

## Every test: native unit and API tests, manifest, wasm browser tests, end-to-end in Chromium,
## the CRM packages' tests, and the outside fuzzer against the API.
## The CRM packages are built after the plugin (Trunk replaces dist/) and before the native tests,
## whose Dynamics 365 end-to-end test serves the built solution's web resources.
test: test-tools plugin package test-native test-browser test-packages test-faults

tools:
	@.ci/install-tools.sh build

test-tools:
	@.ci/install-tools.sh test

## The plugin's bundles, one per kind of mount (see README, "Bundles"): the sidebar's (record
## and list-view actions) in dist/, the CRM tab's in dist/tab/. Trunk empties its output folder
## first, so the sidebar's is built first.
plugin:
	trunk build --release
	trunk build www/tab.html --release --dist dist/tab --public-url /tab/

test-native:
	cargo test --features sandbox -- --test-threads 2

test-browser:
	cargo test --target wasm32-unknown-unknown --test 'browser*'

# The CRM packages under manifest/, each built by manifest/package.mjs from manifest/<crm>/.
PACKAGES = dynamics365 salesforce

## The CRM packages: dist/packages/MarketingSidebar_<crm>_<version>.zip. (Trunk replaces dist/ when
## it builds the plugin, so build the packages after the plugin.)
package: package-tools
	@for crm in $(PACKAGES); do node manifest/package.mjs $$crm || exit 1; done

package-tools:
	@.ci/install-tools.sh packages

## The packages' type check against the CRMs' published client API types, and their tests.
test-packages: package-tools
	cd manifest && npx --no-install tsc -p dynamics365 --noEmit
	cd manifest && node --test test/*.test.mjs dynamics365/test/*.test.mjs salesforce/test/*.test.mjs

## Schemathesis against /v1/openapi.json of a fresh sandbox, every check, API and dev endpoints.
test-faults: test-tools
	.ci/schemathesis.sh

## Benchmarks (see README): API latency at 1,000,000 activities, plugin size and paint time, the
## first row side by side with a hand-written page, and where the wasm's bytes are.
bench: bench-tools plugin wasm-profile
	cargo bench --features sandbox

bench-tools:
	@.ci/install-tools.sh bench

# The release wasm as wasm-opt makes it from wasm-bindgen's output (the same passes, read from
# www/index.html), but keeping the function names, so twiggy can name what takes the bytes. It is
# the bundle Trunk built last: the CRM tab's after `make plugin`, the sidebar's after a plain
# `trunk build --release`.
WASM_OPT_PARAMS = $(shell sed -n 's/.*data-wasm-opt-params="\([^"]*\)".*/\1/p' www/index.html)
wasm-profile:
	wasm-opt -Oz $(WASM_OPT_PARAMS) --debuginfo target/wasm-bindgen/release/crm-sidebar_bg.wasm -o target/wasm-profile.wasm
	twiggy top -n 20 target/wasm-profile.wasm
	twiggy monos -g -m 10 target/wasm-profile.wasm

fmt:
	cargo fmt --all
