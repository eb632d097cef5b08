#!/bin/bash
# perfops load over HTTPS against nginx with a certificate this test makes:
# SNI sent (nginx logs it), the certificate verified against --cacert and
# the host, refused when it does not verify, skipped with --insecure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 14

# OpenSSL is opened only when a load needs TLS: every other run starts
# without libssl and libcrypto (glibc's loader lists what it loads).
loaded=$(LD_DEBUG=libs "$PERFOPS" --version 2>&1 >/dev/null |
	grep -cE 'calling init:.*lib(ssl|crypto)')
is "$loaded" 0 "a run without TLS loads neither libssl nor libcrypto"

start_tls_nginx 13
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
	-keyout "$T/other-key.pem" -out "$T/other.pem" 2>/dev/null

run "$PERFOPS" load -c 4 -t 2 -d 0.5s --cacert "$D/cert.pem" --json \
	"https://localhost:$NGINX_PORT/index.html"
is "$rc" 0 "https with the issuer trusted: exit 0"
n=$(jget "$T/out" o.requests)
nginx_logged "$D/access.log" "$n"
is "$(grep -cE '^GET /index.html 200 "localhost" TLSv1\.[23] HTTP/1.1 - "-"$' "$D/access.log")" "$n" \
	"every request over TLS with SNI 'localhost' in nginx's log ($n)"
is "$(jget "$T/out" 'o.errors.total + ":" + o.connections.achieved')" "0:4" "no errors, 4 connections"

: >"$D/access.log"
run "$PERFOPS" load -c 2 -d 0.3s --cacert "$D/cert.pem" "https://127.0.0.1:$NGINX_PORT/index.html"
nginx_logged "$D/access.log" 1
is "$rc:$(sed 's/TLSv1\.[23]/TLS/' "$D/access.log" | sort -u)" '0:GET /index.html 200 "-" TLS HTTP/1.1 - "-"' \
	"an IP address is verified against the certificate, without SNI"

run "$PERFOPS" load -c 2 -d 0.3s --cacert "$T/other.pem" "https://localhost:$NGINX_PORT/"
is "$rc" 1 "a certificate that does not verify: exit 1"
like "$err" "no response from localhost:$NGINX_PORT: [1-9][0-9]* connect errors \\(TLS certificate does not verify: self-signed certificate \\(--cacert FILE to trust its issuer, --insecure to skip the check\\)\\)" \
	"the message says why and what to do"

run "$PERFOPS" load -c 2 -d 0.3s --insecure --json "https://localhost:$NGINX_PORT/index.html"
is "$rc:$(jget "$T/out" o.errors.total)" "0:0" "--insecure skips the check"

# A new connection for every request (Connection: close): each resumes
# the thread's TLS session, as wrk does, but the first ones of the thread
# (one or two: the second may start after the first got its session).
: >"$D/reuse.log"
run "$PERFOPS" load -c 2 -t 1 -d 0.5s --cacert "$D/cert.pem" -H 'Connection: close' --json \
	"https://localhost:$NGINX_PORT/index.html"
n=$(jget "$T/out" o.requests)
nginx_logged "$D/reuse.log" "$n"
full=$(grep -c '^\.$' "$D/reuse.log")
is "$rc:$(grep -c '^r$' "$D/reuse.log"):$((full >= 1 && full <= 2))" "0:$((n - full)):1" \
	"Connection: close over TLS: $n requests, all but the first $full connections resumed"

# https:// to a plain HTTP port, the usual slip: the message says so.
run "$PERFOPS" load -c 1 -d 0.2s "https://127.0.0.1:$NGINX_PORT2/"
is "$rc" 1 "https:// to a plain HTTP port: exit 1"
like "$err" "^perfops: no response from 127.0.0.1:$NGINX_PORT2: [1-9][0-9]* connect errors \\(TLS handshake failed: wrong version number \\(the port speaks plain HTTP: use http://\\)\\)" \
	"the message names the slip and the fix"
run "$PERFOPS" load -c 1 -d 0.3s --cacert "$D/cert.pem" "http://127.0.0.1:$NGINX_PORT/"
like "$out" "Status codes: 400: [1-9]" \
	"plain HTTP to the TLS port: nginx answers 400, counted"

# A TLS 1.2 renegotiation (openssl s_server -www renegotiates on GET
# /reneg, then waits for the ClientHello) met by a full send buffer: the
# preload tests/helper/write-stall.c fails the ClientHello's write once
# with EAGAIN, so SSL_read says WANT_WRITE.  The read is retried when the
# socket is writable; waiting for readability instead waits for ever, as
# the server waits for the ClientHello.
SP=$("$LS" --free-port)
stdbuf -oL openssl s_server -tls1_2 -www -accept "127.0.0.1:$SP" \
	-cert "$D/cert.pem" -key "$D/key.pem" >"$T/ss.out" 2>&1 &
_pids="$_pids $!"
for i in $(seq 50); do
	grep -q ACCEPT "$T/ss.out" && break
	sleep 0.1
done
run env LD_PRELOAD="$BUILD/tests/helper/libwrite-stall.so" "$PERFOPS" load -c 1 -t 1 -d 0.5s \
	--timeout 2s --cacert "$D/cert.pem" --json "https://localhost:$SP/reneg"
is "$rc:$(jget "$T/out" o.errors.total)" "0:0" \
	"renegotiation while the send buffer is full: exit 0, no timeout"
is "$(jget "$T/out" o.requests)" "$(grep -c '^SSL_renegotiate -> 1' "$T/ss.out")" \
	"every request renegotiated and answered, as the server counts them ($(jget "$T/out" o.requests))"
