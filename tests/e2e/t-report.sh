#!/bin/bash
# perfops report, and pprof in and out: the Go fixtures (written by Go's
# runtime/pprof, tests/data/pprof/gen-go) read as `go tool pprof` reads
# them, and the pprof perfops writes read back by `go tool pprof`.
. "$(dirname "$0")/lib.sh"

data=$TOP/tests/data/pprof
gocpu=$data/go-cpu.pb.gz
folded=$TOP/tests/data/collapse/perf6-fp-cpuclock-collapsed-tid.txt
plan 24

# The first function of `go tool pprof -top` (by flat) and its flat value.
go_top() {
	go tool pprof -top "$@" 2>/dev/null |
		awk '/^ *flat/ { on = 1; next } on { print $NF; exit }'
}
# The first function name of `perfops report --json`.
po_top() {
	"$PERFOPS" report --json -n 1 "$@" 2>/dev/null |
		sed -n 's/^      "name": "\(.*\)",$/\1/p' | head -1
}

# 1. Reading Go's profiles.
run "$PERFOPS" report "$gocpu"
ok $rc "report reads a Go CPU profile"
like "$out" '^.*go-cpu.pb.gz: cpu \(nanoseconds\), total 1500.00ms in 150 samples' \
	"header: value, total and sample count"
like "$out" '970.00ms +64.67% +97 +1500.00ms 100.00% +150  main.hot' \
	"main.hot self and total as go tool pprof prints them"
like "$out" '510.00ms +34.00% +51 +510.00ms +34.00% +51  main.mix' \
	"inlined main.mix is a function of its own"
run "$PERFOPS" report --per-thread -n 2 "$gocpu"
like "$out" '^worker \(29.33% of all\): total 440.00ms in 44 samples' \
	"--per-thread: Go's thread label is a thread"
run "$PERFOPS" report --value alloc_space -n 2 "$data/go-heap.pb.gz"
like "$out" 'alloc_space \(bytes\), total 20.05MB' "--value picks a heap sample type (go tool pprof: 20530.72kB)"
run "$PERFOPS" collapse "$gocpu"
like "$out" '^worker;runtime.main;main.main;runtime/pprof.Do;main.main.func1;main.warm;main.hot;main.mix 150000000$' \
	"collapse folds pprof with the main value and a thread root"
run "$PERFOPS" flamegraph "$gocpu" -o "$T/go.svg"
ok $rc "flamegraph draws a pprof profile"
like "$(cat "$T/go.svg" 2>/dev/null)" 'main\.hot \(1,060,000,000 ns, 70.67%\)' "flame graph weighs frames by cpu time"

# 2. Against go tool pprof (skipped without go).
if command -v go >/dev/null 2>&1; then
	is "$(po_top "$gocpu")" "$(go_top "$gocpu")" \
		"top function of the Go profile matches go tool pprof"
	is "$(po_top --value alloc_space "$data/go-heap.pb.gz")" \
		"$(go_top -sample_index=alloc_space "$data/go-heap.pb.gz")" \
		"top heap function (alloc_space) matches go tool pprof"
	# Our pprof, from folded stacks and from Go's own profile.
	run "$PERFOPS" report "$folded" -o "$T/ours.pb.gz"
	ok $rc "report -o writes pprof"
	run go tool pprof -top "$T/ours.pb.gz"
	ok $rc "go tool pprof -top reads our pprof"
	is "$(go_top "$T/ours.pb.gz")" "$(po_top "$folded")" \
		"top function of our pprof in go tool pprof matches perfops report"
	like "$out" 'of 627627627 total' "go tool pprof sees the same total"
	"$PERFOPS" report "$gocpu" -o "$T/go2.pb.gz" >/dev/null
	run go tool pprof -top "$T/go2.pb.gz"
	like "$out" 'Total samples = 1500ms' "Go profile rewritten by perfops: same total"
	like "$out" '510ms 34.00% .* main\.mix \(inline\)' \
		"inline frames survive as inline Lines"
	run go tool pprof -tags "$T/go2.pb.gz"
	like "$out" '440.0ms \( *100%\): worker' "thread label survives"
else
	skip "go (golang-go) is not installed" 8
fi

# 3. Conversions and round trips.
"$PERFOPS" report "$folded" -o "$T/a.pb.gz" >/dev/null &&
	"$PERFOPS" report "$T/a.pb.gz" -o "$T/b.folded" >/dev/null
ok $? "folded -> pprof -> folded"
if cmp -s "$T/b.folded" "$folded"; then ok 0 "round trip through pprof is exact"
else ok 1 "round trip through pprof is exact"; diff "$T/b.folded" "$folded" | head -3 | sed 's/^/# /'; fi
run "$PERFOPS" report "$gocpu" -o "$T/s.json"
if command -v python3 >/dev/null 2>&1; then
	res=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = len(d["shared"]["frames"])
ok = all(len(p["samples"]) == len(p["weights"]) and
         all(0 <= i < n for s in p["samples"] for i in s) for p in d["profiles"])
print(ok, len(d["profiles"]), sum(sum(p["weights"]) for p in d["profiles"]), d["profiles"][0]["unit"])
' "$T/s.json" 2>&1)
	is "$res" "True 2 1500000000 nanoseconds" "speedscope: valid, one profile per thread, weights sum to the total"
else
	skip "python3 is not installed"
fi

# 4. Errors.
printf 'garbage\x00\x01\x02' >"$T/bad"
run "$PERFOPS" report "$T/bad"
is "$rc" 1 "garbage exits 1"
head -c 300 "$gocpu" >"$T/cut.pb.gz"
run "$PERFOPS" report "$T/cut.pb.gz"
like "$rc:$err" '^1:perfops: .*cut.pb.gz: truncated gzip data' "truncated pprof: exit 1 and a clear message"
run "$PERFOPS" report --sort bogus "$gocpu"
is "$rc" 2 "bad --sort is a usage error"
