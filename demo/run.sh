#!/bin/sh
# `make demo`: builds nodescope (make did) and runs each bundled demo that exists:
# a crash read from its core, a CPU profile as a flame graph, a leak found from two
# cores and from heap snapshots. Output lands in demo/out/.
cd "$(dirname "$0")/.." || exit 2
NODESCOPE="$(pwd)/build/nodescope"
mkdir -p demo/out
status=0
for part in crash leak profile heap; do
	[ -f "demo/$part.sh" ] || continue
	echo "=== demo: $part ==="
	sh "demo/$part.sh" "$NODESCOPE" || { echo "demo $part failed" >&2; status=1; }
	echo
done
exit $status
