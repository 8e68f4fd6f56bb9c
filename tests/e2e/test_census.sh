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

	out=$(run -c '::findjsobjects' -c '::findjsobjects -c Beta -p n')
	expect_match "node $major: Alpha count exact (unreferenced array)" "$out" ' 1234 +2 Alpha: id, tag$'
	expect_match "node $major: Beta count exact (closure)" "$out" ' 567 +1 Beta: n$'
	expect_match "node $major: Gamma count exact (Map values)" "$out" ' 89 +2 Gamma: k, v$'
	expect_match "node $major: Delta found" "$out" ' 1 +1 Delta: marker$'
	expect_match "node $major: arrays have a row" "$out" ' Array$'
	expect_match "node $major: strings have a row" "$out" ' \(String\)$'
	expect_eq "node $major: -c and -p filter" "$(printf '%s\n' "$out" | grep -c 'Beta: n$')" 2
	rep() { printf '%s\n' "$out" | awk -v g="$1" 'index($0, g) && !done { print $1; done = 1 }'; }
	alpha=$(rep 'Alpha: id, tag'); beta=$(rep 'Beta: n'); gamma=$(rep 'Gamma: k, v'); delta=$(rep 'Delta: marker')

	q=$(run --json -c '::findjsobjects -c Gamma' -c "$gamma::findjsobjects" -c "$delta::jsrefs" \
		-c "$delta::findjsobjects -r" -c "$gamma::jsrefs" -c "$alpha::jsretainers" \
		-c "::jsretainers $beta" -c '0x10::findjsobjects')
	expect_match "node $major: --json" "$q" '"count": 89, "bytes": [0-9]+, "nprops": 2, "constructor": "Gamma", "props": "k, v"'
	expect_eq "node $major: ADDR::findjsobjects lists the group" "$(printf '%s\n' "$q" | grep '^\["0x' | grep -o '"0x[0-9a-f]*"' | sort -u | wc -l)" 89
	refs=$(run -c "$delta::jsrefs" -c "$gamma::jsrefs" -c "$alpha::jsretainers" -c "::jsretainers $beta")
	expect_match "node $major: jsrefs property" "$refs" "^$delta referred to by 0x[0-9a-f]+ \(Object\)\.parent$"
	expect_match "node $major: jsrefs array element" "$refs" "^$delta referred to by 0x[0-9a-f]+ \(Array\)\[2\]$"
	expect_match "node $major: jsrefs closure variable" "$refs" "^$delta referred to by .*closure variable delta of .*useDelta\(\)"
	expect_match "node $major: jsrefs Map key" "$refs" "^$delta referred to by .*\(Map\) Map key$"
	expect_match "node $major: jsrefs bound argument" "$refs" "^$delta referred to by .*bound argument \[0\]$"
	expect_match "node $major: jsrefs Map value" "$refs" "^$gamma referred to by .*\(Map\) Map value \(key \"g[0-9]+\"\)$"
	expect_eq "node $major: findjsobjects -r = jsrefs (json)" \
		"$(printf '%s\n' "$q" | grep -c "\"target\": \"0x$delta\"")" 10
	expect_match "node $major: retaining path has a root" "$refs" '^root: (stack of thread|global object|native handle)'
	expect_match "node $major: path goes through the array" "$refs" 'JSArray, length 1234\)  <elements>\[[0-9]+\]'
	expect_match "node $major: path ends at the object" "$refs" "^  -> 0x$alpha \(JSObject: Alpha\)"
	expect_match "node $major: closure path names the variable" "$refs" 'closure variable held'
	expect_match "node $major: bad address is an error" "$q" 'not the start of a live heap object'
	expect_match "node $major: jsretainers --json" "$q" "\"steps\": \[.*\{\"object\": \"0x$alpha\", \"edge\": \"\"\}\]\}"
done

# Bad input: a truncated core still gives a census or one error line, never a
# crash; garbage addresses and files are one-line errors.
core=$(ls "$OUT"/census-*/core* 2>/dev/null | head -1)
if [ -n "$core" ]; then
	head -c $(($(stat -c %s "$core") * 2 / 3)) "$core" >"$OUT/census-truncated.core"
	out=$("$NODESCOPE" core "$OUT/census-truncated.core" -c '::findjsobjects -v' 2>&1)
	if printf '%s' "$out" | grep -q 'Sanitizer\|runtime error'; then
		not_ok "truncated core: no crash"
	else
		ok "truncated core: no crash"
	fi
	expect_fail "garbage address for jsretainers" "$NODESCOPE" core "$core" -c '::jsretainers 0x41'
	rm -f "$OUT/census-truncated.core"
fi
head -c 4096 /dev/urandom >"$OUT/garbage.core"
expect_fail "leak: garbage file" "$NODESCOPE" leak "$OUT/garbage.core" "$OUT/garbage.core"
