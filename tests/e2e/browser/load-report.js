// Open a `perfops load --html` report in headless Debian chromium and print
// TAP: no script error, the three charts drawn with the points the run
// implies, the summary and an escaped title.
//   node load-report.js REPORT.html SECONDS REQUESTS TITLE SCREENSHOT.png
'use strict';
const fs = require('fs');
const http = require('http');
const { launch } = require('./chromium');

const [htmlPath, seconds, requests, title, shotPath] = process.argv.slice(2);
let n = 0;
function ok(cond, name, diag) {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond && diag !== undefined) console.log(`#   ${JSON.stringify(diag)}`);
}

async function main() {
	// Served over loopback with no other origin: the page must need
	// nothing from the network.
	const server = http.createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end(fs.readFileSync(htmlPath));
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	const ctx = await launch({ width: 1000, height: 1100 });
	try {
		const page = await ctx.newPage();
		const errors = [], requestsSeen = [];
		page.on('pageerror', (e) => errors.push(String(e)));
		page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
		page.on('request', (r) => requestsSeen.push(r.url()));
		await page.goto(`http://127.0.0.1:${server.address().port}/report.html`);
		await page.waitForLoadState('load');
		ok(errors.length === 0, 'the report opens without errors', errors);
		ok(requestsSeen.length === 1, 'self-contained: no request but the page', requestsSeen);
		const pts = await page.evaluate(() => {
			const out = {};
			for (const id of ['latency', 'throughput', 'spectrum'])
				out[id] = [...document.querySelectorAll(`#${id} polyline.series`)]
					.map((p) => p.getAttribute('points').trim().split(/\s+/)
						.filter((xy) => /^[0-9.]+,[0-9.]+$/.test(xy)).length);
			return out;
		});
		ok(JSON.stringify(pts.latency) === JSON.stringify([+seconds, +seconds, +seconds, +seconds]),
			`latency over time: p50, p90, p99, max with ${seconds} points each`, pts.latency);
		ok(pts.throughput.length === 2 && pts.throughput[0] === +seconds,
			`throughput over time: ${seconds} points`, pts.throughput);
		ok(pts.spectrum.length === 1 && pts.spectrum[0] > 20,
			'percentile spectrum drawn', pts.spectrum);
		const shown = await page.evaluate(() => ({
			h1: document.getElementById('title').textContent,
			title: document.title,
			requests: [...document.querySelectorAll('#summary tr')]
				.filter((tr) => tr.cells[0].textContent === 'requests')
				.map((tr) => tr.cells[1].textContent)[0],
		}));
		ok(shown.h1 === `perfops load: ${title}` && shown.title === `perfops load: ${title}`,
			'the URL shown as text, markup escaped', shown);
		ok(shown.requests === requests, `the summary gives ${requests} requests`, shown);
		await page.screenshot({ path: shotPath, fullPage: true });
	} finally {
		await ctx.close();
		server.close();
	}
	console.log(`1..${n}`);
}
main().catch((e) => { console.log(`not ok ${n + 1} - ${e}`); console.log(`1..${n + 1}`); });
