#!/bin/bash
# perfops load --hlog, --csv, --shard and `perfops load merge`: the
# interval log decoded by hdr-histogram-js (an independent reader) gives
# perfops' own counts and percentiles; three shards merged give the
# request count and percentiles of one unsharded run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/load-lib.sh"
plan 18

JS=$TOP/tests/e2e/load-js
if [ ! -d "$JS/node_modules/hdr-histogram-js" ]; then
	(cd "$JS" && npm install --no-audit --no-fund --silent >/dev/null 2>&1)
fi
have_js=0
[ -d "$JS/node_modules/hdr-histogram-js" ] && have_js=1

# One open-loop run of 2.5 s at 200/s over a 1 s stall (0.5..1.5 s).
start_server one --stall 1000:5:500
run "$PERFOPS" load --rate 200 -c 50 -t 2 -d 2.5s --json --hlog "$T/one.hlog" \
	--csv "$T/one.csv" "http://127.0.0.1:$PORT/"
stop_server
is "$rc" 0 "--hlog and --csv: exit 0"
cp "$T/out" "$T/one.json"
is "$(head -1 "$T/one.hlog")" "#[Histogram log format version 1.2]" "an interval log header"
is "$(grep -c ',HISTFAAA' "$T/one.hlog")" 9 "3 intervals x 3 histograms, V2-encoded"

if [ $have_js = 1 ]; then
	node "$JS/hlog.js" "$T/one.hlog" >"$T/js.json"
	is "$(jget "$T/js.json" 'o.latency.count + "," + o.service.count + "," + o.send_lag.count')" \
		"$(jget "$T/one.json" 'o.requests + "," + o.requests + "," + o.requests')" \
		"hdr-histogram-js: every response in each of the three histograms"
	for k in p50 p90 p99 p99_9 max; do
		is "$(jget "$T/js.json" "o.latency.$k / 1000")" "$(jget "$T/one.json" "o.latency_ms.$k")" \
			"hdr-histogram-js: latency $k as perfops reports it"
	done
	# The last interval runs on while the last answers come in (drain_s).
	drain=$(jget "$T/one.json" o.drain_s)
	is "$(jget "$T/js.json" "o.latency.lengths.slice(0, 2).join(' ') + ':' + (Math.abs(o.latency.lengths[2] - 0.5 - $drain) <= 0.002)")" \
		"1 1:true" "1 s intervals, the last one 0.5 s and the drain (${drain} s)"
else
	skip "npm could not install hdr-histogram-js" 7
fi

# CSV: one row a second, adding up to the run.
is "$(awk -F, 'NR > 1 { n++; s += $2 } END { print n ":" s }' "$T/one.csv")" \
	"3:$(jget "$T/one.json" o.requests)" "--csv: 3 rows, requests add up"

# Three shards at once, each with a third of the rate, against a server
# that stalls the same way; then one process with the whole load.
start_server shards --stall 1000:5:500
for i in 1 2 3; do
	"$PERFOPS" load --shard $i/3 --rate 300 -c 30 -t 1 -d 2s --hlog "$T/s$i.hlog" \
		"http://127.0.0.1:$PORT/" >/dev/null 2>"$T/s$i.err" &
	eval "p$i=\$!"
done
wait $p1 $p2 $p3
stop_server
run "$PERFOPS" load merge --json "$T/s1.hlog" "$T/s2.hlog" "$T/s3.hlog"
is "$rc" 0 "load merge: exit 0"
cp "$T/out" "$T/merged.json"
start_server whole --stall 1000:5:500
run "$PERFOPS" load --rate 300 -c 30 -t 1 -d 2s --json "http://127.0.0.1:$PORT/"
stop_server
is "$(jget "$T/merged.json" 'o.requests + ":" + o.rate + ":" + o.connections.asked'):$(cat "$T/shards.count")" \
	"$(jget "$T/out" 'o.requests + ":" + o.rate + ":" + o.connections.asked'):600" \
	"3 shards merged: the requests, rate and connections of one run (600)"
# A quantile of the merged histogram lies between the shards' own (each
# shard read alone by the same merge); comparing with the one-process run
# instead would time the machine (at load 4 the backlog after the stall
# took 190 ms more with four processes on two cores than with two).
for i in 1 2 3; do
	"$PERFOPS" load merge --json "$T/s$i.hlog" >"$T/one$i.json" 2>/dev/null
done
q() { jget "$1" "o.latency_ms.$2"; }
inside=1
for k in p90 p99; do
	m=$(q "$T/merged.json" $k)
	awk -v m="$m" -v a="$(q "$T/one1.json" $k)" -v b="$(q "$T/one2.json" $k)" -v c="$(q "$T/one3.json" $k)" '
		BEGIN { lo = a; hi = a; if (b < lo) lo = b; if (c < lo) lo = c; if (b > hi) hi = b; if (c > hi) hi = c
			exit !(m >= lo - 0.001 * lo && m <= hi + 0.001 * hi && m > 400) }' || inside=0
done
is "$inside" 1 "3 shards merged: p90 and p99 between the shards' own, above the stall's 400 ms (merged p99 $(q "$T/merged.json" p99), shards $(q "$T/one1.json" p99) $(q "$T/one2.json" p99) $(q "$T/one3.json" p99) ms)"

# Merged second by second (the agents' intervals aligned by start time).
run "$PERFOPS" load merge --csv "$T/m.csv" --hlog "$T/m.hlog" "$T/s1.hlog" "$T/s2.hlog" "$T/s3.hlog"
is "$(awk -F, 'NR > 1 { n++; s += $2 } END { print n ":" s }' "$T/m.csv")" "2:600" \
	"merge --csv: 2 seconds of the 3 agents, 600 responses"
if [ $have_js = 1 ]; then
	node "$JS/hlog.js" "$T/m.hlog" >"$T/mjs.json"
	is "$(jget "$T/mjs.json" 'o.latency.intervals + ":" + o.latency.count + ":" + o.latency.p99 / 1000')" \
		"2:600:$(jget "$T/merged.json" o.latency_ms.p99)" "merge --hlog: 2 intervals hdr-histogram-js reads, the merged p99"
else
	skip "npm could not install hdr-histogram-js"
fi

run "$PERFOPS" load merge --threshold 'p(99)<100ms' "$T/s1.hlog" "$T/s2.hlog" "$T/s3.hlog"
is "$rc" 4 "merge evaluates thresholds on the merged data: exit 4"
printf 'not a log\n' >"$T/bad.hlog"
run "$PERFOPS" load merge "$T/bad.hlog"
is "$rc:$err" "1:perfops: $T/bad.hlog:1: expected START,LENGTH,MAX,HISTOGRAM" "a file that is no log: exit 1, named"
