#!/bin/bash
# perfops bundle --metafile (esbuild) and --stats (webpack-like, generated):
# bytes per input as esbuild counts them, "why is this included" chains
# equal to an independent breadth-first search (tests/e2e/bundle/chain.js),
# a big stats file read in bounded memory, a truncated one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bundle-lib.sh"

plan 15

# Generated stats need python3 and node only.
if ! command -v node >/dev/null; then
	skip "node is not installed (scripts/install-deps --check)" 15
	exit 0
fi
python3 "$TOP/tests/e2e/bundle/gen-stats.py" 120 3000 >"$T/big.json"
/usr/bin/time -f %M -o "$T/rss" "$PERFOPS" bundle --stats "$T/big.json" --json >"$T/out" 2>"$T/err"
ok $? "--stats on a $(($(stat -c %s "$T/big.json") / 1000000)) MB stats file ($(cat "$T/err"))"
rss=$(tail -1 "$T/rss")
test "$rss" -lt 60000
ok $? "read in bounded memory: max RSS $rss kB (the file is $(($(stat -c %s "$T/big.json") / 1000)) kB)"
want=$(node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
let s = 0; for (const m of d.modules) if (m.name.startsWith("./node_modules/pkg3/")) s += m.size;
console.log(s)' "$T/big.json")
is "$(js 'd.packages.filter(p=>p.path=="node_modules/pkg3").map(p=>p.bytes).join()' "$T/out")" "$want" \
	"a package's stat size is the sum of its modules'"
is "$(js 'd.duplicates.map(x=>x.name+" "+x.why[1].join(" > ")).join()' "$T/out")" \
	"dup $(node "$TOP/tests/e2e/bundle/chain.js" "$T/big.json" node_modules/pkg0/node_modules/dup)" \
	"why: the chain to the nested copy"

head -c 5000000 "$T/big.json" >"$T/cut.json"
run "$PERFOPS" bundle --stats "$T/cut.json" --json
like "$rc/$err" "^1/perfops: $T/cut.json: truncated JSON at byte [0-9]+: .*\(read [0-9]+ modules before it\)" \
	"a truncated stats file: exit 1, said so, with the modules read"
like "$(js 'd.packages.length' "$T/out")" '^[1-9]' "what was read before the cut is reported"
run "$PERFOPS" bundle --stats "$T/big.json" --budget 'big.json*:1kB'
is "$rc/$err" "1/perfops: budget 'big.json*': '$T/big.json (stat sizes)' is known only from webpack stats, so it has no brotli size: give the built assets, or a raw budget" \
	"a brotli budget on stat sizes alone is refused"
run "$PERFOPS" bundle --stats "$T/big.json" --budget "big.json*:$want:raw" --sizes raw
is "$rc" 4 "a raw budget on them is checked (over: the sum of all modules is more than pkg3's)"
run "$PERFOPS" bundle --stats "$T/missing.json"
is "$rc/$err" "1/perfops: cannot open '$T/missing.json': No such file or directory" "a missing stats file"

need_npm 6
setup_app
cd "$T/app" || exit 1
"$BIN/esbuild" src/index.js --bundle --charset=utf8 --preserve-symlinks --log-level=warning \
	--minify --sourcemap --outdir=mf --metafile=meta.json
ok $? "esbuild writes a metafile"
run "$PERFOPS" bundle --json --metafile meta.json
cp "$T/out" "$T/mf.json"
is "$(js 'd.assets.map(a=>a.path+" "+a.bytes+" "+a.from).join(",")' "$T/mf.json")" \
	"mf/index.js $(stat -c %s mf/index.js) esbuild metafile,mf/index.css $(stat -c %s mf/index.css) esbuild metafile" \
	"--metafile alone: its outputs, with their sizes"
is "$(js 'JSON.stringify(Object.entries(d.assets[0].sources).filter(([k])=>k[0]!="[").sort())' "$T/mf.json")" \
	"$(node -e 'const m=require("./meta.json").outputs["mf/index.js"].inputs; console.log(JSON.stringify(Object.entries(m).map(([k,v])=>[k,v.bytesInOutput]).filter(([,v])=>v>0).sort()))')" \
	"bytes per input are esbuild's bytesInOutput"
is "$(js 'd.packages.filter(p=>p.path=="node_modules/debug/node_modules/ms").map(p=>p.why.join(" > ")).join()' "$T/mf.json")" \
	"$(node "$TOP/tests/e2e/bundle/chain.js" meta.json node_modules/debug/node_modules/ms)" \
	"why: the chain to debug's ms, as a breadth-first search finds it"
# With the emitted bundle: bytes from its map, chains from the metafile
# (whose paths are relative to the current directory, the map's to mf/).
run "$PERFOPS" bundle --json --sizes raw --metafile meta.json mf
is "$(js 'd.assets[0].from+" "+d.duplicates.map(x=>x.paths.join("|")+" "+x.why.map(w=>w[w.length-1]).join("|")).join()' "$T/out")" \
	"source map ../node_modules/debug/node_modules/ms|../node_modules/ms node_modules/debug/node_modules/ms/index.js|node_modules/ms/index.js" \
	"with the bundle: sizes from the map, each duplicate copy's chain from the metafile"
run "$PERFOPS" bundle --sizes raw --metafile meta.json mf
like "$out" "^  ms@2\.0\.0: src/index\.js > node_modules/ms/index\.js$" "text: why each package is included"
