#!/bin/bash
# perfops explain on plans as psql displays them with its other settings:
# \pset format wrapped (lines cut at the width, marked '.' or '…'), \x (or
# \x auto on a wide plan: one record per line), the unicode linestyle
# ('↵' newline marks in a JSON plan), every border; and auto_explain's
# plans in the server's log, text and JSON.  One plan is run once;
# psql then displays its lines as it displays EXPLAIN's own result (one
# text column named "QUERY PLAN"), and each display must read as the
# plain lines do, node for node.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg-lib.sh"
N=47
plan $N
# jsonlog exists from PostgreSQL 15 on.
dest=stderr,csvlog
pg_find && [ "$("$bindir/postgres" --version | sed -E 's/.* ([0-9]+)[.].*/\1/')" -ge 15 ] && dest=$dest,jsonlog
pg_up $((N)) $((N - 1)) -c max_parallel_workers_per_gather=0 \
	-c logging_collector=on -c log_directory=$T/pg/logs -c log_filename=pg \
	-c log_destination=$dest

psql_ >/dev/null <<'EOF'
CREATE TABLE customers (id int PRIMARY KEY, region int);
INSERT INTO customers SELECT i, i % 10 FROM generate_series(1, 5000) i;
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric);
INSERT INTO orders SELECT i, 1 + i % 5000, i % 1000 FROM generate_series(1, 50000) i;
ANALYZE;
CREATE TABLE qp (n serial, "QUERY PLAN" text);
EOF
Q="SELECT c.region, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id
   WHERE o.amount > 100 AND c.id IN (SELECT customer_id FROM orders WHERE amount = 7)
   GROUP BY c.region"
psql_ -At -c "EXPLAIN (ANALYZE, BUFFERS) $Q" >"$T/plan.txt"
"$PERFOPS" explain --json "$T/plan.txt" >"$T/plain.json"
nodes() { jq -c '[.execution_ms, .planning_ms, (.nodes[] | [.label, .parent, .loops, .rows, .plan_rows, .total_ms, .exclusive_ms])]' "$@"; }
want=$(nodes "$T/plain.json")
n=$(jq '.nodes | length' "$T/plain.json")
is "$n" "$(grep -c -- '->' "$T/plan.txt" | awk '{print $1 + 1}')" "the plain lines: $n nodes"

psql_ -c "\\copy qp(\"QUERY PLAN\") FROM '$T/plan.txt'" >/dev/null
show() { psql -X -h "$PGD" -p "$PORT" -U postgres "$@" -c 'SELECT "QUERY PLAN" FROM qp ORDER BY n'; }
for ls in ascii unicode; do
	for b in 0 1 2; do
		show -P format=wrapped -P columns=60 -P border=$b -P linestyle=$ls >"$T/w.txt"
		run "$PERFOPS" explain --json "$T/w.txt"
		is "$rc:$(echo "$out" | nodes)" "0:$want" "\\pset format wrapped, linestyle $ls, border $b"
		show -x -P border=$b -P linestyle=$ls >"$T/x.txt"
		run "$PERFOPS" explain --json "$T/x.txt"
		is "$rc:$(echo "$out" | nodes)" "0:$want" "\\x, linestyle $ls, border $b"
	done
done

# A JSON plan is one multi-line cell: '+' marks each line break, '↵' in
# the unicode linestyle, and wrapped lines are cut as above.
psql_ -At -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) $Q" >"$T/plan.json"
"$PERFOPS" explain --json "$T/plan.json" >"$T/plain-j.json"
want=$(nodes "$T/plain-j.json")
psql_ -c "TRUNCATE qp" -c "\\copy qp(\"QUERY PLAN\") FROM '$T/plan.json' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')" >/dev/null
psql_ -At -c "SELECT string_agg(\"QUERY PLAN\", e'\\n' ORDER BY n) FROM qp" >"$T/one.json"
psql_ -c "TRUNCATE qp" -c "INSERT INTO qp(\"QUERY PLAN\") SELECT pg_read_file('$T/one.json')" >/dev/null 2>&1 ||
	psql_ -c "TRUNCATE qp" -c "INSERT INTO qp(\"QUERY PLAN\") VALUES (\$pq\$$(cat "$T/one.json")\$pq\$)" >/dev/null
show -P linestyle=unicode >"$T/u.txt"
run "$PERFOPS" explain --json "$T/u.txt"
is "$rc:$(echo "$out" | nodes)" "0:$want" "a JSON plan in the unicode linestyle ('↵' marks)"
show -P linestyle=unicode -P format=wrapped -P columns=50 >"$T/uw.txt"
run "$PERFOPS" explain --json "$T/uw.txt"
is "$rc:$(echo "$out" | nodes)" "0:$want" "a JSON plan wrapped in the unicode linestyle"
for ls in ascii unicode; do
	for b in 0 1 2; do
		show -P linestyle=$ls -P border=$b >"$T/ja.txt"
		show -x -P linestyle=$ls -P border=$b >"$T/jx.txt"
		run "$PERFOPS" explain --json "$T/ja.txt"
		a="$rc:$(echo "$out" | nodes)"
		run "$PERFOPS" explain --json "$T/jx.txt"
		is "$a|$rc:$(echo "$out" | nodes)" "0:$want|0:$want" \
			"a JSON plan as one cell and in \\x, linestyle $ls, border $b"
	done
done

# auto_explain in the server's log (the default prefix '%m [%p] '): the
# first plan is read, the TAB and the query text taken off, its duration
# is the execution time; later plans are named.
LOG=$PGD/logs/pg
psql_ >/dev/null <<EOF
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
$Q;
SET auto_explain.log_format = json;
SELECT count(*) FROM orders WHERE customer_id = 7;
EOF
logs=$LOG.csv
[ "${dest%jsonlog}" != "$dest" ] && logs="$logs $LOG.json"
pg_log_sync "$LOG" $logs
CHECK="python3 $TOP/tests/e2e/explain-check.py"
# PostgreSQL's own text of the first plan, from the log.
awk '/  plan:$/ { n++; next } n == 1 && /^\t/ { sub(/^\t/, ""); print; next } n == 1 { exit }' "$LOG" |
	sed -n '/(cost=/,$p' >"$T/ae1.txt"
run "$PERFOPS" explain --json "$LOG"
echo "$out" >"$T/ae1.perfops.json"
like "$rc:$err" "^0:.*pg:[0-9]+: 1 more auto_explain plan in the log from here; only the first \\(line [0-9]+\\) is read" \
	"a log with two auto_explain plans: the first is read, the second named"
c=$($CHECK text "$T/ae1.txt" "$T/ae1.perfops.json" 2>&1)
like "$c" "^execution_ms: perfops [0-9.]+, PostgreSQL None$" \
	"auto_explain's text plan: every node's times, rows and loops are PostgreSQL's"
d=$(grep -m1 -oE 'duration: [0-9.]+ ms  plan:' "$LOG" | grep -oE '[0-9.]+' | head -1)
is "$(jq ".execution_ms == $d" "$T/ae1.perfops.json")" true "its execution time is auto_explain's duration ($d ms)"
# The text report's header names the same line as the warning: the
# auto_explain entry's.
run "$PERFOPS" explain "$LOG"
l=$(grep -n -m1 '  plan:$' "$LOG" | cut -d: -f1)
like "$(echo "$out" | head -1)|$err" "^Plan 1 of [0-9]+ \(line $l\)\|.*only the first \(line $l\) is read" \
	"the first plan is named by its auto_explain line ($l) in the report and the warning"
# The same from the csvlog and the jsonlog (PostgreSQL 15+).
for f in "$LOG.csv" "$LOG.json"; do
	if [ ! -f "$f" ]; then
		skip "no $f (jsonlog needs PostgreSQL 15)"
		continue
	fi
	run "$PERFOPS" explain --json "$f"
	is "$rc:$(echo "$out" | nodes):$(echo "$out" | jq .execution_ms)" \
		"0:$(nodes "$T/ae1.perfops.json"):$(jq .execution_ms "$T/ae1.perfops.json")" \
		"the same first plan from ${f##*.}log"
	# auto_explain prints no Execution Time: no warning that the plan
	# may be cut short, only the count of the others.
	like "$(echo "$err" | wc -l):$err" "^1:perfops: warning: $f:[0-9]+: [0-9]+ more auto_explain plans? in the log from here; " \
		"${f##*.}log: one warning, the other plans counted"
done
# The JSON one: the log from its entry on.
from=$(grep -n '  plan:$' "$LOG" | sed -n 2p | cut -d: -f1)
tail -n +"$from" "$LOG" >"$T/ae2.log"
awk 'NR > 1 && /^\t/ { sub(/^\t/, ""); print; next } NR > 1 { exit }' "$T/ae2.log" |
	jq -s . >"$T/ae2.json"
run "$PERFOPS" explain --json "$T/ae2.log"
echo "$out" >"$T/ae2.perfops.json"
is "$rc:$err" "0:" "auto_explain's JSON plan in a log is read"
c=$($CHECK json "$T/ae2.json" "$T/ae2.perfops.json" 2>&1)
like "$c" "^execution_ms: perfops [0-9.]+, PostgreSQL None$" \
	"auto_explain's JSON plan: every node's times, rows and loops are PostgreSQL's"
d=$(grep -m1 -oE 'duration: [0-9.]+ ms  plan:' "$T/ae2.log" | grep -oE '[0-9.]+' | head -1)
is "$(jq ".execution_ms == $d" "$T/ae2.perfops.json")" true "its execution time is auto_explain's duration ($d ms)"

# FORMAT YAML (as psql shows it, '+' marks) and FORMAT XML: read as the
# JSON format is, checked against the same tree read by PyYAML and
# Python's XML parser.
for fmt in yaml xml; do
	psql_ -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT $fmt) $Q" >"$T/plan.$fmt"
	run "$PERFOPS" explain --json "$T/plan.$fmt"
	echo "$out" >"$T/$fmt.perfops.json"
	is "$rc:$err:$(jq -r .format "$T/$fmt.perfops.json")" "0::$fmt" "FORMAT $fmt is read"
	if ! python3 "$TOP/tests/e2e/explain-yaml-xml.py" $fmt "$T/plan.$fmt" >"$T/$fmt.json" 2>"$T/py.err"; then
		skip "Python cannot read $fmt here: $(tail -1 "$T/py.err")"
		continue
	fi
	c=$($CHECK json "$T/$fmt.json" "$T/$fmt.perfops.json" 2>&1)
	is "$c" "" "FORMAT $fmt: every node's times, rows and loops are PostgreSQL's"
done

# A plan cut short (a paste that stopped mid-way), in each format: one
# line names the input's last line and what is missing, exit 1, and the
# nodes before the cut are reported as the whole plan has them.  In YAML,
# JSON and XML every cut is found: EXPLAIN ANALYZE ends them with a
# footer ("Triggers" even without triggers).  A text plan cut after its
# tree, before "Planning Time", may have been run with SUMMARY OFF: a
# warning says it may be cut there.
psql_ -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) $Q" >"$T/plan.pjson"
cp "$T/plan.txt" "$T/plan.text"
for fmt in yaml pjson xml text; do
	f=$T/plan.$fmt
	last=$(grep -n -vE '^$|^\([0-9]+ rows?\)$' "$f" | tail -1 | cut -d: -f1)
	missed=
	from=$(grep -n -m1 -E 'Node Type|Node-Type|cost=' "$f" | cut -d: -f1)
	for cut in $(seq "$((from + 1))" "$((last - 1))"); do
		head -n "$cut" "$f" >"$T/cut"
		"$PERFOPS" explain --json "$T/cut" >"$T/cut.json" 2>"$T/cut.err"
		st=$?
		if [ $st -ne 1 ] || [ "$(wc -l <"$T/cut.err")" -ne 1 ] ||
			! grep -qE "^perfops: $T/cut:$cut: the plan is cut short here: .+; what could be read is reported$" "$T/cut.err" ||
			[ "$(jq .truncated "$T/cut.json")" != true ]; then
			if [ "$fmt" = text ] && [ "$cut" -ge "$(grep -n -- '->' "$f" | tail -1 | cut -d: -f1)" ] &&
				! sed -n "1,${cut}p" "$f" | grep -q '^Planning Time' && [ $st -eq 0 ] &&
				[ "$(cat "$T/cut.err")" = "perfops: warning: $T/cut:$cut: no Execution Time after the plan: it may be cut short here (EXPLAIN ANALYZE prints one unless SUMMARY OFF); the root's total stands for it" ]; then
				continue
			fi
			missed="$missed $cut($st: $(head -c 200 "$T/cut.err"))"
		fi
	done
	is "$missed" "" "FORMAT $fmt cut at any line from $((from + 1)) to $((last - 1)): exit 1, one line naming it"
	full=$("$PERFOPS" explain --json "$f" | jq -c '.nodes')
	cut=$((last * 2 / 3))
	head -n "$cut" "$f" >"$T/cut"
	got=$("$PERFOPS" explain --json "$T/cut" 2>/dev/null | jq -c '.nodes')
	same=$(jq -n --argjson a "$full" --argjson b "$got" \
		'($b | length) as $k | $k >= 2 and
		 ([$b[] | [.label, .parent]] == [$a[:$k][] | [.label, .parent]]) and
		 ([$b[:$k - 1][] | [.loops, .rows, .total_ms]] == [$a[:$k - 1][] | [.loops, .rows, .total_ms]])')
	is "$same" true "FORMAT $fmt cut at line $cut of $last: the nodes before the cut are the whole plan's"
done

# auto_explain's YAML and XML in the log: no "- " list, no <Query>.
for fmt in yaml xml; do
	psql_ >/dev/null <<EOF
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_format = $fmt;
SELECT count(*) FROM orders WHERE customer_id < 100;
EOF
	pg_log_sync "$LOG"
	from=$(grep -n '  plan:$' "$LOG" | tail -1 | cut -d: -f1)
	tail -n +"$from" "$LOG" | awk 'NR == 1 || /^\t/ { print; next } { exit }' >"$T/ae-$fmt.log"
	d=$(head -1 "$T/ae-$fmt.log" | grep -oE 'duration: [0-9.]+' | grep -oE '[0-9.]+')
	n=$(grep -cE 'Node Type: |<Node-Type>' "$T/ae-$fmt.log")
	run "$PERFOPS" explain --json "$T/ae-$fmt.log"
	is "$rc:$(echo "$out" | jq -c "[.format, (.nodes | length), .execution_ms == $d]")" "0:[\"$fmt\",$n,true]" \
		"auto_explain's $fmt plan in a log: $n nodes, its duration"
done
