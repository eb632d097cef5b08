#!/bin/bash
# perfops load against a server that ends each connection after 10
# requests (nginx keepalive_requests 10): the requests the server never
# took (pipelined behind "Connection: close", or refused by an HTTP/2
# GOAWAY) are sent again on a new connection, not counted as errors, and
# every response is counted once, as nginx's access log shows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 9

if ! start_nginx "$T/ng" nginx-keepalive.conf; then
	skip "nginx not installed (scripts/install-deps --check)" 9
	exit 0
fi
echo hello >"$T/ng/www/index.html"
U=http://127.0.0.1:$NGINX_PORT/index.html
U2=http://127.0.0.1:$NGINX_PORT2/index.html

# check NAME: requests = the access log's lines, no errors, exit 0.
check() {
	local n
	n=$(jget "$T/out" o.requests)
	nginx_logged "$T/ng/access.log" "$n"
	is "$rc:$(jget "$T/out" o.errors.total)" "0:0" "$1: exit 0, no errors"
	is "$(wc -l <"$T/ng/access.log")" "$n" "$1: requests = nginx's log ($n)"
	: >"$T/ng/access.log"
}

run timeout 20 "$PERFOPS" load -c 4 -t 2 -d 0.5s --pipeline 4 --json "$U"
check "HTTP/1.1, --pipeline 4, closed loop"
# One connection at 2000/s: requests pile up behind the 10th response.
run timeout 20 "$PERFOPS" load --rate 2000 -c 1 -t 1 -d 0.5s --pipeline 8 --json "$U"
is "$(jget "$T/out" o.requests)" 1000 "HTTP/1.1, --pipeline 8, open loop: every request answered"
check "HTTP/1.1, --pipeline 8, open loop"
run timeout 20 "$PERFOPS" load --h2 --streams 8 -c 4 -t 2 -d 0.5s --json "$U2"
check "h2c GOAWAY, 8 streams, closed loop"
run timeout 20 "$PERFOPS" load --h2 --streams 4 --rate 400 -c 4 -t 1 -d 1s --json "$U2"
check "h2c GOAWAY, 4 streams, open loop"
