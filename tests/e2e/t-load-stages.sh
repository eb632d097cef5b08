#!/bin/bash
# perfops load --preset and --find-max: each preset sends the area under
# its documented shape (checked against the server's own count); the
# search finds the rate a server of known capacity can hold.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 7

# Areas under the shapes of perfops-load(1), in units of P x D.
for p in "load 0.9" "spike 0.23" "stress 1.4" "breakpoint 0.5"; do
	set -- $p
	start_server "$1"
	run "$PERFOPS" load --preset "$1" --rate 200 -c 20 -d 1s --json "http://127.0.0.1:$PORT/"
	stop_server
	want=$(printf '%.0f' "$(echo "200 * $2" | bc -l)")
	is "$(jget "$T/out" o.requests):$(cat "$T/$1.count")" "$want:$want" \
		"--preset $1 sends $2 x rate x duration ($want requests)"
done

run "$PERFOPS" load --preset load --stage 1s:1 http://127.0.0.1:1/
is "$rc:$err" "2:perfops load: --stage, --preset and --find-max exclude each other (see 'perfops help load')" \
	"--preset and --stage together: exit 2"

# Two connections to a server that takes 10 ms per request hold 200
# requests/s; past that the queue grows and p(99) passes 100 ms within a
# run of 0.25 s at 400/s.  The search must land between 100 and 400.
start_server cap --delay 10
run "$PERFOPS" load --find-max 'p(99)<100ms' --rate 25 -c 2 -t 1 -d 0.25s --json \
	"http://127.0.0.1:$PORT/"
stop_server
is "$rc" 0 "--find-max finds a rate that holds"
best=$(jget "$T/out" o.max_rate)
is "$(jget "$T/out" 'o.max_rate >= 100 && o.max_rate < 400')" true \
	"--find-max: $best req/s, where 2 connections x 10 ms hold 200"
