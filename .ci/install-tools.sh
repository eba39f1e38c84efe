#!/usr/bin/env bash
# Installs what building and testing the project needs, skipping whatever is already present, so
# a warm machine passes through in seconds. Usage: install-tools.sh [build|test|bench|packages]
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}
export PATH="$HOME/.cargo/bin:$PATH"

have() { command -v "$1" >/dev/null 2>&1; }

# Debian packages and global npm packages need root: sudo when we are not.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  echo "==> apt-get install $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# The CRM packages' tools (TypeScript, @types/xrm, esbuild, MSAL, fflate), exactly as
# manifest/package-lock.json pins them; again only when the lock file changed. No install scripts:
# esbuild finds its binary in its platform package without its postinstall step.
install_package_tools() {
  lock_sum=$(sha256sum manifest/package-lock.json | cut -d' ' -f1)
  if [ "$(cat manifest/node_modules/.installed-lock 2>/dev/null)" != "$lock_sum" ]; then
    have npm || apt_install nodejs npm
    echo "==> npm ci (manifest/, the CRM packages' tools)"
    npm ci --prefix manifest --ignore-scripts --no-audit --no-fund >/dev/null
    echo "$lock_sum" > manifest/node_modules/.installed-lock
  fi
}

# `packages`: only what `make package` and `make test-packages` need, not the Rust tools.
if [ "$what" = packages ]; then
  install_package_tools
  exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# Trunk's own release profile links with fat LTO in one codegen unit (7 minutes on two cores);
# the tools only drive other tools, so they are built without it.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

if ! have trunk || ! trunk --version | grep -q ' 0\.21\.14'; then
  echo "==> cargo install trunk 0.21.14 (about 5 minutes)"
  cargo install trunk --locked --version 0.21.14
fi

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly. (Not --locked: its locked
# dependency set names a version the registry mirror lacks.)
wb_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
if ! have wasm-bindgen || ! wasm-bindgen --version | grep -q " $wb_version\$"; then
  echo "==> cargo install wasm-bindgen-cli $wb_version (about 3 minutes)"
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# Debian's binaryen is too old for current Rust wasm; npm's 132 works with Trunk.
if ! have wasm-opt || ! wasm-opt --version | grep -q 'version 132'; then
  have npm || apt_install nodejs npm
  echo "==> npm install -g binaryen@132"
  if [ -w "$(npm prefix -g)" ]; then
    npm install -g binaryen@132 >/dev/null
  else
    as_root npm install -g binaryen@132 >/dev/null
  fi
fi

# The CRM packages' tools; esbuild among them also minifies the plugin's JS glue and styles after
# Trunk (src/bin/plugin_dist.rs says why not Trunk's own minifier), so every build needs them.
install_package_tools

if [ "$what" = test ] || [ "$what" = bench ]; then
  if ! have chromium || ! have chromedriver; then
    apt_install chromium chromium-driver
  fi
  # axe-core, the accessibility checker the e2e test tests/e2e_a11y.rs runs in each view.
  axe_version=4.14.1
  if ! grep -qs "\"version\": \"$axe_version\"" target/axe/node_modules/axe-core/package.json; then
    have npm || apt_install nodejs npm
    echo "==> npm install axe-core@$axe_version (into target/axe)"
    mkdir -p target/axe
    npm install --silent --no-audit --no-fund --prefix target/axe "axe-core@$axe_version" >/dev/null
  fi
  # Schemathesis, the outside fuzzer .ci/schemathesis.sh runs against the sandbox's OpenAPI, in
  # a venv of its own.
  schemathesis_version=4.32.5
  venv=target/schemathesis
  installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)
  if [ "$installed" != "$schemathesis_version" ]; then
    have python3 || apt_install python3 python3-venv
    echo "==> pip install schemathesis==$schemathesis_version (into $venv)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
  fi
fi

# twiggy, the wasm size profiler `make bench` runs on a build that keeps its function names.
if [ "$what" = bench ] && ! { have twiggy && twiggy --version | grep -q ' 0\.8\.0$'; }; then
  echo "==> cargo install twiggy 0.8.0 (about 3 minutes)"
  cargo install twiggy --locked --version 0.8.0
fi
