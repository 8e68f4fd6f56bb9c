#!/bin/sh
# Builds bench/RESULTS.md from bench/summary.md and the per-area figures in
# bench/results/*.md (each written by its benchmark script).
cd "$(dirname "$0")" || exit 2
{
	cat summary.md
	for area in core census jsprint live fold record heap; do
		[ -f "results/$area.md" ] || continue
		echo
		echo "---"
		echo
		sed 's/^## /### /; s/^# /## /' "results/$area.md"
	done
} >RESULTS.md
