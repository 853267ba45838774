// Writes a heap snapshot of a program holding a realistic mix of live objects, for the
// snapshot benchmark. Deterministic: the same count gives the same shape every run.
// usage: node --max-old-space-size=16384 bench/generate-snapshot.cjs <records> <out.heapsnapshot>
'use strict';
const v8 = require('node:v8');
const records = Number(process.argv[2]);
const out = process.argv[3];

class Customer {
  constructor(i) {
    this.id = i;
    this.name = `customer-${i}`;
    this.email = `c${i}@example.com`;
    this.tags = ['t' + (i % 97), 't' + (i % 89)];
    this.address = { street: `${i} Main St`, zip: 10000 + (i % 90000) };
    this.orders = [];
  }
}
class Order {
  constructor(customer, n) {
    this.customer = customer;
    this.n = n;
    this.total = (n * 7.25) % 1000;
    this.items = [{ sku: n % 5000, qty: 1 + (n % 3) }];
  }
}
const byId = new Map();
const all = [];
for (let i = 0; i < records; i++) {
  const c = new Customer(i);
  for (let k = 0; k < 2; k++) c.orders.push(new Order(c, i * 2 + k));
  byId.set(c.id, c);
  all.push(c);
}
globalThis.store = { byId, all, callbacks: all.slice(0, 1000).map((c) => () => c.id) };
v8.writeHeapSnapshot(out);
