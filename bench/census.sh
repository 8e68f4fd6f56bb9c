#!/bin/sh
# Benchmark: heap census and reverse references on cores of a node process with
# about 50 MB, 1 GB and 4 GB of JS heap (bench/census_heap.js; kernel cores), by
# nodescope (::findjsobjects, ::jsrefs) and by llnode under lldb (v8 findjsobjects,
# v8 findrefs), same core, same run. Wall time and peak RSS by /usr/bin/time.
# llnode: `npm install llnode` into ~/.cache/nodescope/llnode (skipped if absent).
# Sizes: CENSUS_SIZES="50 1024 4096" (MB). Figures go to bench/results/census.md.
cd "$(dirname "$0")/.." || exit 2
NODESCOPE=${NODESCOPE:-$(pwd)/build/nodescope}
NODE=${CENSUS_NODE:-/usr/bin/node}
SIZES=${CENSUS_SIZES:-50 1024 4096}
LLNODE=${LLNODE_PLUGIN:-$HOME/.cache/nodescope/llnode/node_modules/llnode/llnode.so}
LLNODE_TIMEOUT=${LLNODE_TIMEOUT:-240}
OUTDIR=bench/out/census
RES=bench/results/census.md
mkdir -p "$OUTDIR" bench/results

# timed OUT_PREFIX CMD...: runs CMD, stdout to OUT_PREFIX.out, "wall peakKB" to
# OUT_PREFIX.time; "timeout" when `timeout` killed it (exit 124).
timed() {
	p=$1; shift
	/usr/bin/time -f "%e %M %x %U %S" -o "$p.time" "$@" >"$p.out" 2>"$p.err"
	set -- $(tail -1 "$p.time")
	if [ "$3" = 124 ] || [ "$3" = 137 ]; then echo "timeout 0 0"; else echo "$1 $2 $(echo "$4 + $5" | bc)"; fi
}

make_core() { # SIZE_MB DIR
	rm -rf "$2"; mkdir -p "$2"
	(cd "$2" && ulimit -c unlimited &&
		"$NODE" --max-old-space-size=$(($1 * 2 + 1024)) "$OLDPWD/bench/census_heap.js" "$1" >/dev/null 2>&1)
	ls "$2"/core* 2>/dev/null | head -1
}

{
	echo "# Heap census: nodescope vs llnode"
	echo
	echo "Machine: $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GB RAM; $(date -u +%Y-%m-%d). Node $("$NODE" --version) (llnode supports Node 20 best)."
	echo "Cores: kernel cores of bench/census_heap.js (Order, Customer, Event objects, strings, arrays)."
	echo "Wall time and peak RSS from /usr/bin/time; peak RSS includes the pages of the core file that the"
	echo "process mapped and touched. llnode rows subtract nothing: the 'load' row is lldb + plugin + target create alone."
	echo "The machine is shared with other sessions (load average $(cut -d' ' -f1 /proc/loadavg) at the start), so CPU time is the steadier figure."
	echo
	echo "| JS heap | core | tool | operation | wall (s) | CPU user+sys (s) | peak RSS (MB) | result |"
	echo "|---|---|---|---|---|---|---|---|"
} >"$RES.tmp"

for mb in $SIZES; do
	dir="$OUTDIR/$mb"
	echo "census bench: making a core with ~$mb MB of JS heap..." >&2
	core=$(make_core "$mb" "$dir")
	[ -n "$core" ] || { echo "census bench: no core for $mb MB" >&2; continue; }
	csize=$(du -m --apparent-size "$core" | cut -f1)
	row() {
		w=$(echo "$3" | cut -d' ' -f1); m=$(($(echo "$3" | cut -d' ' -f2) / 1024)); c=$(echo "$3" | cut -d' ' -f3)
		[ "$w" = timeout ] && { w="> $LLNODE_TIMEOUT (killed)"; m="-"; c="-"; }
		echo "| $mb MB | $csize MB | $1 | $2 | $w | $c | $m | $4 |" >>"$RES.tmp"
	}

	t=$(timed "$dir/ns_census" "$NODESCOPE" core "$core" "$NODE" -c '::findjsobjects')
	orders=$(awk '/ Order: id, total, note$/ {print $2}' "$dir/ns_census.out")
	order=$(awk '/ Order: id, total, note$/ {print $1}' "$dir/ns_census.out")
	row nodescope "::findjsobjects" "$t" "Order: $orders"
	t=$(timed "$dir/ns_refs" "$NODESCOPE" core "$core" "$NODE" -c "$order::jsrefs")
	row nodescope "ADDR::jsrefs (an Order)" "$t" "$(grep -c 'referred to by' "$dir/ns_refs.out") referrer(s)"
	t=$(timed "$dir/ns_ret" "$NODESCOPE" core "$core" "$NODE" -c "$order::jsretainers")
	row nodescope "ADDR::jsretainers (same Order)" "$t" "path of $(grep -c '^ ' "$dir/ns_ret.out") steps from $(sed -n 's/^root: \([a-z]* [a-z]*\).*/\1/p' "$dir/ns_ret.out")"

	if [ -f "$LLNODE" ] && command -v lldb >/dev/null; then
		t=$(timed "$dir/ll_load" timeout "$LLNODE_TIMEOUT" lldb -b -o "plugin load $LLNODE" -o "target create $NODE --core $core")
		row llnode "load only (lldb, plugin, target create)" "$t" ""
		t=$(timed "$dir/ll_census" timeout "$LLNODE_TIMEOUT" lldb -b -o "plugin load $LLNODE" -o "target create $NODE --core $core" -o "v8 findjsobjects")
		top=$(sort -k1 -n -r "$dir/ll_census.out" | awk 'NF >= 2 && $1 ~ /^[0-9]+$/ {printf "%s%s %s", sep, $1, ($3 == "" ? "(no name)" : $3); sep = ", "; if (++n == 2) exit}')
		row llnode "v8 findjsobjects" "$t" "top rows: $top"
		if [ "$(echo "$t" | cut -d' ' -f1)" != timeout ]; then # else findrefs would time out too
		t=$(timed "$dir/ll_refs" timeout "$LLNODE_TIMEOUT" lldb -b -o "plugin load $LLNODE" -o "target create $NODE --core $core" -o "v8 findrefs 0x$order")
		row llnode "v8 findrefs (same Order)" "$t" "$(grep -c '^0x[0-9a-f]*: ' "$dir/ll_refs.out") referrer(s)"
		fi
	fi
	rm -f "$core"
done
mv "$RES.tmp" "$RES"
cat "$RES"
