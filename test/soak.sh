#!/usr/bin/env bash
#-------------------------------------------------------------------------
# test/soak.sh
#	The soak: an hnsw index under concurrent inserts, deletes, kNN and
#	filtered iterative kNN, with VACUUM in a loop, then checked, rebuilt
#	and checked again.  `make soak` runs it (SOAK_SECONDS, default 300).
#
# Usage: bash test/soak.sh [SECONDS]
#
# 1. Builds and installs vecext into $PG_CONFIG's server and starts a
#    private cluster (unix socket in a temporary directory only, no TCP).
# 2. Loads 50000 uniform random 64-dimension rows (setseed(0.123)), each
#    with a category of 50, and builds the index (vector_l2_ops, default
#    m and ef_construction).
# 3. Runs pgbench with 6 clients for SECONDS: of every 10 transactions 3
#    insert a random row, 1 deletes a random row, 4 run a kNN query
#    (LIMIT 10) and 2 a filtered one (one category, LIMIT 10) with
#    hnsw.iterative_scan = strict_order; meanwhile VACUUM runs in a loop.
# 4. VACUUMs once more, runs hnsw_index_check(index, true), REINDEXes and
#    checks again.
#
# Prints a summary (transactions, errors, elements and unreachable ones
# before and after the REINDEX) and exits non-zero on any error: a failed
# transaction, an error in the server log, a checker error (an unreachable
# element is one) or a failed VACUUM.  Run as root on Debian bookworm
# (missing packages are installed with apt-get, the cluster runs as the
# postgres user) or as a user for whom all of it is installed already.
# Environment: PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config),
#              SOAK_SECONDS (default 300; the argument wins),
#              SOAK_KEEP=1 keeps the cluster's directory for inspection.
#-------------------------------------------------------------------------
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PGBIN=$("$PG_CONFIG" --bindir) || { echo "soak: no pg_config at $PG_CONFIG" >&2; exit 1; }
SECONDS_TO_RUN=${1:-${SOAK_SECONDS:-300}}
CLIENTS=6
ROWS=50000
DIM=64
CATEGORIES=50
export PATH="$PGBIN:$PATH"
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS PGDATA

# pgbench and the server come with postgresql-15, psql with its client
# package; PGXS with the server-dev package; make and gcc with
# build-essential.
PACKAGES=(postgresql-15 postgresql-client-15 postgresql-server-dev-15 build-essential)

note() { printf '%s\n' "$*"; }
die() { note "soak: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
as_pg() {
	if is_root; then
		runuser -u postgres -- env PATH="$PATH" "$@"
	else
		"$@"
	fi
}

install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	is_root || die "missing packages (${missing[*]}) and not root: install them first"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
}

case "$SECONDS_TO_RUN" in
	'' | *[!0-9]*) die "SECONDS must be a whole number, not \"$SECONDS_TO_RUN\"" ;;
esac
install_packages || die "apt-get failed"

note "=== build and install"
make -C "$ROOT" PG_CONFIG="$PG_CONFIG" >/dev/null || die "build failed"
if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
	make -C "$ROOT" PG_CONFIG="$PG_CONFIG" install >/dev/null || die "install failed"
else
	sudo make -C "$ROOT" PG_CONFIG="$PG_CONFIG" install >/dev/null || die "install failed"
fi

#----------------------------------------------------------------------
# A private cluster, removed on exit
#----------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vecext-soak.XXXXXX")
chmod 755 "$TMP"
is_root && chown postgres: "$TMP"
cleanup() {
	if [ -f "$TMP/data/postmaster.pid" ]; then
		as_pg pg_ctl stop -D "$TMP/data" -m immediate -s >/dev/null 2>&1
	fi
	if [ "${SOAK_KEEP:-0}" = 1 ]; then
		note "kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$TMP" || exit 1
DBUSER=$(as_pg id -un)
export PGHOST=$TMP PGPORT=5432 PGUSER=$DBUSER PGDATABASE=postgres

note "=== cluster in $TMP"
as_pg initdb -D "$TMP/data" -A trust -U "$DBUSER" -E UTF8 --no-locale --no-sync >"$TMP/initdb.log" 2>&1 ||
	{ cat "$TMP/initdb.log"; die "initdb failed"; }
cat >>"$TMP/data/postgresql.conf" <<EOF

# test/soak.sh
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$TMP'
fsync = off
synchronous_commit = off
shared_buffers = 256MB
maintenance_work_mem = 256MB
max_wal_size = 2GB
autovacuum = off
log_min_messages = warning
log_line_prefix = '%m [%p] '
EOF
as_pg pg_ctl start -D "$TMP/data" -l "$TMP/server.log" -w -t 60 -s ||
	{ cat "$TMP/server.log"; die "the server did not start"; }

PSQL=(psql -X -q -At -v ON_ERROR_STOP=1)

note "=== $ROWS x $DIM rows, index build"
"${PSQL[@]}" >/dev/null <<EOF || die "loading failed"
CREATE EXTENSION vecext;
SELECT setseed(0.123);
CREATE TABLE items (id bigserial PRIMARY KEY, category int NOT NULL, v vector($DIM) NOT NULL);
INSERT INTO items (category, v)
SELECT i % $CATEGORIES, (SELECT array_agg(random()) FROM generate_series(1, $DIM) d WHERE i > 0)
FROM generate_series(1, $ROWS) i;
CREATE INDEX items_v_idx ON items USING hnsw (v vector_l2_ops);
EOF

# The pgbench scripts; each draws its own random vector.
RANDVEC="(SELECT array_agg(random()) FROM generate_series(1, $DIM))::vector($DIM)"
cat >insert.sql <<EOF
INSERT INTO items (category, v) VALUES ((random() * $((CATEGORIES - 1)))::int, $RANDVEC);
EOF
cat >delete.sql <<EOF
\set id random(1, $ROWS * 2)
DELETE FROM items WHERE id = :id;
EOF
cat >knn.sql <<EOF
SELECT id FROM items ORDER BY v <-> $RANDVEC LIMIT 10;
EOF
cat >filtered.sql <<EOF
\set c random(0, $((CATEGORIES - 1)))
SET hnsw.iterative_scan = strict_order;
SELECT id FROM items WHERE category = :c ORDER BY v <-> $RANDVEC LIMIT 10;
EOF
chmod 644 ./*.sql

note "=== pgbench: $CLIENTS clients for $SECONDS_TO_RUN s, VACUUM in a loop"
(
	n=0
	bad=0
	while [ ! -e "$TMP/vacuum.stop" ]; do
		if psql -X -q -c 'VACUUM items' >>"$TMP/vacuum.log" 2>&1; then
			n=$((n + 1))
		else
			bad=$((bad + 1))
		fi
		sleep 2
	done
	echo "$n $bad" >"$TMP/vacuum.count"
) &
VACUUM_PID=$!
pgbench -n -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_TO_RUN" \
	-f insert.sql@3 -f delete.sql@1 -f knn.sql@4 -f filtered.sql@2 >"$TMP/pgbench.log" 2>&1
PGBENCH_RC=$?
touch "$TMP/vacuum.stop"
wait "$VACUUM_PID"
read -r VACUUMS VACUUM_ERRORS <"$TMP/vacuum.count"

TXNS=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$TMP/pgbench.log")
FAILED=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$TMP/pgbench.log")
ABORTED=$(grep -c 'aborted in command' "$TMP/pgbench.log")
TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$TMP/pgbench.log")

# "ELEMENTS UNREACHABLE" of the index; the checker's error (printed) makes
# it "error N" with N from the message when it is about reachability.
check() {
	local out n
	if out=$("${PSQL[@]}" -F ' ' -c \
		"SELECT elements, elements - reachable FROM hnsw_index_check('items_v_idx', true)" 2>&1); then
		echo "$out"
	else
		note "$out" >&2
		n=$(sed -n 's/.*(\([0-9]*\) unreachable in all).*/\1/p' <<<"$out")
		echo "error ${n:-error}"
	fi
}
"${PSQL[@]}" -c 'VACUUM items' || VACUUM_ERRORS=$((VACUUM_ERRORS + 1))
ROWS_LEFT=$("${PSQL[@]}" -c 'SELECT count(*) FROM items')
read -r ELEMENTS UNREACHABLE < <(check)
"${PSQL[@]}" -c 'REINDEX INDEX items_v_idx' || die "REINDEX failed"
read -r ELEMENTS2 UNREACHABLE2 < <(check)
SERVER_ERRORS=$(grep -cE 'ERROR|FATAL|PANIC|terminated by signal' "$TMP/server.log")

note "=== summary"
note "transactions:        ${TXNS:-?} in $SECONDS_TO_RUN s (${TPS:-?} tps), $CLIENTS clients"
note "failed transactions: ${FAILED:-?}, clients aborted: $ABORTED, pgbench exit status $PGBENCH_RC"
note "VACUUMs:             $VACUUMS ($VACUUM_ERRORS failed)"
note "server log errors:   $SERVER_ERRORS"
note "rows at the end:     $ROWS_LEFT"
note "before REINDEX:      $ELEMENTS elements, $UNREACHABLE unreachable"
note "after REINDEX:       $ELEMENTS2 elements, $UNREACHABLE2 unreachable"

OK=1
[ "$PGBENCH_RC" -eq 0 ] && [ "${FAILED:-0}" = 0 ] && [ "$ABORTED" -eq 0 ] || OK=0
[ "$VACUUM_ERRORS" -eq 0 ] && [ "$SERVER_ERRORS" -eq 0 ] || OK=0
[ "$UNREACHABLE" = 0 ] && [ "$UNREACHABLE2" = 0 ] || OK=0
if [ "$OK" -ne 1 ]; then
	note "soak: FAILED"
	grep -E 'ERROR|FATAL|PANIC|terminated by signal' "$TMP/server.log" | head -20
	grep -E 'error|abort' "$TMP/pgbench.log" | head -20
	exit 1
fi
note "soak: passed"
