#!/bin/bash
# perfops bench: baselines, the CI gate, comparison and bad input.
#
# No assertion here depends on how busy the machine is: the baselines are
# made during the test, and the commands compared differ far beyond any
# noise (sleep 0.01 against sleep 0.3: a 290 ms gap, where load adds a few
# ms), or are compared on a metric that load does not move (peak RSS).
. "$(dirname "$0")/lib.sh"
plan 42

FIX=$TOP/tests/data/bench/hyperfine-1.15-sleep.json
BUILD=${PERFOPS_BUILD:-$TOP/build}
alloc=$BUILD/tests/helper/alloc-touch

run "$PERFOPS" bench -N -n work --runs 6 --export-json "$T/fast.json" 'sleep 0.01'
ok $rc "fast baseline recorded"
run "$PERFOPS" bench -N -n work --runs 6 --export-json "$T/slow.json" 'sleep 0.3'
ok $rc "slow baseline recorded"

# Thirty times slower under the same name: exit 4.  6 vs 6 runs with no
# overlap: the exact p is 2/924.
run "$PERFOPS" bench -N -n work --runs 6 --baseline "$T/fast.json" --fail-if-slower 25 'sleep 0.3'
is "$rc" 4 "--fail-if-slower exits 4 for a 30x slower command"
like "$out" "'work': \+[0-9.]+% \[\+[0-9.]+% … \+[0-9.]+%\], p = 0.002 \(exact, 6 vs 6 runs\): regressed" "per-command change with CI and p"
like "$out" "^Verdict: regressed" "verdict line"
# Thirty times faster: exit 0, improved.
run "$PERFOPS" bench -N -n work --runs 6 --baseline "$T/slow.json" --fail-if-slower 25 'sleep 0.01'
is "$rc" 0 "--fail-if-slower exits 0 for a faster command"
like "$out" "^Verdict: improved" "verdict for the faster command"
# The same command on a metric that load does not change: no regression.
run "$PERFOPS" bench -N -n mem --runs 6 --metric rss --export-json "$T/rss.json" "$alloc 20"
ok $rc "rss baseline recorded"
run "$PERFOPS" bench -N -n mem --runs 6 --metric rss --baseline "$T/rss.json" --fail-if-slower 5 "$alloc 20"
is "$rc" 0 "the same command against its own baseline exits 0"
like "$out" "^Verdict: (no significant change|within noise)" "and is not called a change"

# A hyperfine 1.15 JSON export (sleep 0.01, another machine) is a baseline.
run "$PERFOPS" bench -N -n 'sleep 0.01' --runs 6 --baseline "$FIX" --fail-if-slower 25 'sleep 0.3'
is "$rc" 4 "hyperfine baseline: a 30x slower command exits 4"
like "$out" "Baseline: .*hyperfine-1.15-sleep.json" "baseline section"
run "$PERFOPS" bench -N -n 'sleep 0.01' --runs 6 --baseline "$FIX" --fail-if-slower 25 'true'
is "$rc" 0 "hyperfine baseline: a faster command exits 0"
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N --runs 5 --export-json "$T/hf.json" 'sleep 0.01' >/dev/null 2>&1
	run "$PERFOPS" bench -N --runs 5 --baseline "$T/hf.json" 'sleep 0.01'
	ok $rc "a fresh hyperfine export is accepted"
else
	skip "hyperfine is not installed"
fi

# Comparison between commands.
run "$PERFOPS" bench -N --runs 6 'sleep 0.3' 'sleep 0.01'
ok $rc "two commands"
like "$out" "^  'sleep 0.01' ran" "summary names the fastest"
like "$out" "[0-9.]+ ± [0-9.]+ times faster than 'sleep 0.3' \(p = 0.002\)" "relative speed with sigma and p"
run "$PERFOPS" bench -N --runs 3 'sleep 0.02' 'sleep 0.01'
like "$out" "Mann-Whitney U test cannot reach p < 0.05" "warning with 3 runs per side"

# Bad input: clear messages, exit 2 (usage) or 1 (bad file).
echo 'not json {' >"$T/junk.json"
run "$PERFOPS" bench -N --runs 2 --baseline "$T/junk.json" true
is "$rc" 1 "a baseline that is not JSON exits 1"
like "$err" "is not JSON" "and says so"
run "$PERFOPS" bench -N --runs 2 --baseline "$T/fast.json" 'sleep 0.02'
is "$rc" 1 "a baseline for other commands exits 1"
like "$err" "has no results for 'sleep 0.02' \(it has 'work'\)" "and names what it has"

# A corrupted baseline never turns the gate off: exit 1, naming the fault.
# bad TIMES REGEX NAME
bad() {
	printf '{"results":[{"command":"true","times":%s}]}\n' "$1" >"$T/bad.json"
	run "$PERFOPS" bench -N --runs 3 --baseline "$T/bad.json" --fail-if-slower 5 true
	is "$rc" 1 "baseline with $3 exits 1"
	like "$err" "$2" "and says so"
}
bad '[]' "results\[0\] \('true'\) has no runs in \"times\": it cannot serve as a baseline" '"times": []'
bad '["0.1", "0.2"]' "\"times\"\[0\] is not a number" 'strings for times'
bad '[0.1, -0.2]' "\"times\"\[1\] = -0.2 is not a possible time in seconds" 'a negative time'
bad '[1e308, 0.1]' "\"times\"\[0\] = 1e\+308 is not a possible time in seconds" 'a time of 1e308'
bad '[NaN, 0.1]' "is not JSON" 'NaN'
bad '[0, 0, 0]' "has a median of 0" 'only zero times'
bad '[1e-300, 1e-300, 1e-300]' "median of 1e-300 s, below the clock's resolution \(1 ns\): a change from it has no size" 'times of 1e-300 s'
bad '"0.1"' "^perfops: baseline '.*': results\[0\] \('true'\) has no per-run \"times\" array: it is not a JSON export" 'a string for times'
ok $(! grep -q -- '-nan\|inf%' "$T/out"; echo $?) "no -nan or inf printed"

run "$PERFOPS" bench -L n '' 'echo {n}'
is "$rc" 2 "a parameter list with no values is a usage error"
like "$err" "list of values is empty" "and says so"
run "$PERFOPS" bench ''
is "$rc" 2 "an empty command is a usage error"
