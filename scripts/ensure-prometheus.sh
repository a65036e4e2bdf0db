#!/usr/bin/env bash
# Makes sure `prometheus` and `promtool` (2.28 or newer) are on PATH for the integration tests.
# When they are missing, installs Debian's `prometheus` package (as root, or through passwordless
# sudo) without letting the package start its system service: the tests run their own server on
# a random port, and a service left on :9090 would only get in the way. Safe to run repeatedly.
set -euo pipefail

# promtool's --max-block-duration for `tsdb create-blocks-from` came in 2.28; without it,
# 31 days of data become 372 two-hour blocks and the setup crawls.
readonly MIN_MAJOR=2 MIN_MINOR=28
readonly POLICY=/usr/sbin/policy-rc.d SAVED_POLICY=/usr/sbin/policy-rc.d.slo-gate-saved

say() { echo "ensure-prometheus: $*"; }
fail() {
  echo "ensure-prometheus: $*" >&2
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

# The package still enables its service for the next boot (and an init that ignores policy-rc.d
# may have started it): stop and disable it. Only called right after we installed the package.
disable_service() {
  if [ -d /run/systemd/system ] && have systemctl; then
    if systemctl is-enabled --quiet prometheus.service 2>/dev/null || systemctl is-active --quiet prometheus.service; then
      as_root systemctl disable --now prometheus.service
      say "stopped and disabled the prometheus system service the package set up (re-enable: systemctl enable --now prometheus)"
    fi
  elif [ -x /etc/init.d/prometheus ] && /etc/init.d/prometheus status >/dev/null 2>&1; then
    as_root /etc/init.d/prometheus stop
    say "stopped the prometheus system service the package started"
  fi
}

# While we install, a policy-rc.d that exits 101 tells invoke-rc.d and deb-systemd-invoke not to
# start any service. Without it, a container without systemd runs the package's init script,
# which starts prometheus on :9090 (and when that "fails", dpkg leaves the package half
# configured). An administrator's own policy-rc.d is set aside and put back afterwards.
deny_service_starts() {
  if [ -e "$POLICY" ] && grep -q 'slo-gate' "$POLICY"; then
    restore_policy # left behind by a run that was killed
  fi
  if [ -e "$POLICY" ]; then
    as_root mv "$POLICY" "$SAVED_POLICY"
  fi
  trap restore_policy EXIT
  trap 'exit 130' INT TERM
  printf '#!/bin/sh\n# Written by slo-gate scripts/ensure-prometheus.sh while it installs prometheus.\nexit 101\n' |
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
  have apt-get || fail "prometheus and promtool are not on PATH and this is not a Debian-like system." \
    "Download both from https://prometheus.io/download/ and put them on PATH."
  if [ "$(id -u)" -ne 0 ] && ! { have sudo && sudo -n true 2>/dev/null; }; then
    fail "prometheus and promtool are not on PATH, and installing them needs root." \
      "Run: sudo scripts/ensure-prometheus.sh (it keeps the package's service from starting)," \
      "or put prometheus and promtool $MIN_MAJOR.$MIN_MINOR or newer from https://prometheus.io/download/ on PATH."
  fi

  deny_service_starts
  say "installing Debian's prometheus package"
  as_root apt-get update -q || fail "apt-get update failed (see above)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=60 prometheus || fail "apt-get could not install prometheus (see above)"
  restore_policy
  trap - EXIT INT TERM
  disable_service
}

if have prometheus && have promtool; then
  check_version
  exit 0
fi

install_package
hash -r
if ! have prometheus || ! have promtool; then
  fail "installed the prometheus package, yet prometheus or promtool is still not on PATH ($PATH)"
fi
check_version
