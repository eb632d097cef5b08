#!/bin/bash
# perfops record's pprof and speedscope outputs, read back by their own
# tools: go tool pprof -top agrees with perfops report on the top function.
. "$(dirname "$0")/lib.sh"
plan 13

need_record 13

run "$PERFOPS" record -o "$T/p.pb.gz" -o "$T/p.json" -o "$T/p.folded" -- "$W" cpu 2
is "$rc" 0 "record writes pprof, speedscope and folded in one run"
[ "$(head -c 2 "$T/p.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
ok $? "the pprof file is gzip"

# perfops' own view of the pprof: the top function by self.
run "$PERFOPS" report -n 1 --json "$T/p.pb.gz"
ours=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["rows"] if "rows" in d else d["functions"]; print(r[0]["function"] if "function" in r[0] else r[0]["name"])' 2>/dev/null)
like "$ours" '^hot_a$' "perfops report: hot_a is the top function of the pprof ($ours)"

if command -v go >/dev/null 2>&1; then
	go tool pprof -top "$T/p.pb.gz" >"$T/top" 2>"$T/top.err"
	ok $? "go tool pprof -top reads the recording"
	theirs=$(awk '/flat%/ { getline; print $NF; exit }' "$T/top")
	is "$theirs" "$ours" "go tool pprof's top function is perfops report's"
	like "$(cat "$T/top")" 'Type: cpu' "the sample type is cpu"
else
	skip "go (Debian golang-go) is absent" 3
fi

# speedscope: valid JSON, samples and weights of equal length per profile.
python3 - "$T/p.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["$schema"].endswith("file-format-schema.json")
frames = d["shared"]["frames"]
assert any(f["name"] == "hot_a" for f in frames)
for p in d["profiles"]:
    assert p["type"] == "sampled"
    assert len(p["samples"]) == len(p["weights"]) > 0
    assert all(0 <= i < len(frames) for s in p["samples"] for i in s)
PY
ok $? "the speedscope file follows the schema's shape"

# The folded output and the pprof describe the same total.
ft=$(awk '{ s += $NF } END { printf "%.0f", s }' "$T/p.folded")
"$PERFOPS" collapse "$T/p.pb.gz" >"$T/from-pprof.folded" 2>/dev/null
pt=$(awk '{ s += $NF } END { printf "%.0f", s }' "$T/from-pprof.folded")
is "$pt" "$ft" "the pprof and the folded output carry the same total"

# Inline frames from DWARF (inl_inner is inlined into inl_outer), and
# file:line in the pprof.
run "$PERFOPS" record -o "$T/in.folded" -o "$T/in.pb.gz" -- "$W" inline 1
grep -qE ';inl_outer;inl_inner ' "$T/in.folded"
ok $? "an inlined function is its own frame under its caller"
run "$PERFOPS" record --no-inline -o "$T/noin.folded" -- "$W" inline 0.5
! grep -q 'inl_inner' "$T/noin.folded" && grep -qE ';inl_outer ' "$T/noin.folded"
ok $? "--no-inline leaves it in its caller"
if command -v go >/dev/null 2>&1; then
	like "$(go tool pprof -top "$T/in.pb.gz" 2>/dev/null)" 'inl_inner \(inline\)' "go tool pprof sees it as inline"
	like "$(go tool pprof -top -lines "$T/p.pb.gz" 2>/dev/null)" 'hot_a .*workload\.c:[0-9]+' "pprof lines carry file:line"
else
	skip "go (Debian golang-go) is absent" 2
fi
run "$PERFOPS" report --json -n 1 "$T/in.pb.gz"
like "$out" 'inl_inner' "perfops report reads the inline frame back from pprof"
