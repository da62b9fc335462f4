#!/usr/bin/env bash
# `make demo`: install Mosquitto where we can, so hearth runs it as its broker. Without it
# hearth still runs, on its built-in broker (amqtt), which holds less under load.
set -euo pipefail

if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing mosquitto from Debian's packages (hearth runs it as its broker)"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends mosquitto >/dev/null; then
    # hearth starts its own; the packaged service would hold port 1883.
    if command -v systemctl >/dev/null 2>&1; then
      systemctl disable --now mosquitto >/dev/null 2>&1 || true
    fi
    exit 0
  fi
fi
echo "Mosquitto is not installed, so hearth will use its built-in broker (amqtt), which" >&2
echo "holds less under load. To use Mosquitto: sudo apt-get install mosquitto" >&2
exit 0
