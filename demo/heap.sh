#!/bin/sh
# Demo: find a leak in a running node server from heap snapshots.
# Starts demo/leaky-server.js (no flags), keeps requests coming, takes three
# snapshots of the live process, 2 s apart, in one `nodescope heap snapshot PID`
# (one inspector session, so object ids stay comparable), then lets
# `nodescope heap diff` name what was allocated between the first two and is
# still alive in the third, and `nodescope heap retainers` show who holds it.
#   sh demo/heap.sh /path/to/nodescope
NODESCOPE="${1:-build/nodescope}"
cd "$(dirname "$0")/.." || exit 2
out=demo/out/heap
rm -rf "$out" && mkdir -p "$out"
node demo/leaky-server.js >"$out/server.out" 2>"$out/server.err" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q listening "$out/server.out" 2>/dev/null && break; sleep 0.3; done
port=$(awk '{ print $2 }' "$out/server.out")
load() { # N: send N requests
	node -e "
		const http = require('http'); let left = $1, inflight = 0;
		const next = () => { if (left <= 0) { if (!inflight) process.exit(0); return; }
			left--; inflight++;
			http.get('http://127.0.0.1:$port/item/' + left, r => { r.resume(); r.on('end', () => { inflight--; next(); }); });
		};
		for (let i = 0; i < 8; i++) next();"
}
echo "\$ node demo/leaky-server.js   # pid $pid, port $port; traffic keeps coming"
load 100000 &
loader=$!
trap 'kill $pid $loader 2>/dev/null' EXIT
sleep 1
echo "\$ nodescope heap snapshot $pid -o s1.heapsnapshot -o s2.heapsnapshot -o s3.heapsnapshot --interval 2"
"$NODESCOPE" heap snapshot $pid -o "$out/s1.heapsnapshot" -o "$out/s2.heapsnapshot" \
	-o "$out/s3.heapsnapshot" --interval 2 || exit 1
kill $loader 2>/dev/null
echo
echo "\$ nodescope heap diff s1 s2 --top 8       # what grew, by constructor"
"$NODESCOPE" heap diff "$out/s1.heapsnapshot" "$out/s2.heapsnapshot" --top 8
echo
echo "\$ nodescope heap diff s1 s2 s3 --top 8    # allocated between s1 and s2, still alive in s3"
"$NODESCOPE" heap diff "$out/s1.heapsnapshot" "$out/s2.heapsnapshot" "$out/s3.heapsnapshot" --top 8 | tee "$out/three.txt"
echo
echo "\$ nodescope heap retainers s3 --name RequestContext --paths 1"
"$NODESCOPE" heap retainers "$out/s3.heapsnapshot" --name RequestContext --paths 1
top=$(awk 'NR > 2 { print $4; exit }' "$out/three.txt")
echo
echo "=> $top objects allocated between the first two snapshots are still alive in the third:"
echo "   that is the leak; the retaining path above shows who holds them."
[ "$top" = RequestContext ]
