#!/usr/bin/env bash
# Generator benchmark (make bench-generate): times `bffgen generate` against
# two `gqlgen generate` baselines on the same large schema (internal/benchgen):
#   models: gqlgen generates its own model structs (gqlgen/);
#   bound:  gqlgen binds every type to the protobuf Go type it reads
#           (gqlgen-bound/, with a copy of the protoc-gen-go packages bffgen
#           generates), as a gqlgen BFF over protobuf backends is written.
# It prints wall time, CPU time and peak memory of each run, and the ratios
# of bffgen against each baseline, in two phases:
#   first generation: each run of each tool gets a build cache of its own,
#     copied from a template that holds every compiled package the
#     generations need (of the standard library, protobuf, gqlgen) but none
#     of the spec's, so each one compiles what it type-checks of the spec,
#     as the first generate of a spec on a developer's machine does;
#   regeneration: all three share one warm build cache, as a re-run of go
#     generate in a development loop or in CI with a cache.
# Then it times bffgen runs with nothing to do (the inputs' hash matches
# gen/.bffgen-state, so generation is skipped) and with --force (everything
# generated again, warm cache). The binaries are built first, so compile
# time of the tools is not measured. CPU time is user+sys of the generator
# and of the go commands it runs; each ratio compares runs of the same
# round, taken one after the other.
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
printf 'module example.com/biggqlbound\n\ngo 1.26\n\nrequire (\n\tgithub.com/99designs/gqlgen v0.17.95\n\tgoogle.golang.org/protobuf v1.36.12\n)\n' > "$work/big/gqlgen-bound/go.mod"
for d in bffgen gqlgen gqlgen-bound; do cp go.sum "$work/big/$d/go.sum"; done
export GOFLAGS=-mod=mod # scratch modules only: the repository's go.mod is not touched
(cd "$work/big/gqlgen" && go build -o "$work/gqlgen" github.com/99designs/gqlgen)
echo "spec: 30 services, 300 messages, 300 @rpc fields + 900 proto field reads (1200 bound fields)"

# The template build cache: each tool generates once, untimed, in a copy of
# its project at another path. The go command keys the compiled packages of
# a module by their directory, so the template holds every dependency and
# none of the packages of the measured projects (bffgen's scratch workspace
# is named after the project's path too). That run of bffgen also writes
# the protoc-gen-go packages the bound baseline binds to.
template=$work/cache-template
mkdir -p "$work/warm"
cp -a "$work/big/." "$work/warm/"
(export GOCACHE=$template; cd "$work/warm/bffgen" && "$work/bffgen" generate -q)
(cd "$work/warm/bffgen/gen" && find pb -name '*.pb.go' -exec cp --parents {} "$work/big/gqlgen-bound/" \;)
(cd "$work/big/gqlgen-bound" && find pb -name '*.pb.go' -exec cp --parents {} "$work/warm/gqlgen-bound/" \;)
(export GOCACHE=$template; cd "$work/warm/gqlgen" && "$work/gqlgen" generate >/dev/null)
(export GOCACHE=$template; cd "$work/warm/gqlgen-bound" && "$work/gqlgen" generate >/dev/null)
echo "template build cache: $(du -sh "$template" | cut -f1)"

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
# gen PHASE TOOL LABEL: one generation of TOOL (models, bound, bffgen) from
# scratch (its output removed first) in the build cache $GOCACHE.
gen() {
  local phase=$1 tool=$2 label=$3
  case $tool in
  models) (cd "$work/big/gqlgen" && rm -rf graph && timed "$label" "$work/$phase.$tool" "$work/gqlgen" generate) ;;
  bound) (cd "$work/big/gqlgen-bound" && rm -rf graph && timed "$label" "$work/$phase.$tool" "$work/gqlgen" generate) ;;
  bffgen) (cd "$work/big/bffgen" && rm -rf gen resolvers && timed "$label" "$work/$phase.$tool" "$work/bffgen" generate -q) ;;
  esac
}
# ratios PHASE NOTE: bffgen over each baseline, run by run.
ratios() {
  paste -d' ' "$work/$1.bffgen" "$work/$1.models" "$work/$1.bound" | awk -v note="$2" '{
    printf "run %d bffgen/gqlgen-models: wall %.2fx, cpu %.2fx; bffgen/gqlgen-bound: wall %.2fx, cpu %.2fx (%s)\n", NR, $1 / $3, $2 / $4, $1 / $5, $2 / $6, note }'
}

echo "first generation (a fresh copy of the template build cache per run):"
for i in $(seq "$runs"); do
  for tool in models bound bffgen; do
    cache=$work/cache-first
    rm -rf "$cache"
    cp -a "$template" "$cache"
    case $tool in
    models) label="run $i gqlgen generate (own models), first" ;;
    bound) label="run $i gqlgen generate (bound to pb types), first" ;;
    bffgen) label="run $i bffgen generate, first" ;;
    esac
    (export GOCACHE=$cache; gen first "$tool" "$label")
  done
done
rm -rf "$work/cache-first"

echo "regeneration (one warm build cache):"
export GOCACHE=$work/cache-warm
cp -a "$template" "$GOCACHE"
for tool in models bound bffgen; do
  gen warmup "$tool" "warm-up $tool (not counted)" >/dev/null
done
for i in $(seq "$runs"); do
  gen regen models "run $i gqlgen generate (own models)"
  gen regen bound "run $i gqlgen generate (bound to pb types)"
  gen regen bffgen "run $i bffgen generate"
done
ratios first "first generation"
ratios regen "regeneration, warm build cache"
for i in $(seq "$runs"); do
  (cd "$work/big/bffgen" && timed "run $i bffgen generate, nothing changed" "$work/noop.times" "$work/bffgen" generate -q)
done
for i in $(seq "$runs"); do
  (cd "$work/big/bffgen" && timed "run $i bffgen generate --force, nothing changed" "$work/force.times" "$work/bffgen" generate -q --force)
done
