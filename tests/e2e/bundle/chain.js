// The shortest import chain from an entry to a module under a package
// folder, computed independently of perfops from webpack's stats.json or
// esbuild's metafile: node chain.js FILE PREFIX -> "a > b > c".
const fs = require('fs');
const [file, prefix] = process.argv.slice(2);
const d = JSON.parse(fs.readFileSync(file));
const edges = new Map(), entries = new Set();
const norm = (p) => p.replace(/ \+ \d+ modules?$/, '').replace(/^\.\//, '');
const add = (from, to) => {
	if (from === to) return;
	if (!edges.has(from)) edges.set(from, []);
	edges.get(from).push(to);
};
if (d.inputs) {
	for (const [p, v] of Object.entries(d.inputs))
		for (const i of v.imports || []) if (!i.external) add(p, i.path);
	for (const o of Object.values(d.outputs)) if (o.entryPoint) entries.add(o.entryPoint);
} else {
	const visit = (m) => {
		for (const r of m.reasons || []) {
			if (r.type === 'entry') entries.add(norm(m.name));
			else if (r.moduleName) add(norm(r.moduleName), norm(m.name));
		}
		for (const i of m.modules || []) visit(i);
	};
	for (const m of d.modules) visit(m);
}
const parent = new Map(), queue = [...entries];
for (const e of entries) parent.set(e, null);
while (queue.length) {
	const m = queue.shift();
	if (m.startsWith(prefix + '/')) {
		const chain = [];
		for (let x = m; x !== null; x = parent.get(x)) chain.unshift(x);
		console.log(chain.join(' > '));
		process.exit(0);
	}
	for (const t of edges.get(m) || [])
		if (!parent.has(t)) {
			parent.set(t, m);
			queue.push(t);
		}
}
console.log('(none)');
