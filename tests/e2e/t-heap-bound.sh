#!/bin/bash
# perfops heap report on a raw trace (--raw) of 20 million events: its memory follows
# what is live (here two blocks), not the number of events, which the
# reader once held all at once (40 bytes each, 800 MB here).
. "$(dirname "$0")/lib.sh"
H=$BUILD/tests/helper/heap-workload
N=10000000
plan 6

# churn N: N allocations, each freed (every other one at once), so 2N
# events with at most two blocks live.
run "$PERFOPS" heap -o "$T/big.heap" --raw "$T/big.raw" -- "$H" churn $N
is "$rc" 0 "heap traces churn $N: $(echo "$err" | head -1)"
size=$(stat -c %s "$T/big.raw")
diag "trace: $size bytes, $(echo "scale=2; $size / (2 * $N)" | bc 2>/dev/null) bytes per event"

if [ -x /usr/bin/time ]; then
	/usr/bin/time -o "$T/rss" -f %M "$PERFOPS" heap report --json "$T/big.raw" >"$T/out" 2>"$T/err"
	is "$?" 0 "heap report reads the trace: $(head -1 "$T/err")"
	kb=$(tail -1 "$T/rss")
	[ "$kb" -lt 65536 ]
	ok $? "heap report of $((2 * N)) events stays under 64 MB of RSS (got $kb kB)"
else
	run "$PERFOPS" heap report --json "$T/big.raw"
	is "$rc" 0 "heap report reads the trace"
	skip "GNU time is not installed (apt-get install time)"
fi
# The figures are whole: every allocation, free and temporary counted.
num() { sed -n "s/^  \"$1\": \\([0-9-]*\\),*\$/\\1/p" "$T/out" | head -1; }
is "$(num allocations):$(num frees):$(num temporary):$(num leaked_blocks):$(num peak_blocks)" \
	"$N:$N:$((N / 2)):0:2" "all $N allocations and frees, $((N / 2)) temporaries, no leak, peak of two blocks"

# The same run with zstd-compressed chunks: the same figures, from a file
# under half the size.
want=$(num allocations):$(num frees):$(num temporary):$(num peak_bytes)
# (The report of a run goes to stderr, or to --report-file.)
PERFOPS_HEAP_COMPRESS=1 run "$PERFOPS" heap --json --report-file "$T/z.json" -o "$T/z.heap" --raw "$T/z.raw" -- "$H" churn $N
cp "$T/z.json" "$T/out"
is "$(num allocations):$(num frees):$(num temporary):$(num peak_bytes)" "$want" "compressed: the same figures ($want)"
zsize=$(stat -c %s "$T/z.raw")
diag "compressed trace: $zsize bytes, $(echo "scale=2; $zsize / (2 * $N)" | bc 2>/dev/null) bytes per event"
[ $((zsize * 2)) -lt "$size" ]
ok $? "compressed: $zsize bytes, under half of $size"
