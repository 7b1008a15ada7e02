#!/usr/bin/env bash
#-------------------------------------------------------------------------
# examples/image_search/run.sh
#	Image retrieval with PyTorch and vecext, end to end, in one command:
#	packages, build + install vecext, a private PostgreSQL 15 cluster,
#	train, embed + load, HNSW index, evaluation table, contact sheet.
#
# Usage:  bash examples/image_search/run.sh [--ci] [--no-build] [--stop]
#                                          [--clients] [pipeline options]
#
#   (no option)  full run: 60,000 training images, 4 epochs, 1,000 queries
#   --ci         CI size: 600 training images, 1 epoch, 500 gallery images,
#                100 queries; prints TAP; stops the cluster again if it
#                started it
#   --no-build   do not build and install vecext (it is installed already)
#   --clients    also run the driver round-trip tests (clients/run.sh)
#   --stop       stop the private cluster and exit
#   anything else is passed to pipeline.py (see pipeline.py --help)
#
# Everything it writes is under examples/image_search/out/ (gitignored):
#   out/pgdata/        the cluster (owned by the postgres OS user when run as root)
#   out/model.pt       full-run weights      out/ci/model.pt   CI weights
#   out/*.png, *.html  contact sheets        out/eval*.json    evaluation results
#
# Environment: IMAGE_SEARCH_PORT    cluster port (default 5455)
#              IMAGE_SEARCH_PGDATA  cluster directory (default out/pgdata)
#              PG_CONFIG            default /usr/lib/postgresql/15/bin/pg_config
# With PGHOST set and IMAGE_SEARCH_USE_ENV=1, no cluster is started: the
# pipeline uses the server the libpq environment points to (test/run does
# this with its own cluster).
#-------------------------------------------------------------------------
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$HERE/out
PGBIN=/usr/lib/postgresql/15/bin
PG_CONFIG=${PG_CONFIG:-$PGBIN/pg_config}
PORT=${IMAGE_SEARCH_PORT:-5455}
PGDATA_DIR=${IMAGE_SEARCH_PGDATA:-$OUT/pgdata}
PYTHON=/usr/bin/python3           # Debian's interpreter: it has the apt packages
# /usr/local/bin may hold another initdb/pg_ctl: use PostgreSQL 15's.
export PATH="$PGBIN:$PATH"

CI_MODE=0 BUILD=1 STOP=0 CLIENTS=0
PIPELINE_ARGS=()
for arg in "$@"; do
	case "$arg" in
	--ci) CI_MODE=1 ;;
	--no-build) BUILD=0 ;;
	--stop) STOP=1 ;;
	--clients) CLIENTS=1 ;;
	-h|--help) sed -n '2,/^#---/p' "${BASH_SOURCE[0]}" | sed 's/^#\s\?//'; exit 0 ;;
	*) PIPELINE_ARGS+=("$arg") ;;
	esac
done

say() { printf '\n== %s\n' "$*" >&2; }
is_root() { [ "$(id -u)" -eq 0 ]; }
as_pg() {
	if is_root; then runuser -u postgres -- env PATH="$PATH" "$@"; else "$@"; fi
}

#----------------------------------------------------------------------
# Stop
#----------------------------------------------------------------------
if [ "$STOP" -eq 1 ]; then
	if [ -f "$PGDATA_DIR/postmaster.pid" ]; then
		as_pg pg_ctl stop -D "$PGDATA_DIR" -m fast
	else
		echo "no cluster running in $PGDATA_DIR"
	fi
	exit 0
fi

#----------------------------------------------------------------------
# 1. Debian packages (apt-get update only when something is missing)
#----------------------------------------------------------------------
PACKAGES=(python3 python3-torch python3-torchvision python3-numpy python3-psycopg
          python3-psycopg2 python3-sqlalchemy python3-pil dataset-fashion-mnist
          libopenblas0-pthread fonts-dejavu-core
          postgresql-15 postgresql-server-dev-15 build-essential)
# libopenblas0-pthread: PyTorch's CPU training is ~5x faster with OpenBLAS
# than with the reference BLAS that Debian selects otherwise.
# --clients: clients/run.sh installs node, npm and the drivers itself.
missing=()
for p in "${PACKAGES[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	if ! is_root; then
		echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

#----------------------------------------------------------------------
# 2. Build and install vecext
#----------------------------------------------------------------------
if [ "$BUILD" -eq 1 ]; then
	say "building and installing vecext"
	make -C "$ROOT" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
	make -C "$ROOT" -s PG_CONFIG="$PG_CONFIG" install
fi

#----------------------------------------------------------------------
# 3. The private cluster: out/pgdata on 127.0.0.1:$PORT, reused if running
#----------------------------------------------------------------------
mkdir -p "$OUT"
if [ "${IMAGE_SEARCH_USE_ENV:-0}" = 1 ] && [ -n "${PGHOST:-}" ]; then
	say "using the server at $PGHOST:${PGPORT:-5432} from the environment"
else
	unset PGHOSTADDR PGSERVICE PGOPTIONS PGDATA PGPASSWORD
	DBUSER=$(as_pg id -un)
	# The server runs as postgres: it must be able to reach its directory.
	mkdir -p "$(dirname "$PGDATA_DIR")"
	if ! as_pg test -x "$(dirname "$PGDATA_DIR")"; then
		echo "user $DBUSER cannot enter $(dirname "$PGDATA_DIR"):" \
			"set IMAGE_SEARCH_PGDATA to a directory it can reach" >&2
		exit 1
	fi
	if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
		say "creating a cluster in $PGDATA_DIR (port $PORT)"
		mkdir -p "$PGDATA_DIR"
		is_root && chown postgres: "$PGDATA_DIR"
		chmod 700 "$PGDATA_DIR"
		as_pg initdb -D "$PGDATA_DIR" -A trust -U "$DBUSER" -E UTF8 --no-locale >"$OUT/initdb.log" 2>&1 ||
			{ cat "$OUT/initdb.log" >&2; exit 1; }
		# A throw-away demo cluster: durability traded for load speed.
		cat >>"$PGDATA_DIR/postgresql.conf" <<-EOF

			# examples/image_search/run.sh
			listen_addresses = '127.0.0.1'
			unix_socket_directories = ''
			port = $PORT
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			shared_buffers = 1GB
			maintenance_work_mem = 1GB
			max_parallel_maintenance_workers = 1
			log_min_messages = warning
		EOF
	fi
	if ! as_pg pg_ctl status -D "$PGDATA_DIR" >/dev/null 2>&1; then
		if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
			echo "port $PORT is taken by another server: set IMAGE_SEARCH_PORT" >&2
			exit 1
		fi
		say "starting the cluster in $PGDATA_DIR"
		as_pg pg_ctl start -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 -s -o "-p $PORT" ||
			{ tail -n 30 "$PGDATA_DIR/server.log" >&2; exit 1; }
		# A CI-size run leaves no server behind; a full run keeps it for psql.
		if [ "$CI_MODE" -eq 1 ]; then
			trap 'as_pg pg_ctl stop -D "$PGDATA_DIR" -m fast -s || true' EXIT
		fi
	fi
	export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$DBUSER
	if [ "$CI_MODE" -eq 1 ]; then
		echo "cluster: $PGDATA_DIR on 127.0.0.1:$PORT" >&2
	else
		echo "cluster: $PGDATA_DIR on 127.0.0.1:$PORT (stop it with: bash $0 --stop)" >&2
	fi
fi

#----------------------------------------------------------------------
# 4. The pipeline: train, load, index, evaluate, contact sheet
#----------------------------------------------------------------------
rc=0
if [ "$CI_MODE" -eq 1 ]; then
	"$PYTHON" "$HERE/pipeline.py" --ci --tap ${PIPELINE_ARGS[@]+"${PIPELINE_ARGS[@]}"} || rc=$?
else
	"$PYTHON" "$HERE/pipeline.py" ${PIPELINE_ARGS[@]+"${PIPELINE_ARGS[@]}"} || rc=$?
fi

#----------------------------------------------------------------------
# 5. Optionally, the client round-trip tests
#----------------------------------------------------------------------
if [ "$CLIENTS" -eq 1 ]; then
	bash "$HERE/clients/run.sh" || rc=1
fi
exit "$rc"
