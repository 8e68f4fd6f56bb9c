#!/bin/sh
# Recording overhead: requests/s of a node HTTP server under load with nothing
# attached, with `nodescope record` at 99 Hz and 999 Hz, and with `perf record
# -g` at the same rates (the tool a user would otherwise pick), in one run,
# rounds interleaved so drift hits every configuration alike. Writes
# bench/results/record.md.
#   BENCH_SECS=10 BENCH_ROUNDS=3 BENCH_CONNS=8   (defaults)
# The load generator is autocannon (npm, installed into ~/.cache/nodescope/npm)
# or, when it cannot be installed, a small keep-alive node client.
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
NODESCOPE="${NODESCOPE:-$ROOT/build/nodescope}"
SECS="${BENCH_SECS:-10}"
ROUNDS="${BENCH_ROUNDS:-3}"
CONNS="${BENCH_CONNS:-8}"
PORT="${BENCH_PORT:-18931}"
W="$ROOT/bench/out/record"
RES="$ROOT/bench/results/record.md"
NODE="${BENCH_NODE:-node}"
mkdir -p "$W" "$(dirname "$RES")"
[ -x "$NODESCOPE" ] || { echo "bench/record.sh: build nodescope first (make)" >&2; exit 2; }

# The server: JSON, a sort, a regex and some arithmetic per request.
cat >"$W/server.js" <<'EOF'
'use strict';
const http = require('http');
const users = Array.from({ length: 300 }, (_, i) => ({ id: i, name: 'user' + ((i * 7919) % 1000), email: `u${i}@example.com` }));
const body = JSON.stringify(users);
function handle() {
	const list = JSON.parse(body);
	list.sort((a, b) => a.name.localeCompare(b.name));
	let valid = 0;
	for (const u of list) if (/^[a-z0-9]+@[a-z]+\.[a-z]{2,}$/.test(u.email)) valid++;
	let h = 0;
	for (let i = 0; i < 20000; i++) h = (h * 31 + i) | 0;
	return JSON.stringify({ valid, h, first: list[0].name });
}
http.createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(handle()); })
	.listen(Number(process.argv[2]), () => process.stdout.write('listening\n'));
EOF
# Fallback load generator: CONNS keep-alive loops for SECS seconds; prints req/s.
cat >"$W/load.js" <<'EOF'
'use strict';
const http = require('http');
const [port, conns, secs] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
let done = 0;
const end = Date.now() + secs * 1000;
function loop() {
	if (Date.now() >= end) return;
	http.get({ port, path: '/', agent }, (res) => { res.resume(); res.on('end', () => { done++; loop(); }); })
		.on('error', () => setTimeout(loop, 10));
}
for (let i = 0; i < conns; i++) loop();
setTimeout(() => { console.log((done / secs).toFixed(1)); process.exit(0); }, secs * 1000 + 50);
EOF

NPM_DIR="$HOME/.cache/nodescope/npm"
AC="$NPM_DIR/node_modules/.bin/autocannon"
if [ ! -x "$AC" ] && command -v npm >/dev/null; then
	mkdir -p "$NPM_DIR" && (cd "$NPM_DIR" && timeout 300 npm install --no-audit --no-fund autocannon@8 >/dev/null 2>&1)
fi
if [ -x "$AC" ]; then LOADGEN="$("$AC" --version 2>/dev/null | head -1)"; else LOADGEN="load.js (keep-alive node client)"; fi

# load : runs the load generator for SECS, prints requests/s.
load() {
	if [ -x "$AC" ]; then
		$PIN_LOAD "$AC" -c "$CONNS" -d "$SECS" -j "http://127.0.0.1:$PORT/" 2>/dev/null |
			node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(r.requests.average.toFixed(1))})'
	else
		$PIN_LOAD "$NODE" "$W/load.js" "$PORT" "$CONNS" "$SECS"
	fi
}

# Server on CPU 1, load generator on CPU 0 (when taskset exists): less noise.
PIN_SERVER="" PIN_LOAD=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then PIN_SERVER="taskset -c 1" PIN_LOAD="taskset -c 0"; fi
(cd "$W" && exec $PIN_SERVER "$NODE" --perf-basic-prof "$W/server.js" "$PORT") >"$W/server.out" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; rm -f /tmp/perf-$SPID.map' EXIT
for _ in $(seq 50); do grep -q listening "$W/server.out" && break; sleep 0.1; done
SECS_SAVED=$SECS
SECS=3 load >/dev/null # warm-up: let the JIT settle
SECS=$SECS_SAVED

HAVE_PERF=0
command -v perf >/dev/null && perf record -q -e cpu-clock -o /dev/null -- true >/dev/null 2>&1 && HAVE_PERF=1
CONFIGS="none ns99 ns999 nsjs99"
[ $HAVE_PERF = 1 ] && CONFIGS="$CONFIGS perf99 perf999"

# run CONFIG ROUND : one measurement; appends "CONFIG rps cpu_s" to results.
run() {
	cfg=$1
	tlog="$W/$cfg.$2.time"
	case $cfg in
	none) rps=$(load); cpu="-" ;;
	ns*) hz=${cfg#ns} js=""
		case $hz in js*) hz=${hz#js} js=--js-names ;; esac
		/usr/bin/time -f "%U %S" -o "$tlog" "$NODESCOPE" record -q $js -p "$SPID" -F "$hz" -d $((SECS + 1)) \
			-o "$W/$cfg.folded" 2>"$W/$cfg.err" &
		PP=$! ;;
	perf*) hz=${cfg#perf}
		/usr/bin/time -f "%U %S" -o "$tlog" perf record -q -e cpu-clock -F "$hz" -g -p "$SPID" \
			-o "$W/$cfg.perf.data" -- sleep $((SECS + 1)) >/dev/null 2>"$W/$cfg.err" &
		PP=$! ;;
	esac
	if [ "$cfg" != none ]; then
		sleep 0.5 # attached before the load starts
		rps=$(load)
		wait $PP
		cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$tlog" 2>/dev/null)
	fi
	echo "$cfg $rps ${cpu:--}" >>"$W/results.txt"
	echo "  $cfg round $2: $rps req/s (profiler CPU ${cpu:--} s)" >&2
}

: >"$W/results.txt"
for r in $(seq "$ROUNDS"); do
	for c in $CONFIGS; do run "$c" "$r"; done
done

# Medians and overhead against "none".
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
base=$(awk '$1 == "none" { print $2 }' "$W/results.txt" | median)
{
	echo "# Recording overhead (\`nodescope record\` vs \`perf record -g\`)"
	echo
	echo "$(date -u +%Y-%m-%d\ %H:%M) UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
	echo "Server: \`$("$NODE" --version) --perf-basic-prof bench/out/record/server.js\` (JSON parse, sort,"
	echo "regex and arithmetic per request), load: $LOADGEN, $CONNS connections, $SECS s per measurement,"
	echo "$ROUNDS rounds with the configurations interleaved; medians. Profilers attach to the"
	echo "running server (-p), sampling every thread with kernel+user call chains, cpu-clock event."
	[ -n "$PIN_SERVER" ] && echo "Server pinned to CPU 1, load generator to CPU 0 (taskset); profilers unpinned."
	echo
	echo "| configuration | requests/s (median) | overhead vs none | profiler CPU time (median, s) | all rounds (req/s) |"
	echo "|---|---|---|---|---|"
	for c in $CONFIGS; do
		rps=$(awk -v c="$c" '$1 == c { print $2 }' "$W/results.txt" | median)
		cpu=$(awk -v c="$c" '$1 == c && $3 != "-" { print $3 }' "$W/results.txt" | median)
		all=$(awk -v c="$c" '$1 == c { printf "%s ", $2 }' "$W/results.txt")
		case $c in
		none) name="nothing attached" ;;
		nsjs*) name="nodescope record --js-names -F ${c#nsjs}" ;;
		ns*) name="nodescope record -F ${c#ns}" ;;
		perf*) name="perf record -g -F ${c#perf}" ;;
		esac
		ovh=$(awk -v b="$base" -v r="$rps" 'BEGIN { if (b > 0) printf "%+.1f%%", 100 * (b - r) / b }')
		[ "$c" = none ] && ovh="—" && cpu="—"
		echo "| $name | $rps | $ovh | ${cpu:-—} | $all|"
	done
	echo
	echo "Overhead = (none − config) / none; positive means slower. On a shared 2-vCPU VM the"
	echo "round-to-round spread of \"none\" is the noise floor: compare it with the overheads."
	echo "perf's CPU time covers \`perf record\` only (its \`perf script\` + folding come on top);"
	echo "nodescope's includes symbolizing and writing the folded file. --js-names adds a 16 KiB"
	echo "stack copy to every sample and, at the end, pauses the server once to copy its memory"
	echo "(after the load of the round has ended, so that pause is not in the request rate)."
} >"$RES"
cat "$RES"
