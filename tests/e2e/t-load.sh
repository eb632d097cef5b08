#!/bin/bash
# perfops load, closed loop: request counts checked against nginx's access
# log and the test server's own count; every misbehaviour counted in its
# class; bad input reported with its exit code.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 42

if start_nginx "$T/ng"; then
	U=http://127.0.0.1:$NGINX_PORT
	echo hello >"$T/ng/www/index.html"
	run "$PERFOPS" load -c 10 -t 2 -d 1s --json "$U/index.html"
	is "$rc" 0 "closed loop against nginx exits 0"
	cp "$T/out" "$T/closed.json"
	n=$(jget "$T/closed.json" o.requests)
	is "$(grep -c '^GET /index.html 200' "$T/ng/access.log")" "$n" \
		"requests = nginx's access log lines ($n)"
	is "$(jget "$T/closed.json" 'o.status["200"]')" "$n" "all counted as 200"
	is "$(jget "$T/closed.json" 'o.connections.achieved + "/" + o.connections.asked')" \
		"10/10" "connections achieved / asked"
	is "$(jget "$T/closed.json" '["latency_ms","service_ms","send_lag_ms"].every(k => ["mean","p50","p75","p90","p95","p99","p99_9","p99_99","max"].every(p => typeof o[k][p] == "number")) && ["requests","duration_s","rps","errors","status","connections"].every(k => k in o)')" \
		true "--json has every documented field"
	is "$(jget "$T/closed.json" 'o.latency_ms.p50 <= o.latency_ms.p99 && o.latency_ms.p99 <= o.latency_ms.max && o.errors.total')" \
		0 "percentiles ordered, no errors"
	is "$(jget "$T/closed.json" 'Math.abs(o.rps - o.requests_in_window / o.duration_s) < 1e-6 && o.requests - o.requests_in_window <= 10')" true \
	"rps = the window's responses / its duration; the drain has at most one per connection"

	: >"$T/ng/access.log"
	printf 'a=1&b=2' >"$T/body"
	run "$PERFOPS" load -c 2 -t 1 -d 0.3s -m POST --body @"$T/body" \
		-H 'X-One: first' -H 'X-Two: second' "$U/echo"
	is "$rc" 0 "POST with a body file and two headers"
	is "$(sort -u "$T/ng/access.log")" 'POST /echo 200 7 "first" "second"' \
		"nginx saw the method, the body length and both headers"
	n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/out")
	is "$(wc -l <"$T/ng/access.log")" "$n" "POST requests counted ($n)"

	: >"$T/ng/access.log"
	run "$PERFOPS" load -c 4 -t 2 -d 0.5s --pipeline 8 --json "$U/index.html"
	n=$(jget "$T/out" o.requests)
	is "$(wc -l <"$T/ng/access.log"):$(jget "$T/out" o.errors.total)" "$n:0" \
		"--pipeline 8: every response matched, count = access log ($n)"

	# A wrk command line runs as it is (wrk -t1 -c2 -d1 --latency URL).
	run "$PERFOPS" load -t1 -c2 -d1 --latency "$U/index.html"
	is "$rc:$(echo "$out" | grep -c 'Latency Distribution')" "0:1" "wrk's --latency is accepted"

	run "$PERFOPS" load -c 2 -d 0.3s "$U/missing"
	like "$out" 'Status codes: 404: [0-9]+' "a 404 is counted by status"
	like "$out" 'Errors: connect 0, timeout 0, reset 0, parse 0, non-2xx/3xx [1-9]' \
		"and as non-2xx/3xx"

	# A redirect and a 304 are answers, as wrk, k6 and vegeta count
	# them: listed by status, no error, error_rate holds.
	echo old >"$T/ng/www/old.html"
	touch -d 2001-01-01 "$T/ng/www/old.html"
	run "$PERFOPS" load -c 2 -d 0.3s --json --threshold 'error_rate<1%' "$U/moved"
	is "$rc:$(jget "$T/out" 'o.status["301"] == o.requests && o.requests > 0'):$(jget "$T/out" o.errors.total)" \
		"0:true:0" "301 responses: counted by status, not as errors, error_rate holds"
	run "$PERFOPS" load -c 2 -d 0.3s --json -H 'If-Modified-Since: Thu, 01 Jan 2037 00:00:00 GMT' \
		--threshold 'error_rate<1%' "$U/old.html"
	is "$rc:$(jget "$T/out" 'o.status["304"] == o.requests && o.requests > 0'):$(jget "$T/out" o.errors.total)" \
		"0:true:0" "304 Not Modified to a conditional GET: not an error"
else
	skip "nginx not installed (scripts/install-deps --check)" 16
fi

# The test server, one behaviour at a time: the responses perfops counts
# plus the failed ones must equal what the server answered.
for mode in chunked close eof malformed reset; do
	start_server "$mode" --mode "$mode" --every 3
	run "$PERFOPS" load -c 4 -t 2 -d 0.4s --json "http://127.0.0.1:$PORT/"
	stop_server
	sent=$(jget "$T/out" 'o.requests + o.errors.parse + o.errors.reset')
	is "$sent" "$(cat "$T/$mode.count")" "$mode: responses + parse/reset errors = server's count"
	case $mode in
	malformed) want='o.errors.parse > 0 && o.errors.reset == 0' ;;
	reset) want='o.errors.reset > 0 && o.errors.parse == 0' ;;
	*) want='o.errors.total == 0 && o.status["200"] == o.requests' ;;
	esac
	is "$(jget "$T/out" "$want")" true "$mode: the right error class"
done

# wrk's Req/Sec row, sampled every 100 ms so a short run has it: one
# connection to a server that takes 10 ms a request, one at a time, can
# not get more than 11 answers in a 100 ms sample.
start_server reqsec --serial --delay 10
run "$PERFOPS" load -c 1 -t 1 -d 0.5s "http://127.0.0.1:$PORT/"
stop_server
like "$out" 'Req/Sec +[0-9.]+ +[0-9.]+ +[0-9.]+' "a 0.5 s run has the Req/Sec row"
is "$(echo "$out" | awk '/Req\/Sec/ { print ($2 > 0 && $4 <= 110) }')" 1 \
	"its samples are rates of 100 ms ($(echo "$out" | grep Req/Sec))"

# Timeouts: a server slower than --timeout.
start_server slow --delay 700
run "$PERFOPS" load -c 2 -t 1 -d 0.3s --timeout 200ms --json "http://127.0.0.1:$PORT/"
is "$(jget "$T/out" 'o.errors.timeout >= 2 && o.latency_ms.max >= 200')" true \
	"timeouts counted, and recorded as latency >= the timeout"
like "$err" "^perfops: no response from 127.0.0.1:$PORT: 0 connect errors, [1-9][0-9]* timeouts \\(nothing answered within --timeout: raise it for a slower server\\), 0 resets" \
	"nothing but timeouts: the message says to raise --timeout"
stop_server

# Fewer connections than asked (wrk#509 runs on silently): with at most 40
# descriptors, the summary says how many and why.
start_server fds
run bash -c "ulimit -n 40 && exec \"\$0\" \"\$@\"" "$PERFOPS" load -c 100 -t 2 -d 0.3s \
	"http://127.0.0.1:$PORT/"
stop_server
like "$out" "Connections: 100 asked, [1-3][0-9] achieved" "connections achieved below those asked, counted"
like "$out" "Last connect error: cannot open a socket: Too many open files \\(raise ulimit -n, or lower -c\\)" \
	"and the reason, with the fix"

# Refused: nobody listens on a port just released.
p=$("$LS" --free-port)
run "$PERFOPS" load -c 2 -d 0.2s "http://127.0.0.1:$p/"
is "$rc" 1 "a refused connection: exit 1"
like "$err" "^perfops: no response from 127.0.0.1:$p: [1-9][0-9]* connect errors \\(Connection refused: nothing listens there \\(is the server running, the port right\\?\\)\\), 0 timeouts" \
	"named, with the count, the reason and what to check"
like "$out" "Connections: 2 asked, 0 achieved" "0 connections achieved"

run "$PERFOPS" load -d 0.2s http://no-such-host.invalid/
is "$rc:$err" "1:perfops: cannot resolve 'no-such-host.invalid': Name or service not known" \
	"a name that does not resolve"
run "$PERFOPS" load -d 0.2s 'htp://127.0.0.1/'
is "$rc:$err" "2:perfops: 'htp://127.0.0.1/' is not an http:// or https:// URL (like http://127.0.0.1:8080/path)" \
	"an invalid URL: exit 2"
run "$PERFOPS" load -d 0.2s 'http://user:secret@127.0.0.1:8080/'
is "$rc:$err" "2:perfops: 'http://user:secret@127.0.0.1:8080/': credentials in the URL are not sent; give them as a header: -H 'Authorization: Basic BASE64(user:password)'" \
	"credentials in the URL: exit 2, the header to use instead"
run "$PERFOPS" load -H 'no colon' http://127.0.0.1/
is "$rc" 2 "a header without a colon: exit 2"

# Thresholds: listed with their measured values; exit 4 when one fails.
start_server th
run "$PERFOPS" load -c 2 -d 0.3s --threshold 'p(99)<10s' --threshold 'error_rate<1%' \
	--threshold 'rps>0' "http://127.0.0.1:$PORT/"
is "$rc" 0 "thresholds that hold: exit 0"
run "$PERFOPS" load -c 2 -d 0.3s --threshold 'p(50)<1us' --threshold 'avg<10s' \
	"http://127.0.0.1:$PORT/"
is "$rc" 4 "a threshold that fails: exit 4"
like "$out" 'FAIL p\(50\)<1us +measured [0-9.]+ms' "listed as FAIL with the measured value"
stop_server
