#!/usr/bin/env bash
# `fluxdsl import` timed (release build): a synthetic repository of DOCS documents (default
# 1,000: one cluster, 100 app folders of ConfigMaps, Deployments and HelmReleases, their
# HelmRepository), then the same with 2, 4 and 8 times the documents (the cost must grow
# linearly), and every fixture of README's import table. Prints the best of RUNS (default 5)
# wall-clock runs each.
# Goal (README, Performance): 1,000 documents under one second on 2 cores.
#
#   bash benches/import.sh [DOCS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-1000}
runs=${2:-5}
cargo build -q --locked --release --bin fluxdsl
# The binary links libfluxdsl.so and std dynamically (.cargo/config.toml).
export LD_LIBRARY_PATH="$PWD/target/release/deps:$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/lib"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

generate() { # generate DIR DOCS: the synthetic repository
python3 - "$1" "$2" <<'EOF'
import os, sys
root, docs = sys.argv[1], int(sys.argv[2])
def write(path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
write("clusters/prod/flux-system/gotk-sync.yaml", """apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: ssh://git@github.com/example/fleet
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/prod
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
""")
write("clusters/prod/apps.yaml", """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
""")
write("clusters/prod/podinfo.yaml", """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 1h
  url: https://stefanprodan.github.io/podinfo
""")
left = docs - 4
app = 0
folders = []
while left > 0:
    name = f"app{app:03}"
    n = min(left, 10)
    out = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            out.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-{i}\n  namespace: {name}\ndata:\n  key: value-{i}\n")
        elif kind == 1:
            out.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}-{i}\n  namespace: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {name}-{i}\n  template:\n    metadata:\n      labels:\n        app: {name}-{i}\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/{name}:1.{i}.0\n          ports:\n            - containerPort: 8080\n")
        else:
            out.append(f"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}-{i}\n  namespace: {name}\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: podinfo\n      version: 6.5.{i}\n      sourceRef:\n        kind: HelmRepository\n        name: podinfo\n        namespace: flux-system\n  values:\n    replicaCount: {i}\n")
    write(f"apps/{name}/objects.yaml", "---\n".join(out))
    write(f"apps/{name}/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - objects.yaml\n")
    folders.append(name)
    left -= n
    app += 1
write("apps/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" + "".join(f"  - {f}\n" for f in folders))
EOF
}
generate "$work/synthetic" "$docs"

best_of() { # best wall-clock ms of $runs imports of $1 (further arguments: import's)
  local best=
  for i in $(seq 1 "$runs"); do
    rm -rf "$work/out"
    start=$(date +%s%N)
    target/release/fluxdsl import "$@" --out "$work/out" >/dev/null
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}

echo "synthetic repository, $docs documents: $(best_of "$work/synthetic") ms (best of $runs)"
for times in 2 4 8; do
  generate "$work/synthetic-$times" $((docs * times))
  echo "synthetic repository, $((docs * times)) documents: $(best_of "$work/synthetic-$times") ms"
done
for repo in flux2-kustomize-helm-example flux2-multi-tenancy k8s-home-ops \
  flux-local-testdata/cluster{2,3,4,5,6,7,8,9,10,11,12}; do
  echo "$repo: $(best_of "tests/fixtures/$repo") ms"
done
echo "this project's k8s/flux + kube-deploy: $(best_of k8s/flux --repository kube-deploy=kube-deploy) ms"
