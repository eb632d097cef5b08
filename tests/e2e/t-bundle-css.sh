#!/bin/bash
# The unused-css finding on real esbuild CSS bundles of a fixture app
# (tests/data/bundle/cssapp): the rules whose classes and ids neither the
# script nor index.html mentions, with their bytes computed here by hand
# from the built CSS (the rule texts, found by their selectors).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 10
need_npm 10
cp -r "$TOP/tests/data/bundle/cssapp" "$T/css" && cd "$T/css" || exit 1
es() { "$BIN/esbuild" src/main.js --bundle --charset=utf8 --sourcemap --log-level=warning "$@"; }
es --minify --outdir=min && es --outdir=plain && cp index.html min/ && cp index.html plain/
ok $? "esbuild builds the CSS fixture (minified and not) with its page"

# rules_bytes CSS SELECTOR...: the bytes of the rules with those exact
# selectors (as esbuild wrote them), selector to closing brace (a "}" in
# a string does not close it).
rules_bytes() {
	python3 - "$@" <<'EOT'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
total = 0
for sel in sys.argv[2:]:
    m = re.findall(r"(?:^|[}{;\s])(" + re.escape(sel) + r"\s*\{(?:[^}\"]|\"[^\"]*\")*\})", css)
    assert len(m) == 1, (sel, m)
    total += len(m[0].encode())
print(total)
EOT
}
# block_bytes CSS PRELUDE TEXT: the bytes of the block of an at-rule
# (PRELUDE as esbuild wrote it, to its matching "}") that holds TEXT.
block_bytes() {
	python3 - "$@" <<'EOT'
import sys
css = open(sys.argv[1], encoding="utf-8").read()
pre, inner = sys.argv[2], sys.argv[3]
found = []
at = css.find(pre)
while at >= 0:
    i, depth = css.index("{", at), 0
    for j in range(i, len(css)):
        depth += {"{": 1, "}": -1}.get(css[j], 0)
        if depth == 0:
            break
    if inner in css[at:j + 1]:
        found.append(css[at:j + 1])
    at = css.find(pre, at + 1)
assert len(found) == 1, (pre, inner, found)
print(len(found[0].encode()))
EOT
}
# The unused at-rule blocks, counted whole: the @supports around
# .print-only-unused alone, and @media print.
groups() { echo $(($(block_bytes "$1" '@supports (display: grid)' .print-only-unused) + $(block_bytes "$1" '@media print' .print-a))); }
# By hand (see the comment at the top of src/app.css): used by main.js
# (btn, btn-primary, app, is-open) or index.html (page-title, md:flex,
# w-1/2), or selecting no class (body, a[href]); the rest is never used.
unused_min=('.never' '#ghost' '.card-unused>.title' '[data-theme=dark] .x-unused-in-attr' \
	'.md\:hidden' '.legacy-only')
unused_plain=('.never' '#ghost' '.card-unused > .title' '[data-theme=dark] .x-unused-in-attr' \
	'.md\:hidden' '.legacy-only')
uf() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join("%d %s" % (f["bytes"], f["message"].split(":")[0]) for f in d["findings"] if f["kind"] == "unused-css"))' "$T/out"; }

run "$PERFOPS" bundle --json --sizes raw min
ok $rc "perfops bundle min/ ($err)"
is "$(uf)" "$(($(rules_bytes min/main.css "${unused_min[@]}") + $(groups min/main.css))) min/main.css" \
	"minified: unused-css with the bytes of the 6 unused rules and the 2 blocks holding only unused rules"
# Each rule in "rules": its selector, and at its offset in the file the
# text found by hand for that selector.
is "$(python3 - "$T/out" min/main.css "${unused_min[@]}" '@supports (display: grid)' '@media print' <<'EOT'
import json, re, sys
d = json.load(open(sys.argv[1]))
css = open(sys.argv[2], "rb").read()
rules = [f for f in d["findings"] if f["kind"] == "unused-css"][0]["rules"]
want = sys.argv[3:]
print("selectors" if [r["selector"] for r in rules] != want else "", end="")
for r in rules:
    text = css[r["offset"]:r["offset"] + r["bytes"]]
    if r["selector"].startswith("@"):
        # A block: its prelude, then braces that balance at its end only.
        depth, ends = 0, []
        for i, c in enumerate(text):
            depth += {ord("{"): 1, ord("}"): -1}.get(c, 0)
            if depth == 0 and c == ord("}"):
                ends.append(i)
        ok = text.startswith(r["selector"].encode() + b"{") and ends == [len(text) - 1]
    else:
        m = re.findall(re.escape(r["selector"].encode()) + rb"\s*\{(?:[^}\"]|\"[^\"]*\")*\}", css)
        ok = text == m[0]
    if not ok:
        print(" bytes of", r["selector"], end="")
EOT
)" "" "--json lists each unused rule, a block of only unused rules once, whole: selector, offset and bytes"
like "$(js 'd.findings.filter(f=>f.kind=="unused-css")[0].message' "$T/out")" \
	"^min/main.css: 9 of its 18 style rules \(0\.[0-9] kB, 2 at-rule blocks that hold only them included\) select only classes or ids that none of the 2 scripts and pages scanned mentions \(\.never, #ghost, .*built at run time" \
	"the message: how many rules, which, and what a static scan misses"

run "$PERFOPS" bundle --json --sizes raw plain
is "$(uf)" "$(($(rules_bytes plain/main.css "${unused_plain[@]}") + $(groups plain/main.css))) plain/main.css" \
	"not minified (comments, indentation, nested @media/@supports): the same rules"

# Without the page, its three classes are unused too.
rm min/index.html
run "$PERFOPS" bundle --json --sizes raw min
is "$(uf)" "$(($(rules_bytes min/main.css "${unused_min[@]}" '.page-title,.also-unused' '.md\:flex' '.w-1\/2') + $(groups min/main.css))) min/main.css" \
	"without index.html its classes are never used"

# The CSS alone: nothing scanned, nothing claimed.
run "$PERFOPS" bundle --json --sizes raw min/main.css
is "$(uf)" "" "a CSS asset alone: no content to scan, no finding"

# The fixture app of the other tests: .banner is named in its sources.
setup_app && cd "$T/app" || exit 1
"$BIN/esbuild" src/index.js --bundle --charset=utf8 --minify --sourcemap \
	--preserve-symlinks --log-level=warning --outdir=dist
run "$PERFOPS" bundle --json --sizes raw dist
is "$rc $(uf)" "0 " "an app whose CSS classes are all named: no unused-css"
run "$PERFOPS" bundle --sizes raw "$T/app/dist"
is "$(echo "$out" | grep -c unused-css)" 0 "nor in the text report"
