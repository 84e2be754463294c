#!/usr/bin/env bash
# Debian packages the test suite drives as real, independent parts: kcat (Kafka client),
# prometheus + promtool, docker-compose (offline validation of docker/compose.yaml).
set -euo pipefail
need=()
command -v kcat >/dev/null || need+=(kcat)
command -v promtool >/dev/null || need+=(prometheus)
command -v docker-compose >/dev/null || need+=(docker-compose)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then echo "missing ${need[*]}: run as root or install them" >&2; exit 1; fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
