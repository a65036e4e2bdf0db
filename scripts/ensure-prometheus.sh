#!/usr/bin/env bash
# Makes sure `prometheus` and `promtool` (2.28 or newer) are on PATH for the integration tests.
# When they are missing, installs Debian's `prometheus` package (as root, or through passwordless
# sudo) without letting the package start its system service: the tests run their own server on
# a random port, and a service left on :9090 would only get in the way. Safe to run repeatedly.
set -euo pipefail

# promtool's --max-block-duration for `tsdb create-blocks-from` came in 2.28; without it,
# 31 days of data become 372 two-hour blocks and the setup crawls.
readonly MIN_MAJOR=2 MIN_MINOR=28

readonly TOOL=prometheus
say() { echo "ensure-prometheus: $*"; }
fail() {
  echo "ensure-prometheus: $*" >&2
  exit 1
}
# shellcheck source=scripts/lib/debian-package.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/debian-package.sh"

check_version() {
  local version major minor
  version="$(prometheus --version 2>&1 | sed -n 's/^prometheus, version \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n 1)"
  [ -n "$version" ] || fail "cannot tell the version of $(command -v prometheus) from 'prometheus --version'"
  major="${version%%.*}"
  minor="${version#*.}"
  if [ "$major" -lt "$MIN_MAJOR" ] || { [ "$major" -eq "$MIN_MAJOR" ] && [ "$minor" -lt "$MIN_MINOR" ]; }; then
    fail "prometheus $version at $(command -v prometheus) is too old: the tests need $MIN_MAJOR.$MIN_MINOR or newer." \
      "Put a newer prometheus and promtool first on PATH (https://prometheus.io/download/)."
  fi
  say "using prometheus $version ($(command -v prometheus)) and promtool ($(command -v promtool))"
}

if have prometheus && have promtool; then
  check_version
  exit 0
fi

install_debian_package prometheus prometheus \
  "Put prometheus and promtool $MIN_MAJOR.$MIN_MINOR or newer from https://prometheus.io/download/ on PATH."
if ! have prometheus || ! have promtool; then
  fail "installed the prometheus package, yet prometheus or promtool is still not on PATH ($PATH)"
fi
check_version
