#!/usr/bin/env bash
# A newcomer's first `cargo test`: clone this checkout's HEAD into a fresh folder (nothing
# built, nothing beside it), run `cargo test --locked` there once and print the wall-clock
# time, the peak memory and the size of target/ it leaves. Goal (README, Performance): at
# most 6 minutes and 4 GB on 2 cores.
#
#   bash benches/fresh_clone_test.sh [KEEP_DIR]
#
# The crates.io registry cache (~/.cargo/registry) is used as it is: downloads are not timed.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(mktemp -d /tmp/fluxdsl-fresh-clone.XXXXXX)}
git clone -q "$src" "$dir/clone"
cd "$dir/clone"
cargo fetch --locked -q
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$dir/peak-kb" cargo test --locked >"$dir/cargo-test.log" 2>&1 || {
  tail -n 40 "$dir/cargo-test.log"; echo "fresh_clone_test: cargo test failed (log: $dir/cargo-test.log)" >&2; exit 1; }
end=$(date +%s.%N)
secs=$(python3 -c "print(round($end - $start))")
printf 'fresh clone cargo test --locked: %d min %02d s, peak RSS %d MB, target/ %s (%s cores, log %s)\n' \
  $((secs / 60)) $((secs % 60)) $(( $(cat "$dir/peak-kb") / 1024 )) "$(du -sh target | cut -f1)" "$(nproc)" "$dir/cargo-test.log"
grep -E '^test result: ' "$dir/cargo-test.log" | awk '{p += $4; f += $6} END {print p " passed, " f " failed"}'
