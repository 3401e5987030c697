#!/usr/bin/env bash
# The engine's unit tests compiled to wasm32 and run in Node by wasm-bindgen-test-runner (installed
# with wasm-bindgen-cli at the pinned version by scripts/setup.sh): the same code paths the
# package runs, in the same instruction set (simd128), not only natively.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
export PATH="$HOME/.cargo/bin:$PATH"
[ "$WASM_TOOLCHAIN" != none ] || { echo "test-rust-wasm: no wasm32 toolchain — run: bash scripts/setup.sh" >&2; exit 1; }
env ${WASM_RUSTC:+RUSTC=$WASM_RUSTC} \
  ${WASM_RUSTC:+CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld} \
  CARGO_TARGET_DIR=target/wasm-test \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  RUSTFLAGS="-C target-feature=+simd128" \
  "$WASM_CARGO" test --release --lib --target wasm32-unknown-unknown -p hz-portfolio-engine 2>&1 | grep -v '^test .* ok$'
