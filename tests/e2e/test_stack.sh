#!/bin/sh
# `nodescope stack PID` on live node processes of every line: the JS frames of a
# process blocked several calls deep are named, with the executing line, and the
# process keeps running afterwards. Bad pids get one line and a non-zero exit.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/core/stack.js"
W="$OUT/stack"
# The line where the fixture blocks: explode's executing line.
wait_line=$(grep -n 'Atomics.wait' "$FIX" | head -1 | cut -d: -f1)
mkdir -p "$W"

node_matrix | while read -r major node; do
	"$node" "$FIX" wait >"$W/ready.$major" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do grep -q ready "$W/ready.$major" && break; sleep 0.1; done
	out=$("$NODESCOPE" stack -v "$pid" 2>&1)
	for fn in explode validate "<anonymous> (as handlers.run)" check Widget buildWidget onImmediate; do
		expect_contains "node $major: stack names $fn" "$out" "js:     $fn"
	done
	expect_match "node $major: executing line of explode" "$out" "posn: line $wait_line, column [0-9]+ \(executing\)"
	expect_contains "node $major: native frames" "$out" "native: uv_run"
	state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	case "$state" in
	S | R | D) ok "node $major: target still running after stack ($state)" ;;
	*) not_ok "node $major: target state after stack is '$state'" ;;
	esac
	json=$("$NODESCOPE" stack --json "$pid" 2>&1)
	expect_contains "node $major: --json" "$json" '"explode"'
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done

expect_fail "stack: no such pid" "$NODESCOPE" stack 999999
expect_fail "stack: not a pid" "$NODESCOPE" stack abc
sleep 30 &
expect_fail "stack: a process that is not node" "$NODESCOPE" stack $!
kill $! 2>/dev/null
# A process that exits while it is read: any outcome but a crash or a hang.
node=$(sh "$ROOT/scripts/fetch-node.sh" 20)
"$node" -e 'setTimeout(()=>{}, 30)' &
pid=$!
timeout 20 "$NODESCOPE" stack "$pid" >/dev/null 2>&1
rc=$?
if [ $rc -lt 124 ]; then ok "stack: target exiting mid-read (exit $rc)"; else not_ok "stack: target exiting mid-read (exit $rc)"; fi
wait $pid 2>/dev/null

# `nodescope gcore PID`: a core of a live process, read back by `nodescope core`.
node_matrix | while read -r major node; do
	"$node" "$FIX" wait >"$W/gready.$major" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do grep -q ready "$W/gready.$major" && break; sleep 0.1; done
	rm -f "$W/live.$major.core"
	check "node $major: gcore writes a core" "$NODESCOPE" gcore -o "$W/live.$major.core" "$pid"
	perm=$(stat -c %a "$W/live.$major.core" 2>/dev/null)
	expect_eq "node $major: gcore core is mode 600" "$perm" 600
	out=$("$NODESCOPE" core "$W/live.$major.core" "$node" -c '::jsstack -v -n0' 2>&1)
	expect_contains "node $major: core of gcore names explode" "$out" "js:     explode"
	expect_contains "node $major: core of gcore names buildWidget" "$out" "js:     buildWidget"
	state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	case "$state" in
	S | R | D) ok "node $major: target still running after gcore ($state)" ;;
	*) not_ok "node $major: target state after gcore is '$state'" ;;
	esac
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$W/live.$major.core"
done
expect_fail "gcore: no such pid" "$NODESCOPE" gcore -o "$W/none.core" 999999
