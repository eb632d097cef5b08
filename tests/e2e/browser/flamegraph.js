// Drive a perfops flame graph in headless Debian chromium and print TAP.
//   node flamegraph.js SVG FOLDED SCREENSHOT.png
// The expectations are computed here from the folded input, independently
// of the SVG writer: widths from the counts, the search percentage from the
// stacks that contain a match (each stack counted once).
'use strict';
const fs = require('fs');
const http = require('http');
const { launch } = require('./chromium');

const [svgPath, foldedPath, shotPath, icicleSvg] = process.argv.slice(2);
const FULL = 1180; // 1200 px minus 2 x 10 px of padding
let n = 0, failed = 0;
function ok(cond, name, diag) {
	n++;
	if (!cond) failed++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond && diag !== undefined) console.log(`#   ${JSON.stringify(diag)}`);
}

const stacks = fs.readFileSync(foldedPath, 'utf8').split('\n').filter(Boolean)
	.map((l) => {
		const i = l.lastIndexOf(' ');
		return { frames: l.slice(0, i).split(';'), count: +l.slice(i + 1) };
	});
const total = stacks.reduce((s, x) => s + x.count, 0);
// Share of the samples whose stack holds a frame matching re, in percent.
function expectedPct(re) {
	const m = stacks.filter((s) => s.frames.some((f) => re.test(f)))
		.reduce((s, x) => s + x.count, 0);
	const pct = 100 * m / total;
	return pct === 100 ? '100' : pct.toFixed(2);
}
// Width of a frame at a root-first path, from the counts.
function pathCount(p) {
	return stacks.filter((s) => p.every((f, i) => s.frames[i] === f))
		.reduce((s, x) => s + x.count, 0);
}

async function main() {
	const server = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'image/svg+xml' });
		res.end(fs.readFileSync(req.url.startsWith('/icicle') ? icicleSvg : svgPath));
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${server.address().port}/flame.svg`;
	const ctx = await launch({ width: 1200, height: 400 });
	try {
		await run(ctx, url);
	} finally {
		await ctx.close();
		server.close();
	}
}

// Geometry and state of the frame whose name is `name` (first match).
function frame(page, name) {
	return page.evaluate((nm) => {
		for (const g of document.getElementById('frames').children) {
			const t = g.querySelector('title').textContent;
			if (t.startsWith(nm + ' (')) {
				const r = g.querySelector('rect');
				return { width: +r.getAttribute('width'), x: +r.getAttribute('x'),
					cls: g.getAttribute('class') || '', fill: r.getAttribute('fill'),
					label: g.querySelector('text').textContent,
					visible: getComputedStyle(g).display !== 'none' };
			}
		}
		return null;
	}, name);
}
function clickFrame(page, name) {
	return page.locator('#frames > g').filter({
		has: page.locator('title', { hasText: new RegExp('^' + name + ' \\(') }),
	}).first().locator('rect').click();
}
async function searchFor(page, term) {
	page.once('dialog', (d) => d.accept(term));
	await page.keyboard.press('Control+f');
	await page.waitForFunction(() =>
		document.getElementById('matched').textContent.startsWith('Matched'));
	return page.evaluate(() => document.getElementById('matched').textContent);
}
function highlighted(page) {
	return page.evaluate(() => [...document.querySelectorAll('#frames > g')]
		.filter((g) => g.querySelector('rect').getAttribute('fill') === 'rgb(230,0,230)')
		.map((g) => g.querySelector('title').textContent.replace(/ \([^(]*\)$/, '')));
}

async function run(ctx, url) {
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(String(e)));
	await page.goto(url);

	// Widths before any interaction: from the counts.
	const main0 = await frame(page, 'main');
	const foo0 = await frame(page, 'foo');
	ok(main0 && Math.abs(main0.width - FULL * pathCount(['main']) / total) <= 0.1,
		'main is drawn with its share of the width', main0);

	// Hover shows the details line.
	await page.locator('#frames > g').filter({
		has: page.locator('title', { hasText: /^foo \(/ }) }).first().hover();
	const details = await page.evaluate(() =>
		document.getElementById('details').textContent);
	ok(details === `Function: foo (${pathCount(['main', 'foo'])} samples, ` +
		`${(100 * pathCount(['main', 'foo']) / total).toFixed(2)}%)`,
		'hover shows the frame in the details line', details);

	// Click to zoom: foo fills the width, main is a dimmed parent, other hidden.
	await clickFrame(page, 'foo');
	const foo1 = await frame(page, 'foo');
	const main1 = await frame(page, 'main');
	const other1 = await frame(page, 'other');
	const bar1 = await frame(page, 'bar');
	ok(foo1.width === FULL && foo1.x === 10, 'clicked frame becomes full width', foo1);
	ok(main1.cls === 'parent' && main1.width === FULL, 'ancestor dimmed at full width', main1);
	ok(!other1.visible, 'frames outside the zoomed one are hidden', other1);
	ok(Math.abs(bar1.width - FULL * pathCount(['main', 'foo', 'bar']) /
		pathCount(['main', 'foo'])) <= 0.1 && bar1.label === 'bar',
		'child scaled to the zoomed frame', bar1);
	const zoomUrl = page.url();
	ok(/[?&]x=/.test(zoomUrl) && /[?&]y=/.test(zoomUrl), 'zoom kept in the URL', zoomUrl);
	await page.screenshot({ path: shotPath.replace(/\.png$/, '-zoom.png') });

	// Reset Zoom restores every frame.
	await page.click('#unzoom');
	const foo2 = await frame(page, 'foo');
	const other2 = await frame(page, 'other');
	ok(foo2.width === foo0.width && foo2.x === foo0.x && other2.visible &&
		foo2.cls === '', 'Reset Zoom restores the view', foo2);
	ok(!/[?&]x=/.test(page.url()), 'Reset Zoom clears the URL', page.url());

	// Search with nested matches (bar is inside foo): counted once.
	const re = /^(foo|bar)$/;
	const m = await searchFor(page, re.source);
	ok(m === `Matched: ${expectedPct(re)}%`, 'search reports the matched share', m);
	const hl = await highlighted(page);
	ok(hl.length === 2 && hl.includes('foo') && hl.includes('bar'),
		'search highlights the matching frames', hl);
	const searchUrl = page.url();
	ok(/[?&]s=/.test(searchUrl), 'search kept in the URL', searchUrl);

	// Ctrl-I: ignore case reruns the search.
	await page.keyboard.press('Control+f'); // a second Ctrl-F resets it
	const reset = await page.evaluate(() => [
		document.getElementById('matched').textContent,
		document.querySelectorAll('#frames rect[fill="rgb(230,0,230)"]').length]);
	ok(reset[0] === ' ' && reset[1] === 0, 'Ctrl-F again resets the search', reset);
	const reI = /^BA/i;
	page.once('dialog', (d) => d.accept('^BA'));
	await page.keyboard.press('Control+f');
	const none = await page.evaluate(() => document.getElementById('matched').textContent);
	await page.keyboard.press('Control+i');
	const mi = await page.evaluate(() => document.getElementById('matched').textContent);
	ok(none === 'Matched: 0.00%' && mi === `Matched: ${expectedPct(reI)}%`,
		'Ctrl-I makes the search ignore case', [none, mi]);
	await page.keyboard.press('Control+i');
	await page.keyboard.press('Control+f'); // reset search

	// A link reproduces zoom and search.
	const foo = await page.evaluate(() => {
		for (const g of document.getElementById('frames').children)
			if (g.querySelector('title').textContent.startsWith('foo ('))
				return [g.querySelector('rect').getAttribute('fg:x'),
					g.querySelector('rect').getAttribute('y')];
	});
	await page.goto(`${url}?x=${foo[0]}&y=${foo[1]}&s=${encodeURIComponent('^baz$')}`);
	const foo3 = await frame(page, 'foo');
	const ms = await page.evaluate(() => document.getElementById('matched').textContent);
	ok(foo3.width === FULL && ms === `Matched: ${expectedPct(/^baz$/)}%`,
		'a URL with x, y and s reproduces the view', [foo3, ms]);
	await page.goto(url);
	await page.screenshot({ path: shotPath });

	// The icicle graph zooms the same way, upside down.
	if (icicleSvg) {
		await page.goto(url.replace('/flame.svg', '/icicle.svg'));
		await clickFrame(page, 'foo');
		const f = await frame(page, 'foo'), p = await frame(page, 'main');
		const o = await frame(page, 'other'), b = await frame(page, 'bar');
		ok(f.width === FULL && p.cls === 'parent' && !o.visible && b.visible,
			'an icicle graph zooms too', [f, p, o, b]);
	}
	ok(errors.length === 0, 'no script errors', errors);
}

main().then(() => {
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
}, (e) => {
	console.log(`not ok ${n + 1} - browser test died: ${e.message.split('\n')[0]}`);
	console.log(`1..${n + 1}`);
	process.exit(1);
});
