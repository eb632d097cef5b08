#!/bin/bash
# perfops bundle vs source-map-explorer: one large generated bundle.
#   bench/bundle-vs-sme.sh [MODULES]
# Generates an app of MODULES modules (default 4000; ASCII and non-ASCII
# text, under several node_modules packages), bundles it with esbuild
# (--minify --sourcemap --charset=utf8) into a bundle of several MB, then
# times `perfops bundle --sizes raw --json` and `source-map-explorer --json
# --no-border-checks` (which source-map 0.7 needs), best of BEST_OF runs
# each (default 5), wall and CPU time side by side, prints the ratios and
# checks that both give the same bytes per source.
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
# best_of N CMD...: "WALL CPU", the least wall time and the least CPU time
# (user + system, the child's own rusage in microseconds) of N runs.  On a
# shared machine wall time also counts waiting for a CPU; the least of
# several runs is the one that waited least.
best_of() {
	python3 - "$@" <<'EOT'
import os, resource, subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
walls, cpus = [], []
for _ in range(n):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    walls.append(time.perf_counter() - t0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
print("%.4f %.4f" % (min(walls), min(cpus)))
EOT
}
runs=${BEST_OF:-5}
cd "$tmp"
"$perfops" bundle --sizes raw --json dist/app.js >pf.json
"$bin/source-map-explorer" dist/app.js --json --no-root --no-border-checks >sme.json
diff=$(node "$top/tests/e2e/bundle/compare-sme.js" sme.json pf.json)
read -r t_pf c_pf < <(best_of "$runs" "$perfops" bundle --sizes raw --json dist/app.js)
read -r t_sme c_sme < <(best_of "$runs" "$bin/source-map-explorer" dist/app.js --json --no-root --no-border-checks)
printf '%-42s %10s %10s\n' "best of $runs" "wall" "CPU"
printf '%-42s %9.3fs %9.3fs\n' "perfops bundle --sizes raw --json" "$t_pf" "$c_pf"
printf '%-42s %9.3fs %9.3fs\n' "source-map-explorer --no-border-checks" "$t_sme" "$c_sme"
printf '%-42s %9.1fx %9.1fx\n' "perfops faster by" "$(echo "$t_sme / $t_pf" | bc -l)" \
	"$(echo "$c_sme / $c_pf" | bc -l)"
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
