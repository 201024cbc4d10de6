#!/usr/bin/env bash
# Runs every native Go fuzz target of the module for FUZZTIME each (default
# 30s), one after the other, on loopback only: `make fuzz`, or
# `make fuzz FUZZTIME=10m` for a nightly run (ANCHORS FZ-1). A failure stops
# the run; `go test` has written the failing input under the package's
# testdata/fuzz/<Target>/, where it becomes a seed that plain `go test`
# replays: commit it with the fix.
set -euo pipefail
fuzztime="${FUZZTIME:-30s}"
cd "$(dirname "$0")/../.."
targets=0
while IFS= read -r file; do
  dir=$(dirname "$file")
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
    echo "fuzz: ./$dir $target for $fuzztime"
    go test "./$dir" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime"
    targets=$((targets + 1))
  done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
echo "fuzz: $targets targets, $fuzztime each: no failure"
