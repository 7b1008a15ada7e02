#!/usr/bin/env bash
#-------------------------------------------------------------------------
# bench/run.sh
#	One command for the benchmark (`make bench`): install what it needs
#	from Debian, build and install vecext, start a private PostgreSQL 15
#	cluster with the settings below, run bench/bench.py, stop the cluster.
#
# Usage: bash bench/run.sh [--no-build] [--filtered|--vacuum|--scaleout] [flags...]
#   --no-build   use the vecext already installed (skip make / make install)
#   --filtered   run bench/filtered.py (filtered kNN) instead of bench.py
#   --vacuum     run bench/vacuum.py (10% deleted: VACUUM against REINDEX)
#   --scaleout   run bench/scaleout.py (shards and replicas), which starts
#                its own clusters under the temp dir instead of the one below
#   everything else goes to the script (see `--help` there), e.g.
#   --quick, --datasets fashion, --n 50000 --dim 96, --ef 10,40,200.
#
# The cluster lives in a temp dir and is removed on exit.  Its settings
# (stated again in every report, read back from pg_settings):
#   shared_buffers = 4GB (VECEXT_BENCH_SHARED_BUFFERS), maintenance_work_mem
#   = 2GB, work_mem = 64MB, max_parallel_maintenance_workers = 1,
#   max_parallel_workers_per_gather = 2, jit = off, autovacuum = off (the
#   script runs VACUUM ANALYZE itself), max_wal_size = 20GB,
#   checkpoint_timeout = 1h; fsync = off, synchronous_commit = off and
#   full_page_writes = off for load speed (durability is not measured);
#   huge_pages = try, with huge pages reserved for it when run as root
#   (below).
#   The scale data set's builds SET maintenance_work_mem = 4GB in their own
#   session (bench.py --scale-maintenance-work-mem), so that the other data
#   sets keep the 2GB of earlier runs.
#
# Environment: VECEXT_BENCH_PORT  TCP port (default 5466, or a free one)
#              PG_CONFIG          default /usr/lib/postgresql/15/bin/pg_config
#-------------------------------------------------------------------------
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
PG_CONFIG=${PG_CONFIG:-$PGBIN/pg_config}
PYTHON=/usr/bin/python3
# /usr/local/bin may hold another initdb/pg_ctl: ours must win.
export PATH="$PGBIN:$PATH"
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS PGDATA

PACKAGES=(postgresql-15 postgresql-server-dev-15 libpq-dev build-essential
          dataset-fashion-mnist python3-numpy python3-psycopg
          python3-matplotlib python3-hnswlib)

BUILD=1
SCRIPT=bench.py
ARGS=()
for a in "$@"; do
	case "$a" in
		--no-build) BUILD=0 ;;
		--filtered) SCRIPT=filtered.py ;;
		--vacuum) SCRIPT=vacuum.py ;;
		--scaleout) SCRIPT=scaleout.py ;;
		*) ARGS+=("$a") ;;
	esac
done

log() { printf '\n=== %s\n' "$*"; }
is_root() { [ "$(id -u)" -eq 0 ]; }
as_pg() {
	if is_root; then
		runuser -u postgres -- env PATH="$PATH" "$@"
	else
		"$@"
	fi
}

#----------------------------------------------------------------------
# Packages: install what is missing; apt-get update only when needed.
#----------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	if ! is_root; then
		echo "missing packages (${missing[*]}) and not root: install them first" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	APT=(apt-get -y -q -o DPkg::Lock::Timeout=600)
	if ! "${APT[@]}" install --no-install-recommends "${missing[@]}"; then
		"${APT[@]}" update
		"${APT[@]}" install --no-install-recommends "${missing[@]}"
	fi
fi

#----------------------------------------------------------------------
# Build and install vecext
#----------------------------------------------------------------------
if [ "$BUILD" -eq 1 ]; then
	log "build and install vecext"
	sudo=()
	if ! is_root && [ ! -w "$("$PG_CONFIG" --pkglibdir)" ]; then
		sudo=(sudo)
	fi
	make -C "$ROOT" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
	"${sudo[@]}" make -C "$ROOT" -s install PG_CONFIG="$PG_CONFIG"
	export VECEXT_BENCH_BUILT=1	# stated in the report
fi

#----------------------------------------------------------------------
# A private cluster in a temp dir, stopped and removed on exit
#----------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vecext-bench.XXXXXX")
chmod 755 "$TMP"
is_root && chown postgres: "$TMP"
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	for pid in "$TMP"/data/postmaster.pid "$TMP"/servers/*/postmaster.pid; do
		[ -f "$pid" ] || continue
		(cd "$TMP" && as_pg pg_ctl stop -D "$(dirname "$pid")" -m fast -s) >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
	restore_huge_pages
}

#----------------------------------------------------------------------
# Huge pages (root only; put back on exit).  A search is a chain of
# random reads over the index's pages: with 4 kB pages nearly each is a
# TLB miss, which a virtual machine pays twice (measured here: 1.4x to 1.8x
# the queries per second with huge pages).  The server's shared memory
# gets reserved huge pages (huge_pages = try: without them it starts as
# before), and transparent huge pages are turned on for every process, so
# that hnswlib's arrays in the benchmark's own process get them too.  The
# report states what was set (VECEXT_BENCH_HUGE_PAGES).
#----------------------------------------------------------------------
NR_HUGEPAGES=/proc/sys/vm/nr_hugepages
THP=/sys/kernel/mm/transparent_hugepage/enabled
OLD_NR=""
OLD_THP=""
restore_huge_pages() {
	[ -n "$OLD_NR" ] && echo "$OLD_NR" >"$NR_HUGEPAGES" 2>/dev/null
	[ -n "$OLD_THP" ] && echo "$OLD_THP" >"$THP" 2>/dev/null
	OLD_NR=""
	OLD_THP=""
}
set_up_huge_pages() {	# $1: huge pages the server's shared memory needs
	export VECEXT_BENCH_HUGE_PAGES="not set up (needs root and $NR_HUGEPAGES)"
	is_root && [ -w "$NR_HUGEPAGES" ] || return 0
	OLD_NR=$(cat "$NR_HUGEPAGES")
	echo $((OLD_NR + $1)) >"$NR_HUGEPAGES" 2>/dev/null || true
	local got=$(($(cat "$NR_HUGEPAGES") - OLD_NR))
	VECEXT_BENCH_HUGE_PAGES="$got of the $1 huge pages the server's shared memory needs reserved"
	if [ -w "$THP" ]; then
		OLD_THP=$(sed 's/.*\[\(.*\)\].*/\1/' "$THP")
		echo always >"$THP" 2>/dev/null &&
			VECEXT_BENCH_HUGE_PAGES="$VECEXT_BENCH_HUGE_PAGES; transparent huge pages: always"
	fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

if [ "$SCRIPT" = scaleout.py ]; then
	log "bench/scaleout.py ${ARGS[*]}"
	cd "$ROOT"
	VECEXT_BENCH_PGBIN=$PGBIN "$PYTHON" "$ROOT/bench/scaleout.py" --workdir "$TMP/servers" "${ARGS[@]}"
	exit $?
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=${VECEXT_BENCH_PORT:-5466}
if [ -z "${VECEXT_BENCH_PORT:-}" ]; then
	while ! port_free "$PORT"; do PORT=$((PORT + 1)); done
fi

cd "$TMP"
DBUSER=$(as_pg id -un)
log "cluster: $TMP/data on 127.0.0.1:$PORT"
as_pg initdb -D "$TMP/data" -A trust -U "$DBUSER" -E UTF8 --no-locale --no-sync \
	>"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log"; exit 1; }
cat >>"$TMP/data/postgresql.conf" <<EOF

# bench/run.sh
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$TMP'
shared_buffers = ${VECEXT_BENCH_SHARED_BUFFERS:-4GB}
maintenance_work_mem = 2GB
work_mem = 64MB
max_parallel_maintenance_workers = 1
max_parallel_workers_per_gather = 2
jit = off
autovacuum = off
max_wal_size = 20GB
checkpoint_timeout = 1h
fsync = off
synchronous_commit = off
full_page_writes = off
huge_pages = try
log_min_messages = warning
EOF
set_up_huge_pages "$(as_pg postgres -D "$TMP/data" -C shared_memory_size_in_huge_pages)"
log "huge pages: $VECEXT_BENCH_HUGE_PAGES"
as_pg pg_ctl start -D "$TMP/data" -l "$TMP/server.log" -w -t 120 -s ||
	{ cat "$TMP/server.log"; exit 1; }

log "bench/$SCRIPT ${ARGS[*]}"
cd "$ROOT"
rc=0
"$PYTHON" "$ROOT/bench/$SCRIPT" --dsn "host=127.0.0.1 port=$PORT user=$DBUSER dbname=postgres" \
	"${ARGS[@]}" || rc=$?
if [ "$rc" -ne 0 ]; then
	log "last 30 lines of the server log"
	tail -n 30 "$TMP/server.log"
fi
exit "$rc"
