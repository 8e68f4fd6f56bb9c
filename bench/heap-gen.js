// Builds a server-like heap of SCALE users and writes one heap snapshot to OUT
// (for bench/heap.sh): Map<id,User> with profiles, addresses, tags, dates,
// friend sets and sessions; orders with line items; closures; event listeners;
// a doubly linked LRU list (cycles); template and cons strings; a WeakMap;
// WeakRefs; typed arrays; Buffers. About 2.6 KB of snapshot per user.
//   node --max-old-space-size=16000 heap-gen.js SCALE OUT
'use strict';
const v8 = require('v8');
const { EventEmitter } = require('events');
const scale = Number(process.argv[2] || 18000);
const out = process.argv[3] || 'bench.heapsnapshot';

class Address { constructor(i) { this.street = `${i} Main St`; this.city = ['Paris', 'Lyon', 'Oslo'][i % 3]; this.zip = 10000 + (i % 89999); } }
class Profile { constructor(i) { this.bio = 'bio of user ' + i + ' '.repeat(i % 16); this.address = new Address(i); this.score = i * 1.5; } }
class Session { constructor(u, i) { this.user = u; this.token = 'tok' + i.toString(36); this.expires = new Date(1e12 + i); } }
class User {
  constructor(i) {
    this.id = i; this.name = 'user' + i; this.profile = new Profile(i);
    this.tags = ['t' + (i % 10), 't' + (i % 7)]; this.created = new Date(1e12 + i);
    this.friends = new Set(); this.sessions = [new Session(this, i)];
  }
}
class LineItem { constructor(o, i) { this.order = o; this.sku = 'SKU-' + (i % 5000); this.qty = i % 5 + 1; } }
class Order { constructor(u, i) { this.user = u; this.items = []; for (let k = 0; k < 3; k++) this.items.push(new LineItem(this, i * 3 + k)); } }
class LruNode { constructor(key, prev) { this.key = key; this.prev = prev; this.next = null; if (prev) prev.next = this; } }

const app = { users: new Map(), orders: [], handlers: [], bus: new EventEmitter(), lru: null, weak: new WeakMap(), refs: [], blobs: [] };
app.bus.setMaxListeners(0);
let prev = null;
for (let i = 0; i < scale; i++) {
  const u = new User(i);
  app.users.set(i, u);
  if (i > 0) u.friends.add(app.users.get((i * 7) % i));
  if (i % 2 === 0) app.orders.push(new Order(u, i));
  if (i % 10 === 0) app.handlers.push(() => u.name.length);
  if (i % 50 === 0) app.bus.on('evt' + (i % 100), () => u.id);
  prev = new LruNode('k' + i, prev);
  if (!app.lru) app.lru = prev;
  if (i % 20 === 0) app.weak.set(u, { cached: u.name + '!' });
  if (i % 100 === 0) app.refs.push(new WeakRef(u));
  if (i % 500 === 0) app.blobs.push(Buffer.alloc(1024), new Float64Array(64));
}
globalThis.__benchApp = app;
v8.writeHeapSnapshot(out);
