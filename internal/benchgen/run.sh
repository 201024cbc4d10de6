#!/usr/bin/env bash
# Generator benchmark (make bench-generate): times `bffgen generate` and
# `gqlgen generate` on the same large schema (internal/benchgen), alternating
# them, and prints wall time and peak memory of each run (run 1 of bffgen is
# the first generation of the spec, later ones find its unchanged packages in
# the build cache, as a re-run of go generate does). Then it times no-op
# runs: bffgen generate again with nothing changed (the inputs' hash matches
# gen/.bffgen-state, so generation is skipped), and with --force (everything
# generated again, from a warm cache). Both binaries are built first, so
# compile time is not measured.
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
for i in $(seq "$runs"); do
  (cd "$work/big/gqlgen" && rm -rf graph && /usr/bin/time -f "run $i gqlgen generate: %e s (cpu %U+%S s), peak %M KiB" "$work/gqlgen" generate >/dev/null)
  (cd "$work/big/bffgen" && rm -rf gen resolvers && /usr/bin/time -f "run $i bffgen generate: %e s (cpu %U+%S s), peak %M KiB" "$work/bffgen" generate -q)
done
for i in $(seq "$runs"); do
  (cd "$work/big/bffgen" && /usr/bin/time -f "run $i bffgen generate, nothing changed: %e s (cpu %U+%S s), peak %M KiB" "$work/bffgen" generate -q)
done
for i in $(seq "$runs"); do
  (cd "$work/big/bffgen" && /usr/bin/time -f "run $i bffgen generate --force, nothing changed: %e s (cpu %U+%S s), peak %M KiB" "$work/bffgen" generate -q --force)
done
