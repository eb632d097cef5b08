#!/bin/bash
# perfops diff: difffolded.pl's two-count output and the differential SVG.
. "$(dirname "$0")/lib.sh"
plan 14

printf 'main;parse 60\nmain;render 40\n' >"$T/before.folded"
printf 'main;parse 30\nmain;render;layout 90\n' >"$T/after.folded"

run "$PERFOPS" diff "$T/before.folded" "$T/after.folded"
is "$out" "main;parse 60 30
main;render 40 0
main;render;layout 0 90" "two counts per stack, 0 where a side lacks it"

# -n: BEFORE scaled by 120/100 and truncated: 72, 48.
run "$PERFOPS" diff -n "$T/before.folded" "$T/after.folded"
is "$out" "main;parse 72 30
main;render 48 0
main;render;layout 0 90" "-n scales BEFORE to AFTER's total"

printf 'main;jit_0x7f00aa 5\n' >"$T/h1"
printf 'main;jit_0x7f11bb 8\n' >"$T/h2"
run "$PERFOPS" diff -s "$T/h1" "$T/h2"
is "$out" "main;jit_0x... 5 8" "-s merges frames that differ only in hex"

# perf script input on one side, folded on the other.
d=$TOP/tests/data/collapse
"$PERFOPS" collapse "$d/perf6-fp-cpuclock.txt" >"$T/fp.folded"
run "$PERFOPS" diff "$d/perf6-fp-cpuclock.txt" "$T/fp.folded"
awk '$2 != $3 { bad++ } END { exit bad > 0 }' "$T/out"
ok $? "a perf script file and its own collapse are equal on every stack"

# The SVG: widths from AFTER, red grew, blue shrank.
run "$PERFOPS" diff "$T/before.folded" "$T/after.folded" --svg "$T/d.svg"
is "$rc" 0 "--svg writes the differential flame graph"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$T/d.svg"
ok $? "the SVG is well-formed XML"
grep -o '<title>layout ([^<]*' "$T/d.svg" >"$T/t"
like "$(cat "$T/t")" "layout \(90 samples, 75.00%" "layout's width is its AFTER count (90 of 120)"
fill() { grep "<title>$1 (" "$T/d.svg" | grep -o 'fill="rgb([0-9,]*)"' | head -1; }
like "$(fill layout)" 'rgb\(255,0,0\)' "layout grew the most: full red"
like "$(fill parse)" 'rgb\([0-9]+,[0-9]+,255\)' "parse shrank: blue"
"$PERFOPS" diff --negate "$T/before.folded" "$T/after.folded" -o "$T/n.svg"
like "$(grep '<title>layout (' "$T/n.svg" | grep -o 'fill="[^"]*"')" 'rgb\(0,0,255\)' "--negate swaps the hues"

# Errors.
run "$PERFOPS" diff "$T/before.folded"
like "$rc:$err" "^2:.*needs two profiles" "one profile: usage error"
: >"$T/empty"
run "$PERFOPS" diff "$T/empty" "$T/after.folded"
like "$rc:$err" "^1:.*no stacks" "an empty input: exit 1 with a clear message"
run "$PERFOPS" diff "$T/before.folded" "$T/missing"
like "$rc:$err" "^1:.*cannot open" "a missing input: exit 1"
run "$PERFOPS" diff - - <"$T/before.folded"
is "$rc" 2 "stdin twice is a usage error"
