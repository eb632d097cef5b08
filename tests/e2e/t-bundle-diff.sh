#!/bin/bash
# perfops bundle diff OLD NEW on two real esbuild builds of the fixture app,
# the second without moment: moment is removed with all its bytes, the
# totals change by the assets' sizes; text and Markdown; builds or reports;
# content-hashed names (--entry-names=[name]-[hash]) paired across builds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 14
need_npm 14
setup_app
cd "$T/app" || exit 1
es() { "$BIN/esbuild" src/index.js --bundle --charset=utf8 --minify --sourcemap \
	--preserve-symlinks --log-level=warning "$@"; }
es --outdir=v1 && es --outdir=h1 --entry-names=[name]-[hash] &&
	sed -i "/moment/d; s/, when,/,/" src/index.js && es --outdir=v2 &&
	es --outdir=h2 --entry-names=[name]-[hash]
ok $? "two builds, the second without moment (and both with hashed names)"
"$PERFOPS" bundle --json --sizes raw v1 >"$T/v1.json" && "$PERFOPS" bundle --json --sizes raw v2 >"$T/v2.json"

run "$PERFOPS" bundle diff v1 v2
ok $rc "diff of two build directories ($err)"
moment=$(js 'd.packages.filter(p=>p.name=="moment")[0].bytes' "$T/v1.json")
like "$out" "^  moment \(\.\./node_modules/moment\) \(removed\) +$moment +0 +-$moment \(-100\.0%\)$" \
	"moment is removed with all its bytes"
old=$(stat -c %s v1/index.js) new=$(stat -c %s v2/index.js)
like "$out" "^  index\.js +$old +$new +$(printf '%+d' $((new - old))) " "the asset matched by name, with its change"
like "$out" "^  \.\./node_modules/moment/locale/fr\.js \(removed\) " "sources removed"

run "$PERFOPS" bundle diff --markdown "$T/v1.json" v2
like "$out" "^\| \`index\.js\` \| $old \| $new \| $(printf '%+d' $((new - old))) \(-[0-9.]+%\) \|$" \
	"Markdown: a --json report against a build, assets matched"
like "$out" "^\| \`moment \(\.\./node_modules/moment\)\` \*\(removed\)\* \| $moment \| 0 \| -$moment \(-100\.0%\) \|$" \
	"Markdown: the package table"
if command -v brotli >/dev/null; then
	b1=$(brotli -q 11 -c <v1/index.js | wc -c) b2=$(brotli -q 11 -c <v2/index.js | wc -c)
	run "$PERFOPS" bundle diff v1 v2
	like "$(echo "$out" | sed -n '/^Assets, brotli/,/^$/p')" "  index\.js +$b1 +$b2 +$(printf '%+d' $((b2 - b1))) " \
		"the brotli change of each asset, as brotli -q 11 measures it"
else
	skip "the brotli program is not installed (scripts/install-deps --check)"
fi
run "$PERFOPS" bundle diff --sizes raw v1 v2
is "$(echo "$out" | grep -c '^Assets, brotli')" "0" "--sizes raw: no compressed table"
run "$PERFOPS" bundle diff v1
is "$rc" 2 "diff needs OLD and NEW"

# Hashed names: index-HASH1.js and index-HASH2.js are one asset that
# changed, not one removed and one added.
h1js=$(cd h1 && ls index-*.js) h2js=$(cd h2 && ls index-*.js)
[ "$h1js" != "$h2js" ]
ok $? "the script's content hash changed ($h1js, $h2js)"
run "$PERFOPS" bundle diff h1 h2
old=$(stat -c %s "h1/$h1js") new=$(stat -c %s "h2/$h2js")
like "$out" "^  $h1js -> $h2js +$old +$new +$(printf '%+d' $((new - old))) " \
	"hashed names: paired, with the change"
like "$out" "^  \(1 asset paired across a content-hash rename, OLD -> NEW: the names differ only in the hash\)$" \
	"and the output says which assets were paired that way"
mv h2/"$h2js" h2/other-"${h2js#index-}"
sed -i "s/$h2js/other-${h2js#index-}/" h2/other-"${h2js#index-}"
run "$PERFOPS" bundle diff h1 h2
like "$out" "^  $h1js \(removed\) +$old +0 " "another name before the hash: not paired"
