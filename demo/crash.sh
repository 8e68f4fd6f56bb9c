#!/bin/sh
# demo/crash.sh NODESCOPE — `make demo`, part "crash": runs demo/crash.js, which dies
# on a malformed order with --abort-on-uncaught-exception (the kernel writes a core),
# then prints the JavaScript stack from that core with nodescope.
NODESCOPE=${1:-build/nodescope}
cd "$(dirname "$0")/.." || exit 2
node=$(command -v node 2>/dev/null || sh scripts/fetch-node.sh 20) || exit 1
dir=demo/out/crash
mkdir -p "$dir"
rm -f "$dir"/core "$dir"/core.*
echo "\$ ulimit -c unlimited; node --abort-on-uncaught-exception demo/crash.js"
sh -c 'cd "$1" && ulimit -c unlimited && "$2" --abort-on-uncaught-exception ../../crash.js' \
	sh "$dir" "$node" >"$dir/node.out" 2>&1
head -1 "$dir/node.out"
core=$(ls "$dir"/core* 2>/dev/null | head -1)
if [ -z "$core" ]; then
	echo "no core was written (is /proc/sys/kernel/core_pattern a pipe to a crash handler?)" >&2
	exit 1
fi
echo "(core: $core, $(du -h "$core" | cut -f1) on disk)"
echo
echo "\$ nodescope core $core -c ::jsstack"
"$NODESCOPE" core "$core" -c ::jsstack || exit 1
echo
echo "\$ nodescope core $core -c '::jsstack -v -n1'    (JS frames only)"
"$NODESCOPE" core "$core" -c '::jsstack -v -n1' | sed -n '/^js:/,$p' | sed '/^native:/,$d'
