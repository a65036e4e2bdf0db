#!/usr/bin/env bash
# Makes sure `redis-server` (6.2 or newer) is on PATH for the integration tests of the Redis store.
# When it is missing, installs Debian's `redis-server` package (as root, or through passwordless
# sudo) without letting the package start its system service: the tests run their own server on
# a random port, and a service left on :6379 would only get in the way. Safe to run repeatedly.
set -euo pipefail

# BullMQ refuses Redis before 5.0 and warns below 6.2, the version it is tested against.
readonly MIN_MAJOR=6 MIN_MINOR=2

readonly TOOL=redis
say() { echo "ensure-redis: $*"; }
fail() {
  echo "ensure-redis: $*" >&2
  exit 1
}
# shellcheck source=scripts/lib/debian-package.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/debian-package.sh"
check_version() {
  local version major minor
  # "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=..."
  version="$(redis-server --version 2>&1 | sed -n 's/.* v=\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n 1)"
  [ -n "$version" ] || fail "cannot tell the version of $(command -v redis-server) from 'redis-server --version'"
  major="${version%%.*}"
  minor="${version#*.}"
  if [ "$major" -lt "$MIN_MAJOR" ] || { [ "$major" -eq "$MIN_MAJOR" ] && [ "$minor" -lt "$MIN_MINOR" ]; }; then
    fail "redis-server $version at $(command -v redis-server) is too old: the tests need $MIN_MAJOR.$MIN_MINOR or newer." \
      "Put a newer redis-server first on PATH (https://redis.io/downloads/)."
  fi
  say "using redis-server $version ($(command -v redis-server))"
}

if have redis-server; then
  check_version
  exit 0
fi

install_debian_package redis-server redis-server \
  "Put redis-server $MIN_MAJOR.$MIN_MINOR or newer (https://redis.io/downloads/) on PATH."
have redis-server || fail "installed the redis-server package, yet redis-server is still not on PATH ($PATH)"
check_version
