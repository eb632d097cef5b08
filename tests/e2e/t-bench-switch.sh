#!/bin/bash
# perfops bench as a hyperfine user switching tools finds it: what differed
# from hyperfine, or from what the manual promises, in scripts run unchanged.
. "$(dirname "$0")/lib.sh"
plan 5

# Only one command has times (every run of the other timed out): no
# "Summary" heading with nothing under it.
run "$PERFOPS" bench -N -r 2 --timeout 2 true 'sleep 30' \
	--export-markdown "$T/to.md" --export-html "$T/to.html" --export-orgmode "$T/to.org"
is "$rc" 1 "every run of one command timed out: exit 1"
ok $(! grep -q '^Summary' "$T/out"; echo $?) "no summary with a single command to compare"
# and the tables show no made-up numbers for it (hyperfine has no --timeout).
is "$(grep 'sleep 30' "$T/to.md")" '| `sleep 30` | timed out | n/a | n/a | n/a |' "Markdown: a timed-out command has no numbers"
is "$(grep 'sleep 30' "$T/to.org")" '| =sleep 30=  |  timed out |  n/a |  n/a |  n/a |' "Org: the same"
like "$(grep -o '<tr><td><code>sleep 30</code>.*' "$T/to.html")" '^<tr><td><code>sleep 30</code></td><td>timed out</td>(<td>n/a</td>){4}<td>0</td></tr>$' "HTML: the same"
