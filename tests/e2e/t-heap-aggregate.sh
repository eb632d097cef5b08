#!/bin/bash
# perfops heap keeps an aggregated profile (per site, not per event): its
# size follows the allocation sites, not the run's length, and every
# report from it is the report of the event stream (--raw) it came from.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/heap-lib.sh"
plan 31

# The same churn program, 20 times longer: the raw stream grows 20x, the
# profile by at most its timeline (100 points of at most 26 bytes).
for n in 100000 2000000; do
	run "$PERFOPS" heap -o "$T/c$n.heap" --raw "$T/c$n.raw" -- "$H" churn $n
done
s1=$(stat -c %s "$T/c100000.heap"); s2=$(stat -c %s "$T/c2000000.heap")
r1=$(stat -c %s "$T/c100000.raw"); r2=$(stat -c %s "$T/c2000000.raw")
diag "churn 100k: profile $s1 bytes, raw $r1; churn 2M: profile $s2, raw $r2"
[ "$r2" -gt $((r1 * 15)) ] && [ "$s2" -le $((s1 + 2600)) ] && [ "$s2" -lt 8192 ]
ok $? "churn 2M: a profile of $s2 bytes (100k: $s1), from $r2 bytes of events (100k: $r1)"
run "$PERFOPS" heap report --json "$T/c2000000.heap"
like "$rc:$(tr -d ' \n' <"$T/out")" '^0:\{"mode":"exact","allocations":2000000,"frees":2000000,' "the profile has every allocation and free"
ls "$T"/*.partial >/dev/null 2>&1
is "$?" 2 "no event stream is left behind (FILE.partial)"

# same NAME ARGS...: report --json (and the text report) of NAME.heap and
# NAME.raw are the same documents.
same() {
	local name=$1
	shift
	"$PERFOPS" heap report "$@" --json "$T/$name.heap" >"$T/$name.agg.json" 2>"$T/err.a"
	"$PERFOPS" heap report "$@" --json "$T/$name.raw" >"$T/$name.raw.json" 2>"$T/err.r"
	cmp -s "$T/$name.agg.json" "$T/$name.raw.json" &&
		[ "$(wc -c <"$T/$name.raw.json")" -gt 1000 ] &&
		"$PERFOPS" heap report "$@" "$T/$name.heap" >"$T/$name.agg.txt" 2>/dev/null &&
		"$PERFOPS" heap report "$@" "$T/$name.raw" >"$T/$name.raw.txt" 2>/dev/null &&
		cmp -s "$T/$name.agg.txt" "$T/$name.raw.txt"
}
rec() {
	local name=$1
	shift
	"$PERFOPS" heap -o "$T/$name.heap" --raw "$T/$name.raw" "$@" >/dev/null 2>&1
}

rec leak -- "$H" leak 100 1000
same leak
ok $? "leak: the report from the profile is the report from the events"
is "$(jf "$T/leak.agg.json" leaked_blocks):$(jf "$T/leak.agg.json" leaked_bytes)" "100:100000" "leak: 100 blocks of 1000 leaked"
rec fork -- "$H" fork 7 300
same fork
ok $? "fork: the same report from the profile and from the events"
is "$(grep -c '"end": "exit"' "$T/fork.agg.json")" 2 "fork: both processes are in the profile"
rec exec -- "$H" exec 5 100
same exec
ok $? "exec: the same report from the profile and from the events"
rec thr -- "$H" threads 4 50000
same thr
ok $? "threads: the same report from the profile and from the events"
like "$(jf "$T/thr.agg.json" allocations):$(jf "$T/thr.raw.json" allocations)" '^([1-9][0-9]{5,}):\1$' "threads: the same allocations, every one of 4 x 50000"
PERFOPS_HEAP_SEED=7 rec samp --sample 4K -- "$H" churn 200000
same samp
ok $? "sampled: the same estimates from the profile and from the events"
like "$(head -3 "$T/samp.agg.json" | tr -d ' \n')" '"mode":"sample"' "sampled: the profile says so"
rec all -- "$H" all
same all
ok $? "every allocation function: the same calls by function"
printf 'leak:leak_one\n' >"$T/supp"
same leak --suppressions "$T/supp"
ok $? "suppressions apply to the profile's sites"
like "$(tr -d ' \n' <"$T/leak.agg.json")" '"leaked_blocks":0,' "suppressed: no leak left"

# Outputs: pprof, folded, flame graphs, the timeline chart, the gates.
for x in heap raw; do
	"$PERFOPS" heap report --profile "$T/f.$x.pb.gz" --timeline "$T/f.$x.tl.svg" "$T/fork.$x" >/dev/null 2>&1
	"$PERFOPS" heap report --weight peak --profile "$T/f.$x.folded" "$T/fork.$x" >/dev/null 2>&1
	"$PERFOPS" heap report --weight leaked --profile "$T/f.$x.svg" "$T/fork.$x" >/dev/null 2>&1
done
cmp -s "$T/f.heap.pb.gz" "$T/f.raw.pb.gz"
ok $? "pprof: the same profile"
cmp -s "$T/f.heap.folded" "$T/f.raw.folded" && [ -s "$T/f.raw.folded" ]
ok $? "folded by peak: the same stacks"
cmp -s "$T/f.heap.svg" "$T/f.raw.svg" && cmp -s "$T/f.heap.tl.svg" "$T/f.raw.tl.svg"
ok $? "flame graph and timeline chart: the same"
run "$PERFOPS" heap report --fail-if 'leaked_blocks>=100' "$T/leak.heap"
is "$rc" 4 "a gate on the profile fails as on the events"

# diff of two profiles: the diff of their events.
"$PERFOPS" heap diff --json "$T/leak.heap" "$T/fork.heap" >"$T/d1" 2>/dev/null
"$PERFOPS" heap diff --json "$T/leak.raw" "$T/fork.raw" >"$T/d2" 2>/dev/null
cmp -s "$T/d1" "$T/d2" && [ -s "$T/d1" ]
ok $? "heap diff of two profiles is the diff of their events"

# Temporaries need the events: the window is given when recording.
rec temp --temporary-window 1000 -- "$H" temp 500
run "$PERFOPS" heap report --json "$T/temp.heap"
is "$(jf "$T/out" temporary)" 1000 "--temporary-window 1000 when recording: 1000 temporaries in the profile"
run "$PERFOPS" heap report --json --temporary-window 1000 "$T/temp.heap"
is "$rc:$(jf "$T/out" temporary)" 0:1000 "the same window when reporting is accepted"
run "$PERFOPS" heap report --temporary-window 3 "$T/temp.heap"
is "$rc:$err" "1:perfops: '$T/temp.heap' holds temporaries counted with --temporary-window 1000, not 3: record it again with --temporary-window 3, or keep its events with --raw FILE" "another window is a one-line error naming the fix"
run "$PERFOPS" heap report --json --temporary-window 499 "$T/temp.raw"
# 500 pairs, and the held blocks, each freed 499 heap events after it
# was allocated.
is "$rc:$(jf "$T/out" temporary)" 0:1000 "the raw events take any window: 500 + 500 with window 499"

# A damaged profile is refused with the reason.
head -c $((s2 / 2)) "$T/c2000000.heap" >"$T/trunc.heap"
run "$PERFOPS" heap report "$T/trunc.heap"
is "$rc:$err" "1:perfops: $T/trunc.heap: truncated heap profile ($((s2 / 2)) bytes of $s2): record it again" "a truncated profile: its size and the fix"
{ head -c 100 "$T/c2000000.heap"; printf 'garbage'; tail -c +108 "$T/c2000000.heap"; } >"$T/bad.heap"
run "$PERFOPS" heap report "$T/bad.heap"
is "$rc:$err" "1:perfops: $T/bad.heap: damaged heap profile (its checksum does not match): record it again" "a damaged profile: its checksum"
run "$PERFOPS" heap report --raw "$T/x" "$T/leak.heap"
is "$rc" 2 "--raw is for running a program"

# The header's flags: a profile from before temporaries were counted as
# heaptrack counts them (no flag) is read with a warning; a flag this
# perfops does not know is refused.
# flags FILE OUT BYTE: FILE with its flags' first byte set to BYTE.
flags() { { head -c 28 "$1"; printf "$3"; tail -c +30 "$1"; } >"$2"; }
flags "$T/temp.heap" "$T/old.heap" '\000'
run "$PERFOPS" heap report --json "$T/old.heap"
is "$rc:$(jf "$T/out" temporary):$err" "0:1000:perfops: warning: $T/old.heap: recorded by an older perfops, whose temporaries allowed frees in between (heaptrack's do not): record it again to compare them" \
	"a profile without the flag: read, with a warning"
flags "$T/temp.heap" "$T/new.heap" '\003'
run "$PERFOPS" heap report "$T/new.heap"
is "$rc:$err" "1:perfops: $T/new.heap: heap profile of version 1, which this perfops does not read (use the perfops that wrote it)" \
	"an unknown flag is refused"

# perfops killed while the program runs: the events stay in FILE.partial,
# which heap report reads.
"$PERFOPS" heap -o "$T/k.heap" -- "$H" sleep 40 500 >/dev/null 2>&1 &
pp=$!
# Until the 40 blocks are flushed (every 100 ms once the program runs).
wait_for 120 "the 40 blocks in k.heap.partial" leaked_in "$T/k.heap.partial" 40
child=$(pgrep -P $pp | head -1)
kill -KILL $pp
sleep 1
kill -KILL "$child" 2>/dev/null
{ wait $pp; } 2>/dev/null
[ ! -e "$T/k.heap" ] && [ -s "$T/k.heap.partial" ]
ok $? "perfops killed: no profile, the events are in k.heap.partial"
run "$PERFOPS" heap report --json "$T/k.heap.partial"
is "$rc:$(jf "$T/out" leaked_blocks):$(jf "$T/out" leaked_bytes)" "0:40:20000" "heap report reads them: the 40 blocks are there"
