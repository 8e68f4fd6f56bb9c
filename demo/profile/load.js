// Keep-alive HTTP load for demo/profile.sh: N closed loops for SECONDS against
// 127.0.0.1:PORT, alternating / and /fib. Prints requests per second.
// Usage: node load.js PORT SECONDS [N]
'use strict';
const http = require('http');
const [port, seconds, n] = [Number(process.argv[2]), Number(process.argv[3] || 5), Number(process.argv[4] || 4)];
const agent = new http.Agent({ keepAlive: true, maxSockets: n });
const end = Date.now() + seconds * 1000;
let done = 0, failed = 0;

function loop(i) {
	if (Date.now() >= end) return Promise.resolve();
	return new Promise((resolve) => {
		const req = http.get({ host: '127.0.0.1', port, path: i % 2 ? '/fib' : '/', agent }, (res) => {
			res.resume();
			res.on('end', () => { done++; resolve(); });
		});
		req.on('error', () => { failed++; setTimeout(resolve, 50); });
	}).then(() => loop(i + 1));
}

Promise.all(Array.from({ length: n }, (_, i) => loop(i))).then(() => {
	console.log(`${(done / seconds).toFixed(0)} requests/s (${done} ok, ${failed} failed)`);
	agent.destroy();
});
