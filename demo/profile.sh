#!/bin/sh
# `make demo`, CPU part: profiles the bundled CPU-heavy server (demo/profile/
# server.js, started with --perf-basic-prof) under keep-alive load and writes a
# flame graph to demo/out/profile.svg, then prints the hottest JS functions.
# Uses `nodescope record` when it is available, else perf record + perf script +
# `nodescope fold` + `nodescope flame`.  Usage: sh demo/profile.sh NODESCOPE
NS="${1:?usage: demo/profile.sh PATH_TO_NODESCOPE}"
cd "$(dirname "$0")" || exit 2
OUTDIR="$(pwd)/out"
mkdir -p "$OUTDIR"
SECS="${DEMO_SECS:-5}"
NODE="${NODE:-node}"

# run from out/: --perf-basic-prof also makes V8 write isolate-*.log files in the cwd
(cd "$OUTDIR" && exec "$NODE" --perf-basic-prof ../profile/server.js) >"$OUTDIR/server.port" 2>"$OUTDIR/server.err" &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null; rm -f /tmp/perf-$SPID.map' EXIT
for _ in $(seq 50); do [ -s "$OUTDIR/server.port" ] && break; sleep 0.1; done
PORT=$(cat "$OUTDIR/server.port")
[ -n "$PORT" ] || { echo "demo profile: the server did not start" >&2; exit 1; }
echo "server pid $SPID on port $PORT; warming up 2 s"
"$NODE" profile/load.js "$PORT" 2 >/dev/null
"$NODE" profile/load.js "$PORT" $((SECS + 1)) >"$OUTDIR/load.txt" &
LPID=$!

if "$NS" record --help >/dev/null 2>&1; then
	echo "recording $SECS s with nodescope record"
	"$NS" record -p "$SPID" -F 499 -d "$SECS" -o "$OUTDIR/profile.folded" &&
		"$NS" flame --title "demo server under load" "$OUTDIR/profile.folded" >"$OUTDIR/profile.svg"
	rc=$?
else
	echo "recording $SECS s with perf record (nodescope record not available yet)"
	perf record -q -F 499 -g -p "$SPID" -o "$OUTDIR/perf.data" -- sleep "$SECS" 2>"$OUTDIR/perf.err" &&
		perf script -i "$OUTDIR/perf.data" 2>/dev/null >"$OUTDIR/perf.txt" &&
		"$NS" fold "$OUTDIR/perf.txt" >"$OUTDIR/profile.folded" &&
		"$NS" flame --title "demo server under load" "$OUTDIR/profile.folded" >"$OUTDIR/profile.svg"
	rc=$?
	rm -f "$OUTDIR/perf.data"
fi
wait $LPID
echo "load: $(cat "$OUTDIR/load.txt")"
[ $rc -eq 0 ] || { echo "demo profile: recording failed (see $OUTDIR/perf.err)" >&2; exit 1; }
echo "flame graph: $OUTDIR/profile.svg ($(wc -c <"$OUTDIR/profile.svg") bytes)"
echo "hottest JS functions (samples on CPU in the function itself):"
awk '{ n = split($0, f, ";"); sub(/ [0-9]+$/, "", f[n]); c[f[n]] += $NF; t += $NF }
	END { for (k in c) if (k ~ /\.js:[0-9]/) printf "%6.1f%%  %s\n", 100 * c[k] / t, k }' \
	"$OUTDIR/profile.folded" | sort -rn | head -8
