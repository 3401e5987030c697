# Sourced by setup.sh and build.sh: decides which Rust toolchain builds wasm32, in one place.
# Prefers a rustup toolchain that has the wasm32 target; otherwise Debian's rustc-web with a
# wasm32 std built from source by setup.sh (this machine kind cannot download one).
WASM_TARGET=wasm32-unknown-unknown
DEBIAN_WASM_LIB=/usr/lib/rustlib/$WASM_TARGET/lib

if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
  WASM_TOOLCHAIN=rustup
  WASM_CARGO=cargo
  unset WASM_RUSTC
elif [ -x /usr/bin/rustc ] && ls "$DEBIAN_WASM_LIB"/libstd-*.rlib >/dev/null 2>&1; then
  WASM_TOOLCHAIN=debian
  WASM_CARGO=/usr/bin/cargo
  WASM_RUSTC=/usr/bin/rustc
else
  WASM_TOOLCHAIN=none
fi
