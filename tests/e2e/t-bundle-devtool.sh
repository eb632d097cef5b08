#!/bin/bash
# perfops bundle on a code-split webpack production build (a dynamic
# import() chunk, a splitChunks vendors chunk) under each common devtool:
# bytes per source equal to source-map-explorer's in every chunk, the map
# of hidden-source-map found beside its asset, and a warning naming what
# cannot be attributed (cheap-* maps lines only; eval-* keeps its maps
# inside eval() strings).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 14
need_npm 14
setup_app
cd "$T/app" || exit 1
wp() { "$BIN/webpack" --config webpack-split.config.js --env out="$1" \
	--env devtool="$2" >/dev/null 2>"$T/wp.err"; }

wp sm source-map
ok $? "webpack builds the code-split app with devtool source-map ($(head -c 300 "$T/wp.err"))"
is "$(ls sm/*.js | sed 's/\.[0-9a-f]*\.js$//' | grep -c -e '^sm/main$' -e '^sm/vendors$' -e '^sm/[0-9]*$')" 3 \
	"three chunks: entry, dynamic import() (numbered), vendors"
for f in sm/*.js; do
	is "$(cmp_sme "$f")" "" "bytes per source of ${f%%.*} equal source-map-explorer's"
done
run "$PERFOPS" bundle --json --sizes raw sm
cp "$T/out" "$T/sm.json"
is "$rc/$(js 'd.assets.filter(a=>a.bytes!=Object.values(a.sources).reduce((x,y)=>x+y,0)).length' "$T/sm.json")" \
	"0/0" "bundle sm/ exits 0 and every chunk's sources sum to its bytes"

# Attribution without the comment: the same bytes per source.
persrc() { js 'd.assets.map(a=>Object.entries(a.sources).filter(([k])=>!k.startsWith("[")).sort().map(([k,v])=>k+"="+v).join(" ")).join("\n")' "$1"; }
wp hidden hidden-source-map && "$PERFOPS" bundle --json --sizes raw hidden >"$T/hidden.json" 2>"$T/err"
is "$?/$(cat "$T/err")/$(persrc "$T/hidden.json" | md5sum)" "0//$(persrc "$T/sm.json" | md5sum)" \
	"hidden-source-map: each asset's .map is read, the same bytes per source"
wp nosrc nosources-source-map && "$PERFOPS" bundle --json --sizes raw nosrc >"$T/nosrc.json" 2>"$T/err"
is "$?/$(cat "$T/err")/$(persrc "$T/nosrc.json" | md5sum)" "0//$(persrc "$T/sm.json" | md5sum)" \
	"nosources-source-map: the same bytes per source without sourcesContent"
kinds() { js '[...new Set(d.findings.map(f=>f.kind))].sort().join(" ")' "$1"; }
is "$(kinds "$T/nosrc.json")" "$(kinds "$T/sm.json")" \
	"nosources-source-map: the same findings (CommonJS read from the sources on disk)"

# cheap-module-source-map: one mapping per line, so a minified line of
# many modules goes whole to the first; source-map-explorer says the same
# bytes, and nothing about it.
wp cheap cheap-module-source-map
v=$(ls cheap/vendors.*.js)
is "$(cmp_sme "$v")" "" "cheap-module-source-map: the same (line-only) bytes as source-map-explorer's"
run "$PERFOPS" bundle --json --sizes raw "$v"
line=$(LC_ALL=C awk '{ if (length($0) > m) { m = length($0); n = NR } } END { print n " \\(" m " bytes" }' "$v")
like "$err" "^perfops: warning: '$v.map' maps lines, not columns \(webpack's cheap-\* devtools\): each line is credited whole to the source of its first mapping, so line ${line%)}, minified\) is not split between its modules; build with devtool 'source-map' for bytes per source\$" \
	"cheap-module-source-map: a warning names the long line and the fix"
is "$rc" 0 "cheap-module-source-map: still exit 0 (what can be reported is reported)"

# eval-source-map: no map outside the eval() strings.
wp ev eval-source-map
run "$PERFOPS" bundle --json --sizes raw ev
is "$(echo "$err" | grep -c -F "was built with an eval devtool (webpack's eval, eval-source-map, eval-cheap-*): its modules are strings given to eval(), their maps inside them, which perfops does not read: its bytes are all [unmapped]; build with devtool 'source-map' or 'hidden-source-map'")" \
	3 "eval-source-map: each of the 3 chunks is named with the cause and the fix"
is "$rc/$(echo "$err" | grep -c 'no sourceMappingURL comment')" "0/0" \
	"eval-source-map: exit 0, and not the misleading 'no sourceMappingURL comment'"
