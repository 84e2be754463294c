#!/usr/bin/env bash
# Debian packages the test suite drives as real, independent parts: kcat (Kafka client),
# prometheus + promtool, docker-compose (offline validation of docker/compose.yaml).
# `dotnet test StreamRnn.sln` runs this once per test project, and the projects build in parallel: the lock makes
# the first run install and the others wait for it, then find everything present (apt-get itself fails on a held lock).
set -euo pipefail
missing() {
  need=()
  command -v kcat >/dev/null || need+=(kcat)
  command -v promtool >/dev/null || need+=(prometheus)
  command -v docker-compose >/dev/null || need+=(docker-compose)
}
missing
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then echo "missing ${need[*]}: run as root or install them" >&2; exit 1; fi
if command -v flock >/dev/null; then
  exec 9>"${TMPDIR:-/tmp}/streamrnn-install-test-tools.lock"
  flock 9
  missing
  [ ${#need[@]} -eq 0 ] && exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
