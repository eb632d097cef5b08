#!/bin/bash
# perfops guide: the tree, one entry per finding id of perfops diagnose,
# search by word, patterns and gotchas, and the error for no match.
. "$(dirname "$0")/lib.sh"
plan 15

run "$PERFOPS" guide
is "$rc" 0 "guide: exit 0"
ids=$(printf '%s\n' "$out" | sed -n 's/^  \([a-z_0-9]*\)  .*/\1/p')
for id in cpu_one_core cpu_all_cores cpu_periodic memory_growing memory_sudden \
	memory_stable_high io_bound lock_contention system_cpu_saturated \
	resource_exhaustion slow_all_endpoints slow_one_endpoint latency_spikes \
	throughput_cpu_bound throughput_io_bound; do
	printf '%s\n' "$ids" | grep -qx "$id" || missing="${missing:-} $id"
done
is "${missing:-}" "" "the tree lists every id of the issue"

run "$PERFOPS" guide lock_contention
like "$out" "^lock_contention: Blocked, not busy > Threads waiting for each other" "an entry: its place in the tree"
like "$out" "perfops record --off-cpu -p PID" "an entry names the perfops command"
like "$out" "What usually fixes it" "an entry names the fix"

# Every id diagnose can print in its findings has an entry.
run "$PERFOPS" help diagnose
found=$(printf '%s\n' "$out" | grep -oE '^  [a-z]+_[a-z_]+ ' | tr -d ' ')
is "$(echo $found | wc -w)" 15 "the manual lists fifteen findings (the latency branch too)"
for id in $found; do
	"$PERFOPS" guide "$id" >/dev/null 2>&1 || bad="${bad:-} $id"
done
is "${bad:-}" "" "each finding of 'perfops help diagnose' has a guide entry"

# Each entry's "Look next" names a command of this build that runs, never
# "planned" (heap, bundle, explain, queries exist).
run "$PERFOPS" guide
all=$(printf '%s\n' "$out" | sed -n 's/^  \([a-z_0-9]*\)  .*/\1/p')
planned= broken=
for id in $all; do
	look=$("$PERFOPS" guide "$id" 2>/dev/null | sed -n '/^Look next/,/^$/p')
	case "$look" in *planned* | *today:*) planned="${planned:-} $id" ;; esac
	for c in $(printf '%s\n' "$look" | grep -oE 'perfops [a-z]+' | cut -d' ' -f2); do
		"$PERFOPS" "$c" --help >/dev/null 2>&1 || broken="${broken:-} $id:$c"
	done
done
is "${planned:-}" "" "no entry sends the user to a tool perfops has replaced"
is "${broken:-}" "" "every command an entry names runs (--help)"

run "$PERFOPS" guide memory
like "$out" "^3 entries match 'memory':" "a word lists the matching entries"
run "$PERFOPS" guide periodic
like "$out" "^cpu_periodic: " "a word matching one entry prints it"

run "$PERFOPS" guide patterns
like "$out" "Batching: many small operations" "patterns"
run "$PERFOPS" guide gotchas
like "$out" "Debug builds: they are 10-100x slower" "gotchas"

run "$PERFOPS" guide nosuchthing
is "$rc:$err" "2:perfops guide: no entry for 'nosuchthing'; 'perfops guide' lists them (see 'perfops help guide')" "no match: exit 2 and the hint"
run "$PERFOPS" guide a b
is "$rc" 2 "two symptoms: usage error"
