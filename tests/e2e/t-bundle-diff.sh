#!/bin/bash
# perfops bundle diff OLD NEW on two real esbuild builds of the fixture app,
# the second without moment: moment is removed with all its bytes, the
# totals change by the assets' sizes; text and Markdown; builds or reports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 10
need_npm 10
setup_app
cd "$T/app" || exit 1
es() { "$BIN/esbuild" src/index.js --bundle --charset=utf8 --minify --sourcemap \
	--preserve-symlinks --log-level=warning "$@"; }
es --outdir=v1 && sed -i "/moment/d; s/, when,/,/" src/index.js && es --outdir=v2
ok $? "two builds, the second without moment"
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
