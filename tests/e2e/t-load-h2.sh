#!/bin/bash
# perfops load --h2 against nginx: HTTP/2 over TLS by ALPN and h2c with
# prior knowledge, streams per connection, open loop, headers and a body,
# each request checked in nginx's access log; an HTTP/1.1-only server is
# reported, not trusted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 11

start_tls_nginx 11

run "$PERFOPS" load --h2 -c 4 -t 2 -d 0.5s --cacert "$D/cert.pem" --json \
	"https://localhost:$NGINX_PORT/index.html"
is "$rc" 0 "HTTP/2 over TLS: exit 0"
n=$(jget "$T/out" o.requests)
nginx_logged "$D/access.log" "$n"
is "$(grep -cE '^GET /index.html 200 "localhost" TLSv1\.[23] HTTP/2.0 ' "$D/access.log")" "$n" \
	"every request over HTTP/2, negotiated by ALPN, in nginx's log ($n)"
is "$(jget "$T/out" 'o.errors.total + ":" + o.connections.achieved + ":" + o.status["200"]')" \
	"0:4:$n" "no errors, 4 connections, all 200"

: >"$D/access.log"
run "$PERFOPS" load --h2 --streams 16 -c 2 -t 1 -d 0.5s --json "http://127.0.0.1:$NGINX_PORT2/index.html"
n=$(jget "$T/out" o.requests)
nginx_logged "$D/access.log" "$n"
is "$rc:$(grep -c '^GET /index.html 200 "-" - HTTP/2.0 ' "$D/access.log")" "0:$n" \
	"h2c with 16 streams a connection: every request in the log ($n)"

: >"$D/access.log"
run "$PERFOPS" load --h2 --streams 4 --rate 400 -c 8 -d 1s --json "http://127.0.0.1:$NGINX_PORT2/index.html"
nginx_logged "$D/access.log" 400
is "$(jget "$T/out" o.requests):$(wc -l <"$D/access.log")" "400:400" \
	"open loop over h2c: 400 requests at 400/s, 400 in the log"
is "$(jget "$T/out" 'o.connections.achieved <= 8 && o.errors.total == 0')" true \
	"open loop over h2c: connections within -c, no errors"

: >"$D/access.log"
printf 'a=1&b=2' >"$T/body"
run "$PERFOPS" load --h2 -c 1 -d 0.2s -m POST --body @"$T/body" -H 'X-One: first' \
	-H 'Connection: keep-alive' "http://127.0.0.1:$NGINX_PORT2/index.html"
nginx_logged "$D/access.log" 1
is "$(sort -u "$D/access.log")" 'POST /index.html 405 "-" - HTTP/2.0 7 "first"' \
	"POST with a body and a header over HTTP/2 (connection headers left out)"

# One stream in ten asks a slow endpoint (4 s) with --timeout 1s, at
# 200/s over one connection: the 20 slow streams time out, each alone and
# recorded at the timeout at least; the 180 others on the connection are
# answered.
head -c 20000 /dev/zero >"$D/www/slow.bin"
{
	echo "GET http://127.0.0.1:$NGINX_PORT2/slow.bin"
	for i in $(seq 9); do printf '\nGET http://127.0.0.1:%s/index.html\n' "$NGINX_PORT2"; done
} >"$T/slow.targets"
run "$PERFOPS" load --h2 --streams 32 -c 1 -t 1 --rate 200 -d 1s --timeout 1s \
	--targets "$T/slow.targets" --json
is "$(jget "$T/out" 'o.requests + ":" + o.errors.timeout + ":" + o.errors.total')" "180:20:20" \
	"a slow stream times out alone: 180 answered, 20 timeouts"
is "$(jget "$T/out" 'o.latency_ms.p95 >= 1000')" true \
	"each timeout recorded at the timeout at least (p95 $(jget "$T/out" o.latency_ms.p95) ms)"

# The test server speaks only HTTP/1.1: its answer to the HTTP/2 preface
# is a protocol error, counted as parse errors.
start_server h1only
run "$PERFOPS" load --h2 -c 1 -d 0.2s "http://127.0.0.1:$PORT/"
stop_server
is "$rc" 1 "h2c against an HTTP/1.1-only server: exit 1"
like "$out" 'Errors: connect 0, timeout 0, reset 0, parse [1-9]' "counted as parse errors"
