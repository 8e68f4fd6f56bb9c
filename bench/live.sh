#!/bin/sh
# Live snapshots: how long the target is paused, and the total time, for
# `nodescope gcore` against gdb's `gcore`, and `nodescope stack` — on node 20
# processes holding ~50 MB and ~1 GB of JS heap. The pause is measured inside
# the target as its longest event-loop gap. Figures go to bench/results/live.md.
cd "$(dirname "$0")/.." || exit 2
NODESCOPE="${NODESCOPE:-$(pwd)/build/nodescope}"
W=bench/out/live
mkdir -p "$W" bench/results
SIZES="${LIVE_SIZES:-50 1000}"
res=bench/results/live.md
{
	echo "# Live process: pause and wall time (node $(node -v), $(date -u +%F))"
	echo
	echo "| heap | tool | wall s | target paused ms | RSS before → after MB |"
	echo "|---|---|---|---|---|"
} >"$res"

gap() { kill -USR2 "$1"; sleep 0.3; tail -1 "$2" | awk '{print $2}'; }
rss() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"; }

for mb in $SIZES; do
	node bench/live-heap.js "$mb" >"$W/log" 2>&1 &
	pid=$!
	while ! grep -q ready "$W/log"; do sleep 0.2; done
	sleep 1
	gap "$pid" "$W/log" >/dev/null
	for tool in nodescope-stack nodescope-gcore gdb-gcore; do
		before=$(rss "$pid")
		start=$(date +%s.%N)
		case $tool in
		nodescope-stack) "$NODESCOPE" stack "$pid" >/dev/null ;;
		nodescope-gcore) "$NODESCOPE" gcore -o "$W/core" "$pid" 2>/dev/null ;;
		gdb-gcore) gcore -o "$W/gdbcore" "$pid" >/dev/null 2>&1 ;;
		esac
		wall=$(echo "$(date +%s.%N) - $start" | bc)
		sleep 0.5
		paused=$(gap "$pid" "$W/log")
		after=$(rss "$pid")
		printf '| %s MB | %s | %.2f | %s | %s → %s |\n' "$mb" "$tool" "$wall" "$paused" "$before" "$after" >>"$res"
		rm -f "$W/core" "$W"/gdbcore*
	done
	kill "$pid"
	wait "$pid" 2>/dev/null
done
cat "$res"
