#!/bin/sh
# bench/heap.sh — `nodescope heap` against what a user would otherwise run on
# the same .heapsnapshot files, in the same run: plain JSON.parse in node,
# Chrome DevTools' own heap-snapshot code (heap-snapshot-toolkit, the Summary
# view) and memlab (full load: parse + shortest paths + dominators).
# Snapshots of about 50 MB, 300 MB and 1 GB are made by bench/heap-gen.js and
# cached in ~/.cache/nodescope/bench-heap. Wall time and peak RSS come from
# /usr/bin/time. Results: bench/results/heap.md (and raw lines in bench/out/).
#   HEAP_BENCH_SIZES="50 300 1000"   sizes in MB to run (default all three)
#   NODESCOPE=build/nodescope
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
NODESCOPE="${NODESCOPE:-$ROOT/build/nodescope}"
FIX="$ROOT/tests/fixtures/heap"
. "$FIX/oracles.sh"
NODE=$(sh scripts/fetch-node.sh 20)
CACHE="$NODESCOPE_CACHE/bench-heap"
OUTD="$ROOT/bench/out/heap"
RES="$ROOT/bench/results/heap.md"
mkdir -p "$CACHE" "$OUTD" "$(dirname "$RES")"
N="$NODE --max-old-space-size=16000"
RAW="$OUTD/raw.tsv"
: >"$RAW"

# run LABEL SIZE TIMEOUT CMD... : one measurement line in $RAW
run() {
	label=$1 size=$2 t=$3
	shift 3
	log="$OUTD/$(echo "$label-$size" | tr ' /' '__').log"
	/usr/bin/time -f 'TIME %e %M %U %S' timeout "$t" "$@" >"$log.out" 2>"$log"
	rc=$?
	line=$(grep -ao 'TIME [0-9.]* [0-9]* [0-9.]* [0-9.]*' "$log" | tail -1)
	secs=$(echo "$line" | awk '{ print $2 }')
	mb=$(echo "$line" | awk '{ printf "%.0f", $3 / 1024 }')
	cpu=$(echo "$line" | awk '{ printf "%.2f", $4 + $5 }')
	status=ok
	[ $rc -ne 0 ] && status="FAIL (exit $rc: $(grep -av 'TIME\|^Command' "$log" | grep . | tail -1 | tr -d '\033' | cut -c1-80))"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$label" "$secs" "$cpu" "$mb" "$status" | tee -a "$RAW"
}

for size in ${HEAP_BENCH_SIZES:-50 300 1000}; do
	f="$CACHE/bench-$size.heapsnapshot"
	if [ ! -s "$f" ]; then
		users=$((size * 1000000 / 2420))
		echo "generating $f ($users users)..." >&2
		$N "$ROOT/bench/heap-gen.js" "$users" "$f" || { echo "generation failed" >&2; continue; }
	fi
	bytes=$(stat -c %s "$f")
	echo "# $f: $bytes bytes" | tee -a "$RAW"
	sync
	cat "$f" >/dev/null # page cache: every tool reads from memory
	run "nodescope heap summary" "$size" 900 "$NODESCOPE" heap summary "$f"
	run "nodescope heap dominators --top 20" "$size" 900 "$NODESCOPE" heap dominators "$f" --top 20
	run "JSON.parse (readFileSync + JSON.parse)" "$size" 900 $N -e \
		"JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))" "$f"
	[ -n "$DEVTOOLS_DIR" ] && run "DevTools HeapSnapshot code: load + Summary" "$size" 1800 \
		$N "$FIX/devtools_oracle.mjs" "$DEVTOOLS_DIR" summary "$f"
	[ -n "$MEMLAB_DIR" ] && run "memlab getFullHeapFromFile (load + dominators)" "$size" 1800 \
		$N --expose-gc "$FIX/memlab_oracle.js" "$MEMLAB_DIR" "$f"
done

{
	echo "# heap snapshots: \`nodescope heap\` vs JSON.parse, DevTools, memlab"
	echo
	echo "Measured by \`bench/heap.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,"
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: other jobs ran too)."
	echo "Snapshots written by bench/heap-gen.js under node $($NODE -v) (a server-like heap: users,"
	echo "profiles, orders, closures, listeners, an LRU list, WeakMap, WeakRefs, buffers), read from the"
	echo "page cache. Wall time, CPU time and peak RSS by /usr/bin/time (CPU time is the steadier"
	echo "figure on a loaded machine; nodescope uses a second thread, so its CPU time can exceed wall"
	echo "time); FAIL rows say why."
	echo "DevTools = Chrome DevTools' own HeapSnapshot worker code (heap-snapshot-toolkit 1.1.3) run in"
	echo "node; memlab = @memlab/heap-analysis 2.0.5 getFullHeapFromFile. nodescope's summary numbers"
	echo "equal DevTools' for every class (tests/e2e/test_heap.sh)."
	echo
	echo "| snapshot | tool / operation | wall s | CPU s (user+sys) | peak RSS MB | status |"
	echo "|---|---|---:|---:|---:|---|"
	awk -F'\t' '/^# / { split($0, a, " "); file = a[2]; bytes = a[3]; next }
		{ printf "| %.0f MB | %s | %s | %s | %s | %s |\n", bytes / 1e6, $2, $3, $4, $5, $6 }' "$RAW"
	echo
	echo "Ratios (the other tool / nodescope heap summary, same file; wall time, CPU time, peak RSS):"
	awk -F'\t' '/^# / { next }
		$2 == "nodescope heap summary" { ns[$1] = $3; nc[$1] = $4; nm[$1] = $5 }
		$2 != "nodescope heap summary" && $2 !~ /^nodescope/ && $6 == "ok" && ns[$1] > 0 {
			printf "- %s MB: %s: %.1fx wall, %.1fx CPU, %.1fx memory\n", $1, $2,
				$3 / ns[$1], $4 / (nc[$1] > 0 ? nc[$1] : 1), $5 / (nm[$1] > 0 ? nm[$1] : 1) }
		$6 != "ok" && $2 !~ /^nodescope/ { printf "- %s MB: %s: failed\n", $1, $2 }' "$RAW"
	if [ -f "$ROOT/bench/out/heap-huge/results.txt" ]; then
		echo
		sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$ROOT/bench/out/heap-huge/results.txt"
	fi
} >"$RES"
echo "wrote $RES"
