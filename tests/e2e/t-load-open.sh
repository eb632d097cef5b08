#!/bin/bash
# perfops load, open loop: coordinated omission measured as it should be
# (a stalled server's percentiles match what the stall implies), the
# schedule's request counts checked against the server's own count, drops
# and a generator that fell behind reported.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 28

# Coordinated omission.  The server stalls for S = 1 s, from 0.5 s to
# 1.5 s after it starts, inside a run of D = 3 s at R = 200 requests/s.
# A request due t seconds before the stall ends waits t: latencies over
# the stall spread evenly over (0, S], and the share of all requests above
# x is (S - x) / D, so the p-th percentile is S - (1 - p/100) * D.
R=200 D=3 S=1
expect() { printf "%.3f" "$(echo "$S - (1 - $1 / 100) * $D" | bc -l)"; }
# near GOT WANT: within 5% of the stall (histogram error is 0.1%).
near() { echo "define abs(x) { if (x < 0) return -x; return x; }
	abs($1 - $2) <= 0.05 * $S" | bc -l; }

start_server open --stall 1000:5:500
run "$PERFOPS" load --rate $R -c 50 -t 2 -d ${D}s --json "http://127.0.0.1:$PORT/"
stop_server
is "$rc" 0 "open loop against a stalling server: exit 0"
cp "$T/out" "$T/open.json"
is "$(jget "$T/open.json" o.requests):$(cat "$T/open.count")" "$((R * D)):$((R * D))" \
	"R x D requests sent, all answered (server's count)"
for p in 75 90 99; do
	got=$(jget "$T/open.json" "(o.latency_ms.p$p / 1000).toFixed(3)")
	is "$(near "$got" "$(expect $p)")" 1 \
		"p$p = $got s, the stall implies $(expect $p) s"
done
is "$(jget "$T/open.json" 'o.service_ms.p50 < 100 && o.send_lag_ms.max <= o.latency_ms.max')" \
	true "service time and send lag reported beside the latency"

# The same stall in closed loop: each connection waits once, so the stall
# shows in the maximum but hides below the 99th percentile.
start_server closed --stall 1000:5:500
run "$PERFOPS" load -c 50 -t 2 -d ${D}s --json "http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/out" "o.latency_ms.max / 1000 >= 0.5 * $S && o.latency_ms.max / 1000 <= 1.2 * $S")" \
	true "closed loop: the stall is the maximum ($(jget "$T/out" o.latency_ms.max) ms)"
is "$(jget "$T/out" "o.latency_ms.p99 / 1000 < 0.1 * $S")" true \
	"closed loop: p99 hides it ($(jget "$T/out" o.latency_ms.p99) ms)"
is "$(jget "$T/out" o.requests)" "$(cat "$T/closed.count")" "closed loop: server's count"

# Poisson gaps: the mean rate holds (300 expected, sd 17).
start_server poisson
run "$PERFOPS" load --rate 300 --poisson -c 20 -d 1s --json "http://127.0.0.1:$PORT/"
stop_server
n=$(jget "$T/out" o.requests)
is "$n" "$(cat "$T/poisson.count")" "--poisson: server's count ($n)"
is "$(jget "$T/out" 'Math.abs(o.requests - 300) < 5 * Math.sqrt(300)')" true \
	"--poisson: about 300 requests in 1 s at 300/s ($n)"

# Stages: 0 -> 400/s over 1 s then 400 -> 0 over 1 s: 200 + 200 requests.
start_server stage
run "$PERFOPS" load --rate 1 --stage 1s:400,1s:0 -c 20 --json "http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/out" o.requests):$(cat "$T/stage.count")" "400:400" \
	"--stage 1s:400,1s:0 sends the area under the ramps, 400"

# Stages in closed loop set the number of connections.
start_server cstage
run "$PERFOPS" load --stage 0.3s:4,0.3s:4 -c 8 -t 2 --json "http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/out" 'o.connections.achieved + "/" + o.connections.asked'):$(jget "$T/out" o.requests)" \
	"4/8:$(cat "$T/cstage.count")" "closed-loop --stage: 4 of at most 8 connections, server's count"

# --warmup: a stall in the warm-up (0.1..0.5 s after the server starts)
# is reported apart, not in the run after it.
start_server warm --stall 400:60:100
run "$PERFOPS" load --warmup 1s --rate 200 -c 20 -d 1s --json "http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/out" 'o.requests + ":" + o.warmup.requests + ":" + o.scheduled'):$(cat "$T/warm.count")" \
	"200:200:200:400" "--warmup 1s then 1s at 200/s: 200 + 200 responses, the server's 400"
is "$(jget "$T/out" 'o.warmup.latency_ms.max >= 200 && o.latency_ms.max < 200')" true \
	"the warm-up's stall in its own numbers ($(jget "$T/out" o.warmup.latency_ms.max) ms), not the run's ($(jget "$T/out" o.latency_ms.max) ms)"

# Ctrl-C, or SIGTERM (timeout(1), a CI job cancelled, a Kubernetes pod
# stopped), ends a 10 s run early: exit 0, and what ran is reported, every
# response the server gave counted, the duration the one that ran, the
# interval log complete.
for sig in INT TERM; do
	start_server "$sig"
	"$PERFOPS" load --rate 200 -c 10 -d 10s --json --hlog "$T/$sig.hlog" \
		"http://127.0.0.1:$PORT/" >"$T/$sig.json" 2>"$T/$sig.err" &
	lp=$!
	sleep 1
	kill -"$sig" $lp
	wait $lp
	rc=$?
	stop_server
	is "$rc:$(jget "$T/$sig.json" o.requests)" "0:$(cat "$T/$sig.count")" \
		"SIG$sig: exit 0, the responses the server gave, reported"
	is "$(jget "$T/$sig.json" 'o.duration_s < 5 && Math.abs(o.rps - 200) < 20')" true \
		"SIG$sig: the duration that ran ($(jget "$T/$sig.json" o.duration_s) s), the rate asked"
	is "$(tail -1 "$T/$sig.hlog" | cut -c1-19)" "#[perfops-summary: " "SIG$sig: the interval log is complete"
done

# A queue of 5 per thread before a server that takes 300 ms per request
# over one connection: the rest is dropped, counted, and fails the run.
start_server slow --delay 300
run "$PERFOPS" load --rate 200 -c 1 -t 1 --queue 5 -d 0.5s "http://127.0.0.1:$PORT/"
stop_server
is "$rc" 4 "drops fail the run: exit 4"
like "$out" 'Scheduled: 100, dropped: (9[0-9]|[1-8][0-9]) \(the queue was full' "drops counted, never silent"
like "$out" 'FAIL dropped==0 +measured [1-9]' "listed as a failed threshold"

# Past the server's capacity: a single-threaded server taking 10 ms a
# request answers at most 100/s, so 200 requests asked at 200/s in 1 s
# take at least 2 s.  The responses that arrive after the scheduled
# second count in the run, not in requests/s (those of the window over
# its length): it can't exceed what the server can give.
start_server capacity --serial --delay 10
run "$PERFOPS" load --rate 200 -c 4 -t 1 -d 1s --timeout 5s --json --csv "$T/capacity.csv" \
	"http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/out" o.requests):$(cat "$T/capacity.count")" "200:200" \
	"over capacity: every request answered, counted"
is "$(jget "$T/out" 'o.rps <= 100 && o.drain_s >= 1 && Math.abs(o.rps - o.requests_in_window / o.duration_s) < 1e-6')" \
	true "over capacity: rps $(jget "$T/out" o.rps) (at most the server's 100/s), the window's responses over its length"
is "$(awk -F, 'NR > 1 && $4 > 101 { bad = 1 } END { print bad + 0 }' "$T/capacity.csv")" 0 \
	"over capacity: no --csv second above the server's 100/s ($(tail -n +2 "$T/capacity.csv" | cut -d, -f4 | tr '\n' ' '))"

# The generator itself stopped for 300 ms (SIGSTOP): requests noticed
# late, and the summary says the generator fell behind.
start_server behind
"$PERFOPS" load --rate 200 -c 10 -t 1 -d 2s "http://127.0.0.1:$PORT/" >"$T/behind.out" 2>&1 &
lp=$!
sleep 0.6
kill -STOP $lp
sleep 0.3
kill -CONT $lp
wait $lp
stop_server
like "$(cat "$T/behind.out")" 'WARNING: the generator fell behind its schedule' \
	"a generator that fell behind is flagged"
