#!/usr/bin/env bash
# Micro-benchmarks of two commits side by side (make bench-compare
# BASE=<rev>): the gateway chain, the sidecar call, N+1 and the mapping of a
# large response (or the benchmarks PATTERN matches, a go test -bench
# regexp), run COUNT times (default 6) at BASE and at the working
# tree, alternating the two so that the machine's noise falls on both, then
# compared with benchstat. BASE is checked out in a temporary git worktree,
# removed at the end.
set -euo pipefail
base=${1:?usage: compare.sh BASE [COUNT] [PATTERN]}
count=${2:-6}
pattern=${3:-'^Benchmark(Chain|Call|ProductsWithSellerAndReviews|LargeResponse)$'}
root=$(git rev-parse --show-toplevel)
cd "$root"
rev=$(git rev-parse --verify "$base^{commit}")
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/base" "$rev" >/dev/null
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
GOBIN="$work" GOFLAGS= go install "$benchstat"
run() { # tree output
  (cd "$1" && go test -run '^$' -bench "$pattern" -benchmem -count 1 ./runtime/gateway/ ./runtime/sidecar/ 2>/dev/null | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' || true) >>"$2"
  (cd "$1/examples/shop" && go test -run '^$' -bench "$pattern" -benchmem -count 1 . 2>/dev/null | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' || true) >>"$2"
}
echo "bench-compare: $base ($rev) against the working tree, $count rounds"
for i in $(seq "$count"); do
  echo "round $i/$count" >&2
  run "$work/base" "$work/old.txt"
  run "$root" "$work/new.txt"
done
"$work/benchstat" base="$work/old.txt" new="$work/new.txt"
