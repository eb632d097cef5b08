#!/bin/bash
# perfops diagnose on programs nobody here wrote, each with a known
# dominant symptom: xz compressing on one thread (watched by -p), python3
# holding 56 descriptors under a limit of 64, sleep.  The machine is
# shared and busy: the assertions are on the process's own evidence and
# on the commands suggested, never on system-wide figures or timings.
. "$(dirname "$0")/lib.sh"
plan 13

watch() {
	run "$PERFOPS" diagnose --json --series "$T/series.tsv" "$@"
	ids=$(printf '%s' "$out" | jq -r '.findings[].id' 2>/dev/null)
}
has() { printf '%s\n' "$ids" | grep -qx "$1"; }
# classified OK-STATUS NAME: ok, and keep the series of a failure.
classified() {
	if [ "$1" -ne 0 ] && [ -f "$T/series.tsv" ]; then
		cp "$T/series.tsv" "/tmp/perfops-t-diagnose-real-$((_n + 1)).tsv"
		diag "series kept in /tmp/perfops-t-diagnose-real-$((_n + 1)).tsv"
	fi
	ok "$@"
}
next_of() { printf '%s' "$out" | jq -r ".findings[] | select(.id==\"$1\") | .next"; }

# xz -9 on one thread, watched by -p: one core, and the next step records
# that process, never a second xz started from its command line.
if command -v xz >/dev/null; then
	# 24 MB of random data: xz -9 takes longer than the watch over it,
	# read from the page cache (never waiting for a producer).
	head -c 24000000 /dev/urandom >"$T/random"
	xz -9 -T1 -c "$T/random" >/dev/null &
	xzpid=$!
	watch -p "$xzpid" --duration 2.5s
	has cpu_one_core
	classified $? "xz -9 -T1 by -p is cpu_one_core (got: $(echo $ids))"
	is "$(next_of cpu_one_core)" "perfops record --duration 5 -o perfops-cpu.svg -p $xzpid" \
		"its next step records the process watched, by its PID"
	is "$(printf '%s' "$out" | jq -r '[.findings[].next | select(test(" -- "))] | length')" 0 \
		"no next step starts the watched process again"
	kill "$xzpid" 2>/dev/null
	wait 2>/dev/null
else
	skip "xz not installed" 3
fi

# python3 with 56 files open under ulimit -n 64.
if command -v python3 >/dev/null; then
	(
		ulimit -n 64
		exec python3 -c '
import os, sys, time
fs = [open("/dev/null") for _ in range(56)]
open(sys.argv[1], "w").close()
time.sleep(30)' "$T/ready"
	) &
	pypid=$!
	for _ in $(seq 100); do
		[ -e "$T/ready" ] && break
		sleep 0.05
	done
	watch -p "$pypid" --duration 1s
	has resource_exhaustion
	classified $? "python3 with 56 files under a limit of 64 is resource_exhaustion (got: $(echo $ids))"
	open=$(ls "/proc/$pypid/fd" | wc -l)
	like "$(printf '%s' "$out" | jq -r '.findings[] | select(.id=="resource_exhaustion") | .evidence')" \
		"^$open open files of a limit of 64 \\([0-9]+%\\)" \
		"the evidence counts its descriptors as /proc/PID/fd does ($open)"
	is "$(next_of resource_exhaustion)" "perfops guide resource_exhaustion" \
		"its next step is the guide"
	kill "$pypid" 2>/dev/null
	wait 2>/dev/null
else
	skip "python3 not installed" 3
fi

# sleep: healthy, whatever the machine does.
watch --duration 1s -- sleep 5
is "$rc" 0 "sleep: exit 0"
is "$(echo $ids)" "" "a sleeping program has no finding"
like "$(printf '%s' "$out" | jq -r '.summary.cpu_seconds')" '^0(\.0[0-9]*)?$' \
	"and used no CPU to speak of"

# A command that fails at once says so: xz refusing an option, a shell
# killed by SIGSEGV.  The watch itself ran: exit 0.
run "$PERFOPS" diagnose --duration 2s -- xz --no-such-option
like "$out" "^Watched PID [0-9]+ \(xz\) for [0-9.]+ s \(until it exited with status 1\)" \
	"xz's exit status 1 is in the summary"
is "$rc" 0 "the watch ran: exit 0"
watch --duration 2s -- sh -c 'kill -SEGV $$'
is "$(printf '%s' "$out" | jq -c '[.target.exited, .target.exit_status, .target.signal]')" '[true,null,11]' \
	"a command killed by a signal: the JSON names the signal"
watch --duration 2s -- sh -c 'exit 3'
is "$(printf '%s' "$out" | jq -c '[.target.exit_status, .target.signal]')" '[3,null]' \
	"and its exit status otherwise"
