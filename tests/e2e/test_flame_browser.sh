#!/bin/sh
# The flame graph in a real browser: headless Chromium driven over the DevTools
# protocol by tests/e2e/flame_browser.js (run with node >= 22, which has
# WebSocket and fetch built in). A search must highlight exactly the frames whose
# names match, a click must zoom; screenshots are kept in tests/out/.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/perf"
T="$OUT/flame_browser"
mkdir -p "$T"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
	ok "# SKIP no chromium at $CHROMIUM"
	exit 0
fi
node=""
for m in 26 24 22; do
	node=$(sh "$ROOT/scripts/fetch-node.sh" "$m" 2>/dev/null) && break
done
if [ -z "$node" ]; then
	ok "# SKIP no node >= 22 for the DevTools client"
	exit 0
fi

# a real profile: the node 24 recording, folded Node-aware
gzip -dc "$FIX/node24-basic.perf.txt.gz" | "$NODESCOPE" fold -q >"$T/n24.folded"
"$NODESCOPE" flame --title "workload on node 24" "$T/n24.folded" >"$T/n24.svg"
timeout 120 "$node" "$ROOT/tests/e2e/flame_browser.js" "$CHROMIUM" "$T/n24.svg" "$OUT/flame_browser.png" 'fib'

# 100,000 samples over 30,000 distinct stacks
awk 'BEGIN { srand(11); for (i = 0; i < 30000; i++) { d = 8 + int(rand() * 25); s = "node"
	for (k = 0; k < d; k++) s = s ";fn" int(rand() * rand() * 3000) " /app/src/m" int(rand() * 40) ".js:" k ":1_[*]"
	print s, (i < 10000 ? 6 : 2) } }' >"$T/big.folded"
"$NODESCOPE" flame "$T/big.folded" >"$T/big.svg"
timeout 120 "$node" "$ROOT/tests/e2e/flame_browser.js" "$CHROMIUM" "$T/big.svg" "$OUT/flame_browser_100k.png" 'fn1[0-9] '
