#!/bin/sh
# `nodescope leak` on two cores (nodescope gcore) of one live process
# (tests/fixtures/census/leak.js) taken before and after it leaks N more Leaky
# objects: Leaky must come first, with growth N and a path from a root.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/census/leak.js"
N=437

# take_core PID FILE: nodescope's own short-pause gcore, gdb's gcore if that fails.
take_core() {
	"$NODESCOPE" gcore -o "$2" "$1" >/dev/null 2>&1 || gcore -o "${2%.*}" "$1" >/dev/null 2>&1
}

expect_fail "leak: one core is bad usage" "$NODESCOPE" leak /nonexistent
expect_fail "leak: missing core" "$NODESCOPE" leak /nonexistent/a /nonexistent/b

# gcore takes seconds per core: two lines by default (20 and the newest of the
# matrix), every line with NODESCOPE_LEAK_ALL=1.
node_matrix | awk -v all="${NODESCOPE_LEAK_ALL:-0}" '{ l[NR] = $0 } END {
	for (i = 1; i <= NR; i++) if (all == 1 || l[i] ~ /^20 / || i == NR) print l[i] }' |
while read -r major node; do
	dir="$OUT/leak-$major"
	rm -rf "$dir"; mkdir -p "$dir"
	"$node" "$FIX" $N 250 >"$dir/out" 2>&1 &
	pid=$!
	i=0; while [ $i -lt 100 ] && ! grep -q 'ready 0' "$dir/out"; do sleep 0.1; i=$((i + 1)); done
	take_core $pid "$dir/a.$pid"
	kill -USR2 $pid
	i=0; while [ $i -lt 100 ] && ! grep -q 'ready 1' "$dir/out"; do sleep 0.1; i=$((i + 1)); done
	take_core $pid "$dir/b.$pid"
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	if [ ! -s "$dir/a.$pid" ] || [ ! -s "$dir/b.$pid" ]; then not_ok "node $major: gcore"; continue; fi
	out=$("$NODESCOPE" leak "$dir/a.$pid" "$dir/b.$pid" 2>&1)
	first=$(printf '%s\n' "$out" | sed -n 2p)
	expect_match "node $major: Leaky grows first by $N" "$first" "^ +\+$N +250 -> $((250 + N)) +Leaky: id, when$"
	expect_match "node $major: new instance with a path" "$out" 'new instance 0x[0-9a-f]+, retained by:'
	expect_match "node $major: path from a root" "$out" 'root: (stack of thread|global object|native handle)'
	expect_match "node $major: path ends at a Leaky" "$out" '-> 0x[0-9a-f]+ \(JSObject: Leaky\)'
	json=$("$NODESCOPE" leak --json -n 0 "$dir/a.$pid" "$dir/b.$pid" 2>&1)
	expect_match "node $major: leak --json" "$json" "\"group\": \"Leaky: id, when\", \"growth\": $N, \"counts\": \[250, $((250 + N))\]"
	rm -f "$dir/a.$pid" "$dir/b.$pid"
done
