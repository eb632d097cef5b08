// perfops bundle --json packages vs webpack-bundle-analyzer's JSON report
// (-m json) for the same webpack build: prints "NAME@PATH perfops=N
// wba=M" per package, where wba is the parsed size of the package's
// folder minus its nested node_modules.  webpack-bundle-analyzer counts
// a module's parsed size in UTF-16 units of the minified code, not bytes,
// and from the module's function boundaries, not the source map: so the
// numbers agree closely for ASCII code and perfops' are larger where the
// code holds non-ASCII text (moment's locales).
const fs = require('fs');
const pf = JSON.parse(fs.readFileSync(process.argv[2]));
const wba = JSON.parse(fs.readFileSync(process.argv[3]));
const sizes = {};
function walk(g, path) {
	for (const c of g.groups || []) {
		const p = path ? path + '/' + c.label : c.label;
		sizes[p] = c.parsedSize;
		walk(c, p);
	}
}
for (const chunk of wba) walk(chunk, '');
for (const p of pf.packages) {
	let w = sizes[p.path] || 0;
	const nested = p.path + '/node_modules';
	for (const [k, v] of Object.entries(sizes))
		if (k.startsWith(nested + '/') && !k.slice(nested.length + 1).includes('/'))
			w -= v;
	console.log(`${p.name}@${p.path} perfops=${p.bytes} wba=${w}`);
}
