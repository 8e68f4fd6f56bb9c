#!/bin/sh
# Regenerates src/output/flame_js.c (the script embedded in flame graph SVGs)
# from src/output/flame_script.js. Run after editing the .js; both are committed.
set -e
cd "$(dirname "$0")/.."
in=src/output/flame_script.js
out=src/output/flame_js.c
{
	echo "/*"
	echo " * flame_js.c — the interactive script of the SVG flame graph, as a C string."
	echo " * GENERATED from flame_script.js by scripts/gen-flame-js.sh: edit the .js."
	echo " */"
	echo "#include \"output/flame_js.h\""
	echo ""
	echo "const char out_flame_script[] ="
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$in"
	echo "\t;"
} >"$out"
grep -q ']]>' "$in" && { echo "gen-flame-js: ']]>' would end the CDATA section" >&2; exit 1; }
exit 0
