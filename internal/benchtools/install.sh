#!/usr/bin/env bash
# Installs what `make bench-onehop` needs beyond Go: nginx (the gateway and
# the sidecar of the classic chain) and wrk (the load generator), from
# Debian's packages. It does nothing when both are there. The packages'
# scripts are kept from starting a system-wide nginx on port 80: while they
# run, a policy-rc.d refuses service starts (unless the machine has one).
set -euo pipefail
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench: ${need[*]} missing; install them with your package manager (nginx 1.22+, wrk 4)" >&2
  exit 1
fi
sudo=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "bench: installing ${need[*]} needs root: apt-get install ${need[*]}" >&2; exit 1; }
  sudo=sudo
fi
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# temporary, from bffgen internal/benchtools/install.sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
echo "bench: installing ${need[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq "${need[@]}" >/dev/null; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
