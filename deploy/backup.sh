#!/usr/bin/env bash
# Back up the Our Tables database: a compressed custom-format pg_dump, checked by listing
# its contents, kept for BACKUP_KEEP_DAYS. Run by our-tables-backup.timer.
#   DATABASE_URL      the database (postgresql:// or postgresql+psycopg://)
#   BACKUP_DIR        where dumps go (default /var/backups/our-tables)
#   BACKUP_KEEP_DAYS  how long to keep them (default 30)
set -euo pipefail
url="${DATABASE_URL:?set DATABASE_URL}"
url="${url/postgresql+psycopg:/postgresql:}"
dir="${BACKUP_DIR:-/var/backups/our-tables}"
keep="${BACKUP_KEEP_DAYS:-30}"
mkdir -p "$dir"
umask 077   # dumps hold personal data: readable by the service account only
file="$dir/our-tables-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$file.partial" "$url"
pg_restore --list "$file.partial" > /dev/null   # a dump that cannot be read is not a backup
mv "$file.partial" "$file"
find "$dir" -name 'our-tables-*.dump' -mtime +"$keep" -delete
echo "$file"
