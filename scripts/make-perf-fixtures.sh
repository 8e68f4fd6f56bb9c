#!/bin/sh
# Regenerates tests/fixtures/perf/: short `perf record -g` runs of the CPU-bound
# tests/fixtures/perf/workload.js on every Node.js line, saved as gzipped
# `perf script` text, plus stackcollapse-perf.pl's output for each (the expected
# data of `nodescope fold --compat`). Needs root (or perf_event_paranoid <= 1),
# perf, and FlameGraph's scripts in $FLAMEGRAPH_DIR (default /work/peers/FlameGraph).
#   sh scripts/make-perf-fixtures.sh            # all fixtures
# Fixtures (NAME.perf.txt.gz):
#   nodeM-basic   --perf-basic-prof, every line M of the matrix
#   node20-interp --perf-basic-prof --interpreted-frames-native-stack
#   node20-onlyfn --perf-basic-prof-only-functions (regexp code missing from the map)
#   node20-nomap  no flag: JIT frames are [unknown]
#   node20-pidtid the basic run printed with -F comm,pid,tid,... (for --pid/--tid)
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX="$ROOT/tests/fixtures/perf"
FG="${FLAMEGRAPH_DIR:-/work/peers/FlameGraph}"
HZ="${HZ:-299}"
SECS="${SECS:-1}"
[ -f "$FG/stackcollapse-perf.pl" ] || { echo "make-perf-fixtures: no stackcollapse-perf.pl in $FG (set FLAMEGRAPH_DIR)" >&2; exit 1; }
work=$(mktemp -d /tmp/nsfix.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$FIX/workload.js" "$work/workload.js"

# record NAME NODE FLAGS...: perf.data of the workload run under NODE with FLAGS
record() {
	name=$1; node=$2; shift 2
	(cd "$work" && perf record -q -F "$HZ" -g -e cpu-clock -o "$work/$name.data" -- \
		sh -c 'echo $$ >>pids; exec "$0" "$@"' "$node" "$@" workload.js "$SECS" >/dev/null 2>&1)
}

# script NAME [FIELDS]: perf script text of NAME.data into the fixture file
script() {
	name=$1; data=$2; shift 2
	(cd "$work" && perf script -i "$work/$data.data" "$@" 2>/dev/null) >"$work/$name.perf.txt"
	gzip -9n <"$work/$name.perf.txt" >"$FIX/$name.perf.txt.gz"
}

# expected NAME: stackcollapse-perf.pl outputs for the option sets the tests use
expected() {
	name=$1; shift
	for opts in "$@"; do
		tag=$(printf '%s' "$opts" | tr -d ' -' | tr '=' '_')
		tag=${tag:-default}
		perl "$FG/stackcollapse-perf.pl" $opts "$work/$name.perf.txt" 2>/dev/null |
			gzip -9n >"$FIX/$name.$tag.folded.gz"
	done
}

for m in 18 20 22 24 26; do
	node=$(sh "$ROOT/scripts/fetch-node.sh" "$m")
	record "node$m-basic" "$node" --perf-basic-prof
	script "node$m-basic" "node$m-basic"
	expected "node$m-basic" "" "--all"
done
node20=$(sh "$ROOT/scripts/fetch-node.sh" 20)
record node20-interp "$node20" --perf-basic-prof --interpreted-frames-native-stack
script node20-interp node20-interp
expected node20-interp "" "--jit"
record node20-onlyfn "$node20" --perf-basic-prof-only-functions
script node20-onlyfn node20-onlyfn
expected node20-onlyfn "" "--kernel"
record node20-nomap "$node20"
script node20-nomap node20-nomap
expected node20-nomap "" "--addrs" "--all --addrs"
script node20-pidtid node20-basic -F comm,pid,tid,time,period,event,ip,sym,dso
expected node20-pidtid "--pid" "--tid" "--tid --all"
# the perf maps the runs left in /tmp are no longer needed
for p in $(cat "$work/pids"); do rm -f "/tmp/perf-$p.map"; done
ls -l "$FIX"
