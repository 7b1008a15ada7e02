#!/usr/bin/env bash
#-------------------------------------------------------------------------
# examples/image_search/clients/run.sh
#	Run the driver round-trip tests (psycopg 3, psycopg2, SQLAlchemy,
#	node-postgres) against the server the libpq environment points to.
#
#	PGHOST=127.0.0.1 PGPORT=5455 PGUSER=postgres bash clients/run.sh
#
# Installs what is missing: the Debian packages (as root) and `pg` from
# npm into clients/node_modules (gitignored; versions pinned by
# package-lock.json).  The tests run in database $VECEXT_CLIENTS_DB
# (default vecext_clients), created when missing, where they run CREATE
# EXTENSION IF NOT EXISTS vecext and use temporary tables only.
# Prints both TAP streams, then "N passed, M failed"; exits non-zero on
# any failure.
#-------------------------------------------------------------------------
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=/usr/bin/python3
DB=${VECEXT_CLIENTS_DB:-vecext_clients}
PSQL=/usr/lib/postgresql/15/bin/psql

# node and npm come from Debian's nodejs and npm when there are none yet
# (another build of node may be installed; Debian's npm would conflict with
# it).  npm fetches node-postgres over HTTPS: ca-certificates.
PACKAGES=(python3 python3-numpy python3-psycopg python3-psycopg2
          python3-sqlalchemy postgresql-client-15 ca-certificates)
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)
missing=()
for p in "${PACKAGES[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing: ${missing[*]} (install them, or run as root)" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -d "$HERE/node_modules/pg" ]; then
	echo "installing node-postgres into $HERE/node_modules" >&2
	(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
		(cd "$HERE" && npm install --no-audit --no-fund --loglevel=error >&2)
fi

if ! "$PSQL" -X -qtA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
	"$PSQL" -X -q -d postgres -c "CREATE DATABASE \"$DB\"" >&2 || { echo "0 passed, 1 failed"; exit 1; }
fi
export PGDATABASE=$DB

pass=0 fail=0
# run NAME CMD...: one TAP stream; take its "N passed, M failed" line.
run() {
	local name=$1 out rc line
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)
	if [ -n "$line" ]; then
		pass=$((pass + $(echo "$line" | cut -d' ' -f1)))
		fail=$((fail + $(echo "$line" | cut -d' ' -f3)))
	fi
	if [ "$rc" -ne 0 ] && { [ -z "$line" ] || [ "$(echo "$line" | cut -d' ' -f3)" -eq 0 ]; }; then
		echo "# $name exited with status $rc"
		fail=$((fail + 1))
	fi
	rm -f "$out"
}

run python "$PYTHON" "$HERE/test_clients.py"
run node node "$HERE/test_clients.mjs"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
