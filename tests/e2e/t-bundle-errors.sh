#!/bin/bash
# perfops bundle on bad input: a map of another build, a truncated map, a
# bad VLQ, mappings past the end of a line (where source-map-explorer
# stops with InvalidMappingColumn), no map at all, usage errors.  Each
# gives one clear message, and what can be reported is reported.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 27

# Hand-made files first: they need no npm.
printf 'var a=1;\nvar b=2;\n//# sourceMappingURL=h.js.map\n' >"$T/h.js"
# Line 1: a at 0, b at column 40 (past the end of "var a=1;"); line 2: a.
printf '{"version":3,"sources":["a.js","b.js"],"names":[],"mappings":"AAAA,wCCAA;ADAA"}' >"$T/h.js.map"
run "$PERFOPS" bundle --json --sizes raw "$T/h.js"
is "$rc" 0 "a mapping past the end of a line: exit 0"
like "$err" "1 mappings point past the end of their line in '.*h.js' \(the first at line 1, column 40\)" \
	"it is named with its line and column"
is "$(js 'JSON.stringify(d.assets[0].sources)' "$T/out")" \
	'{"[sourceMappingURL]":29,"a.js":16,"[EOLs]":3}' "it is clamped: b.js covers nothing, the rest is counted"

printf '{"version":3,"sources":["a.js"],"names":[],"mappings":"AAAA;AA!A"}' >"$T/h.js.map"
run "$PERFOPS" bundle --json --sizes raw "$T/h.js"
is "$rc" 1 "bad VLQ: exit 1"
is "$err" "perfops: $T/h.js.map: mappings: bad character '!' at offset 7 (generated line 2)" \
	"bad VLQ: the character, its offset and line"
is "$(js 'JSON.stringify(d.assets[0].sources)' "$T/out")" \
	'{"[sourceMappingURL]":29,"[unmapped]":8,"a.js":8,"[EOLs]":3}' \
	"bad VLQ: the lines before it are still attributed"

printf '{"version":3,"sources":["a.js"],"names":[],"mappi' >"$T/h.js.map"
run "$PERFOPS" bundle --json --sizes raw "$T/h.js"
is "$rc" 1 "truncated map: exit 1"
like "$err" "h.js.map: truncated JSON at line 1, column [0-9]+: " "truncated map: named as such"
is "$(js 'd.assets[0].bytes+" "+d.assets[0].sources["[unmapped]"]' "$T/out")" "48 16" \
	"truncated map: the asset is still reported, its code [unmapped]"

printf 'var a=1;\n' >"$T/nomap.js"
run "$PERFOPS" bundle --json --sizes raw "$T/nomap.js"
is "$rc/$err" "0/perfops: warning: '$T/nomap.js' has no source map (no sourceMappingURL comment, no '$T/nomap.js.map'): its bytes are all [unmapped]" \
	"no map: a warning, all bytes [unmapped]"

run "$PERFOPS" bundle
is "$rc" 2 "no argument: usage error"
run "$PERFOPS" bundle "$T/h.js.map"
is "$rc" 2 "a map alone: usage error"
run "$PERFOPS" bundle "$T/missing.js"
is "$rc/$err" "1/perfops: cannot open '$T/missing.js': No such file or directory" "a missing asset"
mkdir "$T/empty"
run "$PERFOPS" bundle "$T/empty"
is "$rc/$err" "1/perfops: no .js, .mjs, .cjs or .css file under '$T/empty'" "a directory without assets"
printf 'x\n//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbImEuanMiXSwibWFwcGluZ3MiOiJBQUFBIn0=\n' >"$T/inl.js"
run "$PERFOPS" bundle --json --sizes raw "$T/inl.js"
is "$rc $(js 'd.assets[0].sources["a.js"]' "$T/out")" "0 1" "an inline base64 data: map"
is "$(js 'd.findings.filter(f=>f.kind=="sourcemap-shipped").map(f=>f.bytes+" "+(f.bytes==d.assets[0].sources["[sourceMappingURL]"])+" "+f.message).join()' "$T/out")" \
	"$(tail -n 1 "$T/inl.js" | tr -d '\n' | wc -c) true $T/inl.js carries its source map inline (0.1 kB of its own bytes, downloaded by every user): ship the map as a separate file, or none (webpack hidden-source-map, esbuild --sourcemap=external)" \
	"an inline map is shipped: its bytes are the comment's, inside the asset"

# sourceMappingURL by URL (maps uploaded to a CDN or an error tracker): the
# map the URL names, or ASSET.map, beside the asset is read; else one line
# naming what is missing and the fix.  A missing relative map: one line too.
mkdir "$T/cdn"
printf 'var a=1;\n//# sourceMappingURL=https://cdn.example.com/maps/a.123.js.map?v=2\n' >"$T/cdn/a.js"
printf '{"version":3,"sources":["a.js"],"names":[],"mappings":"AAAA"}' >"$T/cdn/a.123.js.map"
run "$PERFOPS" bundle --json --sizes raw "$T/cdn/a.js"
is "$rc/$err/$(js 'd.assets[0].map+" "+d.assets[0].sources["a.js"]' "$T/out")" "0//$T/cdn/a.123.js.map 8" \
	"a map named by URL is read from beside the asset (the URL's file name)"
mv "$T/cdn/a.123.js.map" "$T/cdn/a.js.map"
run "$PERFOPS" bundle --json --sizes raw "$T/cdn/a.js"
is "$rc/$err/$(js 'd.assets[0].map+" "+d.assets[0].sources["a.js"]' "$T/out")" "0//$T/cdn/a.js.map 8" \
	"a map named by URL: else ASSET.map"
rm "$T/cdn/a.js.map"
run "$PERFOPS" bundle --json --sizes raw "$T/cdn"
is "$rc/$err" "1/perfops: '$T/cdn/a.js' names its map by URL ('https://cdn.example.com/maps/a.123.js.map?v=2'), which perfops does not fetch, and neither '$T/cdn/a.123.js.map' nor '$T/cdn/a.js.map' is beside it: put the map there, or give it (perfops bundle ASSET MAP)" \
	"a map by URL that is not here: one line, what is missing and the fix"
printf 'var a=1;\n//# sourceMappingURL=gone.js.map\n' >"$T/cdn/a.js"
run "$PERFOPS" bundle --json --sizes raw "$T/cdn/a.js"
is "$rc/$err" "1/perfops: '$T/cdn/a.js' names the map '$T/cdn/gone.js.map' in its sourceMappingURL comment, which does not exist: put the map there, or give it (perfops bundle ASSET MAP)" \
	"a missing map file: one line, what is missing and the fix"
is "$(js 'd.findings.map(f=>f.kind).join()' "$T/out")" "" "a map that does not exist is not shipped: no sourcemap-shipped"

# Real bundles: needs esbuild and source-map-explorer.
need_npm 6
setup_app
cd "$T/app" || exit 1
"$BIN/esbuild" src/index.js --bundle --charset=utf8 --preserve-symlinks --log-level=warning --minify --sourcemap --outdir=min &&
	"$BIN/esbuild" src/index.js --bundle --charset=utf8 --preserve-symlinks --log-level=warning --sourcemap --outdir=plain
ok $? "esbuild builds the fixture app"
run "$PERFOPS" bundle --json --sizes raw min/index.js plain/index.js.map
is "$rc" 1 "the map of another build: exit 1"
like "$err" "'plain/index.js.map' does not match 'min/index.js': [0-9]+ mappings are below its last line \([0-9]+\): is it the map of another build\?" \
	"the map of another build: said so"
is "$(js 'd.assets[0].bytes==Object.values(d.assets[0].sources).reduce((a,b)=>a+b)' "$T/out")" "true" \
	"the map of another build: the bytes still add up"

# source-map-explorer's fault: a mapping at or past the end of a line.
printf 'var a=1;\n' >pe.js
printf '{"version":3,"sources":["a.js","b.js"],"names":[],"mappings":"AAAA,wCCAA"}' >pe.js.map
"$BIN/source-map-explorer" pe.js pe.js.map --json >/dev/null 2>"$T/sme.err"
like "$(cat "$T/sme.err")" "generated column 40 on line 1" "source-map-explorer fails on a mapping past the end (perfops clamps it, above)"
run "$PERFOPS" bundle --sizes raw pe.js pe.js.map
is "$rc" 0 "perfops reports that bundle"
