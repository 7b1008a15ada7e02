#!/usr/bin/env bash
#-------------------------------------------------------------------------
# test/fuzz/run.sh SECONDS TARGET...
#	Run each libFuzzer target of test/fuzz/build/ for its share of SECONDS,
#	starting from its seeds in test/fuzz/corpus/TARGET/ (read only: new
#	inputs go to a temp dir, removed afterwards).  One line per target,
#	"ok - TARGET: ..." or "not ok - TARGET: ...", with executions, coverage
#	and corpus size; the full log is test/fuzz/build/TARGET.log and a
#	failing input is saved as test/fuzz/build/TARGET-crash-* (or -leak-,
#	-timeout-, -oom-).  Exits non-zero when any target failed.
#-------------------------------------------------------------------------
set -uo pipefail

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$DIR/build
SECONDS_TOTAL=${1:?usage: run.sh SECONDS TARGET...}
shift
[ $# -gt 0 ] || { echo "run.sh: no targets" >&2; exit 2; }
SHARE=$((SECONDS_TOTAL / $#))
[ "$SHARE" -ge 1 ] || SHARE=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vecext-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Sanitizer reports are fatal and leaks are checked (libFuzzer's default
# with ASan); a report names the source line.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
for t in "$@"; do
	bin=$BUILD/$t log=$BUILD/$t.log seeds=$DIR/corpus/$t
	mkdir -p "$WORK/$t"
	rm -f "$BUILD/$t"-crash-* "$BUILD/$t"-leak-* "$BUILD/$t"-timeout-* "$BUILD/$t"-oom-*
	if [ ! -x "$bin" ]; then
		echo "not ok - $t: not built"
		failed=$((failed + 1))
		continue
	fi
	# The temp dir first: libFuzzer writes new inputs into the first one.
	dirs=("$WORK/$t")
	[ -d "$seeds" ] && dirs+=("$seeds")
	"$bin" -max_total_time="$SHARE" -rss_limit_mb=1024 -timeout=10 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$BUILD/$t-" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n1)
	artifact=$(ls "$BUILD/$t"-crash-* "$BUILD/$t"-leak-* "$BUILD/$t"-timeout-* "$BUILD/$t"-oom-* 2>/dev/null | head -n1)
	summary="${execs:-?} executions in ${SHARE}s, ${cov:-no coverage line}"
	if [ "$rc" -eq 0 ] && [ -z "$artifact" ]; then
		echo "ok - $t: $summary"
	else
		echo "not ok - $t: exit $rc, $summary${artifact:+, reproducer $artifact}; log $log"
		grep -E '^fuzz |ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY:' "$log" | head -n 5 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $(($# - failed)) of $# targets clean"
[ "$failed" -eq 0 ]
