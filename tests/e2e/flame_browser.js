// Drives headless Chromium over the DevTools protocol (node >= 22: global
// WebSocket and fetch, no npm package) to check a nodescope flame graph in a
// real browser: a regexp search highlights exactly the frames whose names match
// (and the case toggle works), a click zooms into a frame, hover shows details,
// the URL keeps the state, and a screenshot is kept.
// Usage: node flame_browser.js CHROMIUM SVG SCREENSHOT_PNG TERM
// Prints TAP lines ("ok - ..." / "not ok - ...").
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chromium, svgPath, shotPath, term] = process.argv.slice(2);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-chromium-'));
let browser, ws, nextId = 1;
const pending = new Map();

function tap(ok, name, detail) {
	console.log(`${ok ? 'ok' : 'not ok'} - browser: ${name}`);
	if (!ok && detail !== undefined) console.log(`#   ${JSON.stringify(detail).slice(0, 400)}`);
}

function send(method, params = {}) {
	const id = nextId++;
	ws.send(JSON.stringify({ id, method, params }));
	return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

async function evaluate(expr) {
	const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true });
	if (r.exceptionDetails) throw new Error(`${expr}: ${JSON.stringify(r.exceptionDetails).slice(0, 300)}`);
	return r.result.value;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(expr, ms = 10000) {
	for (const end = Date.now() + ms; Date.now() < end; await sleep(50))
		if (await evaluate(expr).catch(() => false)) return true;
	return false;
}

async function devtoolsPort() {
	const file = path.join(profile, 'DevToolsActivePort');
	for (let i = 0; i < 200; i++, await sleep(100))
		if (fs.existsSync(file)) {
			const port = fs.readFileSync(file, 'utf8').split('\n')[0];
			if (port) return port;
		}
	throw new Error('chromium did not open its DevTools port');
}

async function open(url) {
	await send('Page.navigate', { url });
	return waitFor("document.readyState === 'complete' && typeof boxes !== 'undefined' && boxes.length > 0");
}

// name/fill/display/width of every frame, as the page shows them
const FRAMES = `Array.from(document.querySelectorAll('g.f')).map(g => {
	const t = g.querySelector('title').textContent, r = g.querySelector('rect');
	return { name: t.substring(0, t.lastIndexOf(' (')), fill: r.getAttribute('fill'),
		shown: g.style.display !== 'none', width: +r.getAttribute('width'),
		parent: g.classList.contains('parent') };
})`;

async function checkSearch() {
	const re = new RegExp(term);
	await evaluate(`search(${JSON.stringify(term)})`);
	let fr = await evaluate(FRAMES);
	const want = fr.filter((f) => re.test(f.name)).map((f) => f.name);
	const got = fr.filter((f) => f.fill === fg_match).map((f) => f.name);
	tap(want.length > 0 && JSON.stringify(want) === JSON.stringify(got),
		`search /${term}/ highlights exactly the ${want.length} matching frames`, { want, got });
	const matched = await evaluate("document.getElementById('matched').textContent");
	const pct = parseFloat((matched.match(/Matched: ([\d.]+)%/) || [])[1]);
	tap(pct > 0 && pct <= 100, `"Matched: N%" shown (${matched})`, matched);
	tap((await evaluate('location.search')).includes('s='), 'search term kept in the URL');

	await evaluate(`search(${JSON.stringify(term.toUpperCase())})`);
	fr = await evaluate(FRAMES);
	const caseSensitive = fr.filter((f) => f.fill === fg_match).length;
	await evaluate("document.getElementById('ignorecase').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
	fr = await evaluate(FRAMES);
	const ignoring = fr.filter((f) => f.fill === fg_match).map((f) => f.name);
	tap(caseSensitive === 0 && JSON.stringify(ignoring) === JSON.stringify(want),
		'upper-case term matches nothing until "ic" is toggled, then the same frames',
		{ caseSensitive, ignoring: ignoring.length, want: want.length });
	await evaluate("document.getElementById('ignorecase').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
	await evaluate('search(null)');
}

async function click(x, y) {
	for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased'])
		await send('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1 });
}

async function checkZoom() {
	// the widest frame matching the term that is not the whole graph
	const target = await evaluate(`(() => {
		const re = new RegExp(${JSON.stringify(term)});
		let best = null;
		for (const q of boxes) if (re.test(q.name) && (!best || q.w > best.w)) best = q;
		best.r.scrollIntoView({ block: 'center', inline: 'center' });
		const b = best.r.getBoundingClientRect();
		return { name: best.name, x: b.x + Math.min(b.width / 2, 5), y: b.y + b.height / 2, w: best.w, i: boxes.indexOf(best) };
	})()`);
	await send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: target.x, y: target.y });
	const details = await evaluate("document.getElementById('details').textContent");
	tap(details.startsWith(target.name + ' ('), `hover shows the frame's details (${details.slice(0, 60)})`, details);
	await click(target.x, target.y);
	const after = await evaluate(FRAMES);
	const full = await evaluate('fg.W - 2 * fg.pad');
	const z = after[target.i];
	tap(Math.abs(z.width - full) < 0.05, `click zooms "${target.name}" to the full width (${target.w.toFixed(1)} -> ${z.width} px)`, z);
	const hidden = after.filter((f) => !f.shown).length, parents = after.filter((f) => f.parent && f.shown).length;
	tap(hidden > 0 && parents > 0, `zoom hides frames outside it (${hidden}) and dims its ancestors (${parents})`, { hidden, parents });
	tap(/[?&]x=.*&y=/.test(await evaluate('location.search')), 'zoom kept in the URL');
	const shown = await evaluate("getComputedStyle(document.getElementById('unzoom')).display !== 'none'");
	tap(shown, '"Reset Zoom" appears');
	await send('Page.captureScreenshot', { format: 'png' }).then((r) =>
		fs.writeFileSync(shotPath, Buffer.from(r.data, 'base64')));
	await evaluate("document.getElementById('unzoom').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
	const reset = await evaluate(FRAMES);
	tap(reset.every((f) => f.shown) && Math.abs(reset[target.i].width - target.w) < 0.05, 'Reset Zoom restores every frame');
}

async function checkUrlState(url) {
	const ok = await open(`${url}?s=${encodeURIComponent(term.toUpperCase())}&i=1`);
	const fr = await evaluate(FRAMES);
	const re = new RegExp(term, 'i');
	const want = fr.filter((f) => re.test(f.name)).length;
	const got = fr.filter((f) => f.fill === fg_match).length;
	tap(ok && want > 0 && want === got, `search and case restored from the URL (${got}/${want})`, { want, got });
}

let fg_match;

async function main() {
	browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		'--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, '--remote-debugging-port=0',
		'--window-size=1280,1200', 'about:blank'], { stdio: 'ignore' });
	const port = await devtoolsPort();
	const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
	const page = targets.find((t) => t.type === 'page');
	ws = new WebSocket(page.webSocketDebuggerUrl);
	await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
	ws.onmessage = (m) => {
		const msg = JSON.parse(m.data);
		const p = msg.id && pending.get(msg.id);
		if (!p) return;
		pending.delete(msg.id);
		msg.error ? p.reject(new Error(JSON.stringify(msg.error))) : p.resolve(msg.result);
	};
	await send('Page.enable');
	await send('Runtime.enable');
	const url = 'file://' + path.resolve(svgPath);
	tap(await open(url), 'the SVG loads and its script finds the frames');
	fg_match = await evaluate('fg.matchcolor');
	await checkSearch();
	await checkZoom();
	await checkUrlState(url);
}

main()
	.catch((e) => tap(false, 'browser session', String(e && e.stack || e)))
	.finally(() => {
		try { ws && ws.close(); } catch (e) { /* closing anyway */ }
		if (browser) browser.kill('SIGKILL');
		setTimeout(() => {
			fs.rmSync(profile, { recursive: true, force: true });
			process.exit(0);
		}, 300);
	});
