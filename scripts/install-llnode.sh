#!/bin/sh
# Prints the path of llnode's lldb plugin (the peer that benchmarks compare with),
# installing the npm package `llnode` once into ~/.cache/nodescope/llnode. Needs
# lldb and liblldb-dev (scripts/install-deps.sh --bench). Exits 1 when it cannot.
dir="${NODESCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nodescope}/llnode"
so="$dir/node_modules/llnode/llnode.so"
if [ ! -f "$so" ]; then
	mkdir -p "$dir"
	(cd "$dir" && npm install --silent llnode >/dev/null 2>&1) || {
		echo "install-llnode: npm install llnode failed (lldb and liblldb-dev installed?)" >&2
		exit 1
	}
fi
echo "$so"
