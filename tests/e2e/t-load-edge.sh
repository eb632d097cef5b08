#!/bin/bash
# perfops load at the edges of HTTP/1.1: a request that times out in a
# pipeline (it alone is the timeout; the ones behind it on the connection
# perfops then closes are "aborted"), a 101 Switching Protocols (a whole
# response: the connection is replaced), each counted against the test
# server's own count.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 11

# One connection, --pipeline 8, a request every 100 ms: every 3rd request
# the server takes is never answered, and the requests pipelined behind it
# wait with it.  Only the one that waited --timeout (500 ms) timed out: the
# others were sent 100 ms or more after it and had waited less when perfops
# closed the connection.
start_server hang --mode hang --every 3
run "$PERFOPS" load --rate 10 -c 1 -t 1 --pipeline 8 --timeout 500ms -d 2s --json \
	"http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/out" o.requests):$(jget "$T/out" o.errors.timeout)" \
	"$(cat "$T/hang.count"):$(cat "$T/hang.count.hung")" \
	"pipeline: responses = server's answers, timeouts = the requests it never answered"
is "$(jget "$T/out" 'o.requests + o.errors.timeout + o.errors.aborted + ":" + o.scheduled')" \
	"20:20" "pipeline: the requests behind a timed-out one count as aborted, each request once"
is "$(jget "$T/out" 'o.latency_ms.count == o.requests + o.errors.timeout && o.latency_ms.p99 >= 500')" \
	true "pipeline: timeouts recorded at --timeout or more, aborted ones not recorded"

# 101 Switching Protocols on every 3rd request: a whole response, counted
# as 101; the connection then speaks another protocol, so it is replaced;
# nothing waits for the timeout.
start_server upgrade --mode upgrade --every 3
run "$PERFOPS" load -c 2 -t 1 --timeout 10s -d 0.5s --json "http://127.0.0.1:$PORT/"
stop_server
is "$rc:$(jget "$T/out" 'o.errors.total')" "0:0" "101: exit 0, no error (no timeout)"
is "$(jget "$T/out" o.requests)" "$(cat "$T/upgrade.count")" "101: responses = server's count"
is "$(jget "$T/out" 'o.status["101"] > 0 && o.status["101"] + o.status["200"] == o.requests')" \
	true "101: counted as its status ($(jget "$T/out" 'JSON.stringify(o.status)'))"

# Requests/sec is the responses that arrived in the measured window over
# its length, as wrk2 prints it; the responses of the drain after it count
# in the run, not in the rate.  Checked against nginx's own log: the lines
# logged inside the window (each response is logged as its last byte
# leaves; the log's millisecond resolution can move one across an edge).
if start_nginx "$T/ng"; then
	head -c 20000 /dev/zero >"$T/ng/www/slow.bin"
	echo hello >"$T/ng/www/index.html"
	for case in "index.html 500" "slow.bin 100"; do
		set -- $case
		: >"$T/ng/time.log"
		run "$PERFOPS" load --rate "$2" -c 300 -t 2 -d 2s --timeout 5s --json \
			"http://127.0.0.1:$NGINX_PORT/$1"
		s=$(jget "$T/out" o.start_unix)
		d=$(jget "$T/out" o.duration_s)
		n=$(awk -v s="$s" -v e="$(echo "$s + $d" | bc -l)" \
			'$1 >= s && $1 < e { n++ } END { print n + 0 }' "$T/ng/time.log")
		is "$(jget "$T/out" "o.requests == $(wc -l <"$T/ng/time.log") && Math.abs(o.rps * o.duration_s - $n) <= 1")" \
			true "--rate $2, /$1: requests/s $(jget "$T/out" o.rps) = nginx's $n responses in the window / ${d}s (of $(jget "$T/out" o.requests), drain $(jget "$T/out" o.drain_s)s)"
	done
else
	skip "nginx not installed (scripts/install-deps --check)" 2
fi

# Transfer/sec shares the window of Requests/sec, as in wrk and wrk2: a
# server answering each request 400 ms late with the same small response
# leaves a fifth of a 2 s run's responses to the drain; the rate of bytes
# is then the rate of responses times a response's size.
start_server late --delay 400
run "$PERFOPS" load --rate 100 -c 100 -t 1 -d 2s --json "http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/out" 'o.requests + ":" + (o.bytes_read_in_window == o.requests_in_window * o.bytes_read / o.requests)')" \
	"$(cat "$T/late.count"):true" "bytes read in the window: its responses' (of $(jget "$T/out" o.requests) answered)"
start_server late2 --delay 400
run "$PERFOPS" load --rate 100 -c 100 -t 1 -d 2s "http://127.0.0.1:$PORT/"
stop_server
# 70 bytes a response (tests/helper/load-server.c).
want=$(echo "$out" | awk '/^Requests\/sec:/ { printf "%.2f", $2 * 70 }')
got=$(echo "$out" | awk '/^Transfer\/sec:/ { v = $2; u = v; sub(/[0-9.]+/, "", u); v += 0;
	printf "%.2f", u == "KB" ? v * 1024 : u == "MB" ? v * 1048576 : v }')
is "$(echo "define abs(x) { if (x < 0) return -x; return x; }
	abs($got - $want) <= 0.01 * $want" | bc -l)" 1 \
	"Transfer/sec $got B/s = Requests/sec x 70 bytes ($want)"

# A server that answers the pipelined requests it read in one write, then
# resets the connection (closes it with requests unread): the responses
# are in perfops' socket before the reset, so each one counts as answered,
# even when perfops' next write fails on the reset first.
start_server rst --mode rst --delay 100
run "$PERFOPS" load -c 2 -t 1 --pipeline 4 -d 1s --json "http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/out" o.requests)" "$(cat "$T/rst.count")" \
	"responses followed by a reset: all counted, as the server answered them"
