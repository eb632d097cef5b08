#!/bin/bash
# perfops diagnose --url: the latency and throughput branch.  diagnose
# drives tests/helper/load-server (one symptom per run) with the load
# engine while it watches it; each must land in its leaf, a fast server in
# none of them.  The figures are checked against what the server is told
# to do (its delay, its one-at-a-time service), never against timings of
# this machine, which is shared and busy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 28

LATENCY="slow_all_endpoints slow_one_endpoint latency_spikes throughput_cpu_bound throughput_io_bound"

# diag ARGS...: diagnose --json on the last server for 2 s; $ids = the
# finding ids, one a line.
diag() {
	run "$PERFOPS" diagnose --json -p "$SERVER_PID" --duration 2s "$@"
	ids=$(printf '%s' "$out" | jq -r '.findings[].id' 2>/dev/null)
	[ "$rc" -eq 0 ] || diag "stderr: $(cat "$T/err")"
}
has() { printf '%s\n' "$ids" | grep -qx "$1"; }
lacks() { ! has "$1"; }
# q EXPR: jq on the last output.
q() { printf '%s' "$out" | jq -r "$1"; }
# ge A B: A >= B, as numbers.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# One slow endpoint among fast ones: every request under /slow waits
# 40 ms more, the others are answered at once.
start_server slow --path-delay /slow:40
A=http://127.0.0.1:$PORT/a
S=http://127.0.0.1:$PORT/slow/item
diag --series "$T/series.tsv" --url "$A" --url "$S"
ok "$rc" "two URLs: exit 0"
ok "$(has slow_one_endpoint; echo $?)" "one slow URL: slow_one_endpoint (found: $(echo $ids))"
ok "$(lacks slow_all_endpoints; echo $?)" "the fast URL is fast: not slow_all_endpoints"
is "$(q '.findings[] | select(.id == "slow_one_endpoint") | .evidence' | cut -d' ' -f1)" "$S:" \
	"the evidence names the slow URL first"
p=$(q ".load[] | select(.url == \"$S\") | .idle_p50_ms")
ge "$p" 40
ok $? "its idle p50 is at least the server's 40 ms delay ($p ms)"
is "$(q '.load | length')" 2 "one load entry per URL"
like "$(q '.findings[] | select(.id == "slow_one_endpoint") | .next')" \
	"^perfops record .*-p $SERVER_PID\$" "next: a profile of the process"
run "$PERFOPS" diagnose -p "$SERVER_PID" --duration 1s --url "$A" --url "$S"
like "$out" "slow_one_endpoint" "the text report names it too"
like "$out" "  load     closed loop, 8 connections:" "and the load it drove"
stop_server

# Every endpoint slow (a delay on every request), beyond --slow.
start_server slowall --delay 60
diag --slow 50ms --url "http://127.0.0.1:$PORT/x" --url "http://127.0.0.1:$PORT/y"
ok "$(has slow_all_endpoints; echo $?)" "every URL slow: slow_all_endpoints (found: $(echo $ids))"
ok "$(lacks slow_one_endpoint; echo $?)" "none slower than the others: not slow_one_endpoint"
stop_server

# The whole server stalls 300 ms of every second (a GC pause, a lock);
# open loop, so the stalled requests are counted from when they were due.
start_server stall --stall 300:1
diag --rate 200 --url "http://127.0.0.1:$PORT/"
ok "$(has latency_spikes; echo $?)" "periodic stalls: latency_spikes (found: $(echo $ids))"
p99=$(q '.load[0].p99_ms')
ge "$p99" 100
ok $? "p99 reaches into the stalls ($p99 ms)"
ok "$(lacks throughput_cpu_bound && lacks throughput_io_bound; echo $?)" \
	"p50 stays low: no throughput ceiling"
like "$(q '.findings[] | select(.id == "latency_spikes") | .next')" \
	"^perfops load --rate [0-9]+ --duration 30s http://127.0.0.1:$PORT/\$" \
	"next: the open loop at a rate it sustains"
stop_server

# One request at a time, each 3 ms of CPU: the ceiling is the CPU.
start_server cpu --serial --burn 3
diag -c 16 --series "$T/cpu.tsv" --url "http://127.0.0.1:$PORT/"
ok "$(has throughput_cpu_bound; echo $?)" "serial CPU work: throughput_cpu_bound (found: $(echo $ids))"
ok "$(lacks throughput_io_bound; echo $?)" "not throughput_io_bound"
cpu=$(q '.load[0].cpu')
ge "$cpu" 0.8
ok $? "the process wanted a CPU while loaded ($cpu)" ||
	{ cp "$T/cpu.tsv" /tmp/perfops-t-diagnose-url-cpu.tsv; diag "$out"; }
stop_server

# One request at a time, each sleeping 3 ms: the ceiling is the waiting.
start_server io --serial --delay 3
diag -c 16 --url "http://127.0.0.1:$PORT/"
ok "$(has throughput_io_bound; echo $?)" "serial sleeps: throughput_io_bound (found: $(echo $ids))"
ok "$(lacks throughput_cpu_bound; echo $?)" "not throughput_cpu_bound"
rps=$(q '.load[0].rps')
ge 350 "$rps"
ok $? "its rate is within the ceiling of 1 request per 3 ms ($rps req/s)"
like "$(q '.findings[] | select(.id == "throughput_io_bound") | .next')" \
	"^perfops record --off-cpu " "next: an off-CPU profile"
stop_server

# A fast server: no finding of the latency branch.
start_server fast
diag --url "http://127.0.0.1:$PORT/a" --url "http://127.0.0.1:$PORT/b"
ok "$rc" "fast server: exit 0"
bad=
for id in $LATENCY; do has "$id" && bad="$bad $id"; done
is "$bad" "" "fast server: no latency or throughput finding"

# Errors.
run "$PERFOPS" diagnose --system --url "http://127.0.0.1:$PORT/"
is "$rc:$(cat "$T/err" | head -1)" "2:perfops diagnose: --url needs -p PID or -- CMD (the server to watch) (see 'perfops help diagnose')" \
	"--url with --system: usage error"
run "$PERFOPS" diagnose -p "$SERVER_PID" --url "ftp://x/"
is "$rc" 2 "a URL that is not http: exit 2"
stop_server
run "$PERFOPS" diagnose -p $$ --duration 1s --url "http://127.0.0.1:$PORT/"
is "$rc" 1 "a server that is not there: exit 1"
like "$(cat "$T/err")" "^perfops: --url 'http://127.0.0.1:$PORT/': 0 of [0-9]+ requests failed|requests failed under load" \
	"and the message says so"
