#!/bin/bash
# perfops bundle vs source-map-explorer: one large generated bundle.
#   bench/bundle-vs-sme.sh [MODULES]
# Generates an app of MODULES modules (default 4000; ASCII and non-ASCII
# text, under several node_modules packages), bundles it with esbuild
# (--minify --sourcemap --charset=utf8) into a bundle of several MB, then
# times `perfops bundle --sizes raw --json` and `source-map-explorer --json
# --no-border-checks` (which source-map 0.7 needs), best of 3 runs each,
# prints the ratio and checks that both give the same bytes per source.
# Also reads a generated multi-GB webpack stats file when BIG_STATS_MB is
# set (e.g. BIG_STATS_MB=2000), printing perfops' time and peak memory.
# Needs the npm packages of tests/e2e/bundle (scripts/install-deps --check).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
perfops=${PERFOPS:-$top/build/src/perfops}
nmod=${1:-4000}
bin=$top/tests/e2e/bundle/node_modules/.bin
if [ ! -x "$bin/esbuild" ] || [ ! -x "$bin/source-map-explorer" ]; then
	# make bench runs every bench: say why this one is skipped.
	echo "bundle-vs-sme: skipped: esbuild and source-map-explorer are missing (scripts/install-deps --check)" >&2
	exit 0
fi
tmp=$(mktemp -d /tmp/perfops-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The app: module i imports module i+1's export through its package.
node - "$tmp" "$nmod" <<'EOT'
const fs = require('fs'), path = require('path');
const [dir, n] = [process.argv[2], +process.argv[3]];
const pkgs = 20;
for (let p = 0; p < pkgs; p++) {
	const d = path.join(dir, 'node_modules', 'pkg' + p);
	fs.mkdirSync(d, { recursive: true });
	fs.writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name: 'pkg' + p, version: '1.' + p + '.0' }));
}
fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
const file = (i) => i % 4 == 0 ? path.join(dir, 'src', `m${i}.js`) : path.join(dir, 'node_modules', 'pkg' + (i % pkgs), `m${i}.js`);
for (let i = 0; i < n; i++) {
	const next = i + 1 < n ? `import { f${i + 1} } from '${path.relative(path.dirname(file(i)), file(i + 1)).replace(/^(?!\.)/, './')}';\n` : '';
	const words = [];
	for (let k = 0; k < 40; k++) words.push(`'w${i}_${k} ${k % 3 ? 'text' : 'naïve café 日本 😀'}'`);
	fs.writeFileSync(file(i), `${next}const table${i} = [${words.join(', ')}];
export function f${i}(x) {
	let s = 0;
	for (let k = 0; k < table${i}.length; k++) s += table${i}[k].length * (x + k);
	return ${i + 1 < n ? `f${i + 1}(s % 7) + ` : ''}s;
}
`);
}
fs.writeFileSync(path.join(dir, 'src', 'index.js'), `import { f0 } from './m0.js';\nconsole.log(f0(1));\n`);
EOT
(cd "$tmp" && "$bin/esbuild" src/index.js --bundle --minify --sourcemap --charset=utf8 \
	--log-level=warning --outfile=dist/app.js)
printf 'bundle: %d modules, %s bytes, map %s bytes\n' "$nmod" \
	"$(stat -c %s "$tmp/dist/app.js")" "$(stat -c %s "$tmp/dist/app.js.map")"

now() { date +%s.%N; }
best_of() { # N CMD...: the fastest wall time of N runs
	local n=$1 best= t0 t1 d i
	shift
	for i in $(seq "$n"); do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		d=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
	done
	echo "$best"
}
cd "$tmp"
"$perfops" bundle --sizes raw --json dist/app.js >pf.json
"$bin/source-map-explorer" dist/app.js --json --no-root --no-border-checks >sme.json
diff=$(node "$top/tests/e2e/bundle/compare-sme.js" sme.json pf.json)
t_pf=$(best_of 3 "$perfops" bundle --sizes raw --json dist/app.js)
t_sme=$(best_of 3 "$bin/source-map-explorer" dist/app.js --json --no-root --no-border-checks)
# CPU time (user + system) too: on a loaded machine wall time also counts
# waiting for a CPU.
cpu() { /usr/bin/time -f '%U %S' -o cpu.txt "$@" >/dev/null 2>&1; awk '{ print $1 + $2 }' cpu.txt; }
c_pf=$(cpu "$perfops" bundle --sizes raw --json dist/app.js)
c_sme=$(cpu "$bin/source-map-explorer" dist/app.js --json --no-root --no-border-checks)
printf 'perfops bundle --sizes raw:               %.3f s wall (best of 3), %.2f s CPU\n' "$t_pf" "$c_pf"
printf 'source-map-explorer (--no-border-checks): %.3f s wall (best of 3), %.2f s CPU\n' "$t_sme" "$c_sme"
printf 'ratio: perfops is %.1fx faster (wall), %.1fx (CPU)\n' "$(echo "$t_sme / $t_pf" | bc -l)" \
	"$(echo "$c_sme / ($c_pf + 0.005)" | bc -l)"
if [ -z "$diff" ]; then
	echo "bytes per source: identical for all $(node -p "Object.keys(require('./pf.json').assets[0].sources).length") sources"
else
	echo "bytes per source DIFFER:"
	echo "$diff" | head -20
fi
t0=$(now)
"$perfops" bundle --json dist/app.js >/dev/null
printf 'perfops bundle with gzip -9 and brotli -11 (all sizes): %.3f s\n' "$(echo "$(now) - $t0" | bc -l)"

if [ -n "${BIG_STATS_MB:-}" ]; then
	python3 "$top/tests/e2e/bundle/gen-stats.py" "$BIG_STATS_MB" 20000 >big-stats.json
	/usr/bin/time -f '%e s, max RSS %M kB' -o time.txt "$perfops" bundle --stats big-stats.json --json >/dev/null
	printf 'stats file of %s bytes: %s\n' "$(stat -c %s big-stats.json)" "$(cat time.txt)"
fi
