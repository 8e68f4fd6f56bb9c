// A CPU-heavy HTTP server for `make demo` (demo/profile.sh): each request parses
// JSON, validates e-mails with a regexp, sorts, renders a template and hashes it,
// so a flame graph shows user JS, V8 builtins, native code and the kernel.
// Prints its port on stdout. Usage: node server.js [PORT]
'use strict';
const http = require('http');
const crypto = require('crypto');

const users = [];
for (let i = 0; i < 1500; i++)
	users.push({ id: i, name: `user${(i * 7919) % 1500}`, email: `u${i}@example${i % 9}.com`, score: (i * 31) % 997 });
const usersJson = JSON.stringify(users);

const EMAIL = /^([a-z0-9_.+-]+)@([a-z0-9-]+)\.([a-z.]{2,6})$/;

function parseUsers(text) {
	return JSON.parse(text);
}

function validateEmails(list) {
	let ok = 0;
	for (const u of list) if (EMAIL.test(u.email)) ok++;
	return ok;
}

function rankUsers(list) {
	return list.slice().sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
}

function renderRow(u) {
	return `<tr><td>${u.id}</td><td>${u.name}</td><td>${u.email}</td><td>${u.score}</td></tr>`;
}

function renderPage(list) {
	return '<table>' + list.slice(0, 200).map(renderRow).join('') + '</table>';
}

function fib(n) {
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function handle(req, res) {
	const list = parseUsers(usersJson);
	const valid = validateEmails(list);
	const page = renderPage(rankUsers(list));
	const etag = crypto.createHash('sha256').update(page).digest('hex').slice(0, 16);
	const body = req.url === '/fib' ? String(fib(22)) : page;
	res.writeHead(200, { 'content-type': 'text/html', etag, 'x-valid': String(valid) });
	res.end(body);
}

const server = http.createServer(handle);
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
	console.log(server.address().port);
});
