#!/bin/bash
# perfops diagnose: one helper per symptom (tests/helper/diag-workload.c),
# each must be classified into its leaf of the decision tree, and the idle
# server into none.  The machine is shared and busy: the assertions are on
# the process's own evidence, never on system-wide figures or timings.
. "$(dirname "$0")/lib.sh"
D=$BUILD/tests/helper/diag-workload
plan 47

# watch ARGS...: run diagnose --json; $ids = the finding ids, one a line.
# The samples go to $T/series.tsv; a failed classification keeps them in
# /tmp/perfops-t-diagnose-N.tsv (the machine is shared: look at why).
watch() {
	case " $* " in
	*" --replay "*) run "$PERFOPS" diagnose --json "$@" ;;
	*) run "$PERFOPS" diagnose --json --series "$T/series.tsv" "$@" ;;
	esac
	ids=$(printf '%s' "$out" | jq -r '.findings[].id' 2>/dev/null)
}
has() { printf '%s\n' "$ids" | grep -qx "$1"; }
lacks() { ! has "$1"; }
# classified OK-STATUS NAME: ok, and keep the series of a failure.
classified() {
	if [ "$1" -ne 0 ] && [ -f "$T/series.tsv" ]; then
		cp "$T/series.tsv" "/tmp/perfops-t-diagnose-$((_n + 1)).tsv"
		diag "series kept in /tmp/perfops-t-diagnose-$((_n + 1)).tsv"
	fi
	ok "$@"
}
# agree NAME: the CPU seconds sampled (schedstat, children's cutime) are
# within 15% (+0.05 s) of what wait4() says the started command used.
agree() {
	local a b
	a=$(printf '%s' "$out" | jq -r '.summary.cpu_seconds')
	b=$(printf '%s' "$out" | jq -r '.target.command_cpu_seconds')
	awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 0.15 * b + 0.05) }'
	ok $? "$1 (sampled $a CPU-s, wait4 $b)"
}
# start_ready MODE SECS ARGS: start a helper, wait until it is set up
# (120 s at most: a loaded machine takes its time).  The helpers watched
# with -p are given 300 s, and killed when done: a fixed 10 s ran out
# under load while they were still watched.
start_ready() {
	rm -f "$T/ready"
	DIAG_READY=$T/ready "$D" "$@" &
	hpid=$!
	wait_for 120 "$D $1 to be ready" test -e "$T/ready"
}

watch --duration 2.5s -- "$D" spin1 10
is "$rc" 0 "spin1: exit 0"
has cpu_one_core && lacks cpu_all_cores && lacks lock_contention
classified $? "a hot loop on one thread is cpu_one_core (got: $(echo $ids))"
like "$(printf '%s' "$out" | jq -r '.findings[] | select(.id=="cpu_one_core") | .next')" \
	"^perfops record --duration 5 -o perfops-cpu.svg -- $D spin1 10$" \
	"its next step records the same command"

watch --duration 2.5s -- "$D" spinall 10
has cpu_all_cores && lacks cpu_one_core && lacks lock_contention
classified $? "a spinning thread per CPU is cpu_all_cores (got: $(echo $ids))"
cpu_spinall=$out

watch --duration 3s -- "$D" periodic 10
has cpu_periodic && lacks cpu_one_core
classified $? "0.2 s bursts every 0.6 s are cpu_periodic (got: $(echo $ids))"
period=$(printf '%s' "$out" | jq -r '.findings[] | select(.id=="cpu_periodic") | .period')
awk -v p="$period" 'BEGIN { exit !(p >= 0.5 && p <= 0.75) }'
classified $? "the period found is the helper's 0.6 s (got $period)"

watch --duration 2.5s -- "$D" leak 10
has memory_growing && lacks memory_sudden && lacks memory_stable_high
classified $? "1 MiB every 50 ms is memory_growing (got: $(echo $ids))"
like "$(printf '%s' "$out" | jq -r '.findings[] | select(.id=="memory_growing") | .evidence')" \
	'grew from .* MiB to .* MiB in .* s, (1[5-9]|2[0-1])\.[0-9]+ MiB/s by a least-squares fit \(R\^2 (0\.9|1\.0)' \
	"the slope is the helper's 20 MiB/s at most, with a close fit"
like "$(printf '%s' "$out" | jq -r '.findings[] | select(.id=="memory_growing") | .next')" \
	"^perfops heap -- $D leak 10$" "a leak's next step traces the heap"

# Watched until it exits (it holds the memory 1 s at least): the whole
# rise is seen however late a loaded machine runs the helper.
watch --duration 60s -- "$D" sudden 3
has memory_sudden && lacks memory_growing
classified $? "160 MiB at once is memory_sudden (got: $(echo $ids))"
like "$(printf '%s' "$out" | jq -r '.findings[] | select(.id=="memory_sudden") | .evidence')" \
	'jumped by [0-9.]+ MiB within 1\.0 s .* rise from [0-9.]+ MiB to 16[0-9]\.[0-9] MiB' \
	"the rise is the helper's 160 MiB"

# A running server with its cache filled, watched with -p.
start_ready cache 300 300
ok $? "the cache helper is ready"
watch --duration 1.5s -p "$hpid"
rss_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$hpid/status")
kill "$hpid"; wait "$hpid" 2>/dev/null
has memory_stable_high && lacks memory_growing && lacks memory_sudden
classified $? "a stable 300 MiB cache is memory_stable_high (got: $(echo $ids))"
ours=$(printf '%s' "$out" | jq -r '.summary.rss_last')
awk -v a="$ours" -v b="$rss_kib" 'BEGIN { d = a / 1024 - b; exit !(d < 0.02 * b && d > -0.02 * b) }'
ok $? "its RSS agrees with /proc/PID/status VmRSS ($ours B vs $rss_kib KiB)"
is "$(printf '%s' "$out" | jq -r '.target.pid')" "$hpid" "the target is the PID"

watch --duration 2.5s -- "$D" fsync 10 "$T"
has io_bound && lacks cpu_one_core && lacks lock_contention
classified $? "write+fsync in a loop is io_bound (got: $(echo $ids))"

watch --duration 2.5s -- "$D" mutex 10
has lock_contention && lacks cpu_all_cores && lacks io_bound
classified $? "eight threads on one mutex are lock_contention (got: $(echo $ids))"
like "$(printf '%s' "$out" | jq -r '.findings[] | select(.id=="lock_contention") | .next')" \
	"^perfops record --off-cpu --duration 5 -o perfops-offcpu.svg -- $D mutex 10$" \
	"contention's next step is an off-CPU profile"

start_ready idle 300
ok $? "the idle server is ready"
watch --duration 2s -p "$hpid"
is "$rc" 0 "idle: exit 0"
is "$(printf '%s' "$out" | jq -c '.findings')" "[]" "an idle server has no finding"
is "$(printf '%s' "$out" | jq -r '.summary.threads')" 5 "it has its 5 threads"
printf '%s' "$out" | jq -e '.summary.thread_states | .futex >= 3.5 and .network >= 0.5 and .disk == 0' >/dev/null
ok $? "its 4 workers wait on a futex, its main thread in epoll ($(printf '%s' "$out" | jq -c .summary.thread_states))"
run "$PERFOPS" diagnose --duration 1s -p "$hpid"
like "$out" "No finding: the process looks healthy\." "the text says healthy"
kill "$hpid"; wait "$hpid" 2>/dev/null

# Close to the descriptor limit.
rm -f "$T/ready"
(ulimit -n 64 && DIAG_READY=$T/ready exec "$D" idle 300 56) &
hpid=$!
wait_for 120 "the helper to open its 56 files" test -e "$T/ready"
watch --duration 1.5s -p "$hpid"
kill "$hpid"; wait "$hpid" 2>/dev/null
has resource_exhaustion
classified $? "60 of 64 descriptors open is resource_exhaustion (got: $(echo $ids))"
like "$(printf '%s' "$out" | jq -r '.findings[] | select(.id=="resource_exhaustion") | .evidence')" \
	'^6[0-9] open files of a limit of 64' "the evidence names the count and the limit"

# Children count: two spinning child processes of a shell are the
# shell's problem too.
watch --duration 2s -- sh -c "\"$D\" spin1 10 & \"$D\" spin1 10 & wait"
is "$(printf '%s' "$out" | jq -r '.summary.processes')" 3 "the shell and its two children are watched"
has cpu_all_cores && lacks cpu_one_core
classified $? "two spinning children on two CPUs are cpu_all_cores (got: $(echo $ids))"

out=$cpu_spinall
agree "the CPU time of the spinning threads agrees with wait4's"

# Children that live 50 ms are mostly gone before a scan of the tree sees
# them: their CPU time comes from the parent's cutime.  What was sampled
# must agree with the command's own rusage from wait4() (sh alone is about
# 0.01 CPU-second; the children's spinning nearly all of the rest).
watch --duration 2s -- sh -c "while :; do \"$D\" spin1 0.05; done"
agree "the CPU time of 50 ms children is all counted"

# Ctrl-C ends the watch early and still reports; the command is stopped.
"$PERFOPS" diagnose --duration 60s -- "$D" spin1 60 >"$T/int.out" 2>"$T/int.err" &
dpid=$!
# Interrupted once the spinning child has had half a CPU-second (at
# least half a second of samples), not after a time a loaded machine
# may spend starting perfops.
spun() { [ "$(cpu_ticks "$(pgrep -P "$dpid" | head -1)")" -ge $(($(getconf CLK_TCK) / 2)) ]; }
wait_for 120 "spin1 to use half a CPU-second under diagnose" spun
kill -INT "$dpid"
wait "$dpid"
is "$?" 0 "SIGINT: exit 0"
like "$(cat "$T/int.out")" "^1\. cpu_one_core" "SIGINT: the findings are still printed"

# The text output: summary and findings with their next step and guide.
run "$PERFOPS" diagnose --duration 1.5s -- "$D" spin1 10
like "$out" "^Watched PID [0-9]+ \(diag-workload\) for 1\.[0-9] s: 1[0-9] samples\." "text: summary line"
like "$out" "^[0-9]\. cpu_one_core \(confidence [01]\.[0-9]+\)" "text: the finding"
like "$out" "guide:    perfops guide cpu_one_core" "text: its guide entry"
is "$err" "" "nothing on stderr when it is not a terminal"

# --series writes what was sampled; --replay classifies it again alike.
watch --duration 2s --series "$T/leak.tsv" -- "$D" leak 10
live=$(printf '%s' "$out" | jq -c '[.findings[] | [.id, .confidence]]')
watch --replay "$T/leak.tsv"
is "$(printf '%s' "$out" | jq -c '[.findings[] | [.id, .confidence]]')" "$live" "--replay of a --series gives the same findings ($live)"
is "$(sed -n 2p "$T/leak.tsv" | cut -f1-5)" "$(printf 't\tdt\tnprocs\tnthreads\tcpu')" "the series has a header"

# The command's own output goes to stderr: the JSON stays valid.
watch --duration 0.5s -- sh -c 'echo hello from the command; sleep 2'
printf '%s' "$out" | jq -e .findings >/dev/null
is "$?:$err" "0:hello from the command" "the command's stdout goes to stderr, the JSON stays valid"

# A command that ends before the duration ends the watch.
watch --duration 30s -- true
is "$rc:$(printf '%s' "$out" | jq -c '.findings')" "0:[]" "a command that exits at once: healthy, exit 0"
is "$(printf '%s' "$out" | jq -r '.target.exited')" true "and the JSON says it exited"

# The machine: its figures are the other engineers' too, so only the
# shape of the answer is checked.
watch --duration 1s --system
is "$rc:$(printf '%s' "$out" | jq -r '.target.pid, .target.ncpus' | tr '\n' ' ')" "0:0 $(nproc) " "--system: exit 0, the machine's CPUs"
printf '%s' "$out" | jq -e '.findings | map(.id) - ["cpu_periodic", "memory_growing", "memory_sudden", "memory_stable_high", "io_bound", "system_cpu_saturated", "resource_exhaustion"] == []' >/dev/null
ok $? "--system gives only machine-wide findings ($(printf '%s' "$out" | jq -c '[.findings[].id]'))"

run "$PERFOPS" diagnose -p 999999999
is "$rc:$err" "1:perfops: no process 999999999 (has it exited?)" "a PID that does not exist: exit 1"
run "$PERFOPS" diagnose --duration 1s
is "$rc" 2 "no target is a usage error"

# --next runs the recommended profile and writes its flame graph.
run "$PERFOPS" record -F 499 -o "$T/probe.folded" -- "$BUILD/tests/helper/perfops-workload" cpu 0.2
if [ "$rc" -eq 3 ]; then
	skip "perf_event_open not usable here" 1
else
	(cd "$T" && "$PERFOPS" diagnose --next --duration 1s -- "$D" spin1 3 >"$T/out" 2>"$T/err")
	grep -q '<svg' "$T/perfops-cpu.svg" 2>/dev/null
	ok $? "--next writes the flame graph of the recommended record ($(tail -1 "$T/err"))"
fi

# A machine that refuses the recording: record's exit 3 carries over.
NP=$BUILD/tests/helper/no-perf-events
if [ ! -x "$NP" ]; then
	skip "no seccomp helper on this architecture" 1
else
	(cd "$T" && "$NP" EPERM "$PERFOPS" diagnose --next --duration 0.5s -- "$D" spin1 2 >/dev/null 2>"$T/err")
	is "$?:$(tail -1 "$T/err" | sed 's/(exit [0-9]*)//')" "3:perfops: --next: 'perfops record --duration 5 -o perfops-cpu.svg -- $D spin1 2' failed " \
		"--next where perf_event_open is refused: exit 3, the failed command named"
fi
