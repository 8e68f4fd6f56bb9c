# Shared helpers for end-to-end tests (sourced). Each check prints one TAP line:
# "ok - NAME" or "not ok - NAME" followed by what was expected and what came.
# The test scripts run real node processes and the real nodescope binary ($NODESCOPE).

: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${OUT:=$ROOT/tests/out}"
: "${NODESCOPE:=$ROOT/build/san/nodescope}"
mkdir -p "$OUT"

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check NAME COMMAND... : passes when the command exits 0.
check() {
	name="$1"; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name"; fi
}

# expect_contains NAME HAYSTACK NEEDLE : passes when NEEDLE occurs in HAYSTACK.
expect_contains() {
	case "$2" in
	*"$3"*) ok "$1" ;;
	*) not_ok "$1"; echo "#   expected to contain: $3"; echo "$2" | head -40 | sed 's/^/#   got: /' ;;
	esac
}

# expect_match NAME HAYSTACK REGEX : passes when some line matches the extended regex.
expect_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1"; echo "#   expected a line matching: $3"; echo "$2" | head -40 | sed 's/^/#   got: /'
	fi
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; echo "#   want: $3"; echo "#   got:  $2"
	fi
}

# expect_fail NAME COMMAND... : passes when the command exits non-zero, prints one
# line on stderr, and was not killed by a signal or a sanitizer.
expect_fail() {
	name="$1"; shift
	err=$("$@" 2>&1 >/dev/null); rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && ! printf '%s' "$err" | grep -q 'Sanitizer\|runtime error'; then
		ok "$name"
	else
		not_ok "$name (exit $rc)"; printf '%s\n' "$err" | head -20 | sed 's/^/#   /'
	fi
}

# node_matrix : prints "MAJOR PATH" for each Node.js line under test.
node_matrix() {
	for m in ${NODESCOPE_NODES:-18 20 22 24 26}; do
		p=$(sh "$ROOT/scripts/fetch-node.sh" "$m") && echo "$m $p"
	done
}

# make_abort_core NODE SCRIPT DIR : runs SCRIPT with --abort-on-uncaught-exception in
# DIR with core dumps enabled; prints the path of the core the kernel wrote.
make_abort_core() {
	mkdir -p "$3"; rm -f "$3"/core "$3"/core.*
	(cd "$3" && ulimit -c unlimited && "$1" --abort-on-uncaught-exception "$2" >/dev/null 2>&1)
	ls "$3"/core* 2>/dev/null | head -1
}
