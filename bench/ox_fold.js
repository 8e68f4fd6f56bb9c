// Times 0x's own folding of `perf script` text (the functions `0x
// --visualize-only` runs: traceStacksToTicks then ticksToTree) for bench/fold.sh.
// Usage: node ox_fold.js OX_PACKAGE_DIR PERF_SCRIPT_TXT  -> prints "parse_s tree_s stacks"
'use strict';
const path = require('path');
const [oxDir, input] = process.argv.slice(2);
const traceStacksToTicks = require(path.join(oxDir, 'lib', 'trace-stacks-to-ticks.js'));
const ticksToTree = require(path.join(oxDir, 'lib', 'ticks-to-tree.js'));
const t0 = process.hrtime.bigint();
const ticks = traceStacksToTicks(input);
const t1 = process.hrtime.bigint();
const tree = ticksToTree(ticks, { inlined: false });
const t2 = process.hrtime.bigint();
console.log(`${Number(t1 - t0) / 1e9} ${Number(t2 - t1) / 1e9} ${ticks.length} ${tree.merged.children.length}`);
