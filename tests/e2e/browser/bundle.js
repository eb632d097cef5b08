// Drive perfops bundle's --html treemap in headless Debian chromium; print
// TAP.   node bundle.js PAGE.html REPORT.json SCREENSHOT.png
// The expectations come from the --json report of the same run: each
// rectangle's share of the map is its bytes' share.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [pagePath, reportPath, shotPath] = process.argv.slice(2);
const report = JSON.parse(fs.readFileSync(reportPath));
let n = 0;
function ok(cond, name, diag) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond && diag !== undefined) console.log(`#   ${JSON.stringify(diag)}`);
}

// The rectangles of the map's top level: name -> area.
function rects(page) {
	return page.evaluate(() => {
		const out = {};
		for (const d of document.querySelectorAll('#map > .n'))
			out[d.dataset.name] = d.offsetWidth * d.offsetHeight;
		return out;
	});
}
function share(areas, name) {
	const total = Object.values(areas).reduce((a, b) => a + b, 0);
	return areas[name] / total;
}
const close = (a, b) => Math.abs(a - b) < 0.01;

async function run(ctx) {
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	await page.goto('file://' + path.resolve(pagePath));
	let a = await rects(page);
	const assets = report.assets.filter((x) => x.bytes > 0);
	const total = assets.reduce((s, x) => s + x.bytes, 0);
	ok(assets.every((x) => close(share(a, x.path), x.bytes / total)),
		'top level: one rectangle per asset, areas in proportion to bytes', a);

	const js = report.assets.find((x) => x.path.endsWith('.js'));
	await page.click(`#map > .n[data-name="${js.path}"]`);
	const crumbs = await page.textContent('#crumbs');
	ok(crumbs === `all assets > ${js.path}`, 'a click zooms into the asset', crumbs);
	a = await rects(page);
	const lodash = report.packages.find((p) => p.name === 'lodash');
	ok(close(share(a, `lodash@${lodash.version}`), lodash.bytes / js.bytes),
		'inside it: packages, lodash in proportion to its bytes', a);

	await page.click('#s-brotli');
	a = await rects(page);
	const est = js.sources_estimated;
	const brTotal = Object.values(est).reduce((s, v) => s + v.brotli, 0);
	const brLodash = Object.entries(est).filter(([k]) => k.includes('node_modules/lodash/'))
		.reduce((s, [, v]) => s + v.brotli, 0);
	ok(close(share(a, `lodash@${lodash.version}`), brLodash / brTotal) &&
		(await page.getAttribute('#s-brotli', 'class')) === 'on' &&
		/brotli \(estimated\)/.test(await page.textContent('#total')),
		'brotli: areas from the brotli estimates, and said so', a);

	await page.click(`#map > .n[data-name="lodash@${lodash.version}"]`);
	await page.click('#crumbs a:first-child');
	ok((await page.textContent('#crumbs')) === 'all assets', 'the breadcrumb zooms back out');
	const kinds = await page.$$eval('#flist .kind', (l) => l.map((e) => e.textContent));
	ok(JSON.stringify(kinds) === JSON.stringify(report.findings.map((f) => f.kind)),
		'the findings are listed', kinds);
	if (shotPath) await page.screenshot({ path: shotPath });
	ok(errors.length === 0, 'no errors in the page', errors);
}

async function main() {
	const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'perfops-chromium-'));
	const ctx = await chromium.launchPersistentContext(profileDir, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
			'--disable-background-networking', '--disable-component-update',
			'--disable-sync'],
		viewport: { width: 1200, height: 800 },
	});
	try {
		await run(ctx);
	} finally {
		await ctx.close();
		fs.rmSync(profileDir, { recursive: true, force: true });
	}
	console.log(`1..${n}`);
}
main().catch((e) => {
	console.log(`not ok ${n + 1} - ${e}`);
	console.log(`1..${n + 1}`);
});
