'use strict';
// The loopback HTTP server measured by handles.bench.js: a small JSON answer after a few
// awaits (promise work like a real handler's), keep-alive sockets. Prints its port.
const http = require('node:http');

async function lookup(id) {
  await null;
  return { id, at: Date.now() };
}

async function handle(req, res) {
  const item = await lookup(req.url);
  const body = JSON.stringify({ ok: true, item, extra: await Promise.all([lookup(1), lookup(2)]) });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}

const server = http.createServer((req, res) => void handle(req, res));
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
