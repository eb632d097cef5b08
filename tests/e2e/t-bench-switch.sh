#!/bin/bash
# perfops bench as a hyperfine user switching tools finds it: what differed
# from hyperfine, or from what the manual promises, in scripts run unchanged.
. "$(dirname "$0")/lib.sh"
plan 2

# Only one command has times (every run of the other timed out): no
# "Summary" heading with nothing under it.
run "$PERFOPS" bench -N -r 2 --timeout 2 true 'sleep 30'
is "$rc" 1 "every run of one command timed out: exit 1"
ok $(! grep -q '^Summary' "$T/out"; echo $?) "no summary with a single command to compare"
