#!/bin/sh
# Bad input to `nodescope core`: each gets one clear line on stderr and a non-zero
# exit (or, at the prompt, an error and the next command), never a crash.
. "$(dirname "$0")/lib.sh"
FIX="$ROOT/tests/fixtures/core/stack.js"
NODE20=$(sh "$ROOT/scripts/fetch-node.sh" 20)
dir="$OUT/core-errors"
mkdir -p "$dir"
core=$(make_abort_core "$NODE20" "$FIX" "$dir/good" 2>/dev/null)
[ -n "$core" ] || { not_ok "no core from node 20"; exit 1; }

# one_line NAME COMMAND... : fails with exactly one line on stderr
one_line() {
	name="$1"; shift
	err=$("$@" 2>&1 >/dev/null); rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$lines" -eq 1 ] &&
		! printf '%s' "$err" | grep -q 'Sanitizer\|runtime error'; then ok "$name"; else
		not_ok "$name (exit $rc, $lines lines)"; printf '%s\n' "$err" | head -5 | sed 's/^/#   /'
	fi
}

one_line "usage error without a core" "$NODESCOPE" core
check "core --help" "$NODESCOPE" core --help
one_line "not a core" "$NODESCOPE" core /etc/passwd
one_line "a missing file" "$NODESCOPE" core "$dir/no-such-core"

head -c 3000000 "$core" >"$dir/truncated.core"
one_line "a truncated core" "$NODESCOPE" core "$dir/truncated.core" -c ::jsstack
head -c 100 "$core" >"$dir/tiny.core"
one_line "a core cut inside its headers" "$NODESCOPE" core "$dir/tiny.core" -c ::jsstack

# a core of another program (sh)
mkdir -p "$dir/sh"
rm -f "$dir/sh"/core*
sh -c 'cd "$1" && ulimit -c unlimited && sh -c "kill -ABRT \$\$"' sh "$dir/sh" 2>/dev/null
shcore=$(ls "$dir/sh"/core* 2>/dev/null | head -1)
if [ -n "$shcore" ]; then
	one_line "a core of another program" "$NODESCOPE" core "$shcore" -c ::jsstack
	err=$("$NODESCOPE" core "$shcore" -c ::jsstack 2>&1)
	expect_contains "  ... says it is not node" "$err" "metadata"
fi

# the node binary of another line
NODE22=$(sh "$ROOT/scripts/fetch-node.sh" 22)
if [ -n "$NODE22" ]; then
	one_line "a mismatched node binary" "$NODESCOPE" core "$core" "$NODE22" -c ::jsstack
	err=$("$NODESCOPE" core "$core" "$NODE22" -c ::jsstack 2>&1)
	expect_contains "  ... names the build-ids" "$err" "build-id"
fi

# the crashing thread's stack pointer patched to an unmapped address: the rsp of the
# first NT_PRSTATUS (note header 12 bytes + "CORE\0" padded to 8, then pr_reg at 112,
# rsp is register 19 of user_regs_struct).
note=$(readelf -lW "$core" 2>/dev/null | awk '$1 == "NOTE" { print $2; exit }')
if [ -n "$note" ]; then
	cp "$core" "$dir/badsp.core"
	off=$(($note + 20 + 112 + 19 * 8))
	printf '\020\000\000\000\000\000\000\000' |
		dd of="$dir/badsp.core" bs=1 seek="$off" conv=notrunc 2>/dev/null
	one_line "a stack pointer in unmapped memory" "$NODESCOPE" core "$dir/badsp.core" -c ::jsstack
	err=$("$NODESCOPE" core "$dir/badsp.core" -c ::jsstack 2>&1)
	expect_contains "  ... says so" "$err" "stack pointer"
fi

# at the prompt
one_line "an address that is not a JS object" "$NODESCOPE" core "$core" -c '0x11::v8type'
one_line "an address that is not a number" "$NODESCOPE" core "$core" -c 'xyz::v8type'
one_line "an unknown dcmd" "$NODESCOPE" core "$core" -c '::nosuchdcmd'
one_line "bad dcmd options" "$NODESCOPE" core "$core" -c '::jsstack -q'
out=$(printf '0x11::v8type\n::nosuchdcmd\n::jsstack\n' | "$NODESCOPE" core "$core" 2>"$dir/prompt.err")
rc=$?
expect_match "the prompt goes on after errors" "$out" '^js: +explode$'
expect_eq "  ... and reports them in its exit status" "$rc" 1
expect_eq "  ... one line per error" "$(grep -c . "$dir/prompt.err")" 2

# a Node line whose V8 is too old for nodescope's layout table (Node 16, V8 9.4):
# the message names the version instead of printing garbage
if NODE16=$(sh "$ROOT/scripts/fetch-node.sh" 16 2>/dev/null); then
	old=$(make_abort_core "$NODE16" "$FIX" "$dir/node16" 2>/dev/null)
	if [ -n "$old" ]; then
		one_line "an unsupported V8 version" "$NODESCOPE" core "$old" -c ::jsstack
		err=$("$NODESCOPE" core "$old" -c ::jsstack 2>&1)
		expect_match "  ... names the version" "$err" 'V8 9\.4\.[0-9.]+ is not supported'
	fi
fi

# pipes: a dcmd's output lines feed the next dcmd's ADDR, or a shell command
obj=$("$NODESCOPE" core "$core" -c '::jsstack -v -n0' | sed -n 's/^ *this: \(0x[0-9a-f]*\) (JSObject: Widget)$/\1/p' | head -1)
if [ -n "$obj" ]; then
	one=$("$NODESCOPE" core "$core" -c "$obj::v8type" 2>&1)
	two=$("$NODESCOPE" core "$core" -c "$obj::v8type | ::v8type" 2>&1)
	expect_eq "ADDR::dcmd | ::dcmd passes the address along" "$two" "$one"
fi
n=$("$NODESCOPE" core "$core" -c '::jsstack ! grep -c "^js:"' 2>&1)
expect_eq "CMD ! shell pipes the output to the shell" "$n" 8

# robustness: ::v8type on a thousand addresses across the core's writable memory
# (most are not objects, many land inside objects): errors, never a crash
readelf -lW "$core" 2>/dev/null | awk '$1 == "LOAD" && $7 ~ /W/ { print $3, $6 }' |
	awk '{ start = strtonum($1); size = strtonum($2); for (i = 0; i < 20; i++)
		printf "0x%x::v8type\n", start + int(size * i / 20) + (i % 4 == 0 ? 0 : 1) }' \
		2>/dev/null | head -1000 >"$dir/addrs.txt"
if [ ! -s "$dir/addrs.txt" ]; then # mawk has no strtonum
	readelf -lW "$core" | awk '$1 == "LOAD" && $7 ~ /W/ { print $3, $6 }' | while read -r s z; do
		i=0
		while [ $i -lt 20 ]; do
			printf '0x%x::v8type\n' $((s + z * i / 20 + (i % 4 == 0 ? 0 : 1)))
			i=$((i + 1))
		done
	done | head -1000 >"$dir/addrs.txt"
fi
"$NODESCOPE" core "$core" <"$dir/addrs.txt" >"$dir/addrs.out" 2>"$dir/addrs.err"
rc=$?
if [ $rc -lt 128 ] && ! grep -q 'Sanitizer\|runtime error' "$dir/addrs.err"; then
	ok "$(wc -l <"$dir/addrs.txt") arbitrary addresses: no crash ($(grep -c . "$dir/addrs.out") described, $(grep -c . "$dir/addrs.err") refused)"
else
	not_ok "arbitrary addresses (exit $rc)"; grep -m5 'Sanitizer\|runtime error\|ERROR' "$dir/addrs.err" | sed 's/^/#   /'
fi

# the interactive prompt (through a pseudo-terminal): line editing and history
if command -v script >/dev/null; then
	rm -f "$dir/.nodescope_history"
	out=$(printf '::jsstack\n::quit\n' | HOME="$dir" script -qec "$NODESCOPE core $core" /dev/null 2>&1)
	expect_match "the interactive prompt runs commands" "$out" '^js: +explode'
	expect_contains "  ... and keeps a history" "$(cat "$dir/.nodescope_history" 2>/dev/null)" '::jsstack'
fi
