#!/usr/bin/env bash
# The edit loop a user lives in: change one line in cluster/, then `cargo run` (incremental
# build of the user's crate, link, render of both monacocloud trees). Prints each run's
# wall-clock time and the median of RUNS (default 5). Goal (README, Performance): 0.6 s on
# 2 cores.
#
#   bash benches/edit_loop.sh [RUNS]
#
# Each run writes a different comment line at the end of cluster/config.rs, so rustc sees a
# real change; the file is put back as it was on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
file=cluster/config.rs
saved=$(mktemp)
cp "$file" "$saved"
trap 'cp "$saved" "$file"; rm -f "$saved"; cargo build -q --locked' EXIT
cargo build -q --locked # warm: everything but the edit is built
times=()
for i in $(seq 1 "$runs"); do
  cp "$saved" "$file"
  echo "// edit loop run $i at $(date +%s%N)" >>"$file"
  start=$(date +%s%N)
  cargo run -q --locked >/dev/null
  end=$(date +%s%N)
  t=$(python3 -c "print(f'{($end - $start) / 1e9:.2f}')")
  times+=("$t")
  echo "run $i: $t s"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
echo "median of $runs: $median s ($(nproc) cores)"
