#!/bin/sh
# `nodescope flame`: the SVG is well-formed and laid out like a flame graph, the
# Node palette tells the kinds of code apart, --reverse / --inverted / --minwidth
# / --diff do what they say, 100k samples stay bounded, bad input is refused.
# The browser half is test_flame_browser.sh.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/perf"
T="$OUT/flame"
mkdir -p "$T"

gzip -dc "$FIX/node22-basic.perf.txt.gz" | "$NODESCOPE" fold -q >"$T/n22.folded"
"$NODESCOPE" flame --title "node 22 workload" "$T/n22.folded" >"$T/n22.svg" 2>"$T/err"
check "flame writes an SVG" test -s "$T/n22.svg"

# frames.py SVG: one line per frame "depth<TAB>x<TAB>width<TAB>fill<TAB>title",
# after checking that the file parses as XML; depth from y (root = 0).
cat >"$T/frames.py" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
fh = None
rows = []
for g in root.iter("{http://www.w3.org/2000/svg}g"):
    if g.get("class") != "f":
        continue
    r = g.find("s:rect", ns)
    rows.append((float(r.get("y")), float(r.get("x")), float(r.get("width")), r.get("fill"), g.find("s:title", ns).text))
    fh = float(r.get("height")) + 1
ys = sorted(set(r[0] for r in rows))
inverted = "inverted" in sys.argv[2:]
for y, x, w, fill, title in rows:
    depth = round((y - ys[0]) / fh) if inverted else round((ys[-1] - y) / fh)
    print("%d\t%.2f\t%.2f\t%s\t%s" % (depth, x, w, fill, title))
EOF
frames() { python3 "$T/frames.py" "$@"; }
if frames "$T/n22.svg" >"$T/n22.frames" 2>"$T/py.err"; then ok "SVG parses as XML"; else
	not_ok "SVG parses as XML"; sed 's/^/#   /' "$T/py.err" | head -5; fi
total=$(awk '{ s += $NF } END { print s }' "$T/n22.folded")
root=$(awk -F'\t' '$1 == 0' "$T/n22.frames")
expect_match "root frame 'all' spans the graph with every sample" "$root" \
	"^0	10.00	1180.00	#[0-9a-f]+	all \($(printf "%'d" "$total" 2>/dev/null || echo "$total") samples, 100.00%\)"
expect_contains "title shown" "$(cat "$T/n22.svg")" ">node 22 workload</text>"
expect_match "JS frame details carry the JIT tiers" "$(cat "$T/n22.frames")" '	fib /[^	]*workload\.js:7:13 \([0-9,]+ samples, [0-9.]+%; JIT: [A-Za-z, ]*TurboFan'
bad=$(awk -F'\t' '$2 < 9.99 || $2 + $3 > 1190.01' "$T/n22.frames" | head -3)
expect_eq "every frame inside the image" "$bad" ""

# the Node palette: channel checks on the fill of known frames
color_of() { awk -F'\t' -v re="$1" '$5 ~ re { print $4; exit }' "$T/n22.frames"; }
is_color() { # NAME HEX CONDITION(r,g,b)
	hex=$2
	r=$(printf '%d' "0x$(echo "$hex" | cut -c2-3)"); g=$(printf '%d' "0x$(echo "$hex" | cut -c4-5)"); b=$(printf '%d' "0x$(echo "$hex" | cut -c6-7)")
	if [ -n "$hex" ] && awk -v r="$r" -v g="$g" -v b="$b" "BEGIN { exit !($3) }"; then ok "$1 ($hex)"; else not_ok "$1 ($hex)"; fi
}
is_color "your JS is green" "$(color_of '^fib /')" 'g > r + 60 && g > b + 60'
is_color "V8 builtins are yellow" "$(color_of '^Builtins_JSEntry ')" 'r > 180 && g > 160 && b < 140'
is_color "native C++ is red" "$(color_of '^node::Start ')" 'r > 200 && r > g + 60'
is_color "kernel is orange" "$(color_of '_\[k\] ')" 'r > 220 && g > 120 && g < 200 && b < 80'
printf 'node;main;run node:internal/main/run_main_module:1:1_[^] 1\nnode;main;x /app/node_modules/lib/a.js:1:1_[*] 1\nnode;main;v8::internal::Heap::CollectGarbage 1\nnode;main;handle /app/server.js:42:16 1\nnode;main;non-virtual thunk to node::Parser::OnStreamRead 1\n' >"$T/kinds.folded"
"$NODESCOPE" flame "$T/kinds.folded" 2>/dev/null >"$T/kinds.svg" && frames "$T/kinds.svg" >"$T/kinds.frames"
color_in() { awk -F'\t' -v re="$1" '$5 ~ re { print $4; exit }' "$T/kinds.frames"; }
is_color "node_modules is teal" "$(color_in '^x /app/node_modules')" 'g > r + 60 && b > r + 60'
is_color "Node internals are blue" "$(color_in '^run node:internal')" 'b > r + 60 && b > g'
is_color "GC is purple" "$(color_in 'Heap::CollectGarbage')" 'r > g + 40 && b > g + 60'
is_color "JS without a tier mask (as record names it) is green" "$(color_in '^handle /app')" 'g > r + 60 && g > b + 60'
is_color "a C++ name with spaces stays native" "$(color_in '^non-virtual thunk')" 'r > 200 && r > g + 60'

# --hash: one function, one colour wherever it appears
"$NODESCOPE" flame --hash "$T/n22.folded" >"$T/hash.svg"
n=$(frames "$T/hash.svg" | awk -F'\t' '$5 ~ /^fib \// { print $4 }' | sort -u | wc -l)
expect_eq "--hash gives fib one colour at every depth" "$n" "1"

# --inverted: root at the top; --reverse: leaf functions next to the root
"$NODESCOPE" flame --inverted "$T/n22.folded" >"$T/inv.svg"
expect_contains "--inverted is an icicle graph" "$(cat "$T/inv.svg")" ">Icicle Graph</text>"
miny=$(frames "$T/inv.svg" inverted | awk -F'\t' '$1 == 0 { print $5 }')
expect_match "--inverted: the root is the top row" "$miny" '^all '
"$NODESCOPE" flame --reverse "$T/n22.folded" >"$T/rev.svg"
frames "$T/rev.svg" >"$T/rev.frames"
expect_match "--reverse: a leaf function sits on the root" "$(awk -F'\t' '$1 == 1' "$T/rev.frames")" '	hotLoop /'
expect_eq "--reverse: the process frame is a leaf, not a root child" \
	"$(awk -F'\t' '$1 == 1 && $5 ~ /^node \(/' "$T/rev.frames")" ""

# --minwidth and a 100,000-sample profile with many distinct stacks
awk 'BEGIN { srand(7); for (i = 0; i < 30000; i++) { d = 8 + int(rand() * 25); s = "node"
	for (k = 0; k < d; k++) s = s ";fn" int(rand() * rand() * 3000) " /app/src/m" int(rand() * 40) ".js:" k ":1"
	print s, (i < 10000 ? 6 : 2) } }' >"$T/big.folded"
expect_eq "synthetic profile has 100,000 samples" "$(awk '{ s += $NF } END { print s }' "$T/big.folded")" "100000"
"$NODESCOPE" flame "$T/big.folded" >"$T/big.svg"
nf=$(grep -c 'class="f"' "$T/big.svg")
if [ "$nf" -gt 100 ] && [ "$nf" -lt 20000 ]; then ok "100k samples: $nf frames drawn"; else not_ok "100k samples: $nf frames drawn"; fi
merged=$(grep -c 'narrow frames merged' "$T/big.svg")
if [ "$merged" -gt 0 ]; then ok "narrow siblings merged, not dropped ($merged groups)"; else not_ok "narrow siblings merged"; fi
"$NODESCOPE" flame --minwidth 1% "$T/big.folded" >"$T/big1.svg"
nf1=$(grep -c 'class="f"' "$T/big1.svg")
if [ "$nf1" -lt "$nf" ]; then ok "--minwidth 1% draws fewer frames ($nf1 < $nf)"; else not_ok "--minwidth 1% draws fewer frames ($nf1 vs $nf)"; fi
FG="${FLAMEGRAPH_DIR:-}"
if [ -n "$FG" ] && [ -f "$FG/flamegraph.pl" ]; then
	perl "$FG/flamegraph.pl" "$T/big.folded" >"$T/big.pl.svg" 2>/dev/null
	a=$(wc -c <"$T/big.svg"); b=$(wc -c <"$T/big.pl.svg")
	if [ "$a" -le "$b" ]; then ok "SVG no larger than flamegraph.pl's ($a <= $b bytes)"; else not_ok "SVG no larger than flamegraph.pl's ($a > $b bytes)"; fi
else
	ok "# SKIP size comparison with flamegraph.pl (set FLAMEGRAPH_DIR)"
fi

# --diff: shares normalised by totals; red grew, blue shrank
printf 'main;a 10\nmain;b 10\nmain;c 20\n' >"$T/before.folded"
printf 'main;a 60\nmain;b 10\nmain;c 30\n' >"$T/after.folded"
"$NODESCOPE" flame --diff "$T/before.folded" "$T/after.folded" >"$T/diff.svg"
frames "$T/diff.svg" >"$T/diff.frames"
is_color "--diff: a (25% -> 60%) is red" "$(awk -F'\t' '$5 ~ /^a \(/ { print $4 }' "$T/diff.frames")" 'r == 255 && g < 100'
is_color "--diff: b (25% -> 10%) is blue" "$(awk -F'\t' '$5 ~ /^b \(/ { print $4 }' "$T/diff.frames")" 'b == 255 && r < 200'
expect_match "--diff: widths follow AFTER, details give the change" "$(cat "$T/diff.frames")" \
	'	a \(60 samples, 60.00%; before: 25.00%, change: \+35.00%\)'
"$NODESCOPE" flame --diff --negate "$T/before.folded" "$T/after.folded" >"$T/neg.svg"
expect_match "--negate: widths follow BEFORE" "$(frames "$T/neg.svg")" '	a \(10 samples, 25.00%'

# names that are not valid XML text (bad UTF-8, surrogates, controls, markup) stay escaped
printf 'a\364\231\224\233b;\355\240\200;\300\200x;\357\277\276;<&"\001> 5\nf\303\251e;ok 3\n' >"$T/bytes.folded"
"$NODESCOPE" flame "$T/bytes.folded" >"$T/bytes.svg" 2>/dev/null
if frames "$T/bytes.svg" >"$T/bytes.frames" 2>&1; then ok "odd bytes in names still give well-formed XML"; else
	not_ok "odd bytes in names still give well-formed XML"; head -3 "$T/bytes.frames" | sed 's/^/#   /'; fi
expect_match "valid UTF-8 kept" "$(cat "$T/bytes.frames")" '	fée \(3 samples'

# bad input
: >"$T/empty.folded"
expect_fail "empty input" "$NODESCOPE" flame "$T/empty.folded"
head -c 100000 /dev/urandom >"$T/random.bin"
expect_fail "binary input" "$NODESCOPE" flame "$T/random.bin"
yes 'no counts on this line' | head -500 >"$T/garbage.folded"
expect_fail "text that is not folded stacks" "$NODESCOPE" flame "$T/garbage.folded"
"$NODESCOPE" flame --minwidth abc "$T/n22.folded" >/dev/null 2>&1
expect_eq "bad --minwidth exits 2" "$?" "2"
"$NODESCOPE" flame --diff "$T/n22.folded" >/dev/null 2>&1
expect_eq "--diff with one file exits 2" "$?" "2"
expect_fail "missing file" "$NODESCOPE" flame "$T/nope.folded"
check "--help" "$NODESCOPE" flame --help
