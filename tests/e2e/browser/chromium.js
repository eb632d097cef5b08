// Debian's chromium, headless, through playwright-core, for the browser
// tests: a fresh profile in a temporary directory, nothing in the
// background that would reach the network.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

// The profile directory goes when the context closes.
exports.launch = async (viewport) => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perfops-chromium-'));
	const ctx = await chromium.launchPersistentContext(dir, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
		viewport,
	});
	const close = ctx.close.bind(ctx);
	ctx.close = async () => {
		await close();
		fs.rmSync(dir, { recursive: true, force: true });
	};
	return ctx;
};
