#!/usr/bin/env bash
# The edit loop of a crate `fluxdsl import` writes, as benches/edit_loop.sh measures
# cluster/'s: k8s-home-ops (the largest fixture, 5,000 lines of Rust) imported into a
# folder outside this workspace, built once, then RUNS times (default 5): change one value
# in a Helm release's values (`replicaCount` in src/production.rs) and `cargo run`. Prints
# each run and the median. Goal (README, Performance): as fast as cluster/'s loop.
#
#   bash benches/import_edit_loop.sh [RUNS]
#
# The crate's build lives in target/import-edit-loop (kept between runs of this script:
# the first one builds fluxdsl and its dependencies for it, a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build -q --locked --release --bin fluxdsl
export LD_LIBRARY_PATH="$PWD/target/release/deps:$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/lib"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/fluxdsl import tests/fixtures/k8s-home-ops --out "$work/k8s-home-ops" >/dev/null
cp Cargo.lock "$work/k8s-home-ops/"
export CARGO_TARGET_DIR="$PWD/target/import-edit-loop"
unset LD_LIBRARY_PATH
cd "$work/k8s-home-ops"
cargo build -q # warm: everything but the edit is built
line=$(grep -n '"replicaCount": ' src/production.rs | head -1 | cut -d: -f1)
times=()
for i in $(seq 1 "$runs"); do
  sed -i "${line}s/\"replicaCount\": [0-9]*/\"replicaCount\": $((i + 10))/" src/production.rs
  start=$(date +%s%N)
  cargo run -q >/dev/null
  end=$(date +%s%N)
  t=$(python3 -c "print(f'{($end - $start) / 1e9:.2f}')")
  times+=("$t")
  echo "run $i: $t s"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
echo "median of $runs: $median s ($(nproc) cores)"
