#!/bin/sh
# heap bad input: broken snapshots (truncated, not JSON, lying headers, edges
# past the node array, bad indexes, deep nesting, huge numbers), missing files
# and bad usage each give one line on stderr and a non-zero exit, never a crash
# (the binary is the ASan/UBSan build), a hang, or unbounded memory.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/heap"
node=$(sh "$ROOT/scripts/fetch-node.sh" 20)
d="$OUT/heap-bad"
rm -rf "$d" && mkdir -p "$d"
"$node" -e "require('v8').writeHeapSnapshot('$d/good.heapsnapshot')"
"$node" "$FIX/corrupt.js" "$d/good.heapsnapshot" "$d"
check "the uncorrupted snapshot loads" "$NODESCOPE" heap summary "$d/good.heapsnapshot"
for f in "$d"/*.heapsnapshot; do
	name=$(basename "$f" .heapsnapshot)
	[ "$name" = good ] && continue
	# "split": the sections after "nodes" read by a second thread (as for big files)
	cmds="summary split"
	case "$name" in edge-past-nodes | truncated-half | huge-node-count) cmds="summary split dominators" ;; esac
	for cmd in $cmds; do
		mode=never
		[ $cmd = split ] && mode=always && cmd=summary
		# peak memory is measured (kB) to catch allocations driven by lying headers
		err=$(NODESCOPE_SPLIT_PARSE=$mode timeout 60 /usr/bin/time -f 'maxrss %M' "$NODESCOPE" heap $cmd "$f" 2>&1 >/dev/null)
		rc=$?
		rss=$(printf '%s\n' "$err" | sed -n 's/^maxrss //p')
		err=$(printf '%s\n' "$err" | grep -v '^maxrss \|^Command exited')
		lines=$(printf '%s\n' "$err" | grep -c .)
		if [ $rc -ge 1 ] && [ $rc -lt 124 ] && [ "$lines" = 1 ] && [ "${rss:-0}" -lt 400000 ]; then
			ok "$name: heap $cmd ($mode split) fails with one line ($(printf '%s' "$err" | cut -c1-90))"
		else
			not_ok "$name: heap $cmd ($mode split) (exit $rc, $lines lines, ${rss}kB)"; printf '%s\n' "$err" | head -5 | sed 's/^/#   /'
		fi
	done
done
expect_fail "diff with a truncated base" "$NODESCOPE" heap diff "$d/truncated-half.heapsnapshot" "$d/good.heapsnapshot"
expect_fail "three-snapshot diff with garbage" "$NODESCOPE" heap diff "$d/garbage.heapsnapshot" "$d/good.heapsnapshot" "$d/good.heapsnapshot"
expect_fail "three-snapshot diff in the wrong order" "$NODESCOPE" heap diff "$d/good.heapsnapshot" "$d/good.heapsnapshot" "$d/good.heapsnapshot"
expect_fail "missing file" "$NODESCOPE" heap summary "$d/does-not-exist.heapsnapshot"
expect_fail "a directory" "$NODESCOPE" heap summary "$d"
expect_fail "retainers of an id that does not exist" "$NODESCOPE" heap retainers "$d/good.heapsnapshot" @2
expect_fail "retainers of an unknown constructor" "$NODESCOPE" heap retainers "$d/good.heapsnapshot" --name NoSuchClass
"$NODESCOPE" heap 2>/dev/null; expect_eq "heap without a command: exit 2" "$?" 2
"$NODESCOPE" heap summary 2>/dev/null; expect_eq "summary without a file: exit 2" "$?" 2
"$NODESCOPE" heap summary a b 2>/dev/null; expect_eq "summary with two files: exit 2" "$?" 2
"$NODESCOPE" heap summary "$d/good.heapsnapshot" --top x 2>/dev/null; expect_eq "bad --top: exit 2" "$?" 2
"$NODESCOPE" heap frobnicate x 2>/dev/null; expect_eq "unknown heap command: exit 2" "$?" 2
check "heap --help" "$NODESCOPE" heap --help
