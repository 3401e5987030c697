#!/usr/bin/env bash
# Builds the engine: cargo (wasm32) → wasm-bindgen → pkg/, then the TypeScript facade → dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
export PATH="$HOME/.cargo/bin:$PATH"
[ "$WASM_TOOLCHAIN" != none ] || { echo "build: no wasm32 toolchain — run: bash scripts/setup.sh" >&2; exit 1; }

env ${WASM_RUSTC:+RUSTC=$WASM_RUSTC} \
  ${WASM_RUSTC:+CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld} \
  CARGO_TARGET_DIR=target/wasm \
  RUSTFLAGS="-C target-feature=+simd128" \
  "$WASM_CARGO" build -q --release --target wasm32-unknown-unknown -p hz-portfolio-engine

rm -rf pkg
wasm-bindgen --target web --out-dir pkg --out-name hz_portfolio \
  target/wasm/wasm32-unknown-unknown/release/hz_portfolio.wasm
if [ -x node_modules/.bin/wasm-opt ]; then
  node_modules/.bin/wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    pkg/hz_portfolio_bg.wasm -o pkg/hz_portfolio_bg.wasm
fi
rm -rf dist
npx tsc -p tsconfig.build.json
node scripts/bundle.mjs
echo "build: pkg/ and dist/ ready"
