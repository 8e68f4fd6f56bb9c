#!/bin/sh
# Demo: a process that leaks (demo/leak_app.js), two cores of it taken with gcore
# a few seconds apart, and what `nodescope leak` says grew and what holds it.
# Usage: demo/leak.sh NODESCOPE
NODESCOPE=${1:?usage: demo/leak.sh NODESCOPE}
cd "$(dirname "$0")/.." || exit 2
out=demo/out/leak
rm -rf "$out"; mkdir -p "$out"
command -v gcore >/dev/null || { echo "demo leak: gcore (gdb) is needed" >&2; exit 1; }
node demo/leak_app.js >"$out/app.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
sleep 2
echo "taking core 1 of pid $pid (gcore)..."
gcore -o "$out/core1" $pid >/dev/null 2>&1 || { echo "demo leak: gcore failed" >&2; exit 1; }
sleep 3
echo "taking core 2..."
gcore -o "$out/core2" $pid >/dev/null 2>&1 || { echo "demo leak: gcore failed" >&2; exit 1; }
kill $pid 2>/dev/null
echo "\$ nodescope leak -n 1 core1 core2"
"$NODESCOPE" leak -n 1 "$out/core1.$pid" "$out/core2.$pid" | head -20
status=$?
rm -f "$out/core1.$pid" "$out/core2.$pid"
exit $status
