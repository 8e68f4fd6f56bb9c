#!/bin/sh
# heap: `nodescope heap summary|diff|retainers|dominators` on snapshots that
# real node processes of every line write (tests/fixtures/heap/leaky.js leaks a
# known number of LeakedRequest objects between snapshots), compared with
# Chrome DevTools' own heap-snapshot code and with memlab run on the same files.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/heap"
. "$FIX/oracles.sh"
ORACLE_NODE=$(sh "$ROOT/scripts/fetch-node.sh" 20)
LEAK=300

# json FILE EXPR : evaluates a JS expression over the parsed JSON in `j`.
json() {
	"$ORACLE_NODE" -e "const j=JSON.parse(require('fs').readFileSync('$1','utf8')); console.log($2)"
}

node_matrix | while read -r major node; do
	d="$OUT/heap-$major"
	rm -rf "$d" && mkdir -p "$d"
	if ! "$node" "$FIX/leaky.js" "$d" 3 "$LEAK" >"$d/gen.log" 2>&1; then
		not_ok "node $major: fixture wrote snapshots"; continue
	fi
	s1="$d/s1.heapsnapshot" s2="$d/s2.heapsnapshot" s3="$d/s3.heapsnapshot"

	# summary: the whole table, every class key, against DevTools
	"$NODESCOPE" heap summary "$s3" --json >"$d/sum.json" 2>"$d/sum.err"
	check "node $major: summary exits 0" test -s "$d/sum.json"
	"$ORACLE_NODE" "$FIX/to_tsv.mjs" summary <"$d/sum.json" | sort >"$d/sum.ns"
	NODESCOPE_SPLIT_PARSE=always "$NODESCOPE" heap summary "$s3" --json >"$d/sum-split.json" 2>&1
	check "node $major: parsing with a second thread gives the same summary" cmp "$d/sum.json" "$d/sum-split.json"
	leaked=$(awk -F'\t' '$2 == "LeakedRequest" { print $3 }' "$d/sum.ns")
	expect_eq "node $major: summary counts the $((2 * LEAK)) live LeakedRequest objects" "$leaked" "$((2 * LEAK))"
	new=$("$NODESCOPE" heap diff "$s1" "$s2" | awk '$NF == "LeakedRequest" { print $1 }')
	expect_eq "node $major: diff A B shows $LEAK new LeakedRequest" "$new" "$LEAK"
	"$NODESCOPE" heap diff "$s1" "$s2" --json | "$ORACLE_NODE" "$FIX/to_tsv.mjs" diff | sort >"$d/diff.ns"

	# three snapshots: allocated between s1 and s2, alive in s3 = the leak
	"$NODESCOPE" heap diff "$s1" "$s2" "$s3" --json >"$d/three.json"
	expect_eq "node $major: diff A B C finds exactly the $LEAK leaked LeakedRequest" \
		"$(json "$d/three.json" "(j.classes.find(c=>c.name==='LeakedRequest')||{}).count")" "$LEAK"
	"$ORACLE_NODE" "$FIX/to_tsv.mjs" summary <"$d/three.json" | cut -f1-5 | sort >"$d/three.ns"

	# DevTools' own code on the same three files, in one run
	if [ -n "$DEVTOOLS_DIR" ]; then
		range=$(json "$d/three.json" "j.min_id+' '+j.max_id")
		# shellcheck disable=SC2086
		"$ORACLE_NODE" "$FIX/devtools_oracle.mjs" "$DEVTOOLS_DIR" all "$s1" "$s2" "$s3" $range "$d"
		for f in sum diff; do sort -o "$d/$f.dt" "$d/$f.dt"; done
		expect_eq "node $major: summary (count, shallow, retained, distance per class) equals DevTools ($(wc -l <"$d/sum.dt") rows)" \
			"$(diff "$d/sum.dt" "$d/sum.ns" | head -5)" ""
		expect_eq "node $major: diff A B (new, deleted, sizes per class) equals DevTools Comparison" \
			"$(diff "$d/diff.dt" "$d/diff.ns" | head -5)" ""
		cut -f1-5 "$d/three.dt" | sort >"$d/three5.dt"
		expect_eq "node $major: diff A B C equals DevTools' 'allocated between' filter in C" \
			"$(diff "$d/three5.dt" "$d/three.ns" | head -5)" ""
	else
		ok "node $major: DevTools comparison # SKIP heap-snapshot-toolkit not installable"
	fi
	sample=$(json "$d/three.json" "j.classes.find(c=>c.name==='LeakedRequest').sample_id")

	# retainers of the sample leaked object: global -> __app -> cache -> [i]
	out=$("$NODESCOPE" heap retainers "$s3" "@$sample" 2>&1)
	expect_contains "node $major: retainers names the leaking array" "$out" "--.cache (property)--> Array"
	expect_match "node $major: retainers starts at the root's user-root shortcut" "$out" '^  \(root\) .*' 
	expect_contains "node $major: retainers passes the user root" "$out" "(shortcut)--> "
	expect_contains "node $major: retainers passes global.__app" "$out" "--.__app (property)--> "
	out=$("$NODESCOPE" heap retainers "$s3" --name LeakedRequest --json 2>&1)
	expect_contains "node $major: retainers --name picks a LeakedRequest" "$out" '"class":"LeakedRequest"'

	# dominators: the biggest retained subtree under the root is `global`
	"$NODESCOPE" heap dominators "$s3" --top 10 --json >"$d/dom.json"
	expect_eq "node $major: dominators --top 10 lists 10 nodes" "$(json "$d/dom.json" "j.dominators.length")" "10"
	expect_eq "node $major: dominators total equals summary total" \
		"$(json "$d/dom.json" "j.total_size")" "$(json "$d/sum.json" "j.total_size")"

	# memlab: same graph, same LeakedRequest count and shallow sizes. (memlab's
	# per-object retained sizes are not compared: memlab 2.0.5 marks "page-owned"
	# objects from the non-shortcut root children, the reverse of DevTools'
	# markPageOwnedNodes, so its dominators differ from the DevTools numbers.)
	if [ -n "$MEMLAB_DIR" ]; then
		"$ORACLE_NODE" --expose-gc "$FIX/memlab_oracle.js" "$MEMLAB_DIR" "$s3" --class LeakedRequest >"$d/memlab.out" 2>/dev/null
		expect_eq "node $major: node and edge counts equal memlab's" \
			"$(awk -F'\t' '/^#graph/ { print $2, $3 }' "$d/memlab.out")" \
			"$(json "$d/sum.json" "j.nodes+' '+j.edges")"
		expect_eq "node $major: LeakedRequest count and shallow size equal memlab's" \
			"$(awk -F'\t' '/^#class/ { print $3, $4 }' "$d/memlab.out")" \
			"$(json "$d/sum.json" "(c=>c.count+' '+c.raw_self_size)(j.classes.find(c=>c.name==='LeakedRequest'))")"
	else
		ok "node $major: memlab comparison # SKIP @memlab/cli not installable"
	fi
done
