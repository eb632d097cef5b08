// Compare source-map-explorer's --json result with perfops bundle --json
// for one asset: prints "DIFF path sme=N perfops=M" lines, nothing when
// every source has the same bytes.  Sources of 0 bytes are left out on
// both sides (SME lists sources whose only ranges are empty); SME keeps
// the webpack://NS/ prefix that perfops strips by its spec, and (through
// source-map 0.7's URL normalization) writes spaces as %20: both are names,
// not bytes, and are undone here.
const fs = require('fs');
const sme = JSON.parse(fs.readFileSync(process.argv[2])).results[0].files;
const pf = JSON.parse(fs.readFileSync(process.argv[3])).assets[0].sources;
const strip = (k) => {
	k = k.replace(/^webpack:\/\/[^/]*\//, '');
	try {
		return decodeURI(k);
	} catch (e) {
		return k;
	}
};
const norm = (o) =>
	Object.fromEntries(
		Object.entries(o)
			.map(([k, v]) => [strip(k), typeof v == 'object' ? v.size : v])
			.filter(([, v]) => v > 0)
	);
const a = norm(sme), b = norm(pf);
const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
for (const k of [...keys].sort())
	if (a[k] !== b[k]) console.log(`DIFF ${k} sme=${a[k]} perfops=${b[k]}`);
