#!/bin/sh
# Demo: a process that leaks (demo/leak_app.js), two cores of it taken with gcore
# (nodescope gcore; gdb's when that fails)
# a few seconds apart, and what `nodescope leak` says grew and what holds it.
# Usage: demo/leak.sh NODESCOPE
NODESCOPE=${1:?usage: demo/leak.sh NODESCOPE}
cd "$(dirname "$0")/.." || exit 2
out=demo/out/leak
rm -rf "$out"; mkdir -p "$out"
# take_core PID FILE: nodescope's short-pause gcore, else gdb's gcore
take_core() {
	"$NODESCOPE" gcore -o "$2" "$1" >/dev/null 2>&1 || gcore -o "${2%.*}" "$1" >/dev/null 2>&1 ||
		{ echo "demo leak: could not take a core of $1" >&2; exit 1; }
}
node demo/leak_app.js >"$out/app.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
sleep 2
echo "\$ nodescope gcore -o core1 $pid"
take_core $pid "$out/core1.$pid"
sleep 3
echo "\$ nodescope gcore -o core2 $pid   (3 s later)"
take_core $pid "$out/core2.$pid"
kill $pid 2>/dev/null
echo "\$ nodescope leak -n 1 core1 core2"
"$NODESCOPE" leak -n 1 "$out/core1.$pid" "$out/core2.$pid" | head -20
status=$?
rm -f "$out/core1.$pid" "$out/core2.$pid"
exit $status
