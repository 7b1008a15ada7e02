#!/usr/bin/env bash
#-------------------------------------------------------------------------
# examples/quickstart/run.sh
#	From a fresh machine to a nearest-neighbour query over Fashion-MNIST.
#
# Installs what is missing (apt-get, as root), builds and installs vecext,
# starts a private PostgreSQL 15 cluster whose data lives in .pgdata/ at the
# top of the checkout (reused if it exists or runs), loads the 60,000
# Fashion-MNIST training images as vector(784) rows, indexes them with HNSW
# when the access method exists, and asks for the 10 images nearest to test
# image 0.  Safe to run again: nothing is loaded or built twice.
#
# Environment: VECEXT_PORT  TCP port on 127.0.0.1 (default 5499)
#              PG_CONFIG    default /usr/lib/postgresql/15/bin/pg_config
#-------------------------------------------------------------------------
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
PG_CONFIG=${PG_CONFIG:-$PGBIN/pg_config}
# /usr/local/bin holds another initdb/pg_ctl/postgres: ours must win.
export PATH="$PGBIN:$PATH"
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS PGDATA

PORT=${VECEXT_PORT:-5499}
DB=vecext
DATASET=/usr/share/datasets/fashion-mnist
LOADER=$HERE/load_fashion_mnist.py
PYTHON=/usr/bin/python3
PACKAGES=(postgresql-15 postgresql-client-15 postgresql-server-dev-15 build-essential
          dataset-fashion-mnist python3)

step() { printf '\n==> %s\n' "$*"; }
die()  { printf 'quickstart: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# as_pg CMD...: run CMD as the OS user that owns the cluster.
as_pg() {
	if is_root; then
		runuser -u postgres -- env PATH="$PATH" "$@"
	else
		"$@"
	fi
}

# A short, stable tag for this checkout (for fallback dirs outside it).
checkout_tag() { printf '%s' "$ROOT" | cksum | cut -d' ' -f1; }

#----------------------------------------------------------------------
step "packages"
#----------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "all present: ${PACKAGES[*]}"
elif is_root; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
fi

#----------------------------------------------------------------------
step "build and install vecext"
#----------------------------------------------------------------------
make -C "$ROOT" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
sudo=()
if ! is_root && [ ! -w "$("$PG_CONFIG" --pkglibdir)" ]; then
	command -v sudo >/dev/null 2>&1 || die "cannot write $("$PG_CONFIG" --pkglibdir) and no sudo"
	sudo=(sudo)
fi
"${sudo[@]}" make -C "$ROOT" -s install PG_CONFIG="$PG_CONFIG"
echo "installed into $("$PG_CONFIG" --pkglibdir)"

#----------------------------------------------------------------------
step "cluster"
#----------------------------------------------------------------------
DBUSER=$(as_pg id -un)
PGDATA_DIR=$ROOT/.pgdata
cd /  # a cwd the postgres user can enter
if is_root && ! runuser -u postgres -- test -x "$ROOT"; then
	PGDATA_DIR=/var/tmp/vecext-quickstart-$(checkout_tag)/pgdata
	echo "the postgres user cannot reach $ROOT: data goes to $PGDATA_DIR instead"
	mkdir -p "$(dirname "$PGDATA_DIR")"
	chown postgres: "$(dirname "$PGDATA_DIR")"
fi

if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
	echo "initdb $PGDATA_DIR (superuser $DBUSER, trust auth on 127.0.0.1 and the socket)"
	mkdir -p "$PGDATA_DIR"
	if is_root; then chown postgres: "$PGDATA_DIR"; fi
	chmod 700 "$PGDATA_DIR"
	as_pg initdb -D "$PGDATA_DIR" -A trust -U "$DBUSER" -E UTF8 --locale=C.UTF-8 >/dev/null
	as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<-EOF

		# examples/quickstart/run.sh
		shared_buffers = 512MB
		maintenance_work_mem = 2GB
		max_parallel_maintenance_workers = 2
		include_if_exists = 'quickstart.conf'  # port, socket: rewritten at each start
	EOF
fi

if as_pg pg_ctl status -D "$PGDATA_DIR" >/dev/null 2>&1; then
	# Already running: use the port and socket it was started with.
	PORT=$(sed -n 4p "$PGDATA_DIR/postmaster.pid")
	SOCKDIR=$(sed -n 5p "$PGDATA_DIR/postmaster.pid")
	echo "reusing the running cluster in $PGDATA_DIR (port $PORT)"
else
	# The socket path (dir + "/.s.PGSQL.<port>") must fit in 107 bytes.
	SOCKDIR=$PGDATA_DIR
	if [ $(( ${#SOCKDIR} + 13 + ${#PORT} )) -gt 107 ]; then
		SOCKDIR=/tmp/vecext-quickstart-$(checkout_tag)
		echo "socket path under $PGDATA_DIR is too long: socket in $SOCKDIR"
		mkdir -p "$SOCKDIR"
		if is_root; then chown postgres: "$SOCKDIR"; fi
		chmod 700 "$SOCKDIR"
	fi
	if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
		die "port $PORT on 127.0.0.1 is already in use: pick another with VECEXT_PORT=<port>"
	fi
	as_pg tee "$PGDATA_DIR/quickstart.conf" >/dev/null <<-EOF
		listen_addresses = '127.0.0.1'
		port = $PORT
		unix_socket_directories = '${SOCKDIR//\'/\'\'}'
	EOF
	as_pg pg_ctl start -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 >/dev/null ||
		{ tail -n 20 "$PGDATA_DIR/server.log" >&2; die "the cluster did not start"; }
	echo "started on 127.0.0.1:$PORT, data in $PGDATA_DIR"
fi

export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$DBUSER
psql_db() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
sql_value() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

#----------------------------------------------------------------------
step "database $DB"
#----------------------------------------------------------------------
if [ "$(sql_value -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB"
	echo "created database $DB"
fi
psql_db <<-'SQL'
	SET client_min_messages = warning;
	CREATE EXTENSION IF NOT EXISTS vecext;
	CREATE TABLE IF NOT EXISTS fashion_mnist (
	    id        int PRIMARY KEY,
	    label     int NOT NULL,
	    embedding vector(784) NOT NULL
	);
SQL
echo "extension vecext $(sql_value -d "$DB" -c "SELECT extversion FROM pg_extension WHERE extname = 'vecext'"), table fashion_mnist"

#----------------------------------------------------------------------
step "load Fashion-MNIST training images"
#----------------------------------------------------------------------
TRAIN_IMAGES=$DATASET/train-images-idx3-ubyte.gz
TRAIN_LABELS=$DATASET/train-labels-idx1-ubyte.gz
expected=$("$PYTHON" "$LOADER" count "$TRAIN_IMAGES" "$TRAIN_LABELS")
have=$(sql_value -d "$DB" -c "SELECT count(*) FROM fashion_mnist")
if [ "$have" = "$expected" ]; then
	echo "already loaded: $have rows"
else
	echo "loading $expected images (table had $have rows) ..."
	start=$SECONDS
	# One transaction: reload from scratch, and refuse a short load.  The
	# index, if any, is dropped and rebuilt below (faster than row by row).
	"$PYTHON" "$LOADER" copy "$TRAIN_IMAGES" "$TRAIN_LABELS" |
		psql_db -1 \
			-c 'DROP INDEX IF EXISTS fashion_mnist_embedding_idx' \
			-c 'TRUNCATE fashion_mnist' \
			-c '\copy fashion_mnist (id, label, embedding) FROM pstdin' \
			-c "DO \$\$ BEGIN
			      IF (SELECT count(*) FROM fashion_mnist) <> $expected THEN
			        RAISE EXCEPTION 'loaded % rows, expected $expected',
			          (SELECT count(*) FROM fashion_mnist);
			      END IF;
			    END \$\$"
	psql_db -c 'VACUUM ANALYZE fashion_mnist'
	echo "loaded $expected rows in $((SECONDS - start)) s"
fi

#----------------------------------------------------------------------
step "index"
#----------------------------------------------------------------------
if [ "$(sql_value -d "$DB" -c "SELECT 1 FROM pg_am WHERE amname = 'hnsw'")" = 1 ]; then
	if [ "$(sql_value -d "$DB" -c "SELECT to_regclass('fashion_mnist_embedding_idx') IS NOT NULL")" = t ]; then
		echo "fashion_mnist_embedding_idx exists"
	else
		echo "building an HNSW index on fashion_mnist.embedding (vector_l2_ops) ..."
		start=$SECONDS
		psql_db -c 'CREATE INDEX IF NOT EXISTS fashion_mnist_embedding_idx
		              ON fashion_mnist USING hnsw (embedding vector_l2_ops)'
		echo "built in $((SECONDS - start)) s"
	fi
	sql_value -d "$DB" -c "SELECT 'index size ' || pg_size_pretty(pg_relation_size('fashion_mnist_embedding_idx'))
	                         || ', table size ' || pg_size_pretty(pg_table_size('fashion_mnist'))"
else
	echo "no hnsw access method in this build yet: queries are answered by an exact scan"
fi

#----------------------------------------------------------------------
step "the 10 training images nearest to test image 0"
#----------------------------------------------------------------------
IFS=$'\t' read -r qlabel qvec < <("$PYTHON" "$LOADER" vector \
	"$DATASET/t10k-images-idx3-ubyte.gz" "$DATASET/t10k-labels-idx1-ubyte.gz" 0)
CLASSES="ARRAY['T-shirt/top','Trouser','Pullover','Dress','Coat','Sandal','Shirt','Sneaker','Bag','Ankle boot']"
qclass=$(sql_value -d "$DB" -c "SELECT ($CLASSES)[$qlabel + 1]")
echo "query: test image 0 (t10k-images-idx3-ubyte.gz), label $qlabel = $qclass"
echo

QUERY="SELECT id, label, ($CLASSES)[label + 1] AS class,
              round((embedding <-> :'q')::numeric, 2) AS distance
       FROM fashion_mnist ORDER BY embedding <-> :'q' LIMIT 10"
psql_db -v q="$qvec" <<-SQL
	\\pset footer off
	$QUERY;
SQL

plan=$(psql_db -A -t -v q="$qvec" <<<"EXPLAIN (COSTS OFF) $QUERY;")
echo "plan:"
sed -e 's/^/    /' -e 's/\[[0-9., e+-]*\]/[...]/g' <<<"$plan"
if grep -q 'fashion_mnist_embedding_idx' <<<"$plan"; then
	echo "the query used the HNSW index fashion_mnist_embedding_idx"
	# How close is the approximate answer to the exact one?
	overlap=$(psql_db -A -t -v q="$qvec" <<-SQL
		SET enable_indexscan = off;
		SET enable_bitmapscan = off;
		CREATE TEMP TABLE exact_ids AS
		    SELECT id FROM fashion_mnist ORDER BY embedding <-> :'q' LIMIT 10;
		RESET enable_indexscan;
		RESET enable_bitmapscan;
		SELECT count(*) FROM ($QUERY) a WHERE id IN (SELECT id FROM exact_ids);
	SQL
	)
	echo "recall@10 against an exact scan: $overlap/10"
else
	echo "the query was answered by an exact (sequential) scan"
fi

#----------------------------------------------------------------------
step "next"
#----------------------------------------------------------------------
if is_root; then who="the postgres OS user"; run="runuser -u postgres -- "; else who="$DBUSER"; run=""; fi
cat <<EOF
The cluster keeps running (data in $PGDATA_DIR, log in $PGDATA_DIR/server.log).

Connect, as any OS user (TCP on 127.0.0.1, trust auth, database role $DBUSER):
    $PGBIN/psql "host=127.0.0.1 port=$PORT user=$DBUSER dbname=$DB"
  or through the unix socket, as root or $who:
    $PGBIN/psql -h $SOCKDIR -p $PORT -U $DBUSER $DB
  then for example:
    SELECT id, label FROM fashion_mnist ORDER BY embedding <-> (SELECT embedding FROM fashion_mnist WHERE id = 0) LIMIT 5;

Stop the cluster (as ${who}):
    ${run}$PGBIN/pg_ctl -D $PGDATA_DIR stop
Start it again: bash examples/quickstart/run.sh   (it reuses the data; nothing is reloaded)
Remove everything: stop it, then rm -rf $PGDATA_DIR
EOF
