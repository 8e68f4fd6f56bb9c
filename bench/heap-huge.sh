#!/bin/bash
# bench/heap-huge.sh — the size limits JavaScript tools hit, checked on real
# snapshot content: a snapshot whose file is over 2 GB (4 GB of whitespace
# between two numbers of the nodes array: every offset past 2^31 and 2^32)
# and one with a single 600 MB string (over V8's 2^29-24 character limit
# that breaks JSON.parse, DevTools and memlab). Both must give the same
# summary as the original file. Uses ~5 GB of disk in bench/out/heap-huge/.
#   bash bench/heap-huge.sh   (bench/heap.sh adds its lines to bench/results/heap.md)
cd "$(dirname "$0")/.." || exit 2
NODESCOPE="${NODESCOPE:-$(pwd)/build/nodescope}"
NODE=$(sh scripts/fetch-node.sh 20)
d=bench/out/heap-huge
mkdir -p "$d"
"$NODE" -e "globalThis.keep = Array.from({length: 5000}, (_, i) => ({ i, s: 'v' + i }));
	require('v8').writeHeapSnapshot('$d/base.heapsnapshot')"
"$NODE" - "$d" <<'JS'
const fs = require('fs');
const d = process.argv[2];
const text = fs.readFileSync(d + '/base.heapsnapshot', 'latin1');
// 1. > 4 GB: whitespace after the first value of the nodes array
const at = text.indexOf('"nodes":[') + 10;
let fd = fs.openSync(d + '/over-4gb.heapsnapshot', 'w');
fs.writeSync(fd, text.slice(0, at));
const spaces = Buffer.alloc(64 << 20, ' ');
for (let i = 0; i < 68; i++) fs.writeSync(fd, spaces); // 68 * 64 MB = 4.25 GB
fs.writeSync(fd, text.slice(at));
fs.closeSync(fd);
// 2. a 600 MB string: appended as the last entry of the strings array
const end = text.lastIndexOf(']');
fd = fs.openSync(d + '/big-string.heapsnapshot', 'w');
fs.writeSync(fd, text.slice(0, end) + ',"');
const xs = Buffer.alloc(60 << 20, 'x');
for (let i = 0; i < 10; i++) fs.writeSync(fd, xs);
fs.writeSync(fd, '"' + text.slice(end));
fs.closeSync(fd);
JS
ls -l "$d"
"$NODESCOPE" heap summary "$d/base.heapsnapshot" >"$d/base.txt"
exec > >(tee "$d/results.txt")
echo "Size limits ($(date -u '+%Y-%m-%d %H:%M UTC'), bench/heap-huge.sh):"
for f in over-4gb big-string; do
	echo "- $f ($(stat -c %s "$d/$f.heapsnapshot") bytes):"
	/usr/bin/time -f "  nodescope heap summary: %e s wall, %M kB peak RSS" "$NODESCOPE" heap summary \
		"$d/$f.heapsnapshot" >"$d/$f.txt" 2>"$d/$f.err" || echo "  FAILED: $(head -1 "$d/$f.err")"
	tail -1 "$d/$f.err"
	if diff <(tail -n +2 "$d/base.txt") <(tail -n +2 "$d/$f.txt") >/dev/null; then
		echo "  same summary as the original snapshot"
	else
		echo "  DIFFERENT summary from the original snapshot"
	fi
done
echo "- node: JSON.parse(readFileSync(big-string, 'utf8')): $("$NODE" -e "JSON.parse(require('fs').readFileSync('$d/big-string.heapsnapshot','utf8'))" 2>&1 | grep -o 'Error.*' | head -1)"
rm -f "$d/over-4gb.heapsnapshot" "$d/big-string.heapsnapshot"
