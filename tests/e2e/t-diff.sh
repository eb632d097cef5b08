#!/bin/bash
# perfops diff: difffolded.pl's two-count output and the differential SVG.
. "$(dirname "$0")/lib.sh"
plan 17

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

# --from-entry: stacks start at the program's entry frame from the leaf,
# as perfops record cuts them, so perf's DWARF stacks (_start;
# __libc_start_main_impl;__libc_start_call_main;main...) pair with ours.
printf 'app;_start;__libc_start_main_impl;__libc_start_call_main;main;f 10\napp;clone3;start_thread;worker 4\napp;[unknown];g 3\napp;[off-cpu];clone3;start_thread;worker 2\n' >"$T/perf.folded"
printf 'app;__libc_start_call_main;main;f 20\napp;start_thread;worker 6\napp;[unknown];g 1\napp;[off-cpu];start_thread;worker 5\n' >"$T/ours.folded"
run "$PERFOPS" diff --from-entry "$T/perf.folded" "$T/ours.folded"
is "$out" "app;[off-cpu];start_thread;worker 2 5
app;[unknown];g 3 1
app;__libc_start_call_main;main;f 10 20
app;start_thread;worker 4 6" "--from-entry pairs stacks that differ above the entry frame (record's [off-cpu] kept)"
run "$PERFOPS" diff "$T/perf.folded" "$T/ours.folded"
like "$out" "^app;_start;__libc_start_main_impl;__libc_start_call_main;main;f 10 0\$" "without it, the stacks are compared whole (difffolded.pl)"

# The same program recorded by perf (DWARF) and by perfops record: with
# --from-entry, the stacks of its hot function are found on both sides.
if command -v perf >/dev/null && [ -x "$W" ] &&
	perf record -q -e cpu-clock -F 999 --call-graph dwarf -o "$T/w.data" -- "$W" cpu 0.5 >/dev/null 2>&1 &&
	"$PERFOPS" record -F 999 -o "$T/w.folded" -- "$W" cpu 0.5 >/dev/null 2>&1; then
	perf script -i "$T/w.data" 2>/dev/null >"$T/w.perf"
	run "$PERFOPS" diff --from-entry -n "$T/w.perf" "$T/w.folded"
	# Of the AFTER time in stacks through main, the share whose stack
	# perf's recording also has.
	awk '/;main;/ { a += $NF; if ($(NF-1) > 0) b += $NF } END { exit !(a > 0 && b >= 0.8 * a) }' "$T/out"
	ok $? "a perf recording and a perfops one of the same program pair their stacks through main"
else
	skip "perf is absent or cannot record here" 1
fi
