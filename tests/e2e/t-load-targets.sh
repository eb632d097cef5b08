#!/bin/bash
# perfops load --targets: vegeta's http format and its JSON lines, each
# target's method, path, headers and body checked in nginx's access log;
# targets taken in turn (exactly, also across shards) or at random; bad
# files named with their line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 14

if ! start_nginx "$T/ng"; then
	skip "nginx not installed (scripts/install-deps --check)" 14
	exit 0
fi
U=http://127.0.0.1:$NGINX_PORT
echo hello >"$T/ng/www/index.html"
printf 'a=1&b=2' >"$T/body"
cat >"$T/targets.http" <<EOF_T
# three targets, vegeta's http format
GET $U/index.html
X-One: a

POST $U/echo?x=1
X-Two: b
@$T/body

HEAD $U/index.html
EOF_T
# counts: the access log's lines per distinct line, "N line" sorted.
counts() { sort "$T/ng/access.log" | uniq -c | sed 's/^ *//'; }

run "$PERFOPS" load --targets "$T/targets.http" --rate 300 -c 10 -d 1s --json
nginx_logged "$T/ng/access.log" 300
is "$rc:$(jget "$T/out" 'o.requests + ":" + o.errors.total')" "0:300:0" \
	"http format: 300 requests at 300/s, no errors (HEAD has no body)"
is "$(counts)" '100 GET /index.html 200 - "a" "-"
100 HEAD /index.html 200 - "-" "-"
100 POST /echo?x=1 200 7 "-" "b"' "each target in turn: 100 each, with its method, headers and body"

cat >"$T/targets.jsonl" <<EOF_T
{"method": "GET", "url": "$U/index.html", "header": {"X-One": ["a"]}}
{"method": "POST", "url": "$U/echo?x=1", "header": {"X-Two": ["b"]}, "body": "$(printf 'a=1&b=2' | base64)"}

{"method": "HEAD", "url": "$U/index.html"}
EOF_T
: >"$T/ng/access.log"
run "$PERFOPS" load --targets "$T/targets.jsonl" --rate 300 -c 10 -d 1s -H 'X-Two: all'
nginx_logged "$T/ng/access.log" 300
is "$rc" 0 "JSON lines: exit 0"
is "$(counts)" '100 GET /index.html 200 - "a" "all"
100 HEAD /index.html 200 - "-" "all"
100 POST /echo?x=1 200 7 "-" "b"' "JSON lines: the same requests, -H added to the targets (nginx logs a header's first value)"

# Three shards take their places in one schedule: together, 100 each.
: >"$T/ng/access.log"
for i in 1 2 3; do
	"$PERFOPS" load --targets "$T/targets.http" --shard $i/3 --rate 300 -c 9 -d 1s \
		>/dev/null 2>"$T/s$i.err" &
	eval "p$i=\$!"
done
wait $p1 $p2 $p3
nginx_logged "$T/ng/access.log" 300
is "$(counts | cut -d' ' -f1-2 | tr '\n' ' ')" "100 GET 100 HEAD 100 POST " \
	"3 shards: the targets in the turn of one process, 100 each"

: >"$T/ng/access.log"
run "$PERFOPS" load --targets "$T/targets.http" --random-targets --rate 300 -c 10 -d 1s --json
nginx_logged "$T/ng/access.log" 300
is "$(jget "$T/out" o.requests):$(wc -l <"$T/ng/access.log")" "300:300" "--random-targets: 300 sent"
is "$(counts | awk '$1 > 50 && $1 < 150' | wc -l)" 3 "--random-targets: each target about a third ($(counts | cut -d' ' -f1-2 | tr '\n' ' '))"

# Bad input.
printf 'GET %s/\nnot a header\n' "$U" >"$T/bad.http"
run "$PERFOPS" load --targets "$T/bad.http" -d 0.2s
is "$rc:$err" "1:perfops: $T/bad.http:2: expected a header 'Name: value' or '@body-file'" \
	"a line that is no header: exit 1, file and line"
printf 'GET %s/\n\nGET http://127.0.0.2:%s/\n' "$U" "$NGINX_PORT" >"$T/two.http"
run "$PERFOPS" load --targets "$T/two.http" -d 0.2s
like "$err" "every target must go to one scheme, host and port \\(http://127.0.0.1:$NGINX_PORT, then http://127.0.0.2:$NGINX_PORT\\)" \
	"targets on two hosts: named"
is "$rc" 1 "targets on two hosts: exit 1"
printf '{"url": 5}\n' >"$T/bad.jsonl"
run "$PERFOPS" load --targets "$T/bad.jsonl" -d 0.2s
is "$rc:$err" "1:perfops: $T/bad.jsonl:1: \"url\" must be a string" "JSON lines: a bad field named"
printf 'GET %s/\n@%s/missing\n' "$U" "$T" >"$T/nobody.http"
run "$PERFOPS" load --targets "$T/nobody.http" -d 0.2s
like "$err" "cannot open '$T/missing'" "a body file that is missing: named"
run "$PERFOPS" load --targets "$T/targets.http" "$U/"
is "$rc" 2 "--targets and a URL: exit 2"
run "$PERFOPS" load --targets "$T/targets.http" -m POST
is "$rc" 2 "--targets and -m: exit 2"
