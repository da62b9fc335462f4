#!/usr/bin/env bash
# Make sure the system programs the tests and benchmarks drive are installed: PostgreSQL,
# Mosquitto, Chromium and wrk (the HTTP load generator of bench/). On Debian as root, install what is missing; otherwise name the package and stop.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1 || ls $2 >/dev/null 2>&1; }
have initdb "/usr/lib/postgresql/*/bin/initdb" || missing+=(postgresql)
have mosquitto "/usr/sbin/mosquitto" || missing+=(mosquitto)
have chromium "/usr/bin/chromium" || missing+=(chromium)
have wrk "/usr/bin/wrk" || missing+=(wrk)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packaged services are not needed: the tests start their own servers.
  for service in postgresql mosquitto; do
    if command -v systemctl >/dev/null 2>&1; then systemctl stop "$service" >/dev/null 2>&1 || true; fi
  done
  exit 0
fi
echo "missing system packages: ${missing[*]}" >&2
echo "install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
