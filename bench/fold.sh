#!/bin/sh
# bench/fold.sh — `nodescope fold` and `nodescope flame` against the tools a user
# would otherwise pick, on the same input in the same run:
#   fold:   FlameGraph's stackcollapse-perf.pl, 0x 6.0.0's folding code (npm),
#           and inferno-collapse-perf if $INFERNO_DIR has it (crates.io is not
#           reachable: build v0.11.19 from a fetched snapshot against Debian's
#           librust-*-dev crates, see bench/results/fold.md);
#   render: FlameGraph's flamegraph.pl and inferno-flamegraph (time, SVG size, frames).
# Input: `perf script` text of the bundled demo server (demo/profile/server.js,
# --perf-basic-prof) under keep-alive load, recorded with perf at $HZ for $SECS
# seconds per round (default 2999 Hz x 20 s, rounds until $MIN_MB MB, default 120);
# kept in bench/out/ for reruns.
# Writes bench/results/fold.md. Needs perf (root), perl; FlameGraph via
# $FLAMEGRAPH_DIR (default /work/peers/FlameGraph); 0x is installed from npm into
# ~/.cache/nodescope/bench/ox when missing. Tools that are absent are skipped.
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
NS="${NODESCOPE:-$ROOT/build/nodescope}"
B="$ROOT/bench/out/fold"
RES="$ROOT/bench/results/fold.md"
FG="${FLAMEGRAPH_DIR:-/work/peers/FlameGraph}"
OX="${OX_DIR:-$HOME/.cache/nodescope/bench/ox}"
INFERNO_DIR="${INFERNO_DIR:-/work/peers/inferno/target/release}"
HZ="${HZ:-2999}"
SECS="${SECS:-20}"
REPS="${REPS:-3}"
mkdir -p "$B" "$(dirname "$RES")"
IN="$B/server.perf.txt"

# ---- input ----
# Rounds of SECS seconds are appended until the text reaches MIN_MB (a loaded
# machine gives the server less CPU, hence fewer samples per second).
MIN_MB="${MIN_MB:-120}"
if [ ! -s "$IN" ]; then
	# from $B: --perf-basic-prof also makes V8 write isolate-*.log files in the cwd
	(cd "$B" && exec node --perf-basic-prof "$ROOT/demo/profile/server.js") >"$B/port" &
	SPID=$!
	for _ in $(seq 50); do [ -s "$B/port" ] && break; sleep 0.1; done
	node demo/profile/load.js "$(cat "$B/port")" 2 >/dev/null
	: >"$IN.part"
	for round in 1 2 3 4 5 6; do
		echo "recording the demo server: round $round, $SECS s at $HZ Hz" >&2
		node demo/profile/load.js "$(cat "$B/port")" $((SECS + 1)) >>"$B/load.txt" &
		LPID=$!
		perf record -q -F "$HZ" -g -p "$SPID" -o "$B/server.perf.data" -- sleep "$SECS" 2>/dev/null
		wait $LPID
		perf script -i "$B/server.perf.data" >>"$IN.part" 2>/dev/null
		[ "$(wc -c <"$IN.part")" -ge $((MIN_MB * 1000000)) ] && break
	done
	mv "$IN.part" "$IN"
	rm -f "$B/server.perf.data"
	kill $SPID; wait $SPID 2>/dev/null
	rm -f "/tmp/perf-$SPID.map"
fi
MB=$(awk -v b="$(wc -c <"$IN")" 'BEGIN { printf "%.1f", b / 1e6 }')
SAMPLES=$(grep -c '^[^ 	#]' "$IN")

# run NAME CMD... : appends "NAME wall user sys rss_kb" to $B/times (output to $B/NAME.out)
: >"$B/times"
run() {
	rname=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$B/time.tmp" "$@" >"$B/$rname.out" 2>"$B/$rname.err"
	echo "$rname $(cat "$B/time.tmp")" >>"$B/times"
}
# median of REPS runs of the same command (by user+sys)
runm() {
	name=$1; shift
	for i in $(seq "$REPS"); do run "$name.$i" "$@"; done
	grep "^$name\.[0-9]* " "$B/times" | awk '{ print $3 + $4, $0 }' | sort -n |
		awk -v n="$REPS" -v name="$name" 'NR == int((n + 1) / 2) { $1 = ""; $2 = name; print substr($0, 2) }' >>"$B/times"
	mv "$B/$name.1.out" "$B/$name.out"
	rm -f "$B/$name".[0-9]*.out "$B/$name".[0-9]*.err
}
row() { # NAME LABEL  -> markdown row: tool, CPU s, MB/s per CPU s, wall, RSS
	awk -v n="$1" -v label="$2" -v mb="$MB" '$1 == n { cpu = $3 + $4; printf "| %s | %.2f | **%.0f** | %.2f | %.1f MB |\n", label, cpu, (cpu > 0 ? mb / cpu : 0), $2, $5 / 1024 }' "$B/times"
}

echo "folding $MB MB ($SAMPLES samples)" >&2
runm ns_compat "$NS" fold --compat "$IN"
runm ns_node "$NS" fold -q "$IN"
run ns_pipe sh -c "cat '$IN' | '$NS' fold -q"
cat "$IN" "$IN" >"$B/double.txt"
run ns_double "$NS" fold -q "$B/double.txt"
rm -f "$B/double.txt"
have_perl=0
if [ -f "$FG/stackcollapse-perf.pl" ]; then
	have_perl=1
	run perl perl "$FG/stackcollapse-perf.pl" "$IN"
	if cmp -s "$B/perl.out" "$B/ns_compat.out"; then SAME="identical"; else SAME="DIFFERENT"; fi
fi
if [ -n "$INFERNO_DIR" ] && [ -x "$INFERNO_DIR/inferno-collapse-perf" ]; then
	runm inferno "$INFERNO_DIR/inferno-collapse-perf" -n 1 "$IN"
fi
if [ ! -d "$OX/node_modules/0x" ]; then
	mkdir -p "$OX" && (cd "$OX" && npm install --no-audit --no-fund 0x@6.0.0 >/dev/null 2>&1)
fi
if [ -d "$OX/node_modules/0x" ]; then
	run ox node --max-old-space-size=8192 bench/ox_fold.js "$OX/node_modules/0x" "$IN"
fi
STACKS=$(wc -l <"$B/ns_node.out")

# ---- render ----
FOLDED="$B/ns_compat.out"
runm ns_flame "$NS" flame "$FOLDED"
[ -f "$FG/flamegraph.pl" ] && run pl_flame perl "$FG/flamegraph.pl" "$FOLDED"
[ -x "$INFERNO_DIR/inferno-flamegraph" ] && runm inf_flame "$INFERNO_DIR/inferno-flamegraph" "$FOLDED"
runm ns_flame_node "$NS" flame "$B/ns_node.out"
[ -f "$FG/flamegraph.pl" ] && run pl_flame_node perl "$FG/flamegraph.pl" --colors js "$B/ns_node.out"
awk 'BEGIN { srand(7); for (i = 0; i < 30000; i++) { d = 8 + int(rand() * 25); s = "node"
	for (k = 0; k < d; k++) s = s ";fn" int(rand() * rand() * 3000) " /app/src/m" int(rand() * 40) ".js:" k ":1"
	print s, (i < 10000 ? 6 : 2) } }' >"$B/synthetic100k.folded"
runm ns_flame_100k "$NS" flame "$B/synthetic100k.folded"
[ -f "$FG/flamegraph.pl" ] && run pl_flame_100k perl "$FG/flamegraph.pl" "$B/synthetic100k.folded"
[ -x "$INFERNO_DIR/inferno-flamegraph" ] && runm inf_flame_100k "$INFERNO_DIR/inferno-flamegraph" "$B/synthetic100k.folded"
# the 100k-sample SVGs in headless Chromium: load, search, zoom (ms)
NODE22=$(sh scripts/fetch-node.sh 22 2>/dev/null)
: >"$B/browser"
if [ -x /usr/bin/chromium ] && [ -n "$NODE22" ]; then
	for r in ns_flame_100k pl_flame_100k inf_flame_100k; do
		[ -s "$B/$r.out" ] || continue
		cp "$B/$r.out" "$B/$r.svg"
		for i in 1 2 3; do
			echo "$r $("$NODE22" bench/flame_browser_time.js /usr/bin/chromium "$B/$r.svg" 'fn1[0-9] ')" >>"$B/browser"
		done
	done
fi
brow() { # NAME LABEL: medians of load, search, zoom
	grep "^$1 [0-9]" "$B/browser" | awk -v label="$2" '{ l[NR] = $2; s[NR] = $3; z[NR] = $4 }
		function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return a[int((n + 1) / 2)] }
		END { if (NR) printf "| %s | %d | %d | %d |\n", label, med(l, NR), med(s, NR), med(z, NR) }'
}
svgrow() { # NAME LABEL
	[ -s "$B/$1.out" ] || return 0
	size=$(wc -c <"$B/$1.out"); frames=$(grep -o '<title>' "$B/$1.out" | wc -l)
	awk -v n="$1" -v label="$2" -v size="$size" -v frames="$frames" '$1 == n { printf "| %s | %.3f | %.2f | %.1f MB | %.0f KB | %d |\n", label, $3 + $4, $2, $5 / 1024, size / 1024, frames - 1 }' "$B/times"
}

# ---- report ----
{
	echo "# fold and flame: nodescope against stackcollapse-perf.pl, 0x and flamegraph.pl"
	echo
	echo "Measured by \`bench/fold.sh\` on $(date -u +%Y-%m-%d) in one run, on $(nproc) vCPUs shared with other work"
	echo "(load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)). CPU time = user + sys, so \"MB/s per CPU-second\""
	echo "is the rate of one core; nodescope rows are the median of $REPS runs, the others one run."
	echo
	echo "**Input:** \`perf script\` text of the bundled demo server (demo/profile/server.js, node $(node -v),"
	echo "\`--perf-basic-prof\`) under keep-alive load, \`perf record -F $HZ -g -p PID\` in rounds of $SECS s:"
	echo "**$MB MB**, $SAMPLES samples, $STACKS distinct Node-aware stacks."
	echo
	echo "## Fold (perf script text -> folded stacks)"
	echo
	echo "| tool | CPU s | MB/s per CPU-s | wall s | peak RSS |"
	echo "|---|---|---|---|---|"
	row ns_compat "\`nodescope fold --compat\` (stackcollapse-perf.pl output)"
	row ns_node "\`nodescope fold\` (Node-aware)"
	row ns_pipe "\`cat | nodescope fold\` (pipe; CPU includes cat)"
	row ns_double "\`nodescope fold\` on the input twice over ($(awk -v m="$MB" 'BEGIN{print 2*m}') MB)"
	[ $have_perl = 1 ] && row perl "\`stackcollapse-perf.pl\` (FlameGraph $(git -C /work/.mirror/brendangregg+FlameGraph/repo log -1 --format=%h 2>/dev/null))"
	row inferno "\`inferno-collapse-perf -n 1\` (v0.11.19, one thread)"
	row ox "0x 6.0.0 \`traceStacksToTicks\` + \`ticksToTree\` (node)"
	echo
	[ $have_perl = 1 ] && echo "\`nodescope fold --compat\` output vs stackcollapse-perf.pl output on this input: **$SAME**."
	echo
	awk '{ cpu[$1] = $3 + $4 } END {
		b = cpu["ns_compat"]; if (b <= 0) exit
		printf "Per CPU-second, `nodescope fold --compat` is"
		if (cpu["inferno"] > 0) printf " **%.1fx** inferno,", cpu["inferno"] / b
		if (cpu["perl"] > 0) printf " **%.0fx** stackcollapse-perf.pl,", cpu["perl"] / b
		if (cpu["ox"] > 0) printf " **%.0fx** 0x", cpu["ox"] / b
		printf ".\n" }' "$B/times"
	echo
	echo "## Render (folded -> SVG)"
	echo
	echo "| renderer, input | CPU s | wall s | peak RSS | SVG | frames |"
	echo "|---|---|---|---|---|---|"
	svgrow ns_flame "\`nodescope flame\`, perl-folded demo profile"
	svgrow pl_flame "\`flamegraph.pl\`, same input"
	svgrow inf_flame "\`inferno-flamegraph\`, same input"
	svgrow ns_flame_node "\`nodescope flame\`, Node-aware folded demo profile"
	svgrow pl_flame_node "\`flamegraph.pl --colors js\`, same input"
	svgrow ns_flame_100k "\`nodescope flame\`, synthetic 100,000 samples / 30,000 stacks"
	svgrow pl_flame_100k "\`flamegraph.pl\`, same input"
	svgrow inf_flame_100k "\`inferno-flamegraph\`, same input"
	echo
	echo "nodescope's frame count includes the \"[N narrow frames merged]\" boxes that stand for siblings"
	echo "narrower than --minwidth (0.1 px), which flamegraph.pl drops."
	if [ -s "$B/browser" ]; then
		echo
		echo "## The 100,000-sample SVG in a browser"
		echo
		echo "Headless Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), driven by \`bench/flame_browser_time.js\` (DevTools protocol):"
		echo "milliseconds until two animation frames after the load event, after \`search('fn1[0-9] ')\`, and after a click"
		echo "on a frame (zoom). Medians of 3 fresh browser runs."
		echo
		echo "| SVG | load ms | search ms | zoom ms |"
		echo "|---|---|---|---|"
		brow ns_flame_100k "nodescope flame"
		brow pl_flame_100k "flamegraph.pl"
		brow inf_flame_100k "inferno-flamegraph"
	fi
} >"$RES"
cat "$RES"
