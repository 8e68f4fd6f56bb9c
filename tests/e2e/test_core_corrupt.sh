#!/bin/sh
# Corrupted cores: a real core of node 20 with bytes flipped in its headers, notes
# and memory (fixed seeds, so every run tries the same 30 variants). nodescope must
# answer each with output or one clear error — never a crash, a sanitizer report or
# a hang.
. "$(dirname "$0")/lib.sh"
dir="$OUT/corrupt"
mkdir -p "$dir"
node=$(sh "$ROOT/scripts/fetch-node.sh" 20)
core=$(make_abort_core "$node" "$ROOT/tests/fixtures/core/stack.js" "$dir")
[ -n "$core" ] || { not_ok "no core from node 20"; exit 1; }

# corrupt.js SRC DST SEED: flips bytes of a copy, most of them where the structure is.
cat >"$dir/corrupt.js" <<'JS'
const fs = require('fs');
const [src, dst, seedArg] = process.argv.slice(2);
const buf = fs.readFileSync(src);
let seed = Number(seedArg) * 2654435761 % 4294967296;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const phoff = Number(buf.readBigUInt64LE(32)), phnum = buf.readUInt16LE(56);
const noteOff = Number(buf.readBigUInt64LE(phoff + 8)), noteSize = Number(buf.readBigUInt64LE(phoff + 32));
const zones = [[0, 64], [phoff, phnum * 56], [noteOff, noteSize], [0, buf.length]];
const flips = 1 + Math.floor(rand() * 16);
for (let i = 0; i < flips; i++) {
  const [start, len] = zones[Math.floor(rand() * zones.length)];
  const at = start + Math.floor(rand() * len);
  buf[at] = rand() < 0.5 ? buf[at] ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
}
fs.writeFileSync(dst, buf);
JS

crashes=0
answered=0
for seed in $(seq 1 30); do
	"$node" "$dir/corrupt.js" "$core" "$dir/bad.core" "$seed"
	timeout 60 "$NODESCOPE" core "$dir/bad.core" "$node" -c '::jsstack -v' >"$dir/out" 2>"$dir/err"
	rc=$?
	if [ $rc -ge 124 ] || grep -q 'Sanitizer\|runtime error' "$dir/err"; then
		crashes=$((crashes + 1))
		echo "# seed $seed: exit $rc"
		grep -m3 'ERROR\|runtime error' "$dir/err" | sed 's/^/#   /'
	else
		answered=$((answered + 1))
	fi
done
expect_eq "30 corrupted cores: no crash or hang ($answered answered)" "$crashes" 0
rm -f "$dir/bad.core" "$core"
