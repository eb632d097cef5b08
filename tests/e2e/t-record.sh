#!/bin/bash
# perfops record: launch mode, proportions, outputs, threads and children,
# off-CPU, attaching to a PID, SIGINT, errors.
. "$(dirname "$0")/lib.sh"
plan 27

# share NAME FILE: percent of the folded total in stacks through NAME.
share() {
	awk -v re="(^|;)$1(;| )" '{ t += $NF; if ($0 ~ re) s += $NF }
		END { if (t) printf "%d", 100 * s / t + 0.5; else print -1 }' "$2"
}
within() { # GOT WANT TOL
	awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { exit !(g >= w - t && g <= w + t) }'
}

need_record 27

# 1-7: the three hot functions at 60/30/10% with frame pointers.
run "$PERFOPS" record -g fp -o "$T/cpu.folded" -o "$T/cpu.svg" -- "$W" cpu 3
is "$rc" 0 "record -g fp exits 0"
a=$(share hot_a "$T/cpu.folded"); b=$(share hot_b "$T/cpu.folded")
c=$(share hot_c "$T/cpu.folded")
within "$a" 60 5; ok $? "hot_a has 60% +-5 (got $a%)"
within "$b" 30 5; ok $? "hot_b has 30% +-5 (got $b%)"
within "$c" 10 5; ok $? "hot_c has 10% +-5 (got $c%)"
like "$(grep hot_a "$T/cpu.folded" | head -1)" \
	'^perfops-workloa;__libc_start_call_main;main;run;cpu_round;hot_a' \
	"stacks are root first from the comm to the hot function"
like "$err" 'broken stacks: [0-4]\.[0-9]%' "frame pointers reach the root"
grep -q '<svg' "$T/cpu.svg" && grep -q 'hot_a' "$T/cpu.svg"
ok $? "the SVG flame graph is written and shows hot_a"

# 8-9: the summary.
like "$err" 'recorded [0-9]+ samples of cpu-clock in [0-9.]+ s' "summary: samples and duration"
printf '%s\n' "$err" | grep -A1 'top functions (self):' | grep -q 'hot_a$' &&
	printf '%s\n' "$err" | grep -qx "wrote $T/cpu.folded"
ok $? "summary: top functions and files written"

# 10-12: qsort through libc (no frame pointers): fp breaks, dwarf/auto do not.
run "$PERFOPS" record -g fp -o "$T/qfp.folded" -- "$W" qsort 1.5
full='main;run;sort_round;(__qsort_r|qsort_r|qsort)(;[^;]*)*;compare_ints'
n=$(awk '/;compare_ints/ { t += $NF } END { print t + 0 }' "$T/qfp.folded")
m=$(grep -E "$full" "$T/qfp.folded" | awk '{ t += $NF } END { print t + 0 }')
awk -v m="$m" -v n="$n" 'BEGIN { exit !(n > 0 && m < n / 2) }'
ok $? "with -g fp most compare_ints stacks are broken ($m of $n complete)"
for g in dwarf auto; do
	run "$PERFOPS" record -g $g -o "$T/q$g.folded" -- "$W" qsort 1.5
	n=$(awk '/;compare_ints/ { t += $NF } END { print t + 0 }' "$T/q$g.folded")
	m=$(grep -E "$full" "$T/q$g.folded" | awk '{ t += $NF } END { print t + 0 }')
	awk -v m="$m" -v n="$n" 'BEGIN { exit !(n > 0 && m >= n * 0.9) }'
	ok $? "with -g $g the qsort path is complete from main to the callback ($m of $n)"
done

# 13-16: threads, the forked child, off-CPU time of the sleeping thread.
WL_SLEEPER_FILE=$T/life run "$PERFOPS" record --off-cpu --per-thread -o "$T/thr.folded" -- "$W" threads 2
is "$rc" 0 "record --off-cpu exits 0"
like "$(cat "$T/thr.folded")" '^wl-child-[0-9]+/[0-9]+;.*child_spin;hot_c' "the forked child is recorded"
slept=$(awk '/^wl-sleeper-[0-9]+\/[0-9]+;\[off-cpu\];.*sleeper/ { t += $NF } END { printf "%.2f", t / 1e9 }' "$T/thr.folded")
# The sleeper is blocked all its life but for microseconds a wakeup; its
# life is 2 s on a quiet machine, longer on a busy one (the last cpu round
# and the child run late): its own clock says how long (5% + 50 ms for
# its time on a CPU and the first and last switches).
life=$(cat "$T/life" 2>/dev/null || echo 0)
awk -v s="$slept" -v l="$life" 'BEGIN { exit !(l >= 2 && s <= l + 0.05 && s >= 0.95 * l - 0.05) }'
ok $? "the sleeping thread's blocked stack has its lifetime (got $slept s, it lived $life s)"
like "$err" 'off-cpu: [0-9]+ blocked intervals' "summary reports off-CPU time"

# 17-19: attach to a running process.  It does 10 whole rounds once
# perfops records, and perfops ends with it: a fixed window over rounds
# that a loaded machine stretches would cut them anywhere.
WL_START_FILE=$T/go "$W" cpu 0 10 >/dev/null &
wpid=$!
"$PERFOPS" record -p "$wpid" --duration 300 -o "$T/pid.folded" >/dev/null 2>"$T/pid.err" &
rpid=$!
wait_for 120 "perfops record -p to record" recording "$rpid"
touch "$T/go"
wait "$rpid"
is "$?" 0 "record -p PID exits 0"
wait "$wpid" 2>/dev/null
a=$(share hot_a "$T/pid.folded")
within "$a" 60 8; ok $? "attached recording sees hot_a at about 60% (got $a%)"
# the target exits during the recording: what was recorded is kept.  It
# ends once perfops has attached and it has run 0.2 CPU-second more (a
# target that lived a fixed 0.5 s could end before a slow start attached).
"$W" cpu 60 >/dev/null &
wpid=$!
"$PERFOPS" record -p "$wpid" --duration 60 -o "$T/exit.folded" >/dev/null 2>"$T/exit.err" &
rpid=$!
wait_for 120 "perfops record -p to record" recording "$rpid"
t0=$(cpu_ticks "$wpid")
wait_for 120 "the target to run 0.2 CPU-s" eval '[ "$(cpu_ticks "$wpid")" -ge $((t0 + $(getconf CLK_TCK) / 5)) ]'
kill "$wpid"
wait "$rpid"
rc=$?
wait "$wpid" 2>/dev/null
err=$(cat "$T/exit.err")
[ "$rc" -eq 0 ] && [ -s "$T/exit.folded" ] && echo "$err" | grep -q 'ended during the recording'
ok $? "a target ending during the recording keeps the samples"

# 20-21: SIGINT ends cleanly and writes everything.
"$PERFOPS" record -o "$T/int.folded" -- "$W" cpu 10 >"$T/int.out" 2>&1 &
rpid=$!
# Once it records and the command has run 0.2 CPU-second (samples to
# write), not after a second of a start that a loaded machine may slow
# (a SIGINT while perfops reads /proc/kallsyms ends it with 130).
wait_for 120 "perfops record to run the workload" runs_workload "$rpid"
t0=$(cpu_ticks "$(pgrep -P "$rpid" | head -1)")
wait_for 120 "the workload to run 0.2 CPU-s" eval '[ "$(cpu_ticks "$(pgrep -P "$rpid" | head -1)")" -ge $((t0 + $(getconf CLK_TCK) / 5)) ]'
kill -INT "$rpid"
wait "$rpid"
is "$?" 0 "SIGINT ends the recording with exit 0"
[ -s "$T/int.folded" ] && grep -q 'interrupted' "$T/int.out"
ok $? "after SIGINT the output is written and the summary says interrupted"

# 22-27: errors.
run "$PERFOPS" record -p 999999 -o "$T/x.folded"
is "$rc" 1 "no such PID: exit 1"
like "$err" 'no such process: 999999' "no such PID: message"
run "$PERFOPS" record -o "$T/x.folded" -- /nonexistent/cmd
like "$rc $err" "^1 .*cannot run '/nonexistent/cmd'" "a command that cannot run: exit 1 with the reason"
run "$PERFOPS" record -g sideways -- true
is "$rc" 2 "bad -g value: usage error"
run "$PERFOPS" record -o out.xyz -- true
like "$rc $err" '^2 .*cannot tell the format' "unknown output extension: usage error"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null &&
	[ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 1 ]; then
	sleep 3 &
	spid=$!
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$PERFOPS" record -p "$spid" -o /tmp/never.folded
	kill "$spid" 2>/dev/null
	like "$rc $err" '^3 .*(permission denied on process|perf_event_paranoid)' "another user's PID: exit 3 with the fix"
else
	skip "needs root, user nobody and setpriv"
fi
