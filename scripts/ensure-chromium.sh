#!/usr/bin/env bash
# Makes sure a headless-capable Chromium is at /usr/bin/chromium (or CHROMIUM_PATH) for the details
# page tests (test/integration/details-page.test.ts drives it with playwright-core, which never
# downloads a browser of its own). When it is missing, installs Debian's `chromium` package (as
# root, or through passwordless sudo). Safe to run repeatedly. Exits non-zero, saying why, when it
# cannot be installed: the tests then skip with that message.
set -euo pipefail

readonly TOOL=chromium
say() { echo "ensure-chromium: $*"; }
fail() {
  echo "ensure-chromium: $*" >&2
  exit 1
}
# shellcheck source=scripts/lib/debian-package.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/debian-package.sh"

readonly BROWSER="${CHROMIUM_PATH:-/usr/bin/chromium}"

check_browser() {
  local version
  version="$("$BROWSER" --version 2>/dev/null | head -n 1)" || fail "$BROWSER is there but does not run ('$BROWSER --version' failed)"
  say "using $version ($BROWSER)"
}

if [ -x "$BROWSER" ]; then
  check_browser
  exit 0
fi

# The chromium package has no system service; the name only satisfies the shared helper.
install_debian_package chromium chromium \
  "Install Chromium yourself (Debian: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary."
[ -x "$BROWSER" ] || fail "installed the chromium package, yet $BROWSER is still not there"
check_browser
