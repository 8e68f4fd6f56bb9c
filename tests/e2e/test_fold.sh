#!/bin/sh
# `nodescope fold`: byte-identical to stackcollapse-perf.pl (stored outputs for
# the recorded fixtures, and the live perl script when $FLAMEGRAPH_DIR has it),
# Node-aware folding of fresh recordings of every Node.js line and of the
# fixtures, and bad input.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/perf"
T="$OUT/fold"
mkdir -p "$T"

# --- compat: the stored stackcollapse-perf.pl outputs ---
for exp in "$FIX"/*.folded.gz; do
	f=$(basename "$exp")
	base=${f%%.*}
	tag=$(echo "$f" | cut -d. -f2)
	case $tag in
	default) opts="" ;; all) opts="--all" ;; jit) opts="--jit" ;; kernel) opts="--kernel" ;;
	addrs) opts="--addrs" ;; alladdrs) opts="--all --addrs" ;; pid) opts="--pid" ;;
	tid) opts="--tid" ;; tidall) opts="--tid --all" ;; *) continue ;;
	esac
	gzip -dc "$FIX/$base.perf.txt.gz" >"$T/in.txt"
	# shellcheck disable=SC2086
	"$NODESCOPE" fold --compat $opts "$T/in.txt" >"$T/got.folded" 2>"$T/err"
	if gzip -dc "$exp" | cmp -s - "$T/got.folded"; then
		ok "fold --compat $opts $base equals stackcollapse-perf.pl"
	else
		not_ok "fold --compat $opts $base equals stackcollapse-perf.pl"
		gzip -dc "$exp" | diff - "$T/got.folded" | head -6 | sed 's/^/#   /'
	fi
done

# --- compat: the live perl script, on edge cases the recordings lack ---
FG="${FLAMEGRAPH_DIR:-}"
if [ -n "$FG" ] && [ -f "$FG/stackcollapse-perf.pl" ] && command -v perl >/dev/null; then
	cat >"$T/edge.txt" <<'EOF'
# cmdline : /usr/bin/perf record -g node app.js
V8 WorkerThread 24636/25607 [000] 94564.109216:     100 cycles:
	    7f00aa [unknown] (/tmp/perf-24636.map)
	    7f00bb JS:*fib /a;b/app.js:7:13+0x1f (/tmp/perf-24636.map)
	    7f00cc node::(anonymous namespace)::Parser::Proxy<int (node::P::*)(), &node::P::x>::Raw+0x10 (/usr/bin/node)
	    7f00dd net/http.(*Client).Do+0x3 (/usr/lib/go)
	    7f00ee inlined_a->inlined_b+0x5 (/usr/lib/libx.so)
	    7f00ff RegExp:[&<>\"\'] (/tmp/perf-24636.map)
	    ffffffff8103ce3b native_safe_halt ([kernel.kallsyms])
	    8c3453 tcp_sendmsg (/lib/modules/4.3.0/build/vmlinux)
	    7d8 ipv4_conntrack_local+0x7f8f80b8 ([nf_conntrack_ipv4])
	    0 [unknown] ([unknown])

java 12688 [002] 6544038.708352: 235 cpu-clock:
	    7f722d142778 Lorg/mozilla/javascript/ContextFactory;.call(Lorg/x;)Ljava/lang/Object; (/tmp/perf-19982.map)
	    7f722d142779 (process_name) (/tmp/x)

node 0/0 1.0: 0 cycles:
	    abc foo (bar)

node 5 1.0: 7 instructions:
	    abc filtered_out (bar)

garbage line here
node 6 2.0: 9 cycles:
	    abc not_terminated_by_blank_line (bar)
EOF
	for opts in "" "--all" "--pid" "--tid --addrs" "--jit --kernel" "--event-filter=instructions"; do
		# shellcheck disable=SC2086
		perl "$FG/stackcollapse-perf.pl" $opts "$T/edge.txt" >"$T/edge.pl" 2>/dev/null
		# shellcheck disable=SC2086
		"$NODESCOPE" fold --compat $opts "$T/edge.txt" >"$T/edge.ns" 2>/dev/null
		if cmp -s "$T/edge.pl" "$T/edge.ns"; then ok "fold --compat $opts equals live perl on edge cases"; else
			not_ok "fold --compat $opts equals live perl on edge cases"
			diff "$T/edge.pl" "$T/edge.ns" | head -8 | sed 's/^/#   /'
		fi
	done
	gzip -dc "$FIX/node24-basic.perf.txt.gz" >"$T/n24.txt"
	perl "$FG/stackcollapse-perf.pl" --all --addrs "$T/n24.txt" >"$T/n24.pl" 2>/dev/null
	"$NODESCOPE" fold --compat --all --addrs "$T/n24.txt" >"$T/n24.ns"
	check "fold --compat --all --addrs equals live perl (node 24 recording)" cmp -s "$T/n24.pl" "$T/n24.ns"
else
	ok "# SKIP live stackcollapse-perf.pl comparison (set FLAMEGRAPH_DIR)"
fi

# --- Node-aware folding of the stored recordings ---
fold_fixture() { gzip -dc "$FIX/$1.perf.txt.gz" | "$NODESCOPE" fold $2 - 2>"$T/$1.err"; }
for m in 18 20 22 24 26; do
	fold_fixture "node$m-basic" >"$T/n$m.folded"
	out=$(cat "$T/n$m.folded")
	expect_match "node $m: JS tiers merged into one fib frame with a tier mask" "$out" \
		';fib /[^;]*workload\.js:[0-9]+(:[0-9]+)?_\[[~^+*]+\];'
	if printf '%s\n' "$out" | grep -qE '(^|;)(JS|LazyCompile|Function):'; then
		not_ok "node $m: no raw V8 perf-map prefix left"
	else ok "node $m: no raw V8 perf-map prefix left"; fi
	if printf '%s\n' "$out" | grep -q 'Builtins_InterpreterEntryTrampoline\|\[interpreted JS\]_\[~\];\[interpreted JS\]'; then
		not_ok "node $m: interpreter trampolines collapsed"
	else ok "node $m: interpreter trampolines collapsed"; fi
	expect_contains "node $m: hint about --interpreted-frames-native-stack" "$(cat "$T/node$m-basic.err")" \
		"--interpreted-frames-native-stack"
	# merging keeps every sample: totals and fib's inclusive weight equal compat's
	gzip -dc "$FIX/node$m-basic.perf.txt.gz" | "$NODESCOPE" fold --compat - >"$T/c$m.folded"
	fold_fixture "node$m-basic" --period >"$T/p$m.folded"
	sum() { awk -v re="$2" '$0 ~ re { s += $NF } END { print s + 0 }' "$1"; }
	expect_eq "node $m: --period total equals compat total" "$(sum "$T/p$m.folded" .)" "$(sum "$T/c$m.folded" .)"
	expect_eq "node $m: samples through fib equal compat's" "$(sum "$T/p$m.folded" ';fib /')" \
		"$(sum "$T/c$m.folded" ':o?[~^*+]?.?fib /')"
done
out=$(fold_fixture node20-nomap)
expect_contains "no perf map: JIT frames labelled" "$out" "[unknown: JIT code, no perf map]"
expect_contains "no perf map: hint names --perf-basic-prof" "$(cat "$T/node20-nomap.err")" "--perf-basic-prof"
out=$(fold_fixture node20-onlyfn)
expect_match "only-functions map: regexp code labelled under its RegExp builtin" "$out" \
	';Builtins_RegExp[A-Za-z]*;\[unknown: regexp code, not in perf map\] '
expect_match "truncated stacks labelled at the root" "$out" '^node;\[unknown: truncated stack\];'
out=$(fold_fixture node20-interp)
expect_match "--interpreted-frames-native-stack: Ignition frames named" "$out" '_\[[^]]*~[^]]*\];'
out=$(fold_fixture node20-pidtid --tid)
expect_match "--tid: root is comm-PID/TID" "$out" '^node-[0-9]+/[0-9]+;'

# --- pipes and files give the same result ---
gzip -dc "$FIX/node22-basic.perf.txt.gz" >"$T/n22.txt"
a=$("$NODESCOPE" fold -q "$T/n22.txt" | cksum)
b=$(cat "$T/n22.txt" | "$NODESCOPE" fold -q | cksum)
expect_eq "fold reads a pipe like a file" "$b" "$a"

# --- fresh recordings of every Node.js line ---
if command -v perf >/dev/null && perf record -q -o "$T/probe.data" -- true >/dev/null 2>&1; then
	cp "$FIX/workload.js" "$T/workload.js"
	node_matrix | while read -r m node; do
		(cd "$T" && perf record -q -F 499 -g -o "rec$m.data" -- \
			sh -c 'echo $$ >pid; exec "$0" "$@"' "$node" --perf-basic-prof workload.js 0 300 >/dev/null 2>&1)
		(cd "$T" && perf script -i "rec$m.data" 2>/dev/null) >"$T/rec$m.txt"
		rm -f "/tmp/perf-$(cat "$T/pid").map" "$T/rec$m.data"
		out=$("$NODESCOPE" fold -q "$T/rec$m.txt")
		expect_match "node $m live: fib folded as one frame with its tiers" "$out" ';fib /[^;]*workload\.js:[0-9]+(:[0-9]+)?_\[[~^+*]+\];'
		expect_match "node $m live: hotLoop named" "$out" ';hotLoop /[^;]*workload\.js:[0-9:]+_\['
		top=$(printf '%s\n' "$out" | awk '{ n = split($0, f, ";"); sub(/ [0-9]+$/, "", f[n]); c[f[n]] += $NF }
			END { for (k in c) if (k ~ /workload\.js/) print c[k], k }' | sort -rn | head -1)
		expect_match "node $m live: the hottest JS leaf is a workload function ($top)" "$top" 'workload\.js'
	done
else
	ok "# SKIP live recordings (perf not permitted)"
fi

# --- bad input ---
: >"$T/empty.txt"
expect_fail "empty input" "$NODESCOPE" fold "$T/empty.txt"
head -c 300000 /dev/urandom >"$T/random.bin"
expect_fail "binary input" "$NODESCOPE" fold "$T/random.bin"
printf 'PERFILE2\0\0\0\0' >"$T/perf.data"
expect_fail "perf.data instead of perf script text" "$NODESCOPE" fold "$T/perf.data"
yes 'this is not perf script output at all' | head -5000 >"$T/garbage.txt"
expect_fail "garbage text" "$NODESCOPE" fold "$T/garbage.txt"
expect_fail "missing file" "$NODESCOPE" fold "$T/does-not-exist.txt"
"$NODESCOPE" fold --bogus >/dev/null 2>&1
expect_eq "unknown option exits 2" "$?" "2"
head -c 100000 "$T/n22.txt" >"$T/truncated.txt"
if "$NODESCOPE" fold -q "$T/truncated.txt" >"$T/trunc.folded" 2>&1 && [ -s "$T/trunc.folded" ]; then
	ok "truncated input folds the samples it has"
else not_ok "truncated input folds the samples it has"; fi
awk 'BEGIN { printf "node 1 1.0: 1 cycles:\n"; for (i = 0; i < 70000; i++) printf "\tabc f%d (x)\n", i }' >"$T/deep.txt"
expect_fail "a sample with an absurd number of frames" "$NODESCOPE" fold "$T/deep.txt"
check "--help" "$NODESCOPE" fold --help

# --- --json: the same stacks for scripts ---
json=$("$NODESCOPE" fold -q --json "$T/n22.txt" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["unit"], d["total"], sum(s["count"] for s in d["stacks"]), len(d["stacks"]) == d["distinct_stacks"])')
want=$("$NODESCOPE" fold -q "$T/n22.txt" | awk '{ s += $NF; n++ } END { print "samples", s, s, "True" }')
expect_eq "--json gives the folded stacks and their total" "$json" "$want"
