#!/bin/bash
# perfops bundle on a real webpack production build of the fixture app
# (moment with every locale through webpack's context module): bytes per
# source equal to source-map-explorer's, packages close to
# webpack-bundle-analyzer's parsed sizes (exactly where it counts bytes).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 13
need_npm 13
setup_app
cd "$T/app" || exit 1
"$BIN/webpack" --config webpack.config.js --env out=wp --env mode=production \
	--json >"$T/stats.json" 2>"$T/wp.err"
ok $? "webpack builds the fixture app ($(head -c 300 "$T/wp.err"))"

is "$(cmp_sme wp/main.js)" "" "bytes per source equal source-map-explorer's (webpack:// names)"
run "$PERFOPS" bundle --json wp
ok $rc "perfops bundle wp/ exits 0 ($err)"
cp "$T/out" "$T/pf.json"
is "$(js 'd.assets.map(a=>a.path+":"+(a.bytes==Object.values(a.sources).reduce((x,y)=>x+y,0))).join(" ")' "$T/pf.json")" \
	"wp/main.js:true" "the sources sum to the asset's bytes"
is "$(js 'd.duplicates.map(x=>x.name+" "+x.versions.join("/")).join()' "$T/pf.json")" \
	"ms $(node -p 'require("debug/node_modules/ms/package.json").version')/2.0.0" "ms is a duplicate"
like "$(js 'd.findings.filter(f=>f.kind=="moment")[0].message' "$T/pf.json")" \
	"moment \([0-9.]+ kB at node_modules/moment, $(ls node_modules/moment/locale/*.js | wc -l) locales" \
	"moment with all its locales, counted"

"$BIN/webpack-bundle-analyzer" "$T/stats.json" wp -m json -r "$T/wba.json" -l error
ok $? "webpack-bundle-analyzer writes its JSON report"
node "$TOP/tests/e2e/bundle/compare-wba.js" "$T/pf.json" "$T/wba.json" >"$T/cmp"
sed "s/^/# /" "$T/cmp"
# ASCII packages: within 1% (module boundaries differ by a few bytes of
# wrapper); moment: larger by its locales' non-ASCII text.
is "$(awk '{ split($2, a, "="); split($3, b, "="); d = a[2] - b[2]; if (d < 0) d = -d
	if ($1 !~ /^moment@/ && (b[2] == 0 || d * 100 > b[2])) print "far: " $0 }' "$T/cmp")" "" \
	"lodash, debug, both ms: within 1% of webpack-bundle-analyzer's parsed sizes"
is "$(awk '$1 ~ /^moment@/ { split($2, a, "="); split($3, b, "="); print (a[2] > b[2]) }' "$T/cmp")" "1" \
	"moment: more bytes than webpack-bundle-analyzer's UTF-16 units"

# webpack's own stats: who imports each copy of ms.
run "$PERFOPS" bundle --json --stats "$T/stats.json" wp
is "$(js 'd.duplicates.map(x=>x.why.map(w=>w.join(" > ")).join(" | ")).join()' "$T/out")" \
	"$(node "$TOP/tests/e2e/bundle/chain.js" "$T/stats.json" node_modules/debug/node_modules/ms) | $(node "$TOP/tests/e2e/bundle/chain.js" "$T/stats.json" node_modules/ms)" \
	"--stats: why each copy of ms is included, as a breadth-first search over reasons finds it"
run "$PERFOPS" bundle --json --stats "$T/stats.json"
is "$(js 'd.packages.filter(p=>p.name=="lodash").map(p=>p.bytes).join()' "$T/out")" \
	"$(node -e 'const d=require(process.argv[1]); console.log(d.modules.filter(m=>m.name.startsWith("./node_modules/lodash/")).reduce((s,m)=>s+m.size,0))' "$T/stats.json")" \
	"--stats alone: lodash's stat size"

# Modules webpack built but never emitted (tree-shaken away whole;
# "orphan" in its stats, listed in no chunk) are no part of the bundle:
# src/utils/unused.js is one, webpack finding it free of side effects.
is "$(node -e 'const m=require(process.argv[1]).modules.find(m=>m.name=="./src/utils/unused.js"); console.log(m && m.orphan)' "$T/stats.json")" \
	"true" "webpack built src/utils/unused.js and emitted it nowhere (orphan)"
run "$PERFOPS" bundle --json --sizes raw --stats "$T/stats.json"
# Independently: the modules in some chunk, a concatenated one as the
# modules it holds.
is "$(js 'd.assets[0].bytes+" "+("src/utils/unused.js" in d.assets[0].sources)' "$T/out")" \
	"$(node -e 'let s=0; for (const m of require(process.argv[1]).modules) if (!m.orphan) s+=m.modules ? m.modules.reduce((a,x)=>a+x.size,0) : m.size; console.log(s)' "$T/stats.json") false" \
	"--stats alone: the stat sizes of what is emitted, orphans left out"
