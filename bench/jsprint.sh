#!/bin/sh
# bench/jsprint.sh — `ADDR::jsprint` against llnode's `v8 inspect` (lldb) on the
# same core: an object with 10^5 properties and an array of 10^6 elements
# (tests/fixtures/inspect/large.js). Times are wall clock; lldb's core loading
# is measured on its own too, so the inspect time can be told apart. Checks
# what each printed: how many properties, what length the array claimed, how
# many elements. Writes bench/results/jsprint.md.
#   JSPRINT_NODES="20"   Node lines (default 20: llnode works there)
#   RUNS=3 LLNODE_RUNS=1 repetitions
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
NODESCOPE=${NODESCOPE:-$ROOT/build/nodescope}
OUTDIR=$ROOT/bench/out/jsprint
RES=$ROOT/bench/results/jsprint.md
RUNS=${RUNS:-3}
LLNODE_RUNS=${LLNODE_RUNS:-1}
FIX=$ROOT/tests/fixtures/inspect/large.js
mkdir -p "$OUTDIR" "$(dirname "$RES")"
PLUGIN=$(sh scripts/install-llnode.sh 2>/dev/null) || PLUGIN=
command -v lldb >/dev/null || PLUGIN=

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# time_runs N OUTFILE COMMAND... : median wall seconds; the last run's output in OUTFILE
time_runs() {
	n=$1 out=$2
	shift 2
	i=0
	while [ $i -lt "$n" ]; do
		t0=$(now)
		"$@" >"$out" 2>&1
		t1=$(now)
		echo "$t1 $t0" | awk '{ printf "%.3f\n", $1 - $2 }'
		i=$((i + 1))
	done | median
}
lldb_run() { # NODE CORE [COMMAND]
	if [ -n "$3" ]; then
		lldb -b -o "plugin load $PLUGIN" -o "target create $1 --core $2" -o "$3"
	else
		lldb -b -o "plugin load $PLUGIN" -o "target create $1 --core $2"
	fi
}
sub() { echo "$1 $2" | awk '{ printf "%.2f", $1 - $2 }'; }

{
	echo "# ::jsprint vs llnode v8 inspect: a large object and a large array"
	echo
	echo "Measured by \`bench/jsprint.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs shared with"
	echo "other work (wall-clock medians; noisy). Fixture: tests/fixtures/inspect/large.js —"
	echo "\`big\`, an object with 100000 properties (dictionary mode), and \`arr\`, an array of"
	echo "1000000 small integers built with push (its backing store is longer than it)."
	echo "nodescope: \`nodescope core CORE NODE -c 'ADDR::jsprint'\` (default depth 2), median of"
	echo "$RUNS runs, including opening the core. llnode: npm \`llnode\` $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$(dirname "$PLUGIN")/package.json" 2>/dev/null | head -1) in"
	echo "$(lldb --version 2>/dev/null | head -1), \`lldb -b -o 'plugin load' -o 'target create NODE --core CORE'"
	echo "-o 'v8 inspect [-l 1000000] ADDR'\`, $LLNODE_RUNS run(s); \"inspect only\" subtracts a run that only loads the core."
	echo
	echo "| Node | value | nodescope total | llnode total | llnode inspect only | nodescope printed | llnode printed |"
	echo "|---|---|---|---|---|---|---|"
} >"$RES"

for major in ${JSPRINT_NODES:-20}; do
	node=$(sh scripts/fetch-node.sh "$major") || continue
	dir="$OUTDIR/node$major"
	mkdir -p "$dir"
	rm -f "$dir"/core*
	sh -c 'cd "$1" && ulimit -c unlimited && "$2" --allow-natives-syntax --expose-gc "$3" >node.out 2>&1' \
		sh "$dir" "$node" "$FIX" 2>/dev/null
	core=$(ls "$dir"/core* 2>/dev/null | head -1)
	root=$(sed -n 's/^DebugPrint: \(0x[0-9a-f]*\).*/\1/p' "$dir/node.out" | head -1)
	[ -n "$core" ] && [ -n "$root" ] || { echo "node $major: no core" >&2; continue; }
	top=$("$NODESCOPE" core "$core" "$node" -c "$root::jsprint -a -d 1")
	big=$(printf '%s\n' "$top" | sed -n 's/^    "big": \(0x[0-9a-f]*\):.*/\1/p')
	arr=$(printf '%s\n' "$top" | sed -n 's/^    "arr": \(0x[0-9a-f]*\):.*/\1/p')

	t_obj=$(time_runs "$RUNS" "$dir/ns-big.out" "$NODESCOPE" core "$core" "$node" -c "$big::jsprint")
	t_arr=$(time_runs "$RUNS" "$dir/ns-arr.out" "$NODESCOPE" core "$core" "$node" -c "$arr::jsprint")
	ns_props=$(grep -c '^    "prop[0-9]*": [0-9]*,$' "$dir/ns-big.out")
	ns_elems=$(grep -c '^    [0-9]*,$' "$dir/ns-arr.out")

	ll_obj="n/a" ll_arr="n/a" ll_obj_only="n/a" ll_arr_only="n/a"
	ll_props="n/a" ll_arr_desc="n/a"
	if [ -n "$PLUGIN" ]; then
		t_load=$(time_runs "$LLNODE_RUNS" "$dir/ll-load.out" lldb_run "$node" "$core")
		t=$(time_runs "$LLNODE_RUNS" "$dir/ll-big.out" lldb_run "$node" "$core" "v8 inspect $big")
		ll_obj="$t s" ll_obj_only="$(sub "$t" "$t_load") s"
		t=$(time_runs "$LLNODE_RUNS" "$dir/ll-arr.out" lldb_run "$node" "$core" \
			"v8 inspect -l 1000000 $arr")
		ll_arr="$t s" ll_arr_only="$(sub "$t" "$t_load") s"
		ll_props="$(grep -c '^ *\.prop[0-9]*=<Smi: [0-9]*>' "$dir/ll-big.out") properties"
		err=$(grep -m1 '^error:' "$dir/ll-big.out" | cut -c1-60)
		[ -n "$err" ] && ll_props="$ll_props (\`$err\`)"
		ll_len=$(sed -n 's/.*<Array: length=\([0-9]*\).*/\1/p' "$dir/ll-arr.out" | head -1)
		ll_arr_desc="length=$ll_len, $(grep -c '^ *\[[0-9]*\]=' "$dir/ll-arr.out") elements"
	fi
	echo "| $major | object, 10^5 properties | ${t_obj} s | $ll_obj | $ll_obj_only | $ns_props properties | $ll_props |" >>"$RES"
	echo "| $major | array, 10^6 elements | ${t_arr} s | $ll_arr | $ll_arr_only | length 1000000 (JSArray::length), $ns_elems elements | $ll_arr_desc |" >>"$RES"
	rm -f "$core"
done

{
	echo
	echo "Correctness: \"printed\" counts what each tool's output holds. The array's real"
	echo "length is 1000000: llnode's \"length=\" is the backing store's capacity (V8's"
	echo "metadata has no JSArray::length, see the postmortem research notes), nodescope"
	echo "reads JSArray::length. llnode needs -l to print more than 16 elements; nodescope"
	echo "prints them all by default. nodescope's time includes opening the core; llnode's"
	echo "\"inspect only\" leaves out lldb's own loading. Outputs are in bench/out/jsprint/."
} >>"$RES"
cat "$RES"
