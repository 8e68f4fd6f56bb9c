#!/bin/sh
# `make bench`: runs every benchmark script in bench/ (each compares nodescope with
# the tool a user would otherwise pick, on the same input, in the same run) and
# leaves its figures in bench/results/<area>.md; bench/RESULTS.md summarises them.
cd "$(dirname "$0")/.." || exit 2
export NODESCOPE="$(pwd)/build/nodescope"
sh scripts/install-deps.sh --bench
mkdir -p bench/out bench/results
for b in bench/core.sh bench/census.sh bench/jsprint.sh bench/live.sh bench/fold.sh bench/record.sh bench/heap.sh; do
	[ -f "$b" ] || continue
	echo "=== $b ==="
	sh "$b" || echo "$b failed" >&2
done

# bench/RESULTS.md: the summary, then every area's figures as measured.
sh bench/assemble.sh
