// Times a flame graph SVG in headless Chromium (bench/fold.sh): load, a regexp
// search, and a click zoom, each until two animation frames later (layout and
// paint done). Works for nodescope's and flamegraph.pl's SVGs alike (both have a
// global search(term) and zoom on click). Node >= 22 (WebSocket, fetch).
// Usage: node flame_browser_time.js CHROMIUM SVG TERM  -> "load_ms search_ms zoom_ms"
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chromium, svg, term] = process.argv.slice(2);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bench-chromium-'));
const pending = new Map();
let ws, nextId = 1, loaded = null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const send = (method, params = {}) => new Promise((resolve, reject) => {
	const id = nextId++;
	pending.set(id, { resolve, reject });
	ws.send(JSON.stringify({ id, method, params }));
});
async function evaluate(expression) {
	const r = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
	if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails).slice(0, 400));
	return r.result.value;
}
const TWO_FRAMES = 'new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))';

async function main() {
	const browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		'--no-first-run', `--user-data-dir=${profile}`, '--remote-debugging-port=0', '--window-size=1280,1000',
		'about:blank'], { stdio: 'ignore' });
	try {
		const file = path.join(profile, 'DevToolsActivePort');
		for (let i = 0; i < 200 && !fs.existsSync(file); i++) await sleep(100);
		const port = fs.readFileSync(file, 'utf8').split('\n')[0];
		let page = null;
		for (let i = 0; i < 50 && !page; i++) {
			try {
				page = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()).find((t) => t.type === 'page');
			} catch (e) {
				await sleep(100);
			}
		}
		ws = new WebSocket(page.webSocketDebuggerUrl);
		await new Promise((r) => { ws.onopen = r; });
		ws.onmessage = (m) => {
			const msg = JSON.parse(m.data);
			if (msg.method === 'Page.loadEventFired' && loaded) loaded();
			const p = msg.id && pending.get(msg.id);
			if (p) { pending.delete(msg.id); p.resolve(msg.result); }
		};
		await send('Page.enable');
		const t0 = Date.now();
		const done = new Promise((r) => { loaded = r; });
		await send('Page.navigate', { url: 'file://' + path.resolve(svg) });
		await done;
		await evaluate(TWO_FRAMES);
		const load = Date.now() - t0;
		const search = await evaluate(`(async () => { const t = performance.now(); search(${JSON.stringify(term)});
			await ${TWO_FRAMES}; return performance.now() - t; })()`);
		const zoom = await evaluate(`(async () => {
			let best = null, bw = 0;
			for (const r of document.querySelectorAll('g rect')) {
				const w = r.getBoundingClientRect().width;
				if (r.parentNode.querySelector('title') && w > bw && w < 600) { best = r; bw = w; }
			}
			const t = performance.now();
			best.dispatchEvent(new MouseEvent('click', { bubbles: true }));
			await ${TWO_FRAMES}; return performance.now() - t; })()`);
		console.log(`${load} ${search.toFixed(0)} ${zoom.toFixed(0)}`);
	} finally {
		try { ws && ws.close(); } catch (e) { /* ignore */ }
		browser.kill('SIGKILL');
		await sleep(300);
		fs.rmSync(profile, { recursive: true, force: true });
	}
}
main().catch((e) => { console.log(`error ${e}`); process.exitCode = 1; });
