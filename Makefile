# vecext — PGXS build.  `make && make install`; `bash test/run` runs every suite.
EXTENSION  = vecext
EXTVERSION = 0.2.0

MODULE_big = vecext
# Every .c under src/ is part of the library.
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))

# The install script of the current version is assembled from one file per
# concern (sql/parts/, in this order); older versions' scripts and the upgrade
# scripts are frozen files.
SQL_PARTS = sql/parts/vector.sql sql/parts/hnsw.sql sql/parts/halfvec.sql \
            sql/parts/sparsevec.sql sql/parts/sparsevec_halfvec.sql sql/parts/bit.sql \
            sql/parts/hnsw_types.sql sql/parts/hnsw_check.sql
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = sql/$(EXTENSION)--0.1.0.sql sql/$(EXTENSION)--0.1.0--0.2.0.sql

# Standalone kernel tests (test/unit/test_*.c): every SIMD kernel against the
# scalar reference, linked with the plain-C distance sources only.
UNIT_TESTS = $(patsubst %.c,%,$(sort $(wildcard test/unit/test_*.c)))
DISTANCE_SRCS = $(sort $(wildcard src/distance/*.c))

EXTRA_CLEAN = $(UNIT_TESTS) test/results test/tmp_check

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

test/unit/%: test/unit/%.c $(DISTANCE_SRCS) $(wildcard src/distance/*.h)
	$(CC) -O2 -Wall -Wextra -Werror -I$(srcdir)/src -o $@ $< $(DISTANCE_SRCS) -lm

.PHONY: unittest test quickstart bench fresh-check
unittest: $(UNIT_TESTS)

test:
	bash test/run

quickstart:
	bash examples/quickstart/run.sh

bench:
	bash bench/run.sh $(BENCH_ARGS)

# The README's two commands in a fresh debootstrapped bookworm root (root
# only; slow; not part of CI): see test/fresh_check.sh.
fresh-check:
	bash test/fresh_check.sh $(FRESH_CHECK_ARGS)
