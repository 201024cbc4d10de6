#!/usr/bin/env bash
# Generator benchmark (make bench-generate): times `bffgen generate` and
# `gqlgen generate` on the same large schema (internal/benchgen), alternating
# them, and prints wall time and peak memory of each run (run 1 of bffgen is
# the first generation of the spec, later ones find its unchanged packages in
# the build cache, as a re-run of go generate does). Then it times no-op
# runs: bffgen generate again with nothing changed (the inputs' hash matches
# gen/.bffgen-state, so generation is skipped), and with --force (everything
# generated again, from a warm cache). Both binaries are built first, so
# compile time is not measured. CPU time is user+sys of the generator and
# the go commands it runs; the ratio lines compare each bffgen run with the
# gqlgen run just before it.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/bffgen" ./cmd/bffgen
go run ./internal/benchgen -out "$work/big"
printf 'module example.com/big\n\ngo 1.26\n\nrequire github.com/bffgen/bffgen v0.0.0\n\nreplace github.com/bffgen/bffgen => %s\n' "$root" > "$work/big/bffgen/go.mod"
printf 'module example.com/biggql\n\ngo 1.26\n\nrequire github.com/99designs/gqlgen v0.17.95\n' > "$work/big/gqlgen/go.mod"
cp go.sum "$work/big/bffgen/go.sum"
cp go.sum "$work/big/gqlgen/go.sum"
export GOFLAGS=-mod=mod # scratch modules only: the repository's go.mod is not touched
(cd "$work/big/gqlgen" && go build -o "$work/gqlgen" github.com/99designs/gqlgen)
echo "spec: 30 services, 300 messages, 300 @rpc fields + 900 proto field reads (1200 bound fields)"
# timed LABEL OUT CMD...: runs CMD, prints its wall and CPU time (user+sys,
# children included: the go commands the generators run) and peak memory,
# and appends "wall cpu" to OUT. CMD's output is discarded, its errors are
# not.
timed() {
  local label=$1 out=$2
  shift 2
  /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$@" >/dev/null
  read -r wall user sys peak < "$work/time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  echo "$label: $wall s (cpu $cpu s = $user+$sys), peak $peak KiB"
  echo "$wall $cpu" >> "$out"
}
for i in $(seq "$runs"); do
  (cd "$work/big/gqlgen" && rm -rf graph && timed "run $i gqlgen generate" "$work/gqlgen.times" "$work/gqlgen" generate)
  (cd "$work/big/bffgen" && rm -rf gen resolvers && timed "run $i bffgen generate" "$work/bffgen.times" "$work/bffgen" generate -q)
done
# The ratio of each run, bffgen over the gqlgen run just before it.
paste -d' ' "$work/bffgen.times" "$work/gqlgen.times" | awk '{ printf "run %d bffgen/gqlgen: wall %.2fx, cpu %.2fx%s\n", NR, $1 / $3, $2 / $4, (NR == 1 ? " (first generation of the spec)" : " (regeneration, warm build cache)") }'
for i in $(seq "$runs"); do
  (cd "$work/big/bffgen" && timed "run $i bffgen generate, nothing changed" "$work/noop.times" "$work/bffgen" generate -q)
done
for i in $(seq "$runs"); do
  (cd "$work/big/bffgen" && timed "run $i bffgen generate --force, nothing changed" "$work/force.times" "$work/bffgen" generate -q --force)
done
