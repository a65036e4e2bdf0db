# shellcheck shell=bash
# Sourced by scripts/ensure-*.sh: installs a Debian package without letting it start its system
# service (the tests run their own servers on random ports; a service left on a well-known port
# would only get in the way). The caller defines `say` and `fail` and sets TOOL (for messages).

readonly POLICY=/usr/sbin/policy-rc.d SAVED_POLICY=/usr/sbin/policy-rc.d.slo-gate-saved

have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo -n -- "$@"
  fi
}

# The package still enables its service for the next boot (and an init that ignores policy-rc.d
# may have started it): stop and disable it. Only called right after we installed the package.
disable_service() {
  local service="$1"
  if [ -d /run/systemd/system ] && have systemctl; then
    if systemctl is-enabled --quiet "$service.service" 2>/dev/null || systemctl is-active --quiet "$service.service"; then
      as_root systemctl disable --now "$service.service"
      say "stopped and disabled the $service system service the package set up (re-enable: systemctl enable --now $service)"
    fi
  elif [ -x "/etc/init.d/$service" ] && "/etc/init.d/$service" status >/dev/null 2>&1; then
    as_root "/etc/init.d/$service" stop
    say "stopped the $service system service the package started"
  fi
}

# While we install, a policy-rc.d that exits 101 tells invoke-rc.d and deb-systemd-invoke not to
# start any service. Without it, a container without systemd runs the package's init script,
# which starts the service on its default port (and when that "fails", dpkg leaves the package
# half configured). An administrator's own policy-rc.d is set aside and put back afterwards.
deny_service_starts() {
  if [ -e "$POLICY" ] && grep -q 'slo-gate' "$POLICY"; then
    restore_policy # left behind by a run that was killed
  fi
  if [ -e "$POLICY" ]; then
    as_root mv "$POLICY" "$SAVED_POLICY"
  fi
  trap restore_policy EXIT
  trap 'exit 130' INT TERM
  printf '#!/bin/sh\n# Written by slo-gate scripts/ensure-%s.sh while it installs a package.\nexit 101\n' "$TOOL" |
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

# install_debian_package PACKAGE SERVICE WHAT_TO_DO_INSTEAD
install_debian_package() {
  local package="$1" service="$2" instead="$3"
  have apt-get || fail "$TOOL is not on PATH and this is not a Debian-like system. $instead"
  if [ "$(id -u)" -ne 0 ] && ! { have sudo && sudo -n true 2>/dev/null; }; then
    fail "$TOOL is not on PATH, and installing it needs root." \
      "Run: sudo scripts/ensure-$TOOL.sh (it keeps the package's service from starting), or: $instead"
  fi

  deny_service_starts
  say "installing Debian's $package package"
  as_root apt-get update -q || fail "apt-get update failed (see above)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=60 "$package" || fail "apt-get could not install $package (see above)"
  restore_policy
  trap - EXIT INT TERM
  disable_service "$service"
  hash -r
}
