#!/bin/sh
# End-to-end tests of value inspection on real cores of every Node.js line:
# ::jsprint (every value kind, depth, -a, -N, member paths, --json, cycles),
# ::jsconstructor, ::jssource, ::jsfunction, ::jsscope, ::jsfunctions, ::jsarray
# and the pipes `| ::jsprint` and `! sh`. The fixture holds each kind at a known
# property of one root object; it prints the root's address (%DebugPrint) and
# aborts after two full GCs, so the core holds everything where it said.
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/tests/fixtures/inspect/values.js"

# inspect_core NODE DIR : runs the fixture in DIR; prints "CORE ROOT_ADDRESS".
inspect_core() {
	mkdir -p "$2"
	rm -f "$2"/core*
	(cd "$2" && ulimit -c unlimited &&
		"$1" --allow-natives-syntax --expose-gc "$FIX" >out.txt 2>&1)
	core=$(ls "$2"/core* 2>/dev/null | head -1)
	addr=$(sed -n 's/^DebugPrint: \(0x[0-9a-f]*\).*/\1/p' "$2/out.txt" | head -1)
	echo "$core $addr"
}

# member NAME : the address of root.NAME, from a `-a -d 1` print of the root.
member() {
	printf '%s\n' "$top" | sed -n "s/^    \"$1\": \(0x[0-9a-f]*\): .*/\1/p" | head -1
}

# Many commands run in one session (loading a core takes a while under ASan):
# `cmd TAG COMMAND` queues COMMAND with its output lines tagged, `run_queued`
# runs the queue through the prompt's stdin, `got TAG` gives that output back.
cmd() {
	printf "%s ! sed 's/^/%s|/'\n" "$2" "$1" >>"$dir/cmds"
}
run_queued() {
	"$NODESCOPE" core "$core" "$node" <"$dir/cmds" >"$dir/tagged" 2>"$dir/errors"
	: >"$dir/cmds"
}
got() {
	sed -n "s/^$1|//p" "$dir/tagged"
}

# The fixture's own line numbers, so the expected source lines are computed.
counter_line=$(grep -n 'return function counter()' "$FIX" | cut -d: -f1)
bound_line=$(grep -n 'bound: function boundTarget' "$FIX" | cut -d: -f1)
unformatted_line=$(grep -n "return new Error('never read')" "$FIX" | cut -d: -f1)

node_matrix | while read -r major node; do
	dir="$OUT/inspect-$major"
	set -- $(inspect_core "$node" "$dir")
	core=$1 root=$2
	if [ -z "$core" ] || [ -z "$root" ]; then
		not_ok "node $major: fixture core (core '$core', root '$root')"
		continue
	fi
	: >"$dir/cmds"
	top=$("$NODESCOPE" core "$core" "$node" -c "$root::jsprint -a -d 1" \
		-c "::findjsobjects -p filename" 2>&1)
	expect_match "node $major: -a puts the root's address first" "$top" "^$root: \{$"
	widget=$(member widget) counter=$(member counter) bound=$(member bound)
	block=$(member blockFn) modules=$(member modules) herr=$(member httpError)
	buf=$(member buffer)
	records=$(printf '%s\n' "$top" | sed -n 's/^ *\([0-9a-f]*\) .*Object: id, filename, loaded$/\1/p' | head -1)

	for m in smi negative double string consString twoByte undef nul yes no date regexp \
		map set error httpError fulfilled rejected pending arrayBuffer u8 f64 buffer \
		bigint negBigint symbol boxedNumber boxedString boxedBool args sloppy proxy bound \
		counter cyclic unformatted weakMap weakSet nested headers.host error.stack deepCons empty emptyArray dict; do
		cmd "$m" "$root::jsprint $m"
	done
	cmd cut "$root::jsprint -N 10 longString"
	cmd all "$root::jsprint -d 3"
	cmd d1 "$root::jsprint -d 1 nested"
	cmd json "$root::jsprint --json headers"
	cmd jsonk "$root::jsprint --json map"
	cmd jsonk "$root::jsprint --json holey"
	cmd jsonk "$root::jsprint --json date"
	cmd jsonk "$root::jsprint --json -a widget"
	cmd ctor "$widget::jsconstructor"
	cmd ctor "$herr::jsconstructor"
	cmd ctor "$buf::jsconstructor"
	cmd ctorv "$widget::jsconstructor -v"
	cmd src "$counter::jssource"
	cmd src1 "$counter::jssource -n 1"
	cmd fn "$counter::jsfunction"
	cmd fnb "$bound::jsfunction"
	cmd srcb "$bound::jssource"
	cmd scope "$counter::jsscope"
	cmd bscope "$block::jsscope"
	# the seed workflow: every module record through ::jsprint, counted by shell
	printf '%s\n' "$modules::jsarray | ::jsprint ! grep filename | sort | uniq -c | sed 's/^ */count|/'" >>"$dir/cmds"
	# and as mdb_v8 users type it, from the census representative
	[ -n "$records" ] && printf '%s\n' "$records::findjsobjects | ::jsprint ! grep filename | sort | uniq -c | sed 's/^ */seed|/'" >>"$dir/cmds"
	cmd fns "::jsfunctions -s inspect/values.js"
	cmd fnsj "::jsfunctions -n makeCounter --json"
	run_queued

	expect_eq "node $major: smi" "$(got smi)" "42"
	expect_eq "node $major: negative smi" "$(got negative)" "-7"
	expect_eq "node $major: heap number" "$(got double)" "3.75"
	expect_eq "node $major: string" "$(got string)" '"plain string"'
	expect_eq "node $major: cons string" "$(got consString)" '"ab-cdab-cdab-cd-tail"'
	expect_eq "node $major: two-byte string" "$(got twoByte)" '"café ☃"'
	expect_eq "node $major: -N cuts with a marker" "$(got cut)" \
		'"xxxxxxxxxx"... (cut; 53 characters)'
	expect_match "node $major: cons string a million deep is cut, not walked" \
		"$(got deepCons)" '\.\.\. \(cut; 1000006 characters\)$'
	expect_eq "node $major: oddballs" "$(got undef) $(got nul) $(got yes) $(got no)" \
		"undefined null true false"
	all=$(got all)
	expect_contains "node $major: holey array" "$all" \
		"$(printf '"holey": [\n        1,\n        <1 empty item>,\n        3,\n    ],')"
	expect_contains "node $major: double elements" "$all" \
		"$(printf '"doubles": [\n        1.5,\n        2.5,\n        3.5,\n    ],')"
	expect_contains "node $major: dictionary elements with the real length" "$all" \
		"$(printf '"sparse": [\n        <100000 empty items>,\n        "far",\n    ],')"
	expect_eq "node $major: dictionary-mode object (39 keys, key3 deleted)" \
		"$(got dict | grep -c '"key[0-9]*": ')/$(got dict | grep -c '"key3":')" "39/0"
	expect_contains "node $major: class instance with constructor name" "$all" \
		"$(printf '"widget": Widget {\n        "name": "gear",\n        "size": 3,\n    },')"
	expect_eq "node $major: Date" "$(got date)" "Date(2021-05-06T07:08:09.123Z)"
	expect_eq "node $major: RegExp" "$(got regexp)" '/ab+c\d/gimsuy'
	expect_eq "node $major: Map" "$(got map)" \
		"$(printf 'Map(2) {\n    "k1" => 1,\n    2 => "v2",\n}')"
	expect_eq "node $major: Set" "$(got set)" \
		"$(printf 'Set(3) {\n    "s1",\n    2,\n    3.5,\n}')"
	expect_contains "node $major: Error message" "$(got error)" '"message": "boom message",'
	expect_match "node $major: Error stack string" "$(got error)" \
		'"stack": "Error: boom message\\n    at .*values\.js:[0-9]+:[0-9]+'
	expect_eq "node $major: Error.stack member" "$(got error.stack | cut -c1-20)" \
		'"Error: boom message'
	expect_contains "node $major: Error subclass" "$(got httpError)" \
		"$(printf 'HttpError {\n')"
	expect_contains "node $major: Error subclass fields" "$(got httpError)" \
		"$(printf '"message": "not found",\n    "status": 404,')"
	expect_contains "node $major: unformatted Error stack rebuilt from its frames" \
		"$(got unformatted)" \
		"$(printf '"stack": <stack not formatted> [\n        "makeUnformatted (%s:%s:10)",' "$FIX" "$unformatted_line")"
	expect_eq "node $major: WeakMap" "$(got weakMap)" \
		"$(printf 'WeakMap(1) {\n    Widget {\n        "name": "gear",\n        "size": 3,\n    } => "weak-value",\n}')"
	expect_contains "node $major: WeakSet" "$(got weakSet)" \
		"$(printf 'WeakSet(1) {\n    {\n        "host": "example.com",')"
	expect_eq "node $major: fulfilled Promise" "$(got fulfilled)" \
		"$(printf 'Promise {\n    <fulfilled>: 42,\n}')"
	expect_contains "node $major: rejected Promise" "$(got rejected)" '<rejected>: Error {'
	expect_contains "node $major: pending Promise" "$(got pending)" '<state>: pending'
	expect_eq "node $major: ArrayBuffer" "$(got arrayBuffer)" \
		'ArrayBuffer(8) <00 00 00 00 00 00 00 00>'
	expect_eq "node $major: Uint8Array" "$(got u8)" 'Uint8Array(4) <01 02 03 fa>'
	expect_eq "node $major: Float64Array" "$(got f64)" \
		'Float64Array(2) <00 00 00 00 00 00 f8 3f 00 00 00 00 00 00 00 c0>'
	expect_eq "node $major: Buffer" "$(got buffer)" \
		'Buffer(12) <68 65 6c 6c 6f 20 62 75 66 66 65 72>'
	expect_eq "node $major: BigInt" "$(got bigint) $(got negBigint)" \
		'123456789012345678901234567890n -5n'
	expect_eq "node $major: Symbol" "$(got symbol)" 'Symbol(my desc)'
	expect_eq "node $major: boxed primitives" \
		"$(got boxedNumber) $(got boxedString) $(got boxedBool)" \
		'[Number: 3.25] [String: "boxed"] [Boolean: true]'
	expect_eq "node $major: strict arguments" "$(got args)" \
		"$(printf 'Arguments [\n    1,\n    "two",\n]')"
	expect_eq "node $major: mapped (sloppy) arguments" "$(got sloppy)" \
		"$(printf 'Arguments [\n    7,\n    "eight",\n]')"
	expect_contains "node $major: Proxy target and handler" "$(got proxy)" \
		"$(printf '<target>: {\n        "target": 1,\n    },\n    <handler>: {\n        "handler": 2,')"
	expect_contains "node $major: bound function" "$(got bound)" \
		"$(printf '<target>: function boundTarget,\n    <this>: {\n        "me": 1,\n    },\n    <arguments>: [\n        10,\n        20,')"
	expect_eq "node $major: function" "$(got counter)" 'function counter'
	expect_contains "node $major: cycle marked" "$(got cyclic)" '"self": [Circular '
	expect_contains "node $major: depth 1 prints [...] beyond" "$(got d1)" '"a": [...],'
	expect_contains "node $major: default depth 2" "$(got nested)" \
		"$(printf '"a": {\n        "b": [...],')"
	expect_eq "node $major: member path" "$(got headers.host)" '"example.com"'
	expect_eq "node $major: --json" "$(got json)" \
		'{"host":"example.com","content-type":"text/html"}'
	expect_eq "node $major: --json of kinds (Map, holes, Date, -a)" \
		"$(got jsonk | sed 's/"\$address":"0x[0-9a-f]*"/"$address":"ADDR"/')" \
		"$(printf '%s\n' '{"$type":"Map","size":2,"entries":[["k1",1],[2,"v2"]]}' \
			'[1,{"$holes":1},3]' '{"$type":"Date","value":"2021-05-06T07:08:09.123Z"}' \
			'{"$type":"Widget","$address":"ADDR","name":"gear","size":3}')"
	expect_eq "node $major: empty object and array" "$(got empty) $(got emptyArray)" '{} []'

	expect_eq "node $major: ::jsconstructor" "$(got ctor | tr '\n' ' ')" 'Widget HttpError Buffer '
	expect_match "node $major: ::jsconstructor -v" "$(got ctorv)" \
		'^Widget \(JSFunction: 0x[0-9a-f]+\)$'
	src=$(got src)
	expect_match "node $major: ::jssource numbers the lines" "$src" \
		"^ +$counter_line  +return function counter\(\) \{$"
	expect_contains "node $major: ::jssource names the file" "$src" "file: $FIX"
	expect_eq "node $major: ::jssource -n 1 adds context" "$(got src1 | grep -c .)" \
		"$(($(printf '%s\n' "$src" | grep -c .) + 2))"
	expect_contains "node $major: ::jsfunction" "$(got fn)" \
		"$(printf 'function counter\n    defined at %s:%s' "$FIX" "$counter_line")"
	expect_match "node $major: ::jsfunction of a bound function" "$(got fnb)" \
		'target: 0x[0-9a-f]+ \(JSFunction: boundTarget\)'
	expect_contains "node $major: bound arguments" "$(got fnb)" \
		"$(printf 'arg0: 10\n    arg1: 20')"
	expect_match "node $major: ::jssource of a bound function shows the target" \
		"$(got srcb)" "^ +$bound_line  +bound: function boundTarget"
	expect_match "node $major: ::jsscope scope line" "$(got scope)" \
		'^function scope \(context 0x[0-9a-f]+\):$'
	expect_contains "node $major: ::jsscope variables" "$(got scope)" \
		"$(printf '    count: 7\n    label: "counter-label"\n    config: 0x')"
	expect_match "node $major: ::jsscope describes kinds as ::jsprint does" "$(got scope)" \
		"$(printf '^    since: 0x[0-9a-f]+ \\(JSObject: Date\\(2020-02-03T04:05:06.007Z\\)\\)$')"
	expect_match "node $major: ::jsscope: Map and Buffer summaries" "$(got scope | tr '\n' ' ')" \
		'seen: 0x[0-9a-f]+ \(JSObject: Map\(2\)\)     raw: 0x[0-9a-f]+ \(JSObject: Buffer\(2\) <68 69>\)'
	expect_match "node $major: ::jsscope block scope" "$(got bscope)" '^block scope \(context '
	expect_contains "node $major: ::jsscope block variable" "$(got bscope)" \
		'    blockVar: "inside-block"'
	expect_match "node $major: ::jsfunctions counts closures" "$(got fns)" \
		"^ +[0-9a-f]+ +5 handler +$FIX:[0-9]+$"
	expect_match "node $major: ::jsfunctions row for counter" "$(got fns)" \
		"^ +[0-9a-f]+ +1 counter +$FIX:$counter_line$"
	expect_match "node $major: ::jsfunctions --json" "$(got fnsj)" \
		'^\[\{"function":"0x[0-9a-f]+","shared":"0x[0-9a-f]+","closures":1,"name":"makeCounter","where":".*values.js:[0-9]+"\}\]$'
	expect_eq "node $major: jsarray | jsprint ! grep | sort | uniq -c" "$(got count)" \
		"$(printf '3     "filename": "/app/lib/a.js",\n2     "filename": "/app/lib/b.js",\n1     "filename": "/app/lib/c.js",')"
	expect_eq "node $major: ::findjsobjects | ::jsprint ! grep | sort | uniq -c" "$(got seed)" \
		"$(printf '3     "filename": "/app/lib/a.js",\n2     "filename": "/app/lib/b.js",\n1     "filename": "/app/lib/c.js",')"
	if grep -q 'Sanitizer\|runtime error' "$dir/errors"; then
		not_ok "node $major: sanitizers quiet"
		head -20 "$dir/errors" | sed 's/^/#   /'
	else
		ok "node $major: sanitizers quiet"
	fi

	# Bad input: one clear line each on stderr, a failing status, no crash.
	inside=$(printf '0x%x' $((root + 8)))
	errs=$("$NODESCOPE" core "$core" "$node" -c "0x1234::jsprint" -c "$inside::jsprint" \
		-c "$root::jsprint nope" -c "$widget::jsscope" -c "$widget::jssource" 2>&1 >/dev/null)
	rc=$?
	expect_eq "node $major: bad input fails with one line each" "$rc/$(printf '%s\n' "$errs" | grep -c .)" "1/5"
	expect_match "node $major: untagged address" "$errs" 'not a JavaScript value'
	expect_match "node $major: address inside an object" "$errs" 'is not a V8 heap object'
	expect_match "node $major: missing member" "$errs" 'nope: no property "nope"'
	expect_match "node $major: ::jsscope of a non-function" "$errs" 'not a JavaScript function'
	# A thousand addresses around the root (object starts, insides, odd tags;
	# decimal, 0t, since awk's %x is 32-bit):
	# each is printed or refused on one line; nothing crashes or hangs.
	awk -v base="$(printf '%d' "$root")" 'BEGIN { srand(7); for (i = 0; i < 1000; i++) {
		a = base - 262144 + int(rand() * 524288); a = a - a % 8 + (i % 4 == 3 ? 0 : 1)
		printf "0t%.0f::jsprint -d 3\n", a
		if (i % 3 == 0) printf "0t%.0f::jsscope\n", a
		if (i % 5 == 0) printf "0t%.0f::jssource\n", a } }' >"$dir/random.cmds"
	"$NODESCOPE" core "$core" "$node" <"$dir/random.cmds" >"$dir/random.out" 2>"$dir/random.err"
	rc=$?
	if [ $rc -lt 128 ] && ! grep -q 'Sanitizer\|runtime error' "$dir/random.err"; then
		ok "node $major: a thousand arbitrary addresses ($(grep -c . "$dir/random.err") refused, $(grep -c . "$dir/random.out") lines printed)"
	else
		not_ok "node $major: a thousand arbitrary addresses (exit $rc)"
		grep -m5 'Sanitizer\|runtime error' "$dir/random.err" | sed 's/^/#   /'
	fi
	expect_fail "node $major: bad usage exits non-zero" "$NODESCOPE" core "$core" "$node" \
		-c "$root::jsprint -d x"
	rm -f "$core"

	# An ES module: its top-level variables live in a module context.
	mdir="$dir/esm"
	mkdir -p "$mdir"
	rm -f "$mdir"/core*
	(cd "$mdir" && ulimit -c unlimited &&
		"$node" --allow-natives-syntax --expose-gc "$ROOT/tests/fixtures/inspect/module.mjs" >out.txt 2>&1)
	mcore=$(ls "$mdir"/core* 2>/dev/null | head -1)
	fn=$(sed -n 's/^DebugPrint: \(0x[0-9a-f]*\).*/\1/p' "$mdir/out.txt" | head -1)
	expect_eq "node $major: ::jsscope of an ES module closure" \
		"$("$NODESCOPE" core "$mcore" "$node" -c "$fn::jsscope" 2>&1 | sed 's/context 0x[0-9a-f]*/context/')" \
		"$(printf 'module scope (context):\n    secret: "module-secret"\n    counter: 3')"
	rm -f "$mcore"
done
