#!/bin/bash
# perfops collapse: peak memory follows the unique output, not the input.
# The input is 30 MB of perf script in which nearly every frame line names
# a function of its own (bench/gen-perf-script.awk with a huge symbol
# space), the worst case for the frame caches: every line is new.
. "$(dirname "$0")/lib.sh"

plan 4

if [ ! -x /usr/bin/time ]; then
	skip "/usr/bin/time is absent (Debian package time)" 4
	exit 0
fi

awk -v samples=18600 -v syms=1000000000 -v seed=9 \
	-f "$TOP/bench/gen-perf-script.awk" >"$T/u.perf"
in_kb=$(($(stat -c %s "$T/u.perf") / 1024))

# The bound, in KB: K times the folded output plus a fixed base per part.
# K = 4: each unique frame name costs about 80 bytes of tables for about
# 30 bytes of output (the name in an arena rounded to 16 bytes, a 16-byte
# index entry, 8-byte hash slots kept under half full), 2.7 times; a
# file read in parallel parts holds one part's names next to the merged
# table while they are merged (x1.5).  The base: 16 MB for the program
# and its output buffers, and 16 MB for each part (a frame cache capped
# at 12 MB, the window of mapped input not yet dropped, the thread).
# Before the caches were capped this input took about 107 MB as a file
# and 79 MB from a pipe, against bounds of 84 and 67 MB here.
parts=$(nproc)
[ "$parts" -gt 8 ] && parts=8
bound() { echo $((4 * $1 + 16384 + 16384 * $2)); }

# A mapped file, collapsed in parallel parts (when there are 2+ CPUs).
/usr/bin/time -f '%M' -o "$T/rss" "$PERFOPS" collapse "$T/u.perf" \
	>"$T/u.folded" 2>"$T/err"
is "$?" 0 "the unique-stack input collapses"
rss=$(tail -1 "$T/rss")
out_kb=$(($(stat -c %s "$T/u.folded") / 1024))
frames=$(cut -d' ' -f1 "$T/u.folded" | tr ';' '\n' | sort -u | wc -l)
diag "input ${in_kb} KB, ${frames} unique frames, output ${out_kb} KB," \
	"peak RSS ${rss} KB, ${parts} parts"
lines=$(grep -c '^	' "$T/u.perf")
[ $((frames * 10)) -gt $((lines * 9)) ]
ok $? "over 90% of the ${lines} frame lines are distinct frames (${frames})"
max=$(bound "$out_kb" "$parts")
[ "$rss" -lt "$max" ]
ok $? "file: peak RSS ${rss} KB < 4 x output ${out_kb} KB + base = ${max} KB"

# A pipe, read in one piece.
/usr/bin/time -f '%M' -o "$T/rss" "$PERFOPS" collapse - \
	<"$T/u.perf" >"$T/p.folded" 2>"$T/err"
rss=$(tail -1 "$T/rss")
max=$(bound "$out_kb" 1)
[ "$rss" -lt "$max" ] && cmp -s "$T/p.folded" "$T/u.folded"
ok $? "pipe: same output, peak RSS ${rss} KB < ${max} KB"
