#!/bin/sh
# `nodescope core CORE -c ::jsstack` on real cores of tests/fixtures/core/stack.js, on
# every Node line: every JS frame is named (checked against the stack node itself
# printed for the same uncaught exception), -v gives the same executing line:column
# as node printed, `this` and the real arguments; --json, -a, -t, -n; and a gcore of
# a live process.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/core/stack.js"

# abort_core NODE MODE DIR [NODE_FLAG] : runs the fixture in MODE until it aborts;
# prints the path of the core. Node's own report of the exception (with its stack)
# goes to DIR/node.err.
abort_core() {
	mkdir -p "$3"
	rm -f "$3"/core "$3"/core.*
	(cd "$3" && ulimit -c unlimited && "$1" $4 --abort-on-uncaught-exception "$FIX" "$2" \
		>"$3/node.out" 2>"$3/node.err") 2>/dev/null
	ls "$3"/core* 2>/dev/null | head -1
}

# node_frames FILE : the frames node printed ("name|line:col"), names normalized:
# "new Widget" -> Widget, "Immediate.onImmediate [as _onImmediate]" -> Immediate.onImmediate
node_frames() {
	sed -n '/^FROM/,$p' "$1" | sed 1d | tr -d '\n' | grep -o '[^()]* ([^()]*:[0-9]*:[0-9]*)' |
		sed 's/^ *//; s/^new //; s/ \[as [^]]*\]//; s/ (.*:\([0-9]*\):\([0-9]*\))$/|\1:\2/'
}

# our_frames TEXT : the JS frames of `::jsstack -v -n0` as "name|line:col" (inlined
# frames of optimized code included)
our_frames() {
	printf '%s\n' "$1" | awk '
		/^js:/ { sub(/^js: +/, ""); sub(/ \(inlined\)$/, ""); name = $0 }
		/^ +posn: line [0-9]+, column [0-9]+ \(executing\)/ { print name "|" $3 ":" $5; name = "" }
		/^ +posn: / && !/\(executing\)/ { print name "|none" }' | sed 's/,//g'
}

# same_frames NAME OURS THEIRS : each of our frames names node's (ours may be the last
# component, or "<anonymous> (as node's name)") and sits at the same line:col.
same_frames() {
	if printf '%s\n' "$2" | awk -F'|' -v theirs="$3" '
		BEGIN { n = split(theirs, t, "\n") }
		{ i++; split(t[i], x, "|"); name = x[1]; last = name; sub(/.*\./, "", last)
		  if (($1 != name && $1 != last && $1 != "<anonymous> (as " name ")") || $2 != x[2]) bad = 1 }
		END { exit (bad || i != n || n < 8) }'; then ok "$1"; else
		not_ok "$1"; echo "#   ours:"; printf '%s\n' "$2" | sed 's/^/#     /'
		echo "#   node's:"; printf '%s\n' "$3" | sed 's/^/#     /'
	fi
}

check_mode() { # MAJOR NODE MODE ("sparkplug": immediate with every function baseline-compiled)
	major=$1 node=$2 mode=$3 flag=
	[ "$mode" = sparkplug ] && flag=--always-sparkplug
	dir="$OUT/core-$major-$mode"
	core=$(abort_core "$node" "$([ "$mode" = sparkplug ] && echo immediate || echo "$mode")" "$dir" $flag 2>/dev/null)
	if [ -z "$core" ]; then not_ok "node $major $mode: no core was written"; return; fi
	theirs=$(node_frames "$dir/node.err")
	out=$("$NODESCOPE" core "$core" -c '::jsstack -v -n0' 2>&1)
	what="every JS frame named, at node's executing line:col"
	[ "$mode" = hot ] && what="optimized: every JS frame named (inlined ones too), at node's line:col"
	[ "$mode" = sparkplug ] && what="baseline code: every JS frame named, at node's line:col"
	same_frames "node $major $mode: $what" "$(our_frames "$out")" "$theirs"
}

node_matrix | while read -r major node; do
	check_mode "$major" "$node" immediate
	check_mode "$major" "$node" timer
	check_mode "$major" "$node" hot
	check_mode "$major" "$node" sparkplug
	core=$(ls "$OUT/core-$major-immediate"/core* 2>/dev/null | head -1)
	[ -n "$core" ] || continue

	out=$("$NODESCOPE" core "$core" -c ::jsstack 2>&1)
	expect_match "node $major: native frames interleaved" "$out" '^native: .*Runtime_Throw'
	expect_match "node $major: internal frames counted by kind" "$out" \
		'^ +\(2 internal frames elided: exit, stub\)'

	out=$("$NODESCOPE" core "$core" -c '::jsstack -v -n2' 2>&1)
	explode=$(printf '%s\n' "$out" | sed -n '/^js: *explode$/,/^js:/p')
	expect_match "node $major: explode's arg1 is the string passed" "$explode" \
		'^ +arg1: 0x[0-9a-f]+ "widget-alpha"$'
	expect_match "node $major: explode's arg2 is the Smi 42" "$explode" '^ +arg2: 42$'
	if printf '%s\n' "$explode" | grep -q 'arg3:'; then
		not_ok "node $major: explode has 2 arguments, not 3"; else ok "node $major: explode has 2 arguments"; fi
	expect_match "node $major: -n2 marks the executing source line" "$explode" \
		"^-> +[0-9]+ +throw new Error\('boom from '"
	check=$(printf '%s\n' "$out" | sed -n '/^js: *check$/,/^js:/p')
	expect_match "node $major: this of the method is the Widget" "$check" \
		'^ +this: 0x[0-9a-f]+ \(JSObject: Widget\)$'
	expect_match "node $major: frame kinds labelled" "$check" '^ +kind: interpreted$'
	internal=$(printf '%s\n' "$out" | sed -n '/^js: *processImmediate$/,/^js:/p')
	expect_match "node $major: node's internal modules have readable sources" "$internal" \
		'^ +file: node:internal/timers$'

	json=$("$NODESCOPE" core "$core" --json -c ::jsstack 2>&1)
	expect_contains "node $major: --json names the frames" "$json" '"name":"explode"'
	expect_contains "node $major: --json gives executing positions" "$json" '"position_kind":"executing"'
	if command -v python3 >/dev/null; then
		check "node $major: --json is valid JSON" sh -c 'printf "%s" "$1" | python3 -m json.tool' sh "$json"
	fi

	all=$("$NODESCOPE" core "$core" -c '::jsstack -a' 2>&1)
	nthreads=$(printf '%s\n' "$all" | grep -c '^thread ')
	if [ "$nthreads" -ge 2 ]; then ok "node $major: -a walks every thread ($nthreads)"; else
		not_ok "node $major: -a walks every thread"; fi
	tid=$(printf '%s\n' "$all" | grep '^thread ' | sed -n '2s/^thread \([0-9]*\).*/\1/p')
	check "node $major: -t TID walks another thread" "$NODESCOPE" core "$core" -c "::jsstack -t $tid"
	expect_fail "node $major: -t with an unknown thread fails" "$NODESCOPE" core "$core" -c '::jsstack -t 1'
done

# gcore of a live process: the fixture blocks in Atomics.wait at the same depth.
# snapshot_core TOOL MAJOR : gdb's gcore or nodescope's own (short-pause) gcore
snapshot_core() {
	tool=$1 major=$2
	node=$(sh "$ROOT/scripts/fetch-node.sh" "$major") || return
	dir="$OUT/gcore-$tool-$major"
	mkdir -p "$dir"
	rm -f "$dir"/core*
	"$node" "$FIX" wait >"$dir/node.out" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q ready "$dir/node.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	if [ "$tool" = gdb ]; then
		gcore -o "$dir/core" "$pid" >/dev/null 2>&1
	else
		"$NODESCOPE" gcore -o "$dir/core" "$pid" >/dev/null 2>&1
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	core=$(ls "$dir"/core* 2>/dev/null | head -1)
	if [ -z "$core" ]; then not_ok "$tool gcore $major: no core"; return; fi
	out=$("$NODESCOPE" core "$core" -c ::jsstack 2>&1)
	names=$(printf '%s\n' "$out" | sed -n 's/^js: *//p' | head -7 | tr '\n' ',')
	expect_eq "$tool gcore of node $major: the blocked JS stack" "$names" \
		'explode,validate,<anonymous> (as handlers.run),check,Widget,buildWidget,onImmediate,'
	expect_match "$tool gcore of node $major: unwinds from libc through CFI" "$out" '^native: .*AtomicsWait'
	rm -f "$core"
}

if command -v gcore >/dev/null; then
	for major in ${GCORE_NODES:-20 22}; do snapshot_core gdb "$major"; done
fi
for major in ${NODESCOPE_GCORE_NODES:-18 22}; do snapshot_core nodescope "$major"; done
