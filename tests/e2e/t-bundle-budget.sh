#!/bin/bash
# perfops bundle budgets: --budget and size-limit's configuration
# (.size-limit.json, package.json's "size-limit"), brotli by default,
# kB = 1000 B and KiB = 1024 B, exit 4 with what is over and by how much;
# the sizes they check are zlib's and brotli's own.
. "$(dirname "$0")/lib.sh"

plan 31
if ! command -v brotli >/dev/null || ! command -v python3 >/dev/null; then
	skip "brotli or python3 is not installed (scripts/install-deps --check)" 31
	exit 0
fi
mkdir "$T/app" "$T/app/dist"
cd "$T/app" || exit 1
# A compressible but not trivial asset, and a small stylesheet.
python3 -c '
import random
random.seed(7)
words = ["alpha", "beta", "gamma", "delta", "naïve", "café", "日本"]
print("\n".join("var v%d = %r;" % (i, " ".join(random.choice(words) for _ in range(12))) for i in range(3000)))' >dist/main.js
printf 'body{color:red}\n' >dist/site.css
br=$(brotli -q 11 -c <dist/main.js | wc -c)
gz=$(python3 -c 'import sys,zlib; c=zlib.compressobj(9,zlib.DEFLATED,31); d=open(sys.argv[1],"rb").read(); print(len(c.compress(d)+c.flush()))' dist/main.js)
raw=$(stat -c %s dist/main.js)
# The assets have no maps on purpose: drop those warnings from $err.
brun() {
	run "$@"
	err=$(echo "$err" | grep -v "has no source map")
}
kb() { python3 -c "import sys; print('%.2f' % (int(sys.argv[1]) / 1000))" "$1"; }

brun "$PERFOPS" bundle --sizes raw --budget "main.js:${br} B" dist
is "$rc" 0 "at the limit exactly (brotli, $br B): not over"
like "$out" "^main.js +brotli +$(kb "$br") kB +$(kb "$br") kB +- +ok$" "the budget table shows it ok"
brun "$PERFOPS" bundle --sizes raw --budget "main.js:$((br - 1))" dist
is "$rc" 4 "one byte under the brotli size: exit 4"
is "$err" "perfops: 1 size budget over: 'main.js' brotli $(python3 -c "print('%.2f kB > %.2f kB (+%.2f kB)' % ($br/1000, ($br-1)/1000, 1/1000))")" \
	"the message names the budget and by how much"
brun "$PERFOPS" bundle --budget "main.js:$(python3 -c "print('%.3f' % ($br / 1000))")kB" --budget "main.js:$(python3 -c "print('%.10f' % ($br / 1024))") KiB" dist
is "$rc" 0 "kB = 1000 B, KiB = 1024 B, decimals allowed"
brun "$PERFOPS" bundle --budget "main.js:$(python3 -c "print('%.3f' % (($br - 1) / 1024))")KiB" dist
is "$rc" 4 "a KiB limit just under: over"
brun "$PERFOPS" bundle --budget "dist/*.js:$gz:gzip" --budget "main.js:$raw:raw" --budget "dist/*.js:$((gz - 1)):gzip" dist
like "$out" "dist/\*.js +gzip +$(kb "$gz") kB +$(kb "$((gz - 1))") kB +0.00 kB +OVER" "gzip (zlib -9) and raw sizes, globs"

# size-limit's configuration in the current directory, by every run.
printf '[{"name": "app", "path": "dist/main.js", "limit": "%s B", "gzip": true}, {"path": ["dist/*.js", "dist/*.css"], "limit": "%s B"}]\n' \
	"$gz" "$((br - 1))" >.size-limit.json
brun "$PERFOPS" bundle --json dist
is "$rc" 4 ".size-limit.json is enforced: the sum of js and css over in brotli"
is "$(node -e 'const d=JSON.parse(require("fs").readFileSync(0)); console.log(d.budgets.map(b=>[b.name,b.size,b.actual,b.limit,b.over].join(" ")).join(","))' <"$T/out" 2>/dev/null ||
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(",".join(" ".join(str(x).lower() if isinstance(x,bool) else str(x) for x in (b["name"],b["size"],b["actual"],b["limit"],b["over"])) for b in d["budgets"]))' <"$T/out")" \
	"app gzip $gz $gz false,dist/*.js brotli $((br + $(brotli -q 11 -c <dist/site.css | wc -c))) $((br - 1)) true" \
	"--json lists each budget: name (path when none), size, actual, limit, over"
rm .size-limit.json
printf '{"name": "x", "size-limit": [{"path": "dist/main.js", "limit": "%s B", "brotli": false}]}\n' "$((raw - 1))" >package.json
brun "$PERFOPS" bundle dist
is "$rc/$(echo "$err" | grep -c "'dist/main.js' raw")" "4/1" "package.json's size-limit key; brotli: false means raw"

# As size-limit reads them: package.json's key before .size-limit.json;
# limits by bytes-iec (units in any case, a bare number of bytes); a
# running-time limit ("500 ms", size-limit's time plugin) is not a size.
printf '[{"name": "unused", "path": "dist/main.js", "limit": "1 GB"}]\n' >.size-limit.json
brun "$PERFOPS" bundle dist
is "$rc" 4 "package.json's size-limit key is read before .size-limit.json, as size-limit does"
rm package.json
printf '[{"name": "num", "path": "dist/main.js", "limit": %s, "brotli": false}, {"name": "lower", "path": "dist/main.js", "limit": "1 kib", "brotli": false}, {"name": "tb", "path": "dist/main.js", "limit": "1TB"}, {"name": "time", "path": "dist/main.js", "limit": "500 ms"}]\n' \
	"$((raw - 1))" >.size-limit.json
brun "$PERFOPS" bundle --json dist
is "$rc/$(python3 -c 'import json,sys; print(",".join("%s %s %d %s" % (b["name"], b["size"], b["limit"], str(b["over"]).lower()) for b in json.load(sys.stdin)["budgets"]))' <"$T/out")" \
	"4/num raw $((raw - 1)) true,lower raw 1024 true,tb brotli 1000000000000 false" \
	"size-limit's limits: a number of bytes, units in any case (1 kib = 1024 B, 1TB)"
is "$(echo "$err" | head -1)" "perfops: warning: .size-limit.json: entry 3: '500 ms' is a running-time limit (size-limit's time plugin), which perfops does not measure: that entry is left out" \
	"a running-time limit is named and left out"
rm .size-limit.json
# Globs as size-limit's (fast-glob's): "**/" is any number of folders, none
# included.
mkdir dist/sub
printf 'var x = 1;\n' >dist/sub/extra.js
printf '[{"path": "dist/**/*.js", "limit": "1 B", "brotli": false}, {"path": "**/*.css", "limit": "1 B", "brotli": false}]\n' >.size-limit.json
brun "$PERFOPS" bundle --json dist
is "$rc/$(python3 -c 'import json,sys; print(",".join("%s %d" % (b["name"], b["actual"]) for b in json.load(sys.stdin)["budgets"]))' <"$T/out")" \
	"4/dist/**/*.js $((raw + 11)),**/*.css $(stat -c %s dist/site.css)" "'**/' matches no folder or several, as size-limit's globs"
rm -r .size-limit.json dist/sub
# The other files size-limit reads: .size-limit (JSON) is enforced; a
# JavaScript one cannot be run, which is said rather than passed over.
printf '[{"path": "dist/main.js", "limit": "1 B"}]\n' >.size-limit
brun "$PERFOPS" bundle --sizes raw dist
is "$rc/$(echo "$err" | grep -c "'dist/main.js' brotli")" "4/1" ".size-limit (no extension) is enforced"
rm .size-limit
printf 'module.exports = [{ path: "dist/main.js", limit: "1 B" }];\n' >.size-limit.cjs
brun "$PERFOPS" bundle --sizes raw dist
is "$rc/$err" "0/perfops: warning: .size-limit.cjs is JavaScript, which perfops does not run: its budgets are not checked; write them as .size-limit.json" \
	"a JavaScript size-limit configuration: named, not silently passed over"
rm .size-limit.cjs
# size-limit's paths are relative to its configuration's folder: they match
# the assets however DIR is written (absolute here), as --budget's do.
printf '[{"path": "dist/main.js", "limit": "1 B"}]\n' >.size-limit.json
brun "$PERFOPS" bundle --sizes raw "$PWD/dist"
is "$rc/$(echo "$err" | grep -o "'[^']*' [a-z]* [0-9.]* kB >")" "4/'dist/main.js' brotli $(kb "$br") kB >" \
	"a size-limit path matches the asset of an absolute DIR"
brun "$PERFOPS" bundle --sizes raw --budget "$PWD/dist/site.css:1B:raw" dist
is "$rc/$(echo "$err" | grep -o "'[^']*' [a-z]* [0-9.]* kB >" | tr '\n' ' ')" \
	"4/'$PWD/dist/site.css' raw 0.02 kB > 'dist/main.js' brotli $(kb "$br") kB > " \
	"an absolute --budget path matches the asset of a relative DIR"
rm .size-limit.json

# size-limit's "ignore": the packages it leaves out of the size (as
# webpack externals).  Here the bytes of node_modules/react, by the map,
# taken out of the asset; the sizes of what is left computed here.
mkdir -p mapped && python3 - <<'EOT'
import json, random
random.seed(3)
line = lambda: " ".join("f%d()" % random.randrange(999) for _ in range(900))
lines = [line(), line(), line()]
open("mapped/app.js", "w").write("\n".join(lines) + "\n//# sourceMappingURL=app.js.map\n")
# Line i maps column 0 to source i; react-dom is not react.
json.dump({"version": 3, "sources": ["src/app.js", "node_modules/react/index.js", "node_modules/react-dom/index.js"],
           "names": [], "mappings": "AAAA,CAAA;ACAA;ACAA"}, open("mapped/app.js.map", "w"))
lines[1] = ""
open("left.js", "w").write("\n".join(lines) + "\n//# sourceMappingURL=app.js.map\n")
EOT
printf '[{"name": "raw", "path": "mapped/app.js", "limit": "1 MB", "brotli": false, "ignore": ["react"]}, {"name": "br", "path": "mapped/app.js", "limit": "1 MB", "ignore": ["react"]}]\n' >.size-limit.json
brun "$PERFOPS" bundle --json --sizes raw mapped
is "$rc/$(python3 -c 'import json,sys; print(",".join("%s %d %d" % (b["name"], b["actual"], b["ignored"]) for b in json.load(sys.stdin)["budgets"]))' <"$T/out")" \
	"0/raw $(stat -c %s left.js) $(($(stat -c %s mapped/app.js) - $(stat -c %s left.js))),br $(brotli -q 11 -c <left.js | wc -c) $(($(stat -c %s mapped/app.js) - $(stat -c %s left.js)))" \
	"\"ignore\": react's bytes (not react-dom's) left out of the raw and brotli sizes"
printf '[{"path": "mapped/app.js", "limit": "1 MB", "ignore": ["vue", "react"]}]\n' >.size-limit.json
brun "$PERFOPS" bundle --sizes raw mapped
is "$rc/$err" "0/perfops: warning: budget 'mapped/app.js': its \"ignore\" names 'vue', a package none of its assets holds (by their source maps): nothing is left out for it" \
	"an \"ignore\" that names no package of the assets is said"
# "!" in "path" leaves files out, as size-limit's globs.
printf '[{"path": ["dist/*", "!dist/site.css"], "limit": "1 B", "brotli": false}]\n' >.size-limit.json
brun "$PERFOPS" bundle --json --sizes raw dist
is "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["budgets"][0]["actual"])' <"$T/out")" "$raw" \
	"a \"!\" path pattern excludes what it matches"
# What has no answer from built files is refused, by name, never passed
# over: refused KEYS MESSAGE DESCRIPTION (KEYS added to a budget entry).
refused() {
	printf '[{"path": "dist/main.js", "limit": "1 kB", %s}]\n' "$1" >.size-limit.json
	brun "$PERFOPS" bundle --sizes raw dist
	is "$rc/$err" "1/perfops: .size-limit.json: entry 0: $2" "$3"
}
refused '"import": "{ foo }"' "\"import\" is not supported: size-limit rebuilds the path with only that import to test tree shaking, which built files cannot tell; budget the built chunk instead" \
	"\"import\" (size-limit's partial import): refused with a one-line reason"
refused '"webpack": true' "\"webpack\": true is not supported: size-limit bundles the path again, perfops measures built files as they are; set it false or leave it out" \
	"\"webpack\": true refused (false is what perfops does)"
refused '"webpack": false, "limt": "2 kB"' "unknown key \"limt\" (size-limit rejects it too)" \
	"an unknown key is refused"
refused '"ignore": "react"' "\"ignore\" must be an array of package names (size-limit's format)" \
	"an \"ignore\" that is not an array is refused, not dropped"
printf '[{"path": [], "limit": "1 kB"}]\n' >.size-limit.json
brun "$PERFOPS" bundle --sizes raw dist
is "$rc/$err" "1/perfops: .size-limit.json: entry 0: \"path\" is a path or an array of them, \"limit\" a size (size-limit's format)" \
	"an empty \"path\" array is refused (it crashed)"
rm -r .size-limit.json mapped left.js
# size-limit's "limit" and "path" are optional: no limit only shows the
# size; no path measures package.json's "main".
printf '{"name": "x", "main": "dist/main.js"}\n' >package.json
printf '[{"name": "nolimit", "path": "dist/main.js", "brotli": false}, {"limit": "1 MB", "brotli": false}]\n' >.size-limit.json
brun "$PERFOPS" bundle --json --sizes raw dist
is "$rc/$(python3 -c 'import json,sys; print(",".join("%s %s %d %s %s" % (b["name"], b["size"], b["actual"], b["limit"], b["over"]) for b in json.load(sys.stdin)["budgets"]))' <"$T/out")" \
	"0/nolimit raw $raw None False,dist/main.js raw $raw 1000000 False" \
	"an entry without \"limit\" is measured, never over; one without \"path\" measures package.json's \"main\""
brun "$PERFOPS" bundle --sizes raw dist
like "$out" "^nolimit +raw +$(kb "$raw") kB +- +- +ok$" "the table shows no limit as -"
rm .size-limit.json package.json

brun "$PERFOPS" bundle --budget "nothing.js:1kB" dist
is "$rc/$err" "1/perfops: budget 'nothing.js' (--budget): no asset matches 'nothing.js'" "a budget that matches nothing"
brun "$PERFOPS" bundle --budget "main.js:10 kilobytes" dist
is "$rc" 2 "a bad limit is a usage error"
like "$err" "bad limit '10 kilobytes'" "and says which"
