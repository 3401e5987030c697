#!/usr/bin/env bash
# Fuzzes the engine's JavaScript boundary (fuzz/, cargo-fuzz + libFuzzer on the host build):
# one target per exported engine function that takes arrays from JS. Each target runs briefly
# from the seeds in fuzz/seeds/ (made from fixtures/ by fuzz/make_seeds.py); any panic, abort,
# sanitizer report, non-finite Ok result or broken invariant fails the run.
#
#   bash scripts/fuzz.sh                  # every target, FUZZ_SECONDS (default 5) each
#   FUZZ_SECONDS=60 bash scripts/fuzz.sh simulation kelly_joint
#
# cargo-fuzz needs nightly compiler flags: a stable rustc accepts them with RUSTC_BOOTSTRAP=1.
# The compiler is rustup's default rustc (it ships the AddressSanitizer runtime), else Debian's
# /usr/bin/rustc (rustc-web, no ASan runtime: --sanitizer none). Override with FUZZ_RUSTC and
# FUZZ_SANITIZER (address | none). Crashes are written to target/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
start=$(date +%s)

SECS=${FUZZ_SECONDS:-5}
ALL=(ledoit_wolf kelly_independent kelly_joint risk_parity min_variance prediction_greeks history_correlation simulation summarize_pnl events)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

# --- cargo-fuzz ------------------------------------------------------------------------------
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo install cargo-fuzz --locked"
  cargo install -q cargo-fuzz --locked
fi

# --- compiler and sanitizer ------------------------------------------------------------------
pick_rustc() {
  if [ -n "${FUZZ_RUSTC:-}" ]; then echo "$FUZZ_RUSTC"; return; fi
  local r
  if command -v rustup >/dev/null 2>&1 && r=$(rustup which rustc 2>/dev/null) && [ -x "$r" ]; then echo "$r"; return; fi
  if [ -x /usr/bin/rustc ]; then echo /usr/bin/rustc; return; fi
  command -v rustc
}
RUSTC_BIN=$(pick_rustc)
HOST=$("$RUSTC_BIN" -vV | sed -n 's/^host: //p')
SYSROOT=$("$RUSTC_BIN" --print sysroot)
if [ -n "${FUZZ_SANITIZER:-}" ]; then
  SAN=$FUZZ_SANITIZER
elif ls "$SYSROOT/lib/rustlib/$HOST/lib/"librustc-*_rt.asan.a >/dev/null 2>&1; then
  SAN=address
else
  SAN=none
fi
export RUSTC="$RUSTC_BIN" RUSTC_BOOTSTRAP=1
TARGET_DIR=target/fuzz
ART=$TARGET_DIR/artifacts
mkdir -p "$ART"

echo "fuzz: $("$RUSTC_BIN" --version) ($RUSTC_BIN), sanitizer $SAN, ${SECS}s per target"
if ! cargo fuzz build --sanitizer "$SAN" --target-dir "$TARGET_DIR" >"$TARGET_DIR/build.log" 2>&1; then
  if [ "$SAN" = address ]; then
    echo "fuzz: the ASan build failed (see $TARGET_DIR/build.log); retrying with --sanitizer none"
    SAN=none
    cargo fuzz build --sanitizer none --target-dir "$TARGET_DIR" >"$TARGET_DIR/build.log" 2>&1 || { tail -40 "$TARGET_DIR/build.log"; exit 1; }
  else
    tail -40 "$TARGET_DIR/build.log"
    exit 1
  fi
fi
echo "fuzz: built in $(( $(date +%s) - start ))s"

# --- run -------------------------------------------------------------------------------------
failed=()
for t in "${TARGETS[@]}"; do
  corpus=$(mktemp -d)
  log="$TARGET_DIR/$t.log"
  t0=$(date +%s)
  if cargo fuzz run --sanitizer "$SAN" --target-dir "$TARGET_DIR" "$t" "$corpus" "fuzz/seeds/$t" -- \
      -max_total_time="$SECS" -timeout=30 -rss_limit_mb=2560 -artifact_prefix="$ART/$t-" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "fuzz: $t ok (${runs:-?} runs, $(( $(date +%s) - t0 ))s)"
  else
    echo "fuzz: $t FAILED — log: $log"
    grep -m1 -A8 "panicked at\|ERROR: AddressSanitizer\|ERROR: libFuzzer" "$log" || tail -30 "$log"
    failed+=("$t")
  fi
  rm -rf "$corpus"
done
echo "fuzz: done in $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failing targets: ${failed[*]} (reproduce: RUSTC_BOOTSTRAP=1 RUSTC=$RUSTC_BIN cargo fuzz run --sanitizer $SAN --target-dir $TARGET_DIR <target> $ART/<target>-crash-…)" >&2
  exit 1
fi
