#!/bin/sh
# bench/core.sh — `nodescope core CORE -c ::jsstack` against llnode (`v8 bt` in lldb,
# the peer a Linux user would reach for) on the same cores of the same program, in
# the same run. Times are wall clock (median of runs) for open + stack; the outputs
# are compared with the stack node itself printed for the same exception. Writes
# bench/results/core.md.
#   CORE_NODES="20 22"   Node lines to bench (default 20 22)
#   RUNS=5 LLNODE_RUNS=2 repetitions
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
NODESCOPE=${NODESCOPE:-$ROOT/build/nodescope}
OUTDIR=$ROOT/bench/out/core
RES=$ROOT/bench/results/core.md
RUNS=${RUNS:-5}
LLNODE_RUNS=${LLNODE_RUNS:-2}
FIX=$ROOT/tests/fixtures/core/stack.js
mkdir -p "$OUTDIR" "$(dirname "$RES")"
PLUGIN=$(sh scripts/install-llnode.sh 2>/dev/null) || PLUGIN=
command -v lldb >/dev/null || PLUGIN=

now() { date +%s.%N; }
# median of numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# time_runs N COMMAND... : prints "WALL CPU" (medians, seconds; CPU = user + sys,
# which the machine's other load does not inflate); output of the last run goes to
# $OUTDIR/last.out
time_runs() {
	n=$1; shift
	i=0
	: >"$OUTDIR/times"
	while [ $i -lt "$n" ]; do
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f "%e %U %S" -o "$OUTDIR/time.one" "$@" >"$OUTDIR/last.out" 2>&1
		else # wall clock only
			t0=$(now)
			"$@" >"$OUTDIR/last.out" 2>&1
			echo "$(now) $t0" | awk '{ printf "%.3f 0 0\n", $1 - $2 }' >"$OUTDIR/time.one"
		fi
		awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$OUTDIR/time.one" >>"$OUTDIR/times"
		i=$((i + 1))
	done
	wall=$(cut -d' ' -f1 "$OUTDIR/times" | median)
	cpu=$(cut -d' ' -f2 "$OUTDIR/times" | median)
	echo "$wall $cpu"
}


{
	echo "# nodescope core vs llnode: open a core and print the JS stack"
	echo
	echo "Measured by \`bench/core.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs shared with"
	echo "other work (load average $(cut -d' ' -f1 /proc/loadavg) at the start): wall-clock medians are noisy;"
	echo "the CPU time (user + sys) is what each tool costs by itself."
	echo "Program: tests/fixtures/core/stack.js (dies 8 JS frames deep), cores from"
	echo "\`--abort-on-uncaught-exception\`. nodescope: \`nodescope core CORE -c ::jsstack\`,"
	echo "median of $RUNS runs. llnode: npm \`llnode\` $(cat "$(dirname "$PLUGIN")/package.json" 2>/dev/null | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' | head -1) in $(lldb --version 2>/dev/null | head -1),"
	echo "\`lldb -b -o 'plugin load' -o 'target create NODE --core CORE' -o 'v8 bt'\`, median of $LLNODE_RUNS runs."
	echo
	echo "| Node | core size | nodescope open + ::jsstack: wall (CPU) | llnode load + v8 bt: wall (CPU) | JS frames named (nodescope / llnode / node's own) |"
	echo "|---|---|---|---|---|"
} >"$RES"

notes=""
for major in ${CORE_NODES:-20 22}; do
	node=$(sh scripts/fetch-node.sh "$major") || continue
	dir="$OUTDIR/node$major"
	mkdir -p "$dir"
	rm -f "$dir"/core*
	sh -c 'cd "$1" && ulimit -c unlimited && "$2" --abort-on-uncaught-exception "$3" >node.out 2>node.err' \
		sh "$dir" "$node" "$FIX" 2>/dev/null
	core=$(ls "$dir"/core* 2>/dev/null | head -1)
	[ -n "$core" ] || { echo "node $major: no core" >&2; continue; }
	size=$(ls -l "$core" | awk '{ printf "%.0f MB", $5 / 1e6 }')
	theirs=$(sed -n '/^FROM/,$p' "$dir/node.err" | sed 1d | tr -d '\n' | grep -o ' ([^()]*:[0-9]*:[0-9]*)' | wc -l)

	t_ns=$(time_runs "$RUNS" "$NODESCOPE" core "$core" -c ::jsstack | awk '{ printf "%s s (%s s)", $1, $2 }')
	cp "$OUTDIR/last.out" "$dir/nodescope.out"
	ours=$(grep -c '^js:' "$dir/nodescope.out")
	"$NODESCOPE" core "$core" -c '::jsstack -v -n0' >"$dir/nodescope-v.out" 2>&1

	t_ll="n/a" named_ll="n/a"
	if [ -n "$PLUGIN" ]; then
		t_ll=$(time_runs "$LLNODE_RUNS" sh -c 'lldb -b -o "plugin load $1" -o "target create $2 --core $3" -o "v8 bt" 2>&1' sh "$PLUGIN" "$node" "$core" | awk '{ printf "%s s (%s s)", $1, $2 }')
		cp "$OUTDIR/last.out" "$dir/llnode.out"
		# llnode prints JS frames as "name(this=..., args) at file:line:col fn=0x..."
		named_ll=$(grep -cE '^ +(\* )?frame #[0-9]+: 0x[0-9a-f]+ [A-Za-z_$<][^ ]*\(this=' "$dir/llnode.out")
	fi
	echo "| $major | $size | $t_ns | $t_ll | $ours / $named_ll / $theirs |" >>"$RES"
done

{
	echo
	echo "## What llnode printed that was wrong"
	echo
	for major in ${CORE_NODES:-20 22}; do
		dir="$OUTDIR/node$major"
		[ -f "$dir/llnode.out" ] || continue
		echo "### Node $major"
		echo
		echo "llnode \`v8 bt\` (JS frames and the frames it could not name):"
		echo '```'
		grep -E 'frame #[0-9]+: 0x[0-9a-f]+ ([A-Za-z_$<][^ ]*\(this=|<|0x)|frame #[0-9]+: 0x[0-9a-f]+$' "$dir/llnode.out" | head -14 | cut -c1-160
		echo '```'
		echo "nodescope \`::jsstack -v -n0\` for the innermost frame:"
		echo '```'
		sed -n '/^js:/,$p' "$dir/nodescope-v.out" | sed -n '1,7p'
		echo '```'
		echo "node's own report: \`$(sed -n '/^FROM/,$p' "$dir/node.err" | sed -n 2p | cut -c1-120)\`"
		echo
		# computed differences for the innermost frame, explode(who, n)
		ll=$(grep -E 'frame #[0-9]+: 0x[0-9a-f]+ explode\(this=' "$dir/llnode.out" | head -1)
		if [ -n "$ll" ]; then
			nargs=$(printf '%s' "$ll" | sed 's/ at .*//' | tr -cd ',' | wc -c)
			llpos=$(printf '%s' "$ll" | sed -n 's/.* at [^ ]*:\([0-9]*:[0-9]*\) fn=.*/\1/p')
			nodepos=$(sed -n '/^FROM/,$p' "$dir/node.err" | sed -n 2p | sed -n 's/.*:\([0-9]*:[0-9]*\))$/\1/p')
			ourpos=$(sed -n 's/^ *posn: line \([0-9]*\), column \([0-9]*\) (executing)$/\1:\2/p' "$dir/nodescope-v.out" | head -1)
			echo "- \`explode(who, n)\`: llnode prints $nargs arguments (nodescope: $(sed -n '/^js: *explode$/,/^js:/p' "$dir/nodescope-v.out" | grep -c 'arg[0-9]*:'))."
			echo "- its position: llnode $llpos (where the function is defined), node $nodepos, nodescope $ourpos (executing)."
		fi
		unnamed=$(grep -cE 'frame #[0-9]+: 0x[0-9a-f]+$' "$dir/llnode.out")
		[ "$unnamed" -gt 0 ] && echo "- $unnamed frames printed as bare addresses (no name at all)."
		nofn=$(grep -cE '<non-function>|no constructor' "$dir/llnode.out")
		[ "$nofn" -gt 0 ] && echo "- $nofn frames or receivers shown as \`<non-function>\` / \`no constructor\` (the class constructor Widget and its instances)."
		internal=$(grep -c 'node:internal/[a-z_/]*:1:10' "$dir/llnode.out")
		[ "$internal" -gt 0 ] && echo "- $internal node-internal frames at \`node:internal/...:1:10\` (their sources are external strings)."
		echo
	done
} >>"$RES"
cat "$RES"
