#!/bin/bash
# perfops bundle findings on hand-made bundles (no npm needed): a font
# inlined in CSS, a barrel file in a package, one large script with no
# chunk split out; each names its files and bytes.
. "$(dirname "$0")/lib.sh"

plan 15
if ! command -v python3 >/dev/null; then
	skip "python3 is not installed" 15
	exit 0
fi
mkdir "$T/d" && cd "$T/d" || exit 1
python3 - <<'EOT'
import base64, json
font = base64.b64encode(bytes(range(256)) * 8).decode()
open("site.css", "w").write("@font-face{font-family:x;src:url(data:font/woff2;base64,%s)}\nbody{color:red}\n" % font)
# app.js: one line per source; the barrel index.js re-exports a, b and c.
lines = ["/*index*/", "function a(){return 1}" * 4000, "function b(){return 2}" * 4000, "function c(){return 3}" * 4000, "main(a,b,c);"]
open("app.js", "w").write("\n".join(lines) + "\n//# sourceMappingURL=app.js.map\n")
srcs = ["node_modules/icons/index.js", "node_modules/icons/a.js", "node_modules/icons/b.js", "node_modules/icons/c.js", "src/main.js"]
content = ["// the barrel\nexport * from './a.js';\nexport * from './b.js';\nexport { c } from './c.js';\n", "export function a() {}\n", "export function b() {}\n", "export function c() {}\n", "import { a, b, c } from 'icons';\nmain(a, b, c);\n"]
# Line i maps column 0 to source i (deltas: +1 source each line).
json.dump({"version": 3, "sources": srcs, "sourcesContent": content, "names": [], "mappings": "AAAA;ACAA;ACAA;ACAA;ACAA"}, open("app.js.map", "w"))
EOT
# The package's version from its package.json.
mkdir -p node_modules/icons
printf '{"name": "icons", "version": "2.5.0"}\n' >node_modules/icons/package.json
run "$PERFOPS" bundle --json --sizes raw .
ok $rc "perfops bundle runs ($err)"
font=$(grep -o 'data:font[^)]*' site.css | tr -d '\n' | wc -c)
is "$(js 'd.findings.filter(f=>f.kind=="embedded-font").map(f=>f.bytes+" "+/site.css/.test(f.message)).join()' "$T/out" 2>/dev/null ||
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join("%d %s" % (f["bytes"], "true" if "site.css" in f["message"] else "false") for f in d["findings"] if f["kind"]=="embedded-font"))' "$T/out")" \
	"$font true" "a font inlined in CSS: embedded-font, with its bytes"
pf() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/out" "$1"; }
icons=$(pf 'sum(v for k, v in d["assets"][0]["sources"].items() if k.startswith("node_modules/icons/"))')
is "$(pf '",".join("%d" % f["bytes"] for f in d["findings"] if f["kind"] == "barrel-import")')" "$icons" \
	"the barrel file: barrel-import with the package's bytes it pulled in"
like "$(pf '[f["message"] for f in d["findings"] if f["kind"] == "barrel-import"][0]')" \
	"^./app.js: 'node_modules/icons/index.js' is a barrel file" "and names the asset and the file"
is "$(pf '",".join("%d %s" % (f["bytes"], f["message"].split(" ")[0]) for f in d["findings"] if f["kind"] == "no-code-splitting")')" \
	"$(stat -c %s app.js) ./app.js" "one script over 250 kB and nothing split out: no-code-splitting"
is "$(pf '",".join(sorted(set(f["kind"] for f in d["findings"])))')" \
	"barrel-import,embedded-font,no-code-splitting,sourcemap-shipped" \
	"no other finding (ES modules; the script is minified: few long lines)"
is "$(pf '",".join(p["name"] + "@" + p["version"] for p in d["packages"])')" "icons@2.5.0" \
	"the version from the package's package.json"
# A second script: the split is there.
printf 'x()\n' >chunk.js
run "$PERFOPS" bundle --json --sizes raw .
is "$(pf '",".join(f["kind"] for f in d["findings"] if f["kind"] == "no-code-splitting")')" "" \
	"with a second script, no no-code-splitting"

# cjs-tree-shaking: the fix depends on what the package's own package.json
# offers.  One script, one CommonJS source of 12 kB per package (line i
# maps column 0 to source i).
mkdir "$T/cjs" && cd "$T/cjs" || exit 1
python3 - <<'EOT'
import json, os
pkgs = {
    "withmod": ({"main": "lib/index.js", "module": "es/index.js"}, "lib/index.js"),
    "withexp": ({"exports": {".": {"import": {"types": "./x.d.mts", "default": "./esm/index.mjs"}, "require": "./cjs/index.js"}}}, "cjs/index.js"),
    "typemod": ({"type": "module", "main": "./dist/index.cjs"}, "dist/index.cjs"),
    "react-dom": ({"main": "index.js"}, "cjs/react-dom.production.min.js"),
    "lodash": ({"main": "lodash.js"}, "lodash.js"),
    "nopkgjson": (None, "index.js"),
}
srcs, content, lines = [], [], []
for name, (pj, f) in pkgs.items():
    os.makedirs("node_modules/" + name, exist_ok=True)
    if pj is not None:
        pj.update(name=name, version="1.0.0")
        json.dump(pj, open("node_modules/%s/package.json" % name, "w"))
    srcs.append("node_modules/%s/%s" % (name, f))
    content.append("module.exports = function () { return 1; };\n")
    lines.append("exports.f=function(){return 1};" * 400)
open("app.js", "w").write("\n".join(lines) + "\n")
json.dump({"version": 3, "sources": srcs, "sourcesContent": content, "names": [],
           "mappings": "AAAA" + ";ACAA" * (len(srcs) - 1)}, open("app.js.map", "w"))
EOT
run "$PERFOPS" bundle --json --sizes raw app.js
cjs() { pf '[f["message"] for f in d["findings"] if f["kind"] == "cjs-tree-shaking" and f["message"].startswith("'"$1"' ")][0]'; }
like "$(cjs withmod)" '; it has an ES module build \(package\.json "module": "es/index\.js"\) that the bundler did not pick: ' \
	"cjs-tree-shaking: the ES module build that package.json's \"module\" names"
like "$(cjs withexp)" '; it has an ES module build \(package\.json "exports" condition "import": "\./esm/index\.mjs"\) that the bundler did not pick: ' \
	"cjs-tree-shaking: the ES module build of an \"import\" condition in \"exports\""
like "$(cjs typemod)" '; it has an ES module build \(package\.json "type": "module"\) that the bundler did not pick: ' \
	"cjs-tree-shaking: a \"type\": \"module\" package's own .js files"
is "$(cjs react-dom)" "react-dom ($(python3 -c "print(len('exports.f=function(){return 1};') * 400 / 1000)") kB of CommonJS at node_modules/react-dom) cannot be tree-shaken: every export is kept; it ships no ES module build (its package.json has no \"module\", no \"import\" condition in \"exports\" and no \"type\": \"module\")" \
	"cjs-tree-shaking without an ES module build: the fact, no advice to use one"
like "$(cjs lodash)" 'it ships no ES module build .*: use lodash-es, or import per method \(lodash/debounce\)$' \
	"cjs-tree-shaking of lodash: lodash-es or per-method imports"
is "$(cjs nopkgjson)" "nopkgjson (12.4 kB of CommonJS at node_modules/nopkgjson) cannot be tree-shaken: every export is kept; whether it has an ES module build is unknown (no node_modules/nopkgjson/package.json)" \
	"cjs-tree-shaking without a package.json to read: says so"
# The text tables stay aligned with source paths longer than the column.
run "$PERFOPS" bundle --sizes raw app.js
is "$(echo "$out" | python3 -c '
import re, sys
rows = [l for l in sys.stdin.read().split("\n") if re.match(r"  \S.* [0-9]+ +[0-9.]+%", l)]
ends = {m.end() for m in (re.match(r"  \S.*? +[0-9]+ ", l) for l in rows)}
print(len(rows), len(ends))')" "7 1" "the sources table keeps its columns aligned past 52-byte paths"
