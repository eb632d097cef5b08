#!/bin/bash
# The source map's ignoreList (ECMA-426; x_google_ignoreList is its old
# name): the sources it lists are third-party.  A real esbuild map (esbuild
# writes no ignoreList) with the key added: the sources outside
# node_modules it names group as the package [ignored], and every asset
# says how much is its own code and how much third-party, by
# source-map-explorer's bytes per source (which ignores the key).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 13
need_npm 13
setup_app
cd "$T/app" || exit 1
"$BIN/esbuild" src/index.js --bundle --charset=utf8 --minify --sourcemap \
	--preserve-symlinks --log-level=warning --outdir=min
ok $? "esbuild builds the fixture app"
cp min/index.js.map "$T/orig.map"
# setmap KEY VALUE: the original map with KEY (a JSON value, of the
# sources' indices found by name) added.
setmap() {
	node -e 'const fs=require("fs"); const m=JSON.parse(fs.readFileSync(process.argv[1]));
const ix = (n) => m.sources.findIndex((s) => s.endsWith(n));
m[process.argv[2]] = eval(process.argv[3]); fs.writeFileSync(process.argv[4], JSON.stringify(m))' \
		"$T/orig.map" "$1" "$2" min/index.js.map
}
listed='[ix("lodash/lodash.js"), ix("src/strings.js"), ix("src/utils/pad.js")]'
setmap ignoreList "$listed"

"$BIN/source-map-explorer" min/index.js --json --no-root --no-border-checks >"$T/sme.json" 2>/dev/null
# sme JS-FILTER: the sum of source-map-explorer's bytes of the sources
# whose path k passes the filter.
sme() { node -e 'const f=JSON.parse(require("fs").readFileSync(process.argv[1])).results[0].files; let s=0;
for (const [k,v] of Object.entries(f)) if ('"$1"') s+=v.size; console.log(s)' "$T/sme.json"; }

run "$PERFOPS" bundle --json --sizes raw min/index.js
ok $rc "perfops bundle reads the map with ignoreList ($err)"
cp "$T/out" "$T/il.json"
is "$(js 'd.assets[0].ignored.slice().sort().join(" ")' "$T/il.json")" \
	"../node_modules/lodash/lodash.js ../src/strings.js ../src/utils/pad.js" "the ignored sources, by path"
is "$(js 'd.packages.filter(p=>p.name=="[ignored]").map(p=>p.bytes+" "+p.path).join()' "$T/il.json")" \
	"$(sme 'k=="../src/strings.js"||k=="../src/utils/pad.js"') [ignored]" \
	"the listed sources outside node_modules are the package [ignored]"
is "$(js '[d.assets[0].third_party_bytes, d.assets[0].own_bytes].join(" ")' "$T/il.json")" \
	"$(sme 'k.startsWith("../node_modules/")||k=="../src/strings.js"||k=="../src/utils/pad.js"') $(sme 'k.startsWith("../src/")&&k!="../src/strings.js"&&k!="../src/utils/pad.js"')" \
	"third-party bytes (node_modules and the ignoreList) and own bytes"
is "$(js 'd.packages.filter(p=>p.name=="lodash").map(p=>p.bytes).join()' "$T/il.json")" \
	"$(sme 'k.startsWith("../node_modules/lodash/")')" "a listed source under node_modules stays in its own package"
is "$(cmp_sme min/index.js)" "" "the key changes no byte per source (equal to source-map-explorer's)"

setmap x_google_ignoreList "$listed"
run "$PERFOPS" bundle --json --sizes raw min/index.js
is "$(js 'd.assets[0].ignored.slice().sort().join(" ")' "$T/out")" \
	"../node_modules/lodash/lodash.js ../src/strings.js ../src/utils/pad.js" "the old name x_google_ignoreList"

# An index map whose one section carries the list.
node -e 'const fs=require("fs"); const m=JSON.parse(fs.readFileSync("min/index.js.map"));
fs.writeFileSync("min/index.js.map", JSON.stringify({version: 3, sections: [{offset: {line: 0, column: 0}, map: m}]}))'
run "$PERFOPS" bundle --json --sizes raw min/index.js
is "$(js 'd.packages.filter(p=>p.name=="[ignored]").map(p=>p.bytes).join()' "$T/out")" \
	"$(sme 'k=="../src/strings.js"||k=="../src/utils/pad.js"')" "an index map: the list of its section"

setmap ignoreList "$listed"
run "$PERFOPS" bundle --sizes raw min/index.js
like "$out" "^  \.\./src/strings\.js +$(sme 'k=="../src/strings.js"') +[0-9.]+%  \(ignoreList\)$" \
	"text: the listed source is marked"
like "$out" "^  own code $(js 'd.assets[0].own_bytes' "$T/il.json") bytes \([0-9.]+%\), third-party $(js 'd.assets[0].third_party_bytes' "$T/il.json") bytes" \
	"text: own code and third-party bytes"

run "$PERFOPS" bundle --sizes raw --html "$T/t.html" min/index.js
is "$(grep -c "\"\[ignored\] (third-party: the map's ignoreList)\",\"\.\./src\",\"strings\.js\"" "$T/t.html")" 1 \
	"the treemap puts the listed source under [ignored]"

setmap ignoreList '[ix("src/strings.js"), 99, "x"]'
run "$PERFOPS" bundle --json --sizes raw min/index.js
is "$rc $err" "0 perfops: warning: min/index.js.map: 2 of the 3 items of \"ignoreList\" are not indices of its 13 sources: they are left out" \
	"bad items: a warning, the rest is used"
