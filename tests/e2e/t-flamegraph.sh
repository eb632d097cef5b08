#!/bin/bash
# perfops flamegraph: real SVGs from folded, perf script and differential
# input, checked as a user would: well-formed XML, the widths and
# percentages of known frames, escaping, deterministic bytes, the errors.
. "$(dirname "$0")/lib.sh"
plan 40

# The frames of an SVG, one per line: name|title|x|width|fill|fg:x|fg:w
# (parsed as XML, so a file that does not parse fails every check).
cat >"$T/frames.py" <<'EOF'
import sys
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
FG = "{urn:perfops:flame}"
root = ET.parse(sys.argv[1]).getroot()
for g in root.find("s:g[@id='frames']", ns):
    title = g.find("s:title", ns).text
    r = g.find("s:rect", ns)
    name = title[:title.rindex(" (")]
    print("|".join([name, title, r.get("x"), r.get("width"), r.get("fill"),
                    r.get(FG + "x"), r.get(FG + "w")]))
EOF
frames() { python3 "$T/frames.py" "$1"; }
# field NAME N FILE: field N of the first frame called NAME
field() { frames "$3" | awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f; exit }'; }
wellformed() {
	if command -v xmllint >/dev/null; then
		xmllint --noout "$1"
	else
		python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$1"
	fi
}

cat >"$T/in.folded" <<'EOF'
main;foo;bar 30
main;foo 10
main;baz 20
main;<script>alert(1)</script> 5
other 35
EOF

run "$PERFOPS" flamegraph "$T/in.folded" -o "$T/a.svg"
is "$rc" 0 "folded input renders"
wellformed "$T/a.svg" 2>"$T/xmlerr"
ok $? "the SVG is well-formed XML $(head -c 200 "$T/xmlerr")"
# 100 samples over 1180 px: 11.8 px per sample; main's children sorted by
# name: '<script>' (0..5), baz (5..25), foo (25..65).
is "$(field foo 2 "$T/a.svg")" "foo (40 samples, 40.00%)" "foo's title"
is "$(field foo 3 "$T/a.svg") $(field foo 4 "$T/a.svg")" "305.0 472.0" \
	"foo at 10 + 25 x 11.8 px, 40 x 11.8 px wide"
is "$(field bar 3 "$T/a.svg") $(field bar 4 "$T/a.svg")" "423.0 354.0" \
	"bar after foo's own 10 samples"
is "$(field other 2 "$T/a.svg")" "other (35 samples, 35.00%)" "other's title"
is "$(field all 2 "$T/a.svg")" "all (100 samples, 100%)" "the root frame"
is "$(frames "$T/a.svg" | wc -l)" 7 "one frame per merged function"

# Escaping: the symbol is text, the only script element is ours.
is "$(field '<script>alert(1)</script>' 2 "$T/a.svg")" \
	"<script>alert(1)</script> (5 samples, 5.00%)" "a <script> symbol is a title"
like "$(cat "$T/a.svg")" '<title>&lt;script&gt;alert\(1\)&lt;/script&gt; \(5' \
	"the symbol is XML-escaped"
is "$(grep -o '<script' "$T/a.svg" | wc -l)" 1 "no script element from the input"

run "$PERFOPS" flamegraph "$T/in.folded" -o "$T/b.svg"
cmp -s "$T/a.svg" "$T/b.svg"
ok $? "the same input gives the same bytes"
"$PERFOPS" flamegraph - <"$T/in.folded" >"$T/c.svg" 2>/dev/null
cmp -s "$T/a.svg" "$T/c.svg"
ok $? "stdin to stdout gives the same SVG"

# Empty input: an error, exit 1, no file written.
: >"$T/empty.folded"
run "$PERFOPS" flamegraph "$T/empty.folded" -o "$T/empty.svg"
is "$rc" 1 "empty input exits 1"
like "$err" "no stacks" "empty input says why"
test ! -e "$T/empty.svg" && ! ls "$T"/empty.svg.tmp-* >/dev/null 2>&1
ok $? "no SVG written for empty input"
echo keep >"$T/keep.svg"
run "$PERFOPS" flamegraph "$T/empty.folded" -o "$T/keep.svg"
is "$(cat "$T/keep.svg")" keep "a failed run leaves the old file alone"
run sh -c "'$PERFOPS' flamegraph </dev/null"
is "$rc:$(wc -c <"$T/out")" "1:0" "empty stdin: exit 1, nothing on stdout"

# Usage.
run "$PERFOPS" flamegraph --bogus "$T/in.folded"
is "$rc:$(wc -l <"$T/err")" "2:1" "unknown option: exit 2, one line"
like "$err" "perfops help flamegraph" "the hint names the manual"
run "$PERFOPS" flamegraph --colors pink "$T/in.folded"
is "$rc" 2 "unknown palette is a usage error"
run "$PERFOPS" flamegraph --bgcolors '#12345' "$T/in.folded"
is "$rc" 2 "bad background is a usage error"
"$PERFOPS" help flamegraph >"$T/h1"
"$PERFOPS" flamegraph --help >"$T/h2"
cmp -s "$T/h1" "$T/h2" && grep -q -- '--minwidth' "$T/h1"
ok $? "--help and 'perfops help flamegraph' print the manual"

# perf script text is collapsed on the fly.
cat >"$T/perf.txt" <<'EOF'
work  2066   733.866257:    1001001 cpu-clock:ppp: 
	    55d0c1a0 compute+0x10 (/usr/bin/work)
	    55d0c2a0 main+0x20 (/usr/bin/work)

work  2066   733.867257:    1001001 cpu-clock:ppp: 
	    55d0c1a0 compute+0x10 (/usr/bin/work)
	    55d0c2a0 main+0x20 (/usr/bin/work)

work  2066   733.868257:    1001001 cpu-clock:ppp: 
	    55d0c3a0 parse+0x10 (/usr/bin/work)
	    55d0c2a0 main+0x20 (/usr/bin/work)

EOF
run "$PERFOPS" flamegraph "$T/perf.txt" -o "$T/perf.svg"
is "$rc" 0 "perf script input renders"
is "$(field compute 2 "$T/perf.svg")" "compute (2,002,002 ns, 66.67%)" \
	"perf script cpu-clock periods are summed, in ns"

# Differential: widths from the second count, red grew, blue shrank,
# 210 x (max - |delta|) / max for the other channels; max |delta| = 20.
printf 'a;b 10 30\na;c 20 10\na 5 5\n' >"$T/diff.folded"
run "$PERFOPS" flamegraph "$T/diff.folded" -o "$T/diff.svg"
is "$(field b 5 "$T/diff.svg") $(field c 5 "$T/diff.svg") $(field a 5 "$T/diff.svg")" \
	"rgb(255,0,0) rgb(105,105,255) rgb(255,255,255)" "differential colours"
is "$(field b 2 "$T/diff.svg")" "b (30 samples, 66.67%; +44.44%)" \
	"differential title: after width, delta share"
run "$PERFOPS" flamegraph --negate "$T/diff.folded" -o "$T/neg.svg"
is "$(field b 5 "$T/neg.svg") $(field c 5 "$T/neg.svg")" \
	"rgb(0,0,255) rgb(255,105,105)" "--negate swaps the hues"

# Options.
run "$PERFOPS" flamegraph "$T/in.folded" --title 'T&T' --subtitle sub \
	--countname bytes --width 600 --height 20 --fontsize 14 \
	--fonttype Courier --colors mem -o "$T/o.svg"
is "$(field foo 2 "$T/o.svg") $(field foo 4 "$T/o.svg")" "foo (40 bytes, 40.00%) 232.0" \
	"--countname and --width (580 px x 0.4)"
s=$(cat "$T/o.svg")
like "$s" 'id="title"[^>]*>T&amp;T<' "--title is escaped"
like "$s" 'id="subtitle"[^>]*>sub<' "--subtitle"
like "$s" 'height="19" fill' "--height 20 gives 19 px frames"
like "$s" 'font-family:Courier; font-size:14px' "--fonttype and --fontsize"
like "$s" 'stop-color="#eef2ee"' "--colors mem takes the green background"
run "$PERFOPS" flamegraph "$T/in.folded" --inverted --bgcolors blue -o "$T/i.svg"
s=$(cat "$T/i.svg")
like "$s" '>Icicle Graph<.*' "--inverted is an icicle graph"
is "$(field all 3 "$T/i.svg"),$(grep -o '<rect x="10.0" y="[0-9]*"' "$T/i.svg" | head -1)" \
	'10.0,<rect x="10.0" y="36"' "the icicle's root is at the top"
run "$PERFOPS" flamegraph "$T/in.folded" --reverse -o "$T/r.svg"
is "$(frames "$T/r.svg" | awk -F'|' '{print $1}' | sed -n 2,5p | tr '\n' ' ')" \
	"<script>alert(1)</script> bar baz foo " "--reverse puts the leaves at the root"

# A big input stays small: 50 000 unique stacks, pruned below 0.1 px.
awk 'BEGIN {
	srand(7);
	for (i = 0; i < 50000; i++) {
		s = "app";
		for (d = 0; d < 12; d++)
			s = s ";mod" int(rand() * (d + 2) * 3) "::fn" int(rand() * 40);
		print s ";leaf_" i, 1 + int(rand() * 1000);
	}
}' >"$T/big.folded"
start=$(date +%s%N)
run "$PERFOPS" flamegraph "$T/big.folded" -o "$T/big.svg"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
size=$(wc -c <"$T/big.svg")
diag "50 000 stacks: ${ms} ms, $size bytes"
test "$rc" = 0 && test "$size" -lt 4000000
ok $? "50 000 unique stacks give an SVG under 4 MB ($size bytes)"
frames "$T/big.svg" | awk -F'|' 'NR == 1 { t = $7 } $7 * 1180 / t < 0.1 { bad++ }
	END { exit bad > 0 || NR < 10 }'
ok $? "every frame drawn is at least 0.1 px wide"
run "$PERFOPS" flamegraph "$T/big.folded" --minwidth 1% -o "$T/big1.svg"
frames "$T/big1.svg" | awk -F'|' 'NR == 1 { t = $7 } $7 < t / 100 { bad++ }
	END { exit bad > 0 }'
ok $? "--minwidth 1% leaves out frames under 1% of the total"
