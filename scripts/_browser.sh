# Sourced by scripts/test: what the browser tests (tests/browser) need, installed once.
# - Debian's chromium-headless-shell, the same engine as chromium without the windowing browser,
#   which the tests drive (tests/browser/conftest.py says why), and chromium itself, for walking
#   the site by hand (Playwright's own browser download cannot work here); we run as root in CI.
# - axe-core from npm, pinned, in a folder this script manages (gitignored).
AXE_VERSION="4.10.3"
AXE_DIR=".cache/axe-core-$AXE_VERSION"
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then
  echo "Installing chromium and its headless shell for the browser tests ..."
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-headless-shell) \
      >/dev/null 2>&1 || echo "Could not install chromium with apt." >&2
  else
    echo "chromium is missing and this is not root: run 'apt-get install -y chromium chromium-headless-shell'." >&2
  fi
fi
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
  echo "Installing axe-core $AXE_VERSION for the browser tests ..."
  mkdir -p "$AXE_DIR"
  npm install --silent --no-audit --no-fund --prefix "$AXE_DIR" "axe-core@$AXE_VERSION" >/dev/null 2>&1 \
    || echo "Could not install axe-core from npm." >&2
fi
export OT_AXE_JS="$PWD/$AXE_DIR/node_modules/axe-core/axe.min.js"
# Screenshots of every page are taken only when OT_SCREENSHOTS names a folder (scripts/screenshots).
