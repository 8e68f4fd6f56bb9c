#!/bin/sh
# Runs every test: the cmocka unit programs (TAP output) and the end-to-end scripts
# in tests/e2e/ (which print TAP lines through tests/e2e/lib.sh), then prints one
# summary line "N passed, N failed" and exits non-zero if anything failed.
#   NODESCOPE_NODES="20 22"  restricts the Node.js lines of the matrix.
#   TESTS="heap fold"         runs only the e2e scripts whose names contain a word.
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
OUT="$ROOT/tests/out"
rm -rf "$OUT" && mkdir -p "$OUT"
export ROOT OUT
export NODESCOPE="${NODESCOPE:-$ROOT/build/san/nodescope}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export CMOCKA_MESSAGE_OUTPUT=TAP
LOG="$OUT/all.tap"
: >"$LOG"

for t in build/san/tests/test_*; do
	[ -x "$t" ] || continue
	echo "# unit $(basename "$t")" | tee -a "$LOG"
	"$t" 2>&1 | tee -a "$LOG" | grep -E '^(not ok|ok)' | grep -v '^ok' || true
done

for s in tests/e2e/test_*.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$s" .sh)
	if [ -n "$TESTS" ]; then
		hit=0
		for w in $TESTS; do case "$name" in *"$w"*) hit=1 ;; esac; done
		[ $hit = 1 ] || continue
	fi
	echo "# e2e $name" | tee -a "$LOG"
	start=$(date +%s)
	sh "$s" >"$OUT/$name.log" 2>&1
	rc=$?
	cat "$OUT/$name.log" >>"$LOG"
	grep -E '^not ok' "$OUT/$name.log" || true
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$OUT/$name.log"; then
		echo "not ok - $name exited $rc" | tee -a "$LOG"
	fi
	echo "#   $(grep -c '^ok' "$OUT/$name.log") ok in $(($(date +%s) - start))s"
done

passed=$(grep -c '^ok' "$LOG")
failed=$(grep -c '^not ok' "$LOG")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
