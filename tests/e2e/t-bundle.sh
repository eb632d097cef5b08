#!/bin/bash
# perfops bundle on real esbuild bundles of the fixture app (lodash and
# moment whole, ms at two versions, non-ASCII and astral text, a data:
# URI, CSS): bytes per source equal to source-map-explorer's, compressed
# sizes equal to zlib's and brotli's own, packages, duplicates, findings.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 27
need_npm 27
setup_app
cd "$T/app" || exit 1
es() { "$BIN/esbuild" src/index.js --bundle --charset=utf8 \
	--preserve-symlinks --log-level=warning "$@"; }
es --minify --sourcemap --outdir=min && es --sourcemap --outdir=plain &&
	es --minify --sourcemap=inline --outdir=inline
ok $? "esbuild builds the fixture app (minified, plain, inline map)"

# A URL sourceRoot with ".." in it, a default port and upper case: sources
# named as browsers (and source-map-explorer, through source-map 0.7's
# WHATWG URLs) resolve them.
es --minify --sourcemap --source-root=https://Example.COM:443/src/../lib/ --outdir=url
is "$(cmp_sme url/index.js)" "" "a URL sourceRoot: the same names and bytes as source-map-explorer's"
is "$(js 'Object.keys(d.assets[0].sources).filter(k=>k.includes("lodash")).join()' "$T/pf.json")" \
	"https://example.com/node_modules/lodash/lodash.js" "a URL sourceRoot: '..' folded, host lowercased, port 443 dropped"
for f in min/index.js plain/index.js min/index.css inline/index.js; do
	is "$(cmp_sme "$f")" "" "bytes per source of $f equal source-map-explorer's"
done

run "$PERFOPS" bundle --json min
ok $rc "perfops bundle min/ exits 0 ($err)"
cp "$T/out" "$T/min.json"
is "$(js 'd.assets.map(a=>a.path+":"+(a.bytes==Object.values(a.sources).reduce((x,y)=>x+y,0))).join(" ")' "$T/min.json")" \
	"min/index.css:true min/index.js:true" "every asset's sources sum to its bytes"

zsize() { python3 -c 'import sys,zlib; c=zlib.compressobj(9,zlib.DEFLATED,31); d=open(sys.argv[1],"rb").read(); print(len(c.compress(d)+c.flush()))' "$1"; }
is "$(js 'd.assets.map(a=>a.gzip).join(" ")' "$T/min.json")" \
	"$(zsize min/index.css) $(zsize min/index.js)" "gzip sizes equal zlib's level 9 (Python's zlib)"
diag "GNU gzip -9 of min/index.js: $(gzip -9 -c <min/index.js | wc -c) bytes (its own deflate, not zlib's)"
if command -v brotli >/dev/null; then
	is "$(js 'd.assets.map(a=>a.brotli).join(" ")' "$T/min.json")" \
		"$(brotli -q 11 -c <min/index.css | wc -c) $(brotli -q 11 -c <min/index.js | wc -c)" \
		"brotli sizes equal brotli -q 11 (22-bit window)"
else
	skip "the brotli program is not installed (scripts/install-deps --check)"
fi

# Packages: bytes from the sources under each install path (SME's numbers,
# so independent of perfops' grouping), versions from package.json.
"$BIN/source-map-explorer" min/index.js --json --no-root --no-border-checks >"$T/sme.json" 2>/dev/null
smesum() { node -e 'const f=JSON.parse(require("fs").readFileSync(process.argv[1])).results[0].files; let s=0; for (const [k,v] of Object.entries(f)) if (k.startsWith(process.argv[2]) && !k.slice(process.argv[2].length).includes("node_modules/")) s+=v.size; console.log(s)' "$T/sme.json" "$1"; }
is "$(js 'd.packages.filter(p=>p.name=="lodash").map(p=>p.version+" "+p.bytes).join()' "$T/min.json")" \
	"$(node -p 'require("lodash/package.json").version') $(smesum ../node_modules/lodash/)" "lodash: version and bytes"
is "$(js 'd.packages.filter(p=>p.name=="moment").map(p=>p.version+" "+p.bytes).join()' "$T/min.json")" \
	"2.30.1 $(smesum ../node_modules/moment/)" "moment with its locales: version and bytes"
is "$(js 'd.packages.filter(p=>p.name=="ms").map(p=>p.version+" "+p.bytes).join(",")' "$T/min.json")" \
	"$(node -p 'require("debug/node_modules/ms/package.json").version') $(smesum ../node_modules/debug/node_modules/ms/),2.0.0 $(smesum ../node_modules/ms/)" \
	"ms at both install paths (debug's own copy is larger)"
# size-limit's "ignore" on the real build: moment's bytes (SME's count)
# left out of the raw size.
printf '[{"path": "min/index.js", "limit": "10 MB", "brotli": false, "ignore": ["moment"]}]\n' >.size-limit.json
run "$PERFOPS" bundle --json --sizes raw min/index.js
is "$(js 'd.budgets.map(b=>b.actual+" "+b.ignored).join()' "$T/out")" \
	"$(($(stat -c %s min/index.js) - $(smesum ../node_modules/moment/))) $(smesum ../node_modules/moment/)" \
	"a size-limit \"ignore\": moment's bytes (as source-map-explorer counts them) left out"
rm .size-limit.json
is "$(js 'd.duplicates.map(x=>x.name+" "+x.versions.join("/")+" "+x.saving).join()' "$T/min.json")" \
	"ms $(node -p 'require("debug/node_modules/ms/package.json").version')/2.0.0 $(smesum ../node_modules/ms/)" \
	"ms is a duplicate; the saving is the smaller copy"
is "$(js '[...new Set(d.findings.map(f=>f.kind))].sort().join(" ")' "$T/min.json")" \
	"cjs-tree-shaking duplicate full-lodash inline-data-uri moment sourcemap-shipped" \
	"findings of the minified build"
# Neither lodash nor moment ships an ES module build (their package.json
# have no "module", "exports" or "type"): no advice to use one.
is "$(js 'd.findings.filter(f=>f.kind=="cjs-tree-shaking").map(f=>f.message.replace(/^.*every export is kept; /,"")).join("\n")' "$T/min.json")" \
	"$(printf '%s\n' 'it ships no ES module build (its package.json has no "module", no "import" condition in "exports" and no "type": "module"): use lodash-es, or import per method (lodash/debounce)' \
		'it ships no ES module build (its package.json has no "module", no "import" condition in "exports" and no "type": "module"): use date-fns or dayjs')" \
	"cjs-tree-shaking of lodash and moment: no ES module build, the alternative instead"
is "$(node -p 'const p=["lodash","moment"].map(n=>require(n+"/package.json")); p.filter(j=>j.module||j.exports||j.type=="module").length')" "0" \
	"(node agrees: neither package.json names an ES module build)"
like "$(js 'd.findings.filter(f=>f.kind=="moment")[0].message' "$T/min.json")" \
	'2 locales' "the moment finding counts its locales"
is "$(js 'd.findings.filter(f=>f.kind=="inline-data-uri")[0].bytes' "$T/min.json")" \
	"$(grep -o "data:[^']*" src/strings.js | tr -d '\n' | wc -c)" "the inline data: URI's size"
# esbuild's dataurl loader writes an SVG as text, not base64: quotes,
# spaces and all, inside the other kind of quote.
python3 -c 'print("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 9 9\">" + "".join("<path d=\"M%d %d h2 v2\" fill=\"#%06x\"/>" % (i, i, i * 999) for i in range(60)) + "</svg>")' >src/icon.svg
printf 'import icon from "./icon.svg";\ndocument.body.style.background = `url(${icon})`;\n' >src/icon.js
"$BIN/esbuild" src/icon.js --bundle --minify --sourcemap --loader:.svg=dataurl --log-level=warning --outdir=svg
run "$PERFOPS" bundle --json --sizes raw svg
is "$(js 'd.findings.filter(f=>f.kind=="inline-data-uri").map(f=>f.bytes).join()' "$T/out")" \
	"$(node -e 'const s=require("fs").readFileSync("svg/icon.js","utf8"), i=s.indexOf("data:"), q=s[i-1]; let j=i; while (s[j]!=q) j+=s[j]=="\\"?2:1; console.log(j-i)')" \
	"an SVG inlined as text (esbuild's dataurl loader): inline-data-uri with its whole size"
run "$PERFOPS" bundle --json --sizes raw plain
like "$(js 'd.findings.filter(f=>f.kind=="unminified").map(f=>f.message).join()' "$T/out")" \
	'^plain/index.js \(' "the plain build is found unminified (and the minified one not)"

# Text output: the tables a user reads.
run "$PERFOPS" bundle min/index.js
like "$out" '^min/index.js +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+s +[0-9.]+s' "text: asset row with sizes and download times"
like "$out" 'lodash@4\.17\.21 +[0-9]+ +~[0-9]+ +~[0-9]+ +\.\./node_modules/lodash' "text: packages with estimated (~) sizes"
dirsum=$(node -e 'const f=JSON.parse(require("fs").readFileSync(process.argv[1])).results[0].files; let s=0; for (const [k,v] of Object.entries(f)) if (k.slice(0, k.lastIndexOf("/")) === "../node_modules/moment/locale") s+=v.size; console.log(s)' "$T/sme.json")
like "$out" "^  \.\./node_modules/moment/locale +$dirsum\$" "text: bytes by directory (moment's locales)"

# ASSET MAP given explicitly, and --sizes gzip alone.
cp min/index.js.map "$T/other.map"
run "$PERFOPS" bundle --json --sizes gzip min/index.js "$T/other.map"
is "$(js '[d.assets[0].map, d.assets[0].brotli, d.assets[0].gzip>0, d.assets[0].sources["../src/index.js"]>0].join()' "$T/out")" \
	"$T/other.map,,true,true" "ASSET MAP: that map; --sizes gzip leaves brotli null"
