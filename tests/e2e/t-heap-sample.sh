#!/bin/bash
# --sample: byte-weighted Poisson sampling with the unbiased estimator;
# on a large allocation-heavy run its totals are within 5% of the exact
# ones.  With a 64 kB mean, 1M allocations of 1..4096 bytes give ~30000
# samples: the standard error of both totals is about 1%.  The count's
# estimate has a heavy tail, though: a sampled 1-byte allocation stands for
# 65536 allocations (6.5% of this run), which happens in a few runs in a
# hundred.  So the sampler's seed is fixed (PERFOPS_HEAP_SEED, seed 1, the
# first tried) and the test repeats exactly instead of failing by chance.
. "$(dirname "$0")/lib.sh"
export PERFOPS_HEAP_SEED=1
H=$BUILD/tests/helper/heap-workload
plan 7

# hrun ARGS...: perfops heap ARGS with the report (on stderr after a
# run) written to a file, then read into $T/out.
hrun() {
	rm -f "$T/rep"
	run "$PERFOPS" heap --report-file "$T/rep" "$@"
	if [ -f "$T/rep" ]; then cp "$T/rep" "$T/out"; else : >"$T/out"; fi
}
jf() { sed -n "s/^  \"$2\": \\([0-9-]*\\),*\$/\\1/p" "$1" | head -1; }
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b * p / 100) }'; }

hrun --json -o "$T/exact.heap" --raw "$T/exact.raw" -- "$H" churn 1000000
cp "$T/out" "$T/exact.json"
hrun --json --sample 64K -o "$T/sample.heap" --raw "$T/sample.raw" -- "$H" churn 1000000
cp "$T/out" "$T/sample.json"
is "$rc" 0 "--sample runs: $(echo "$err" | head -1)"
like "$(cat "$T/sample.json")" '"mode": "sample"' "the report says it holds estimates"
eb=$(jf "$T/exact.json" allocated_bytes); sb=$(jf "$T/sample.json" allocated_bytes)
within "$sb" "$eb" 5
ok $? "allocated bytes: sampled $sb within 5% of exact $eb"
ea=$(jf "$T/exact.json" allocations); sa=$(jf "$T/sample.json" allocations)
within "$sa" "$ea" 5
ok $? "allocations: sampled $sa within 5% of exact $ea"
# The sampled event stream is a small fraction of the exact one.
es=$(stat -c %s "$T/exact.raw"); ss=$(stat -c %s "$T/sample.raw")
ok $([ "$ss" -lt $((es / 10)) ]; echo $?) "the sampled trace is under a tenth of the exact one ($ss vs $es bytes)"
run "$PERFOPS" heap --sample 12Q -- "$H" leak 1 1
like "$rc:$err" "^2:.*--sample '12Q' is not a size" "a bad --sample size is a usage error"
# Frees of sampled blocks are recorded: half the blocks are freed, and the
# estimate of what leaks is the other half (4 kB mean: ~5000 samples, a
# standard error near 1.5%).
hrun --json --sample 4K -o "$T/leak.heap" -- "$H" leak 20000 1000
lb=$(jf "$T/out" leaked_bytes)
within "$lb" 20000000 10
ok $? "sampled leaks: $lb within 10% of 20000000 (frees are seen)"
