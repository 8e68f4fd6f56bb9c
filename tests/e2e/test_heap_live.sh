#!/bin/sh
# heap live: `nodescope heap snapshot PID -o FILE` on node processes of every
# line started without flags: the snapshot is written (mode 0600) and readable,
# the process keeps running and serving, its inspector port is closed again;
# processes that are not node, dead pids and bad arguments fail cleanly.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/heap"

listeners() { # PID: number of loopback listening sockets of the process
	inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p')
	n=0
	for i in $inodes; do
		awk -v i="$i" '$4 == "0A" && $10 == i' "/proc/$1/net/tcp" | grep -q . && n=$((n + 1))
	done
	echo $n
}

node_matrix | while read -r major node; do
	d="$OUT/heap-live-$major"
	rm -rf "$d" && mkdir -p "$d"
	"$node" "$FIX/server.js" >"$d/server.out" 2>"$d/server.err" &
	pid=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q ready "$d/server.out" 2>/dev/null && break; sleep 0.3; done
	port=$(awk '{ print $2 }' "$d/server.out")
	before=$(listeners $pid)
	"$NODESCOPE" heap snapshot $pid -o "$d/live.heapsnapshot" 2>"$d/snap.err"
	rc=$?
	expect_eq "node $major: heap snapshot PID exits 0" "$rc" "0"
	expect_eq "node $major: snapshot file has mode 600" "$(stat -c %a "$d/live.heapsnapshot" 2>/dev/null)" "600"
	expect_contains "node $major: says what the process will see" "$(cat "$d/snap.err")" "pauses"
	out=$("$NODESCOPE" heap summary "$d/live.heapsnapshot" 2>&1)
	expect_match "node $major: the live snapshot holds the Session objects" "$out" \
		'^ +[0-9]{4,} .* Session$'
	sleep 0.3
	expect_eq "node $major: inspector closed again (listening sockets before/after)" "$(listeners $pid)" "$before"
	check "node $major: process still alive" kill -0 $pid
	state=$(awk '{ print $3 }' /proc/$pid/stat)
	check "node $major: process not stopped (state $state)" test "$state" != T -a "$state" != t
	check "node $major: server still answers" "$node" -e \
		"require('http').get('http://127.0.0.1:$port/', r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"
	# again, two snapshots in one session: object ids stay comparable, so the
	# diff sees only new Session objects (the fixture adds one every 50 ms)
	check "node $major: two snapshots in one session" "$NODESCOPE" heap snapshot $pid \
		-o "$d/a.heapsnapshot" -o "$d/b.heapsnapshot" --interval 1
	row=$("$NODESCOPE" heap diff "$d/a.heapsnapshot" "$d/b.heapsnapshot" | awk '$NF == "Session"')
	expect_match "node $major: diff of the two: Sessions only added, none deleted" "$row" \
		'^ +[1-9][0-9]* +0 +\+[1-9]'
	kill $pid; wait $pid 2>/dev/null
done

# refusals: not node (SIGUSR1 would kill it), dead pid, bad usage
sleep 30 &
victim=$!
expect_fail "refuses a process that is not node" "$NODESCOPE" heap snapshot $victim -o "$OUT/x.heapsnapshot"
check "the refused process was not signalled" kill -0 $victim
kill $victim; wait $victim 2>/dev/null
expect_fail "dead pid" "$NODESCOPE" heap snapshot 999999 -o "$OUT/x.heapsnapshot"
"$NODESCOPE" heap snapshot 2>/dev/null; expect_eq "no pid: usage error" "$?" "2"
"$NODESCOPE" heap snapshot abc -o x 2>/dev/null; expect_eq "bad pid: usage error" "$?" "2"
