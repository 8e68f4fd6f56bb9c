#!/bin/sh
# `nodescope record` on real node processes of every line in the matrix: a
# CPU-bound fixture started by record (-- node --perf-basic-prof ...) and one
# attached with -p must both show the fixture's hottest function on top of the
# stacks; the other output formats must parse; bad input must fail cleanly.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/record/hot.js"
D="$OUT/record"
mkdir -p "$D"
# Node 24+ with --perf-basic-prof also writes isolate-*-v8.log files in its cwd.
cd "$D" || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do rm -f "/tmp/perf-$p.map"; done
}
trap cleanup EXIT

# top_user_frame FOLDED : the leaf user-space frame (kernel frames _[k] cut off)
# that most samples end in, with its share in percent.
top_user_frame() {
	awk '{ n = $NF; sub(/ [0-9]+$/, ""); k = split($0, f, ";");
	       while (k > 1 && f[k] ~ /_\[k\]$/) k--;
	       c[f[k]] += n; t += n }
	     END { for (x in c) if (c[x] > best) { best = c[x]; top = x }
	           if (t) printf "%s|%d\n", top, 100 * best / t }' "$1"
}

# start_fixture NODE SECONDS [FLAGS] : starts the fixture, waits for it to run,
# sets FPID.
start_fixture() {
	node_bin=$1 secs=$2
	shift 2
	"$node_bin" "$@" "$FIX" "$secs" >"$D/fixture.out" 2>&1 &
	FPID=$!
	PIDS="$PIDS $FPID"
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		grep -q ready "$D/fixture.out" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5 # let the hot function get compiled
}

check_top() { # NAME FOLDED
	top=$(top_user_frame "$2")
	expect_match "$1: hottest function on top ($top)" "$top" '^nodescopeHotLoop .*hot\.js:7(:[0-9]+)?(_\[[~^+*]+\])?\|'
}

first=""
for line in $(node_matrix | tr ' ' ':'); do
	m=${line%%:*} node_bin=${line#*:}
	[ -n "$first" ] || first=$m

	# Started by record, with the flag given explicitly.
	f="$D/launch-$m.folded"
	"$NODESCOPE" record -q -F 199 -d 2 -o "$f" -- "$node_bin" --perf-basic-prof "$FIX" 5 \
		>"$D/launch-$m.stdout" 2>"$D/launch-$m.err"
	expect_eq "node $m launched: exit 0" "$?" 0
	check_top "node $m launched" "$f"

	# Attached to a running process.
	start_fixture "$node_bin" 8 --perf-basic-prof
	f="$D/attach-$m.folded"
	"$NODESCOPE" record -p "$FPID" -F 199 -d 1.5 -o "$f" 2>"$D/attach-$m.err"
	expect_eq "node $m attached: exit 0" "$?" 0
	check_top "node $m attached" "$f"
	expect_match "node $m attached: native and builtin frames named" "$(cat "$f")" 'node::Start;.*v8::internal::Execution::Call;.*Builtins_JSEntry;'
	# libc's own symbols come from its separate debug file when installed.
	if dpkg-query -W -f='${Status}' libc6-dbg 2>/dev/null | grep -q "ok installed"; then
		expect_match "node $m attached: libc named from its debug file" "$(cat "$f")" '^[^;]+;__libc_start_call_main;'
	fi
	if kill -0 "$FPID" 2>/dev/null; then ok "node $m: target still running after record"; else
		not_ok "node $m: target still running after record"; fi
	kill "$FPID" 2>/dev/null
	wait "$FPID" 2>/dev/null

	# Started without --perf-basic-prof: --js-names names functions from the heap.
	start_fixture "$node_bin" 30
	f="$D/jsnames-$m.folded"
	"$NODESCOPE" record --js-names -p "$FPID" -F 199 -d 1 -o "$f" 2>"$D/jsnames-$m.err"
	expect_eq "node $m --js-names without a perf map: exit 0" "$?" 0
	check_top "node $m --js-names without a perf map" "$f"
	if kill -0 "$FPID" 2>/dev/null; then ok "node $m --js-names: target still running"; else
		not_ok "node $m --js-names: target still running"; fi
	kill "$FPID" 2>/dev/null
	wait "$FPID" 2>/dev/null
done

# The other formats, on the first node line, checked by parsing them.
node_bin=$(sh "$ROOT/scripts/fetch-node.sh" "$first")
start_fixture "$node_bin" 30 --perf-basic-prof
for ext in speedscope.json cpuprofile pb.gz; do
	"$NODESCOPE" record -q -p "$FPID" -F 199 -d 1 -o "$D/formats.$ext" 2>"$D/formats-$ext.err"
	expect_eq "format $ext: exit 0" "$?" 0
done
got=$(node -e '
const fs = require("fs");
const s = JSON.parse(fs.readFileSync(process.argv[1]));
const p = s.profiles[0], f = s.shared.frames;
const leaf = {};
p.samples.forEach(st => { const n = f[st[st.length - 1]].name; leaf[n] = (leaf[n] || 0) + 1; });
const ok = s.$schema.includes("speedscope") && p.samples.length === p.weights.length &&
	p.samples.every(st => st.every(i => i >= 0 && i < f.length));
const hot = f.find(x => x.name === "nodescopeHotLoop");
console.log(ok, hot && hot.file.endsWith("hot.js") && hot.line === 7, Object.keys(leaf).includes("nodescopeHotLoop"));
' "$D/formats.speedscope.json" 2>&1)
expect_eq "speedscope: valid, hot frame with file and line" "$got" "true true true"
got=$(node -e '
const p = JSON.parse(require("fs").readFileSync(process.argv[1]));
const ids = new Map(p.nodes.map(n => [n.id, n]));
const kids = p.nodes.every(n => (n.children || []).every(c => ids.has(c)));
const hits = {};
p.samples.forEach(s => { const n = ids.get(s).callFrame.functionName; hits[n] = (hits[n] || 0) + 1; });
const top = Object.keys(hits).sort((a, b) => hits[b] - hits[a])[0];
const hot = p.nodes.find(n => n.callFrame.functionName === "nodescopeHotLoop");
console.log(p.nodes[0].callFrame.functionName, kids, p.samples.length === p.timeDeltas.length,
	p.timeDeltas.every(d => d >= 0), top, hot.callFrame.url.endsWith("hot.js"), hot.callFrame.lineNumber);
' "$D/formats.cpuprofile" 2>&1)
expect_eq "cpuprofile: tree, samples and deltas consistent, hot on top" "$got" \
	"(root) true true true nodescopeHotLoop true 6"
# pprof: decoded by pprof-format (a pure JS decoder from npm) when it can be
# installed, else by the structural checks of the unit test alone.
NPM_DIR="${HOME}/.cache/nodescope/npm"
if [ ! -d "$NPM_DIR/node_modules/pprof-format" ] && command -v npm >/dev/null; then
	mkdir -p "$NPM_DIR" && (cd "$NPM_DIR" && timeout 120 npm install --no-audit --no-fund pprof-format@2.3.2 >/dev/null 2>&1)
fi
if [ -d "$NPM_DIR/node_modules/pprof-format" ]; then
	got=$(NODE_PATH="$NPM_DIR/node_modules" node -e '
const { Profile } = require("pprof-format");
const p = Profile.decode(require("zlib").gunzipSync(require("fs").readFileSync(process.argv[1])));
const st = p.stringTable.strings;
const fn = new Map(p.function.map(f => [f.id, f])), loc = new Map(p.location.map(l => [l.id, l]));
const leaf = {};
let refs = true;
for (const s of p.sample) {
	refs = refs && s.locationId.every(id => loc.has(id));
	const n = st[fn.get(loc.get(s.locationId[0]).line[0].functionId).name];
	leaf[n] = (leaf[n] || 0) + Number(s.value[0]);
}
const top = Object.keys(leaf).sort((a, b) => leaf[b] - leaf[a])[0];
console.log(st[0] === "", st[p.sampleType[1].type], st[p.periodType.unit], refs, top);
' "$D/formats.pb.gz" 2>&1)
	expect_eq "pprof: decodes (pprof-format), ids valid, hot on top" "$got" "true cpu nanoseconds true nodescopeHotLoop"
else
	ok "pprof: decoder not installable here # SKIP"
fi
"$NODESCOPE" record -q -p "$FPID" -d 1 -o "$D/formats.svg" 2>"$D/svg.err"
expect_eq "svg: exit 0" "$?" 0
svg=$(cat "$D/formats.svg")
expect_match "svg: an SVG document" "$svg" '^<svg .*xmlns="http://www.w3.org/2000/svg"'
expect_contains "svg: the hot function is drawn" "$svg" "nodescopeHotLoop"
# -o - writes folded stacks to stdout.
out=$("$NODESCOPE" record -q -p "$FPID" -d 1 -o - 2>/dev/null)
expect_match "-o -: folded stacks on stdout" "$out" '^[^;]+;.*nodescopeHotLoop .* [0-9]+$'
# A thread id is not a process id: say which process it belongs to.
tid=$(ls "/proc/$FPID/task" | grep -v "^$FPID\$" | head -1)
err=$("$NODESCOPE" record -p "$tid" -d 1 -o "$D/x.folded" 2>&1)
expect_eq "thread id: exit 1 with a message" "$?:$err" "1:nodescope record: $tid is a thread of process $FPID: use -p $FPID"
kill "$FPID" 2>/dev/null

# A process started without --perf-basic-prof: a clear warning that says what to do.
start_fixture "$node_bin" 6
err=$("$NODESCOPE" record -p "$FPID" -d 1 -o "$D/nomap.folded" 2>&1 >/dev/null)
expect_contains "no perf map: warning names the flag" "$err" "--perf-basic-prof"
expect_match "no perf map: JIT frames labelled" "$(cat "$D/nomap.folded")" '\[unknown: JIT code, no perf map\]'

# Ctrl-C ends an open-ended recording cleanly; the target keeps running.
"$NODESCOPE" record -q -p "$FPID" -o "$D/sigint.folded" 2>"$D/sigint.err" &
RP=$!
sleep 1.5
kill -INT $RP
wait $RP
expect_eq "SIGINT: exit 0" "$?" 0
expect_match "SIGINT: samples written" "$(cat "$D/sigint.folded")" ' [0-9]+$'
if kill -0 "$FPID" 2>/dev/null; then ok "SIGINT: target still running"; else not_ok "SIGINT: target still running"; fi
kill "$FPID" 2>/dev/null

# A target that exits mid-recording ends it cleanly with what was gathered.
start_fixture "$node_bin" 1.5 --perf-basic-prof
t0=$(date +%s)
"$NODESCOPE" record -q -p "$FPID" -d 30 -o "$D/exit.folded" 2>"$D/exit.err"
rc=$?
expect_eq "target exits mid-recording: exit 0" "$rc" 0
expect_eq "target exits mid-recording: stops early" "$([ $(($(date +%s) - t0)) -lt 10 ] && echo yes)" yes
check_top "target exits mid-recording" "$D/exit.folded"
# Same for a launched command that exits before -d ends.
t0=$(date +%s)
"$NODESCOPE" record -q -d 30 -o "$D/launch-exit.folded" -- "$node_bin" "$FIX" 1 >/dev/null 2>"$D/launch-exit.err"
expect_eq "launched command exits: exit 0" "$?" 0
expect_eq "launched command exits: stops early" "$([ $(($(date +%s) - t0)) -lt 10 ] && echo yes)" yes
# A wrapper that starts node as a child process (like npm start): the child is
# followed (inherited events) and gets --perf-basic-prof through NODE_OPTIONS.
"$NODESCOPE" record -q -d 30 -o "$D/wrapper.folded" -- sh -c "'$node_bin' '$FIX' 2; true" >/dev/null 2>"$D/wrapper.err"
expect_eq "wrapper command: exit 0" "$?" 0
check_top "wrapper command (node as a child of sh)" "$D/wrapper.folded"
# SIGTERM to record is passed on to a command it launched.
"$NODESCOPE" record -q -o "$D/term.folded" -- "$node_bin" "$FIX" 20 >"$D/term.out" 2>"$D/term.err" &
RP=$!
sleep 2
CP=$(sed -n 's/^ready //p' "$D/term.out")
kill -TERM $RP
wait $RP
expect_eq "SIGTERM with a launched command: exit 0" "$?" 0
sleep 0.3
if [ -n "$CP" ] && ! kill -0 "$CP" 2>/dev/null; then ok "SIGTERM: launched command ended"; else
	not_ok "SIGTERM: launched command ended (pid '$CP')"; kill "$CP" 2>/dev/null; fi

# Bad input.
sleep 0 & gone=$!
wait $gone
expect_fail "no such pid" "$NODESCOPE" record -p "$gone" -d 1 -o "$D/x.folded"
err=$("$NODESCOPE" record -p "$gone" -d 1 -o "$D/x.folded" 2>&1)
expect_contains "no such pid: message" "$err" "no process with pid $gone"
expect_fail "command that does not exist" "$NODESCOPE" record -d 1 -o "$D/x.folded" -- /nonexistent/cmd
for args in "-d 1 -o" "-p 1 -d 1" "-p 1 -o $D/x.unknown" "-p 1 -F 0 -o $D/x.folded" "-p 1 -F abc -o $D/x.folded" \
	"-p 1 -d -3 -o $D/x.folded" "-p 1 -o $D/x.folded -- true" "-o $D/x.folded" "-p 1 --bogus -o $D/x.folded" \
	"-p x -o $D/x.folded" "-o $D/x.folded --"; do
	# shellcheck disable=SC2086
	"$NODESCOPE" record $args >/dev/null 2>"$D/usage.err"
	expect_eq "bad usage ($args): exit 2 with a message" "$?:$(wc -l <"$D/usage.err" | tr -d ' ')" "2:2"
done
check "--help" "$NODESCOPE" record --help
# Without permission: a clear message naming perf_event_paranoid and CAP_PERFMON.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 1 ]; then
	sleep 20 &
	SP=$!
	PIDS="$PIDS $SP"
	err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$NODESCOPE" record -p $SP -d 1 -o /tmp/nodescope-noperm.folded 2>&1)
	rc=$?
	expect_eq "no permission: exit 1" "$rc" 1
	expect_contains "no permission: names perf_event_paranoid" "$err" "perf_event_paranoid"
	expect_contains "no permission: names CAP_PERFMON" "$err" "CAP_PERFMON"
	kill $SP
	rm -f /tmp/nodescope-noperm.folded
	# The owner of a process may sample its user space at perf_event_paranoid 2.
	# (Skipped when `nobody` cannot reach the checkout, e.g. a clone in a 0700 mktemp dir.)
	if ! setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c \
		"test -x '$NODESCOPE' && test -r '$FIX' && test -x '$node_bin'" 2>/dev/null; then
		ok "process owner # SKIP user nobody cannot reach the checkout"
	elif [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 2 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$node_bin" --perf-basic-prof "$FIX" 8 \
			>"$D/owner.out" 2>&1 &
		OP=$!
		PIDS="$PIDS $OP"
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			grep -q ready "$D/owner.out" 2>/dev/null && break
			sleep 0.1
		done
		sleep 0.5
		err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$NODESCOPE" record -p $OP -d 1 \
			-o /tmp/nodescope-owner.folded 2>&1)
		expect_eq "process owner without privileges: exit 0" "$?" 0
		expect_contains "process owner: says kernel frames are left out" "$err" "sampling user space only"
		cp /tmp/nodescope-owner.folded "$D/owner.folded" 2>/dev/null
		check_top "process owner, user space only" "$D/owner.folded"
		rm -f /tmp/nodescope-owner.folded
		kill $OP 2>/dev/null
	fi
else
	ok "no permission # SKIP needs root and setpriv"
fi

# A process in its own pid and mount namespaces (a container): the perf map is
# /tmp/perf-<namespace pid>.map inside its /tmp, read through /proc/PID/root.
# The fixture is copied outside /tmp first: the checkout itself may live under /tmp,
# which the private tmpfs hides.
if unshare --mount --pid --fork true 2>/dev/null && nsdir=$(mktemp -d /var/tmp/nodescope-ns.XXXXXX); then
	cp "$FIX" "$nsdir/hot.js"
	unshare --mount --pid --fork sh -c "mount -t tmpfs none /tmp && exec '$node_bin' --perf-basic-prof '$nsdir/hot.js' 6" \
		>"$D/ns.out" 2>&1 &
	NSP=$!
	PIDS="$PIDS $NSP"
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		grep -q ready "$D/ns.out" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5
	TP=$(pgrep -P "$NSP" | head -1)
	nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/$TP/status" 2>/dev/null)
	"$NODESCOPE" record -q -p "$TP" -d 1.5 -o "$D/ns.folded" 2>"$D/ns.err"
	expect_eq "container: exit 0" "$?" 0
	expect_eq "container: namespace pid differs, map not in our /tmp" \
		"$([ "$nspid" != "$TP" ] && [ ! -e "/tmp/perf-$nspid.map" ] && echo yes)" yes
	check_top "container (pid namespace, private /tmp)" "$D/ns.folded"
	kill "$NSP" 2>/dev/null
	wait "$NSP" 2>/dev/null
	rm -rf "$nsdir"
else
	ok "container # SKIP unshare not permitted"
fi

# V8's builtins copied into anonymous memory (Node 22+ when the binary cannot be
# remapped from its file, e.g. deleted after an upgrade; here: run from a memfd).
# Without a perf map the builtins must still be named from the binary's symbols.
new=""
for line in $(node_matrix | tr ' ' ':'); do
	case ${line%%:*} in 22 | 24 | 26) new=${line#*:} ;; esac
done
if [ -n "$new" ] && command -v python3 >/dev/null; then
	python3 -c '
import os, sys
fd = os.memfd_create("node", 0)
with open(sys.argv[1], "rb") as f:
    while True:
        b = f.read(1 << 20)
        if not b: break
        os.write(fd, b)
os.execve("/proc/self/fd/%d" % fd, ["node"] + sys.argv[2:], os.environ)
' "$new" "$FIX" 6 >"$D/memfd.out" 2>&1 &
	MP=$!
	PIDS="$PIDS $MP"
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
		grep -q ready "$D/memfd.out" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5
	anon=$(awk '$2 ~ /x/ && $6 == "" { n++ } END { print n + 0 }' "/proc/$MP/maps")
	err=$("$NODESCOPE" record -p "$MP" -d 1.5 -o "$D/memfd.folded" 2>&1 >/dev/null)
	expect_eq "anonymous builtins: exit 0" "$?" 0
	expect_eq "anonymous builtins: an anonymous executable mapping exists" "$([ "$anon" -ge 1 ] && echo yes)" yes
	expect_contains "anonymous builtins: found" "$err" "embedded builtins were found copied into anonymous memory"
	expect_match "anonymous builtins: named without a perf map" "$(cat "$D/memfd.folded")" \
		'Builtins_JSEntry;Builtins_JSEntryTrampoline;'
	kill "$MP" 2>/dev/null
	wait "$MP" 2>/dev/null
else
	ok "anonymous builtins # SKIP needs node 22+ in the matrix and python3"
fi
exit 0
