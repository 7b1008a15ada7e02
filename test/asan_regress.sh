#!/usr/bin/env bash
#-------------------------------------------------------------------------
# test/asan_regress.sh
#	The pg_regress suite once more, against vecext built with
#	AddressSanitizer, in a private copy of the server.
#
# Usage: bash test/asan_regress.sh [WORKDIR]
#
# 1. Copies the PostgreSQL 15 of $PG_CONFIG (bin, lib, share, include) into
#    WORKDIR/pg; a relocated copy finds its share dir from its bin dir, so
#    the copy is a server of its own and the normal install is untouched.
# 2. Builds vecext from a copy of src/ and sql/ with -fsanitize=address
#    (gcc's libasan, from build-essential) and installs it into the copy.
#    test/asan/palloc_shim.{h,c} come along: in that build every palloc of
#    vecext's code is one malloc of its own, so that ASan sees an overrun
#    of any palloc'd chunk (the server's allocator packs chunks into 8 kB
#    blocks, where a one-element overrun lands in the next chunk unseen)
#    and every use after pfree or after a context reset.
# 3. Starts a cluster of the copy (unix socket in WORKDIR only, no TCP:
#    no port to share) with the ASan runtime in LD_PRELOAD (the postgres
#    binary is not instrumented, so the runtime must be loaded before it;
#    test/asan/early_init.c works around a hang at startup)
#    and runs test/sql/*.sql against expected/*.out, as test/run does.
# 4. Passes when pg_regress passes and ASan reported no error: leak
#    checking is off (a forking server's leaks at exit are noise), every
#    other report counts and is printed.
#
# Last line: "N passed, M failed" (one per regress test, plus one for the
# ASan log); exit status non-zero when M > 0.  Run as root (the cluster
# runs as postgres) or as the user that owns everything.
# Environment: PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config)
#-------------------------------------------------------------------------
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
W=${1:-}
OWN_W=0
if [ -z "$W" ]; then
	W=$(mktemp -d "${TMPDIR:-/tmp}/vecext-asan.XXXXXX")
	OWN_W=1
fi
mkdir -p "$W"
W=$(cd "$W" && pwd)
PASS=0
FAIL=0
DATA=$W/data

note() { printf '%s\n' "$*"; }
is_root() { [ "$(id -u)" -eq 0 ]; }
as_pg() {
	if is_root; then
		runuser -u postgres -- env PATH="$PATH" "$@"
	else
		"$@"
	fi
}
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit $?
}
die() {
	note "asan_regress: $*"
	FAIL=$((FAIL + 1))
	finish
}
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	if [ -f "$DATA/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m immediate -s >/dev/null 2>&1
	fi
	if [ "$OWN_W" -eq 1 ]; then
		rm -rf "$W"
	fi
}
trap cleanup EXIT

# The ASan runtime that gcc links against (libasan8, a dependency of gcc).
ASAN_LIB=$(gcc -print-file-name=libasan.so)
ASAN_LIB=$(readlink -f "$ASAN_LIB")
[ -f "$ASAN_LIB" ] || die "gcc has no libasan.so (is build-essential installed?)"
# ... and preloaded after it, a wrapper that lets it initialize before the
# first bindtextdomain() (test/asan/early_init.c says why).
gcc -O2 -shared -fPIC -o "$W/early_init.so" "$ROOT/test/asan/early_init.c" -ldl ||
	die "could not build test/asan/early_init.c"
PRELOAD="$ASAN_LIB $W/early_init.so"

#----------------------------------------------------------------------
# 1. A private copy of the server: <root>/{lib,share,include}/postgresql
#----------------------------------------------------------------------
SRC_BIN=$("$PG_CONFIG" --bindir) || die "$PG_CONFIG does not run"
SRC_ROOT=$(cd "$SRC_BIN/../../../.." && pwd)	# .../usr of .../usr/lib/postgresql/15/bin
PGROOT=$W/pg/usr
for d in lib/postgresql/15 share/postgresql/15 include/postgresql; do
	[ -d "$SRC_ROOT/$d" ] || die "$SRC_ROOT/$d does not exist: not a Debian-style PostgreSQL 15 tree"
	mkdir -p "$PGROOT/$(dirname "$d")"
	cp -a "$SRC_ROOT/$d" "$PGROOT/$(dirname "$d")/" || die "could not copy $SRC_ROOT/$d"
done
PGBIN=$PGROOT/lib/postgresql/15/bin
ASAN_PG_CONFIG=$PGBIN/pg_config
[ "$("$ASAN_PG_CONFIG" --bindir)" = "$PGBIN" ] || die "the copy of the server is not relocatable"
export PATH="$PGBIN:$PATH"
note "server copy: $PGROOT; ASan runtime: $ASAN_LIB"

#----------------------------------------------------------------------
# 2. Build with ASan, from a copy of the sources (the normal build's
#    objects stay as they are), and install into the copy
#----------------------------------------------------------------------
B=$W/build
mkdir -p "$B"
cp -r "$ROOT/src" "$ROOT/sql" "$ROOT/Makefile" "$ROOT/vecext.control" "$B/"
cp "$ROOT/test/asan/palloc_shim.c" "$B/src/"
make -s -C "$B" clean PG_CONFIG="$ASAN_PG_CONFIG" >/dev/null 2>&1	# the normal build's objects came along
ASAN_CFLAGS="-fsanitize=address -fsanitize-recover=address -fno-omit-frame-pointer -O1 -g"
ASAN_CFLAGS+=" -include $ROOT/test/asan/palloc_shim.h"
if ! make -s -C "$B" -j"$(nproc)" PG_CONFIG="$ASAN_PG_CONFIG" VECEXT_CFLAGS="$ASAN_CFLAGS" >"$W/build.log" 2>&1 ||
   ! make -s -C "$B" install PG_CONFIG="$ASAN_PG_CONFIG" VECEXT_CFLAGS="$ASAN_CFLAGS" >>"$W/build.log" 2>&1; then
	cat "$W/build.log"
	die "the ASan build failed"
fi
nm -D "$("$ASAN_PG_CONFIG" --pkglibdir)/vecext.so" | grep __asan_report >/dev/null ||
	die "the installed vecext.so is not instrumented"

#----------------------------------------------------------------------
# 3. A cluster of the copy, with the ASan runtime preloaded
#----------------------------------------------------------------------
ASAN_DIR=$W/asan
mkdir -p "$ASAN_DIR"
chmod 755 "$W"
if is_root; then
	chown postgres: "$W" "$ASAN_DIR"
fi
DBUSER=$(as_pg id -un)
PORT=5432	# names the socket file only: no TCP
as_pg initdb -D "$DATA" -A trust -U "$DBUSER" -E UTF8 --no-locale --no-sync >"$W/initdb.log" 2>&1 ||
	{ cat "$W/initdb.log"; die "initdb failed"; }
cat >>"$DATA/postgresql.conf" <<EOF

# test/asan_regress.sh
listen_addresses = ''
port = $PORT
unix_socket_directories = '$W'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
maintenance_work_mem = 256MB
max_parallel_maintenance_workers = 2
jit = off
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
EOF
ASAN_OPTS="detect_leaks=0:abort_on_error=0:halt_on_error=0:log_path=$ASAN_DIR/asan"
if ! as_pg env LD_PRELOAD="$PRELOAD" ASAN_OPTIONS="$ASAN_OPTS" \
		pg_ctl start -D "$DATA" -l "$W/server.log" -w -t 120 -s; then
	cat "$W/server.log"
	cat "$ASAN_DIR"/asan.* 2>/dev/null
	die "the server did not start with the ASan runtime preloaded"
fi

#----------------------------------------------------------------------
# 4. pg_regress (PG15's has no --expecteddir: assemble sql/ + expected/)
#----------------------------------------------------------------------
R=$W/regress
mkdir -p "$R/sql" "$R/expected" "$R/results"
cp "$ROOT"/test/sql/*.sql "$R/sql/"
[ -d "$ROOT/test/data" ] && cp -r "$ROOT/test/data" "$R/data"
cp "$ROOT"/expected/*.out "$R/expected/" 2>/dev/null
tests=()
for f in "$R"/sql/*.sql; do
	f=$(basename "$f" .sql)
	[ -e "$R/expected/$f.out" ] || : >"$R/expected/$f.out"
	tests+=("$f")
done
mapfile -t tests < <(printf '%s\n' "${tests[@]}" | LC_ALL=C sort)
if is_root; then
	chown -R postgres: "$R"
fi
(cd "$R" && "$PGBIN/../lib/pgxs/src/test/regress/pg_regress" --bindir="$PGBIN" \
	--host="$W" --port="$PORT" --user="$DBUSER" --inputdir="$R" --outputdir="$R" \
	--load-extension=vecext --dbname=contrib_regression "${tests[@]}") 2>&1 | tee "$R/out.txt"
rc=${PIPESTATUS[0]}
pass=$(grep -Ec '^(test |     )?[a-z0-9_ ]*[a-z0-9_]+ +\.\.\. ok' "$R/out.txt")
fail=$(grep -Eic '\.\.\. (FAILED|failed)' "$R/out.txt")
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	fail=$(( ${#tests[@]} > pass ? ${#tests[@]} - pass : 1 ))
fi
PASS=$((PASS + pass)); FAIL=$((FAIL + fail))
if [ -s "$R/regression.diffs" ]; then
	note "=== regression.diffs (ASan build)"
	cat "$R/regression.diffs"
fi

# Stop the server first, so that every process has written its report.
as_pg pg_ctl stop -D "$DATA" -m fast -s >/dev/null 2>&1
if grep -q 'terminated by signal\|was terminated by exception' "$W/server.log"; then
	note "=== server crashes (ASan build)"
	grep 'terminated by signal\|was terminated by exception' "$W/server.log"
fi

#----------------------------------------------------------------------
# 5. The ASan log: any report is a failure
#----------------------------------------------------------------------
reports=$(cat "$ASAN_DIR"/asan.* 2>/dev/null | grep -c '^==[0-9]*==ERROR: AddressSanitizer')
files=$(find "$ASAN_DIR" -name 'asan.*' -size +0 | wc -l)
if [ "$files" -eq 0 ]; then
	note "ok - AddressSanitizer: 0 errors"
	PASS=$((PASS + 1))
else
	note "=== AddressSanitizer reports ($reports errors in $files logs)"
	for f in "$ASAN_DIR"/asan.*; do
		note "--- $(basename "$f")"
		cat "$f"
	done
	note "not ok - AddressSanitizer: $reports errors"
	FAIL=$((FAIL + 1))
fi
finish
