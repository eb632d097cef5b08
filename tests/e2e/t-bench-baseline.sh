#!/bin/bash
# perfops bench: baselines, the CI gate, comparison and bad input.
. "$(dirname "$0")/lib.sh"
plan 23

FIX=$TOP/tests/data/bench/hyperfine-1.15-sleep.json

run "$PERFOPS" bench -N -n work --runs 10 --export-json "$T/base.json" 'sleep 0.01'
ok $rc "baseline recorded"
# A clearly slower command under the same name: exit 4.
run "$PERFOPS" bench -N -n work --runs 10 --baseline "$T/base.json" --fail-if-slower 25 'sleep 0.05'
is "$rc" 4 "--fail-if-slower exits 4 for a 5x slower command"
like "$out" "'work': \+[0-9.]+% \[\+[0-9.]+% … \+[0-9.]+%\], p < 0.001 \(exact, 10 vs 10 runs\): regressed" "per-command change with CI and p"
like "$out" "^Verdict: regressed" "verdict line"
run "$PERFOPS" bench -N -n work --runs 10 --baseline "$T/base.json" --fail-if-slower 25 'sleep 0.01'
is "$rc" 0 "--fail-if-slower exits 0 for the same command"
like "$out" "^Verdict: (no significant change|within noise|improved)" "verdict for the same command"

# A hyperfine 1.15 JSON export is a baseline too.
run "$PERFOPS" bench -N --runs 10 --baseline "$FIX" --fail-if-slower 25 'sleep 0.01'
is "$rc" 0 "hyperfine JSON accepted as baseline (same command: exit 0)"
like "$out" "Baseline: .*hyperfine-1.15-sleep.json" "baseline section"
run "$PERFOPS" bench -N -n 'sleep 0.01' --runs 10 --baseline "$FIX" --fail-if-slower 25 'sleep 0.06'
is "$rc" 4 "hyperfine baseline: slower command exits 4"
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N --runs 5 --export-json "$T/hf.json" 'sleep 0.01' >/dev/null 2>&1
	run "$PERFOPS" bench -N --runs 5 --baseline "$T/hf.json" 'sleep 0.01'
	ok $rc "a fresh hyperfine export is accepted"
else
	skip "hyperfine is not installed"
fi

# Comparison between commands.
run "$PERFOPS" bench -N --runs 8 'sleep 0.03' 'sleep 0.01'
ok $rc "two commands"
like "$out" "^  'sleep 0.01' ran" "summary names the fastest"
like "$out" "[0-9.]+ ± [0-9.]+ times faster than 'sleep 0.03' \(p < 0.001\)" "relative speed with sigma and p"
run "$PERFOPS" bench -N --runs 3 'sleep 0.02' 'sleep 0.01'
like "$out" "Mann-Whitney U test cannot reach p < 0.05" "warning with 3 runs per side"
run "$PERFOPS" bench -N --runs 4 --interleave --export-json "$T/i.json" 'sleep 0.01' 'sleep 0.001'
ok $rc "--interleave runs"
is "$(perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0]; my $j = decode_json(<$f>); print join ",", map { scalar @{$_->{times}} } @{$j->{results}}' "$T/i.json")" "4,4" "--interleave gives every command its runs"

# Bad input: clear messages, exit 2 (usage) or 1 (bad file).
echo 'not json {' >"$T/junk.json"
run "$PERFOPS" bench -N --runs 2 --baseline "$T/junk.json" true
is "$rc" 1 "a baseline that is not JSON exits 1"
like "$err" "is not JSON" "and says so"
run "$PERFOPS" bench -N --runs 2 --baseline "$T/base.json" 'sleep 0.02'
is "$rc" 1 "a baseline for other commands exits 1"
like "$err" "has no results for 'sleep 0.02' \(it has 'work'\)" "and names what it has"
run "$PERFOPS" bench -L n '' 'echo {n}'
is "$rc" 2 "a parameter list with no values is a usage error"
like "$err" "list of values is empty" "and says so"
run "$PERFOPS" bench ''
is "$rc" 2 "an empty command is a usage error"
