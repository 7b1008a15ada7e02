# vecext — PGXS build.  `make && make install`; `bash test/run` runs every suite.
EXTENSION  = vecext
EXTVERSION = 0.3.0

MODULE_big = vecext
# Every .c under src/ is part of the library.
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))

# The install script of the current version is assembled from one file per
# concern (sql/parts/, in this order); older versions' scripts and the upgrade
# scripts are frozen files.
SQL_PARTS = sql/parts/vector.sql sql/parts/hnsw.sql sql/parts/halfvec.sql \
            sql/parts/sparsevec.sql sql/parts/sparsevec_halfvec.sql sql/parts/bit.sql \
            sql/parts/hnsw_types.sql sql/parts/hnsw_check.sql sql/parts/ivfflat.sql \
            sql/parts/shard.sql
# The upgrade from the last release: the parts added since.
UPGRADE_PARTS = sql/parts/ivfflat.sql sql/parts/shard.sql
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql sql/$(EXTENSION)--0.2.0--$(EXTVERSION).sql
DATA = sql/$(EXTENSION)--0.1.0.sql sql/$(EXTENSION)--0.1.0--0.2.0.sql sql/$(EXTENSION)--0.2.0.sql

# Standalone kernel tests (test/unit/test_*.c): every SIMD kernel against the
# scalar reference, linked with the plain-C distance sources only.
UNIT_TESTS = $(patsubst %.c,%,$(sort $(wildcard test/unit/test_*.c)))
DISTANCE_SRCS = $(sort $(wildcard src/distance/*.c))

EXTRA_CLEAN = $(UNIT_TESTS) test/results test/tmp_check test/fuzz/build

# No -march=native: the SIMD kernels carry their own target attributes and are
# picked at load time, so one .so runs on any x86-64.
PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
            -Wno-missing-field-initializers -Wno-cast-function-type $(VECEXT_CFLAGS)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS knows no header dependencies: rebuild every object when a header
# changes (the on-disk format lives in a header).
$(OBJS): $(wildcard src/*.h src/*/*.h)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) Makefile
	{ echo '-- vecext $(EXTVERSION): generated from sql/parts/ by the Makefile; do not edit.'; \
	  echo '-- complain if script is sourced in psql, rather than via CREATE EXTENSION'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION vecext" to load this file. \quit'; \
	  for f in $(SQL_PARTS); do echo; cat $$f; done; } > $@

sql/$(EXTENSION)--0.2.0--$(EXTVERSION).sql: $(UPGRADE_PARTS) Makefile
	{ echo '-- vecext 0.2.0 -> $(EXTVERSION): generated from sql/parts/ by the Makefile; do not edit.'; \
	  echo '-- complain if script is sourced in psql, rather than via CREATE EXTENSION'; \
	  printf '%s\n' '\echo Use "ALTER EXTENSION vecext UPDATE TO '"'"'$(EXTVERSION)'"'"'" to load this file. \quit'; \
	  for f in $(UPGRADE_PARTS); do echo; cat $$f; done; } > $@

test/unit/%: test/unit/%.c $(DISTANCE_SRCS) $(wildcard src/distance/*.h)
	$(CC) -O2 -Wall -Wextra -Werror -I$(srcdir)/src -o $@ $< $(DISTANCE_SRCS) -lm

.PHONY: unittest test quickstart bench bench-filtered bench-vacuum bench-scaleout fresh-check fuzz fuzz-build soak
unittest: $(UNIT_TESTS)

test:
	bash test/run

quickstart:
	bash examples/quickstart/run.sh

bench:
	bash bench/run.sh $(BENCH_ARGS)

bench-filtered:
	bash bench/run.sh --filtered $(BENCH_ARGS)

# 10% of the rows deleted: recall and time of VACUUM against REINDEX, beside
# the reference extension when it is installed (bench/vacuum.py).
bench-vacuum:
	bash bench/run.sh --vacuum $(BENCH_ARGS)

# Sharded kNN over postgres_fdw against one node, and read scaling with
# streaming replicas (bench/scaleout.py; README "Scaling out").
bench-scaleout:
	bash bench/run.sh --scaleout $(BENCH_ARGS)

# The README's two commands in a fresh debootstrapped bookworm root (root
# only; slow; not part of CI): see test/fresh_check.sh.
fresh-check:
	bash test/fresh_check.sh $(FRESH_CHECK_ARGS)

# The soak (test/soak.sh): 6 pgbench clients insert, delete and search for
# SOAK_SECONDS beside a VACUUM loop; then the index must check clean, and
# again after a REINDEX.  Not part of `make test` (5 minutes by default).
SOAK_SECONDS ?= 300
soak:
	PG_CONFIG=$(PG_CONFIG) bash test/soak.sh $(SOAK_SECONDS)

# libFuzzer targets (test/fuzz/fuzz_<type>_<text|recv>.c): the real type
# sources built outside the server with clang's fuzzer, ASan and UBSan,
# against the server headers, PostgreSQL's libpgcommon/libpgport and a
# small shim of backend symbols (test/fuzz/pg_shim.c).  `make fuzz` builds
# them into test/fuzz/build/ and runs each for its share of FUZZ_SECONDS
# (test/fuzz/run.sh); any crash, leak, sanitizer report or round-trip
# mismatch fails it, the reproducer left in test/fuzz/build/.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang-14
FUZZ_DIR = test/fuzz
FUZZ_BUILD = $(FUZZ_DIR)/build
FUZZ_TARGETS = $(patsubst $(FUZZ_DIR)/%.c,%,$(sort $(wildcard $(FUZZ_DIR)/fuzz_*_text.c $(FUZZ_DIR)/fuzz_*_recv.c)))
FUZZ_TYPE_SRCS = src/types/vector.c src/types/halfvec.c src/types/sparsevec.c
FUZZ_OBJS = $(patsubst src/types/%.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_TYPE_SRCS)) \
            $(FUZZ_BUILD)/obj/pg_shim.o $(FUZZ_BUILD)/obj/fuzz_common.o $(FUZZ_BUILD)/obj/fuzz_types.o
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all -Wall -Wno-unused-parameter -Wno-ignored-attributes \
              -I$(srcdir)/src -I$(FUZZ_DIR) -I$(shell $(PG_CONFIG) --includedir-server)
FUZZ_LIBS = $(shell $(PG_CONFIG) --pkglibdir)/libpgcommon.a $(shell $(PG_CONFIG) --pkglibdir)/libpgport.a -lm

$(FUZZ_BUILD)/obj/%.o: src/types/%.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/obj/%.o: $(FUZZ_DIR)/%.c $(wildcard $(FUZZ_DIR)/*.h src/*.h src/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/fuzz_%.o $(FUZZ_OBJS)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(FUZZ_LIBS)

fuzz-build: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))

fuzz: fuzz-build
	bash $(FUZZ_DIR)/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
