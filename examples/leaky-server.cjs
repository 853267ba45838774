// A small HTTP service with one leak and one well-behaved cache, that drives itself with
// requests for a while and then exits. Used by README's first command:
//   npx leaktrace run -- node examples/leaky-server.cjs
// (LEAKY_SERVER_SECONDS sets how long it runs; default 25.)
'use strict';
const http = require('node:http');

// The well-behaved cache: at most 500 rendered pages.
const pageCache = new Map();
function renderPage(id) {
  const key = id % 2000;
  let page = pageCache.get(key);
  if (!page) {
    page = `<html><body>item ${key}</body></html>`;
    pageCache.set(key, page);
    if (pageCache.size > 500) pageCache.delete(pageCache.keys().next().value);
  }
  return page;
}

// The leak: every request's details are kept "for the audit log" and never dropped.
const auditLog = [];
function audit(req) {
  auditLog.push({ url: req.url, headers: { ...req.headers }, at: new Date().toISOString() });
}

let nextId = 0;
const server = http.createServer((req, res) => {
  audit(req);
  res.end(renderPage(nextId++));
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const seconds = Number(process.env.LEAKY_SERVER_SECONDS ?? 25);
  const until = Date.now() + seconds * 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let inFlight = 0;
  let closed = false;
  const next = () => {
    if (Date.now() >= until) {
      if (inFlight === 0 && !closed) {
        closed = true;
        agent.destroy();
        server.close();
        console.log(`served ${nextId} requests in ${seconds} s`);
      }
      return;
    }
    inFlight++;
    http
      .get({ host: '127.0.0.1', port, path: `/items/${nextId}`, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          inFlight--;
          setTimeout(next, 1);
        });
      })
      .on('error', () => {
        inFlight--;
      });
  };
  for (let i = 0; i < 4; i++) next();
});
