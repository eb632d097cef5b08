#!/bin/bash
# Odd and hostile input for every command that reads profiles (collapse,
# flamegraph, report, diff): long lines, CRLF, truncated files, counts at
# the edge of 64 bits, wrong counts, and the flame graph frame cap.  Each
# check is what a user would see: the numbers, the message, the exit code.
. "$(dirname "$0")/lib.sh"
plan 46

d=$TOP/tests/data/collapse
fixture=$d/perf6-fp-cpuclock.txt

# 1. A folded file whose first line is longer than the 64 KiB that format
# detection used to look at (deep stacks, as collapse itself writes them).
python3 -c "print(';'.join('f%d' % i for i in range(20000)) + ' 3'); print('main;g 2')" >"$T/long.folded"
run "$PERFOPS" flamegraph -o "$T/long.svg" "$T/long.folded"
is "$rc" 0 "flamegraph reads a folded file whose first line is 128 KB"
run "$PERFOPS" report --json "$T/long.folded"
like "$out" '"name": ?"f19999"' "report finds the leaf of the 20 000-frame stack"
# From a pipe the reader holds 4 MB chunks: a 6 MB first line.
python3 -c "print(';'.join('frame%06d' % i for i in range(500000)) + ' 7')" >"$T/huge.folded"
run sh -c "cat '$T/huge.folded' | '$PERFOPS' report -"
is "$rc" 0 "report reads a 6 MB first line from a pipe"
like "$out" 'total 7;' "and counts its 7 samples"

# 2. CRLF line endings (perf script saved on Windows, folded too).
sed 's/$/\r/' "$fixture" >"$T/crlf.txt"
"$PERFOPS" collapse "$fixture" >"$T/lf.folded"
run "$PERFOPS" collapse "$T/crlf.txt"
is "$rc" 0 "collapse reads perf script with CRLF"
cmp -s "$T/out" "$T/lf.folded"
ok $? "and folds it exactly as the LF file"
run "$PERFOPS" report "$T/crlf.txt"
r_crlf=$out
run "$PERFOPS" report "$fixture"
is "$(printf '%s' "$r_crlf" | tail -n +2)" "$(printf '%s' "$out" | tail -n +2)" "report of CRLF perf script equals that of LF"
printf 'main;a 3\r\nmain;b 4\r\n' >"$T/crlf.folded"
run "$PERFOPS" report "$T/crlf.folded"
like "$out" 'total 7;' "folded with CRLF: all counts read"

# An input that yields no sample is an error in every command.
printf 'prog 12 1.0: 1 cycles:\n\t400000 main (/bin/prog)\n' >"$T/nosample.txt"
for cmd in report collapse flamegraph; do
	run "$PERFOPS" $cmd "$T/nosample.txt"
	is "$rc" 1 "$cmd: an input without one complete sample exits 1"
done
like "$err" 'nosample.txt: no complete sample' "and says there is no complete sample"
run "$PERFOPS" diff "$T/nosample.txt" "$T/crlf.folded"
is "$rc" 1 "diff: an empty side exits 1"

# 3. A truncated last line: what can be read is read, with a warning that
# names the line, in collapse and flamegraph alike.
size=$(stat -c %s "$fixture")
# Cut the first frame line past the middle of the file inside its symbol.
off=$(grep -b -P '^\t' "$fixture" | awk -F: -v h=$((size / 2)) '$1 > h { print $1; exit }')
head -c $((off + 25)) "$fixture" >"$T/cut.txt"
lines=$(wc -l <"$T/cut.txt")
# The reference: the same file cut before the sample the cut falls into.
last_event=$(grep -bE 'cpu-clock' "$T/cut.txt" | tail -1 | cut -d: -f1)
head -c "$last_event" "$fixture" >"$T/whole.txt"
"$PERFOPS" collapse "$T/whole.txt" >"$T/whole.folded"
run "$PERFOPS" collapse "$T/cut.txt"
is "$rc" 0 "collapse of a file cut inside a line exits 0"
cmp -s "$T/out" "$T/whole.folded"
ok $? "and writes every complete sample"
like "$err" "warning: .*cut.txt:$((lines + 1)): the input ends inside a line" "and warns naming the cut line"
run "$PERFOPS" flamegraph -o "$T/cut.svg" "$T/cut.txt"
is "$rc" 0 "flamegraph draws the same file"
like "$err" "cut.txt:$((lines + 1)): the input ends inside a line" "with the same warning"
run "$PERFOPS" report "$T/cut.txt"
is "$rc" 0 "report reads it too"

# 4. Counts are exact 64-bit integers.
printf 'a;b 1\n' >"$T/one.folded"
printf 'a;b 9007199254740993\n' >"$T/2p53.folded"
run "$PERFOPS" diff "$T/one.folded" "$T/2p53.folded"
is "$out" "a;b 1 9007199254740993" "2^53+1 stays exact"
printf 'a;b 9007199254740993\na;c 1\n' >"$T/2p53b.folded"
run "$PERFOPS" report "$T/2p53b.folded"
like "$out" 'total 9007199254740994;' "report totals exactly"
like "$out" '^ *9007199254740993 ' "and prints the exact self value"
run "$PERFOPS" report --json "$T/2p53b.folded"
like "$out" '"self": ?9007199254740993,' "report --json prints the exact value"
"$PERFOPS" flamegraph -o "$T/2p53.svg" "$T/2p53b.folded"
like "$(grep -o '<title>b [^<]*' "$T/2p53.svg")" '9,007,199,254,740,993 samples' "the flame graph title is exact"
like "$(grep -o '<title>b [^<]*.*fg:w="[0-9]*"' "$T/2p53.svg")" 'fg:w="9007199254740993"' "and so is its fg:w"
"$PERFOPS" report -o "$T/2p53.pb.gz" "$T/2p53b.folded"
run "$PERFOPS" report "$T/2p53.pb.gz"
like "$out" '^ *9007199254740993 ' "pprof keeps the exact value"
printf 'a;b 9223372036854775807\n' >"$T/max.folded"
run "$PERFOPS" diff "$T/one.folded" "$T/max.folded"
is "$out" "a;b 1 9223372036854775807" "diff prints the largest count as an integer"
"$PERFOPS" diff "$T/one.folded" "$T/max.folded" >"$T/maxdiff.folded"
run "$PERFOPS" flamegraph -o "$T/maxdiff.svg" "$T/maxdiff.folded"
is "$rc" 0 "and reads its own output back"
printf 'a;b 1\na;c 18446744073709551616\n' >"$T/2p64.folded"
run "$PERFOPS" report "$T/2p64.folded"
is "$rc:$err" "1:perfops: $T/2p64.folded:2: count 18446744073709551616 does not fit in 64 bits (at most 9223372036854775807)" "2^64 is an error naming the line"
printf 'a;b 9223372036854775000\na;c 1000\n' >"$T/sum.folded"
run "$PERFOPS" flamegraph -o "$T/sum.svg" "$T/sum.folded"
is "$rc:$err" "1:perfops: $T/sum.folded:2: the counts add up to more than 9223372036854775807" "a sum past 64 bits is an error naming the line"
printf 'p 1 1.0: 9223372036854775807 cycles:\n\t1 a (/x)\n\np 1 2.0: 9 cycles:\n\t1 a (/x)\n\n' >"$T/sum.txt"
run "$PERFOPS" collapse "$T/sum.txt"
is "$rc:$err" "1:perfops: $T/sum.txt:4: the counts add up to more than 9223372036854775807" "perf script periods past 64 bits too"
printf 'p 1 1.0: 99999999999999999999 cycles:\n\t1 a (/x)\n\n' >"$T/period.txt"
run "$PERFOPS" collapse "$T/period.txt"
is "$rc:$err" "1:perfops: $T/period.txt:1: period 99999999999999999999 does not fit in 64 bits (at most 9223372036854775807)" "a period past 64 bits is an error naming the line"

# 5. Messages that say what is wrong.
printf 'a;b 2\na;c -5\n' >"$T/neg.folded"
run "$PERFOPS" flamegraph -o "$T/neg.svg" "$T/neg.folded"
is "$rc:$err" "1:perfops: $T/neg.folded:2: negative count -5; counts cannot be negative" "a negative count is named as such"
printf 'a;b 1 2 3\n' >"$T/three.folded"
run "$PERFOPS" flamegraph -o "$T/three.svg" "$T/three.folded"
is "$rc:$err" "1:perfops: $T/three.folded:1: 3 numbers at the end of the line; expected 'STACK COUNT' or 'STACK BEFORE AFTER'" "three counts on a line are named as such"
run "$PERFOPS" report "$T/three.folded"
is "$rc" 1 "report says the same"
# A third number too big for a count once looped forever (found by fuzzing).
# (The timeout only stops a loop: 120 s, however slow the machine.)
printf 'a; 1 b 111111111111111111111111111111111111111111 2 3\n' >"$T/huge3.folded"
run timeout 120 "$PERFOPS" flamegraph -o "$T/huge3.svg" "$T/huge3.folded"
is "$rc:$err" "1:perfops: $T/huge3.folded:1: 3 numbers at the end of the line; expected 'STACK COUNT' or 'STACK BEFORE AFTER'" "a huge third number ends the read with the same message"
printf 'a;b 0\na;c 0\n' >"$T/zero.folded"
for cmd in flamegraph report; do
	run "$PERFOPS" $cmd "$T/zero.folded"
	is "$rc:$err" "1:perfops: $T/zero.folded: every count is zero; nothing to show" "$cmd: all-zero counts are named as such"
done
# A frame name that ends in a number is still a name in a one-count file.
printf 'a;b 1\na;thread 2 5\n' >"$T/name.folded"
run "$PERFOPS" report --json "$T/name.folded"
like "$out" '"name": ?"thread 2"' "a one-count line keeps a name ending in a number"

# 6. --max-frames caps a deep stack whose frames are all as wide.
python3 -c "print(';'.join('f%d' % i for i in range(100001)) + ' 1')" >"$T/deep.folded"
run "$PERFOPS" flamegraph --max-frames 1000 -o "$T/deep.svg" "$T/deep.folded"
is "$rc" 0 "flamegraph --max-frames 1000 on a 100 001-deep stack"
is "$(grep -c '<g><title>' "$T/deep.svg")" 1000 "draws 1000 frames"
like "$err" 'notice: 99002 of 100002 frames were left out' "and the notice counts the frames left out"
like "$err" '99002 as wide at depth 1000 or deeper' "and says they were cut by depth"
ok $([ "$(stat -c %s "$T/deep.svg")" -lt 1000000 ]; echo $?) "the SVG stays under 1 MB"
printf 'a;b 50\na;c 30\na;d 20\n' >"$T/wide.folded"
run "$PERFOPS" flamegraph --max-frames 3 -o "$T/wide.svg" "$T/wide.folded"
is "$(grep -o '<g><title>[^<(]*' "$T/wide.svg" | sed 's/<g><title>//; s/ $//' | sort | tr '\n' ,)" "a,all,b," "--max-frames keeps the widest frames"
like "$err" 'notice: 2 of 5 frames were left out' "and counts the others"
