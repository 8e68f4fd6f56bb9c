'use strict';
// demo/crash.js — a tiny order service that dies on a malformed order. `make demo`
// runs it with --abort-on-uncaught-exception, so the kernel writes a core, and then
// reads the JavaScript stack back out of that core with nodescope.
class PriceBook {
  constructor(prices) {
    this.prices = prices;
  }

  lineTotal(line) {
    const price = this.prices[line.sku];
    if (price === undefined) throw new Error(`unknown sku ${line.sku}`);
    return price * line.qty;
  }
}

const book = new PriceBook({ 'A-1': 250, 'B-7': 1200 });

const orderTotal = (order) => order.items.reduce((sum, line) => sum + book.lineTotal(line), 0);

function handleOrder(order) {
  const total = orderTotal(order);
  return { id: order.id, total };
}

function handleBatch(batch) {
  return batch.map(handleOrder);
}

const incoming = [
  { id: 1001, items: [{ sku: 'A-1', qty: 2 }] },
  { id: 1002, items: [{ sku: 'B-7', qty: 1 }, { sku: 'Z-9', qty: 3 }] },
];

setImmediate(function onBatch() {
  console.log(handleBatch(incoming));
});
