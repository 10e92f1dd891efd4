#!/usr/bin/env bash
# The restore drill: prove a backup can be restored. It dumps the live database (or takes
# the dump given), restores it into a scratch database on the same server, checks that
# every table has the same number of rows and that the audit log's hash chain verifies
# in the restored copy, then drops the scratch database. Run it monthly, and after any
# change to PostgreSQL. Exit status 0 means the drill passed.
#   DATABASE_URL   the live database
#   $1 (optional)  a dump file made by deploy/backup.sh to restore instead of a fresh one
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
url="${DATABASE_URL:?set DATABASE_URL}"
url="${url/postgresql+psycopg:/postgresql:}"
work="$(mktemp -d)"
scratch="ot_restore_drill_$(date -u +%Y%m%d%H%M%S)_$$"
base="${url%/*}"
query="${url#*\?}"; [ "$query" = "$url" ] && query="" || query="?$query"
db_name="${url##*/}"; db_name="${db_name%%\?*}"
scratch_url="$base/$scratch$query"
cleanup() {
  psql --quiet --no-psqlrc "$base/postgres$query" -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dump="${1:-}"
if [ -z "$dump" ]; then
  dump="$work/live.dump"
  BACKUP_DIR="$work" "$here/deploy/backup.sh" >/dev/null
  dump="$(ls "$work"/our-tables-*.dump)"
fi
echo "Restoring $(basename "$dump") into scratch database $scratch"
psql --quiet --no-psqlrc "$base/postgres$query" -c "CREATE DATABASE \"$scratch\"" >/dev/null
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$scratch_url" "$dump"

count_rows() {
  psql --quiet --no-psqlrc --tuples-only --no-align "$1" <<'SQL'
SELECT string_agg(format('%s=%s', table_name,
       (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text),
       ' ' ORDER BY table_name)
FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE';
SQL
}
live="$(count_rows "$url")"
restored="$(count_rows "$scratch_url")"
if [ -z "${1:-}" ] && [ "$live" != "$restored" ]; then
  echo "Row counts differ between the live database and the restored copy:" >&2
  echo "  live:     $live" >&2
  echo "  restored: $restored" >&2
  exit 1
fi
echo "Row counts: $restored"
if [ -x "$here/.venv/bin/flask" ]; then
  (cd "$here" && DATABASE_URL="$scratch_url" FLASK_APP=wsgi JOBS_URL=immediate .venv/bin/flask audit verify)
fi
echo "Restore drill passed: $db_name can be restored from its backup."
