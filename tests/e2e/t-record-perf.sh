#!/bin/bash
# perfops record against perf record + perf report on the same workload:
# each records a whole run of exactly 20 cpu rounds (hot_a, hot_b, hot_c
# in each), so both see the same work, whose split does not depend on how
# busy the machine is.  (Attached to one process for two seconds each, the
# two windows began apart, and on a loaded machine, where a round takes
# longer, the part-rounds at their ends moved the shares: hot_a at 58.9%
# for perfops, 52.3% for perf, under stress-ng --cpu 2.)
. "$(dirname "$0")/lib.sh"
plan 4

if ! command -v perf >/dev/null || ! perf record -q -e cpu-clock -o "$T/probe.data" -- true >/dev/null 2>&1; then
	skip "perf is not installed or cannot record here" 4
	exit 0
fi
run "$PERFOPS" record -F 499 -o "$T/probe.folded" -- true
if [ "$rc" -eq 3 ]; then
	skip "perf_event_open not usable by perfops here" 4
	exit 0
fi

perf record -q -e cpu-clock -F 999 -g -o "$T/perf.data" -- "$W" cpu 0 20 >/dev/null 2>&1
run "$PERFOPS" record -g fp -F 999 -o "$T/po.folded" -- "$W" cpu 0 20
perf report -i "$T/perf.data" --no-children -g none --stdio --sort symbol 2>/dev/null |
	awk '{ for (i = 1; i < NF; i++) if ($i == "[.]" && $(i+1) ~ /^hot_[abc]$/) {
		v = $1; sub("%", "", v); print $(i+1), v } }' >"$T/perf.pct"
awk '{ t += $NF; n = split($1, f, ";"); if (f[n] ~ /^hot_[abc]$/) s[f[n]] += $NF;
	else if (f[n] == "keep" && f[n-1] ~ /^hot_/) s[f[n-1]] += $NF }
	END { for (k in s) printf "%s %.2f\n", k, 100 * s[k] / t }' "$T/po.folded" >"$T/po.pct"
diag "perf: $(tr '\n' ' ' <"$T/perf.pct")"
diag "perfops: $(tr '\n' ' ' <"$T/po.pct")"
is "$(wc -l <"$T/perf.pct" | tr -d ' ')" 3 "perf report shows the three hot functions"
for f in hot_a hot_b hot_c; do
	p=$(awk -v f=$f '$1 == f { print $2 }' "$T/perf.pct")
	q=$(awk -v f=$f '$1 == f { print $2 }' "$T/po.pct")
	awk -v p="${p:-0}" -v q="${q:-100}" 'BEGIN { d = p - q; exit !(d <= 5 && d >= -5) }'
	ok $? "$f: perfops ${q}% vs perf ${p}% within 5 points"
done
