# vecext — PGXS build.  `make && make install`; `bash test/run` runs every suite.
EXTENSION  = vecext
EXTVERSION = 0.1.0

MODULE_big = vecext
OBJS = src/vecext.o \
       src/distance/distance.o src/distance/distance_x86.o \
       src/types/vector.o src/types/vectorops.o \
       src/hnsw/hnsw.o src/hnsw/hnswbuild.o src/hnsw/hnswcost.o src/hnsw/hnswgraph.o \
       src/hnsw/hnswinsert.o src/hnsw/hnswpage.o src/hnsw/hnswscan.o \
       src/hnsw/hnswvacuum.o src/hnsw/hnswvalidate.o

DATA = sql/$(EXTENSION)--$(EXTVERSION).sql
EXTRA_CLEAN = test/unit/test_kernels test/results test/tmp_check

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

# Standalone kernel test: every SIMD kernel against the scalar reference.
test/unit/test_kernels: test/unit/test_kernels.c src/distance/distance.c src/distance/distance_x86.c src/distance/distance.h
	$(CC) -O2 -Wall -Wextra -Werror -I$(srcdir)/src -o $@ $(filter %.c,$^) -lm

.PHONY: unittest test quickstart bench
unittest: test/unit/test_kernels

test:
	bash test/run

quickstart:
	bash examples/quickstart/run.sh

bench:
	bash bench/run.sh $(BENCH_ARGS)
