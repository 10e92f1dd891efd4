# Shared set-up for scripts/run and scripts/test: a .venv with the project installed.
# Sourced, not run. Re-installs only when pyproject.toml (or the extras asked for) change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON_BIN="${PYTHON:-python3}"
if ! "$PYTHON_BIN" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Our Tables needs Python 3.11 or newer (found: $("$PYTHON_BIN" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv ..."
  "$PYTHON_BIN" -m venv .venv
fi
extras="${OT_EXTRAS:-}"
stamp=".venv/.installed-$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing Our Tables${extras:+ with [$extras]} into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
export FLASK_APP=wsgi
# The compiled catalogues (.mo) are built from the committed .po files whenever one is newer.
for po in grants/translations/*/LC_MESSAGES/messages.po; do
  [ -f "$po" ] || continue
  if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
    .venv/bin/pybabel -q compile -i "$po" -o "${po%.po}.mo"
  fi
done
