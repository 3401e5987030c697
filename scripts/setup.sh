#!/usr/bin/env bash
# Installs what a fresh machine needs to build and test hz-portfolio, idempotently:
#   1. a Rust toolchain that can build wasm32-unknown-unknown,
#   2. wasm-bindgen-cli at exactly the version pinned in rust/Cargo.toml, and cargo-fuzz,
#   3. Debian chromium (browser tests), 4. npm dependencies.
# Re-running it when everything is present takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $APT_UPDATED = 0 ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  echo "setup: apt-get install ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- 1. wasm32 toolchain -------------------------------------------------------------------
. scripts/toolchain.sh
if [ "$WASM_TOOLCHAIN" = none ] && command -v rustup >/dev/null 2>&1 && [ -z "${HZ_SKIP_RUSTUP_TARGET:-}" ]; then
  # Works wherever rustup can reach its server; fails fast on machines that cannot.
  # (HZ_SKIP_RUSTUP_TARGET=1 skips it, to exercise the Debian route below.)
  timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
  . scripts/toolchain.sh
fi
if [ "$WASM_TOOLCHAIN" = none ]; then
  echo "setup: building the wasm32 std from Debian's rustc-web sources (one-off, ~1 min)"
  apt_install rustc-web cargo-web rust-web-src lld
  stdsrc=$(mktemp -d)
  mkdir -p "$stdsrc/src"
  cat > "$stdsrc/Cargo.toml" <<'TOML'
[package]
name = "wasm-std-bootstrap"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
crate-type = ["cdylib"]
[profile.release]
panic = "abort"
TOML
  echo 'pub fn touch() -> usize { std::vec![1u8].len() }' > "$stdsrc/src/lib.rs"
  (cd "$stdsrc" && RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
    /usr/bin/cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
  $SUDO mkdir -p "$DEBIAN_WASM_LIB"
  $SUDO cp "$stdsrc"/target/wasm32-unknown-unknown/release/deps/*.rlib "$DEBIAN_WASM_LIB"/
  rm -rf "$stdsrc"
  . scripts/toolchain.sh
fi
[ "$WASM_TOOLCHAIN" != none ] || { echo "setup: no wasm32 toolchain available" >&2; exit 1; }
echo "setup: wasm32 toolchain: $WASM_TOOLCHAIN"
command -v wasm-ld >/dev/null 2>&1 || [ "$WASM_TOOLCHAIN" = rustup ] || apt_install lld

# --- 2. wasm-bindgen-cli (must equal the crate version exactly) ----------------------------
# (it also installs wasm-bindgen-test-runner, which runs the engine's unit tests in wasm32: npm run test:rust-wasm)
WB_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' rust/Cargo.toml)
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  echo "setup: cargo install wasm-bindgen-cli $WB_VERSION (a few minutes)"
  # --force: cargo's own record may claim an install whose binary is gone or of another version.
  cargo install -q --force wasm-bindgen-cli --version "$WB_VERSION" --locked
fi

# cargo-fuzz (the boundary fuzz targets in fuzz/, run by `npm run test:fuzz`)
cargo fuzz --version >/dev/null 2>&1 || { echo "setup: cargo install cargo-fuzz (about a minute)"; cargo install -q --force cargo-fuzz --locked; }

# --- 3. chromium for browser tests ------------------------------------------------------------
[ -x /usr/bin/chromium ] || apt_install chromium

# --- 4. npm dependencies --------------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
echo "setup: done"
