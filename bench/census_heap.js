// Heap for bench/census.sh: about MB megabytes (argv[2]) of live JS objects of a
// few constructors (plus strings and arrays), some held only by an unreferenced
// module-level array; then gc() and abort, so the kernel writes a core.
'use strict';
require('v8').setFlagsFromString('--expose-gc');
const gc = require('vm').runInNewContext('gc');
const MB = Number(process.argv[2] || 50);
class Order { constructor(i) { this.id = i; this.total = i * 3; this.note = 'order-' + (i % 1000); } }
class Customer { constructor(i) { this.id = i; this.name = 'c' + i; this.orders = []; } }
class Event { constructor(i) { this.seq = i; this.kind = i & 7; } }
const customers = [], events = [];
let i = 0;
while (process.memoryUsage().heapUsed < MB * 1024 * 1024) {
  for (let k = 0; k < 10000; k++, i++) {
    const c = i % 10 === 0 ? new Customer(i) : customers[customers.length - 1];
    if (i % 10 === 0) customers.push(c);
    c.orders.push(new Order(i));
    events.push(new Event(i));
  }
}
globalThis.keep = { customers, events };
gc();
gc();
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
process.stdout.write('objects ' + i + '\n');
process.abort();
