// Demo for `nodescope heap`: an HTTP server with a classic leak. Every request
// builds a RequestContext; a "metrics" hook keeps each one in a module-level
// array that is never trimmed, so RequestContext objects pile up.
// Started without any flag; prints "listening PORT".
'use strict';
const http = require('http');

class RequestContext {
  constructor(req) {
    this.url = req.url;
    this.method = req.method;
    this.headers = { ...req.headers };
    this.startedAt = Date.now();
    this.scratch = new Array(16).fill(0);
  }
}

const recentContexts = []; // meant to keep the last 100; nobody trims it
function trackForMetrics(ctx) {
  recentContexts.push(ctx);
}

const server = http.createServer((req, res) => {
  const ctx = new RequestContext(req);
  trackForMetrics(ctx);
  res.end(`ok ${ctx.url}\n`);
});
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
