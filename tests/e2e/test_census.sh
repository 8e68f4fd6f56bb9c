#!/bin/sh
# ::findjsobjects, ::jsrefs (and findjsobjects -r) and ::jsretainers on cores of
# tests/fixtures/census/census.js, which holds known numbers of objects: Alpha
# only from an unreferenced module-level array, Beta only from a closure, Gamma
# only as Map values, and one Delta referred to in five different ways.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/census/census.js"

node_matrix | while read -r major node; do
	dir="$OUT/census-$major"
	core=$(make_abort_core "$node" "$FIX" "$dir")
	if [ -z "$core" ]; then not_ok "node $major: census core"; continue; fi
	run() { "$NODESCOPE" core "$core" "$node" "$@" 2>&1; }

	out=$(run -c '::findjsobjects')
	expect_match "node $major: Alpha count exact (unreferenced array)" "$out" ' 1234 +2 Alpha: id, tag$'
	expect_match "node $major: Beta count exact (closure)" "$out" ' 567 +1 Beta: n$'
	expect_match "node $major: Gamma count exact (Map values)" "$out" ' 89 +2 Gamma: k, v$'
	expect_match "node $major: Delta found" "$out" ' 1 +1 Delta: marker$'
	expect_match "node $major: arrays and strings have rows" "$out" ' Array$'
	expect_match "node $major: strings row" "$out" ' \(String\)$'

	out=$(run -c '::findjsobjects -c Beta' -c '::findjsobjects -p tag')
	expect_eq "node $major: -c and -p filter" "$(printf '%s\n' "$out" | grep -c 'Beta: n\|Alpha: id, tag')" 2
	json=$(run --json -c '::findjsobjects -c Gamma')
	expect_match "node $major: --json" "$json" '"count": 89, "bytes": [0-9]+, "nprops": 2, "constructor": "Gamma", "props": "k, v"'

	gamma=$(run -c '::findjsobjects -c Gamma' | awk '/Gamma: k, v/ {print $1}')
	expect_match "node $major: jsrefs Map value" "$(run -c "$gamma::jsrefs")" '\(Map\) Map value \(key "g[0-9]+"\)$'
	n=$(run -c "$gamma::findjsobjects" | grep -c '^[0-9a-f]*$')
	expect_eq "node $major: ADDR::findjsobjects lists the group" "$n" 89

	delta=$(run -c '::findjsobjects -c Delta' | awk '/Delta: marker/ {print $1}')
	refs=$(run -c "$delta::jsrefs")
	expect_match "node $major: jsrefs property" "$refs" "^$delta referred to by 0x[0-9a-f]+ \(Object\)\.parent$"
	expect_match "node $major: jsrefs array element" "$refs" "referred to by 0x[0-9a-f]+ \(Array\)\[2\]$"
	expect_match "node $major: jsrefs closure variable" "$refs" 'closure variable delta of useDelta\(\)'
	expect_match "node $major: jsrefs Map key" "$refs" '\(Map\) Map key$'
	expect_match "node $major: jsrefs bound argument" "$refs" 'bound argument \[0\]'
	same=$(run -c "$delta::findjsobjects -r")
	expect_eq "node $major: findjsobjects -r = jsrefs" "$same" "$refs"

	alpha=$(run -c '::findjsobjects -c Alpha' | awk '/Alpha: id, tag/ {print $1}')
	path=$(run -c "$alpha::jsretainers")
	expect_match "node $major: retaining path has a root" "$path" '^root: (stack of thread|global object|native handle)'
	expect_match "node $major: path goes through the array" "$path" 'JSArray, length 1234\)  <elements>\[[0-9]+\]'
	expect_match "node $major: path ends at the object" "$path" "^  -> 0x$alpha \(JSObject: Alpha\)"
	beta=$(run -c '::findjsobjects -c Beta' | awk '/Beta: n$/ {print $1}')
	path=$(run -c "::jsretainers $beta")
	expect_match "node $major: closure path names the variable" "$path" 'closure variable held'

	bad=$(run -c '0x10::findjsobjects')
	expect_match "node $major: bad address is an error" "$bad" 'not the start of a live heap object'
done
