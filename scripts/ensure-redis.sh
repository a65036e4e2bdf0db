#!/usr/bin/env bash
# Makes sure `redis-server` (6.2 or newer) is on PATH for the integration tests of the Redis store.
# When it is missing, installs Debian's `redis-server` package (as root, or through passwordless
# sudo) without letting the package start its system service: the tests run their own server on
# a random port, and a service left on :6379 would only get in the way. Safe to run repeatedly.
set -euo pipefail

# BullMQ refuses Redis before 5.0 and warns below 6.2, the version it is tested against.
readonly MIN_MAJOR=6 MIN_MINOR=2
readonly POLICY=/usr/sbin/policy-rc.d SAVED_POLICY=/usr/sbin/policy-rc.d.slo-gate-saved

say() { echo "ensure-redis: $*"; }
fail() {
  echo "ensure-redis: $*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo -n -- "$@"
  fi
}

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

# The package still enables its service for the next boot (and an init that ignores policy-rc.d
# may have started it): stop and disable it. Only called right after we installed the package.
disable_service() {
  if [ -d /run/systemd/system ] && have systemctl; then
    if systemctl is-enabled --quiet redis-server.service 2>/dev/null || systemctl is-active --quiet redis-server.service; then
      as_root systemctl disable --now redis-server.service
      say "stopped and disabled the redis-server system service the package set up (re-enable: systemctl enable --now redis-server)"
    fi
  elif [ -x /etc/init.d/redis-server ] && /etc/init.d/redis-server status >/dev/null 2>&1; then
    as_root /etc/init.d/redis-server stop
    say "stopped the redis-server system service the package started"
  fi
}

# While we install, a policy-rc.d that exits 101 tells invoke-rc.d and deb-systemd-invoke not to
# start any service. Without it, a container without systemd runs the package's init script,
# which starts redis-server on :6379. An administrator's own policy-rc.d is set aside and put
# back afterwards.
deny_service_starts() {
  if [ -e "$POLICY" ] && grep -q 'slo-gate' "$POLICY"; then
    restore_policy # left behind by a run that was killed
  fi
  if [ -e "$POLICY" ]; then
    as_root mv "$POLICY" "$SAVED_POLICY"
  fi
  trap restore_policy EXIT
  trap 'exit 130' INT TERM
  printf '#!/bin/sh\n# Written by slo-gate scripts/ensure-redis.sh while it installs redis-server.\nexit 101\n' |
    as_root tee "$POLICY" >/dev/null
  as_root chmod 755 "$POLICY"
}

restore_policy() {
  if [ -e "$SAVED_POLICY" ]; then
    as_root mv -f "$SAVED_POLICY" "$POLICY"
  else
    as_root rm -f "$POLICY"
  fi
}

install_package() {
  have apt-get || fail "redis-server is not on PATH and this is not a Debian-like system." \
    "Install Redis $MIN_MAJOR.$MIN_MINOR or newer (https://redis.io/downloads/) and put redis-server on PATH."
  if [ "$(id -u)" -ne 0 ] && ! { have sudo && sudo -n true 2>/dev/null; }; then
    fail "redis-server is not on PATH, and installing it needs root." \
      "Run: sudo scripts/ensure-redis.sh (it keeps the package's service from starting)," \
      "or put redis-server $MIN_MAJOR.$MIN_MINOR or newer on PATH."
  fi

  deny_service_starts
  say "installing Debian's redis-server package"
  as_root apt-get update -q || fail "apt-get update failed (see above)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=60 redis-server || fail "apt-get could not install redis-server (see above)"
  restore_policy
  trap - EXIT INT TERM
  disable_service
}

if have redis-server; then
  check_version
  exit 0
fi

install_package
hash -r
have redis-server || fail "installed the redis-server package, yet redis-server is still not on PATH ($PATH)"
check_version
