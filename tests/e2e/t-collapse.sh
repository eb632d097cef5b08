#!/bin/bash
# perfops collapse: byte-for-byte stackcollapse-perf.pl output for every
# FlameGraph compatibility input and option, plus the error cases.
. "$(dirname "$0")/lib.sh"

compat=$SHARED/data/flamegraph-compat
opts="pid tid kernel jit all addrs"
ninputs=8
plan $((ninputs * 6 + 2 + 15))

# 1. The compatibility suite (read from ../shared; skipped without it).
if [ -d "$compat/inputs" ]; then
	n=0
	for in in "$compat"/inputs/*.txt; do
		b=$(basename "$in" .txt)
		n=$((n + 1))
		for o in $opts; do
			want=$compat/expected/$b-collapsed-$o.txt
			"$PERFOPS" collapse --$o "$in" >"$T/got" 2>"$T/err"
			if cmp -s "$T/got" "$want"; then
				ok 0 "collapse --$o $b matches stackcollapse-perf.pl"
			else
				ok 1 "collapse --$o $b matches stackcollapse-perf.pl"
				diff "$T/got" "$want" | head -5 | sed 's/^/# /'
			fi
		done
	done
	# Tolerate a suite that grew or shrank without breaking the plan.
	while [ "$n" -lt "$ninputs" ]; do skip "fewer compat inputs than planned" 6; n=$((n + 1)); done
else
	skip "../shared/data/flamegraph-compat is absent" $((ninputs * 6))
fi

# 2. The bundled fixture (recorded for perfops), from stdin and from -o.
d=$TOP/tests/data/collapse
"$PERFOPS" collapse --tid <"$d/perf6-fp-cpuclock.txt" >"$T/got"
cmp -s "$T/got" "$d/perf6-fp-cpuclock-collapsed-tid.txt"
ok $? "reads stdin"
"$PERFOPS" collapse --kernel -o "$T/out.folded" "$d/perf6-fp-cpuclock.txt"
cmp -s "$T/out.folded" "$d/perf6-fp-cpuclock-collapsed-kernel.txt"
ok $? "-o writes the file"

# 3. Counts: cpu-clock periods are summed (nanoseconds), hand-checked.
total=$(awk '{s += $NF} END {printf "%d", s}' "$T/got")
samples=$(grep -cE 'cpu-clock' "$d/perf6-fp-cpuclock.txt")
periods=$(grep -E 'cpu-clock' "$d/perf6-fp-cpuclock.txt" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^cpu-clock/) s += $(i-1)} END {printf "%d", s}')
is "$total" "$periods" "folded total equals the sum of the $samples periods"

# A period-less (old perf) file counts samples.
printf 'prog 12 1.0: cycles:\n\t1 a (/bin/x)\n\t2 main (/bin/x)\n\nprog 12 1.1: cycles:\n\t1 a (/bin/x)\n\t2 main (/bin/x)\n\n' >"$T/old.txt"
run "$PERFOPS" collapse "$T/old.txt"
is "$out" "prog;main;a 2" "samples without a period count 1 each"

# Several event types: the first is kept, with one warning.
printf 'pp 1 1.0: 10 cycles:\n\t1 a (/x)\n\npp 1 1.1: 7 instructions:\n\t1 b (/x)\n\npp 1 1.2: 5 cycles:\n\t1 a (/x)\n\n' >"$T/ev.txt"
run "$PERFOPS" collapse "$T/ev.txt"
is "$out" "pp;a 15" "only the first event type is kept"
like "$err" "several event types" "and a warning says so"
run "$PERFOPS" collapse --event-filter=instructions "$T/ev.txt"
is "$out" "pp;b 7" "--event-filter picks another event"

# 4. Bad input.
printf 'prog 12 [000] 1.0: 1 cpu-clock: 4005d6 main+0x10 (/tmp/a.out)\nprog 12 [000] 1.1: 1 cpu-clock: 4005d6 main+0x10 (/tmp/a.out)\n' >"$T/nog.txt"
run "$PERFOPS" collapse "$T/nog.txt"
is "$rc" 1 "no stacks: exit 1"
like "$err" "no stacks found; record with -g" "no stacks: says record with -g"

head -c 3000 "$d/perf6-fp-cpuclock.txt" >"$T/bad.txt"
printf '\x01\x02garbage line here\n\n' >>"$T/bad.txt"
cat "$d/perf6-fp-cpuclock.txt" >>"$T/bad.txt"
run "$PERFOPS" collapse "$T/bad.txt"
is "$rc" 1 "a malformed line: exit 1"
like "$err" "bad.txt:[0-9]+: not perf script output" "the message names the line number"
test -s "$T/out"
ok $? "partial results are still written to stdout (-o: see t-output.sh)"

run "$PERFOPS" collapse "$T/does-not-exist"
like "$rc:$err" "^1:.*cannot open" "a missing file: exit 1 and a clear message"

run "$PERFOPS" collapse --bogus
like "$rc:$err" "^2:.*unknown option '--bogus'" "an unknown option: exit 2"

# 5. A large input streams in bounded memory: 100 MB in, memory far below.
if [ -x /usr/bin/time ]; then
	for i in $(seq 1 1000); do cat "$d/perf6-fp-cpuclock.txt"; done >"$T/big.txt"
	/usr/bin/time -f '%M' -o "$T/rss" "$PERFOPS" collapse "$T/big.txt" >"$T/big.folded"
	rss=$(cat "$T/rss")
	size_kb=$(( $(stat -c %s "$T/big.txt") / 1024 ))
	diag "input ${size_kb} KB, peak RSS ${rss} KB"
	[ "$rss" -lt $((size_kb / 4)) ]
	ok $? "peak RSS (${rss} KB) is far below the input size (${size_kb} KB)"
	# The file is cut into parts collapsed in parallel: the result must
	# be the single copy's counts times 1000, and the same from a pipe.
	"$PERFOPS" collapse "$d/perf6-fp-cpuclock.txt" |
		awk '{ $NF = sprintf("%.0f", $NF * 1000); print }' >"$T/want.folded"
	cmp -s "$T/big.folded" "$T/want.folded"
	ok $? "1000 copies fold to 1000 times the counts"
	"$PERFOPS" collapse - <"$T/big.txt" | cmp -s - "$T/big.folded"
	ok $? "a pipe (serial) and a file (parallel) give the same bytes"
	rm -f "$T/big.txt"
else
	skip "/usr/bin/time is absent (Debian package time)" 3
fi
