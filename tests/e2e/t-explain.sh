#!/bin/bash
# perfops explain against a real PostgreSQL: each node's times and rows are
# compared with the plan the server returns (JSON and text), and queries
# built to show them give the findings (a scan that needs an index, a sort
# spilled under a small work_mem, a misestimate).  The server runs from
# Debian's postgresql package in a temporary directory, on a unix socket
# there, and is stopped when the test ends.
. "$(dirname "$0")/lib.sh"
N=55
plan $N
CHECK="python3 $TOP/tests/e2e/explain-check.py"
DATA=$TOP/tests/data/db

# Bad input needs no server.
run "$PERFOPS" explain "$DATA/malformed-node.txt"
is "$rc" 1 "a malformed plan exits 1"
like "$err" "malformed-node.txt:5: cannot read the numbers of this plan node" \
	"the message names the file and line"
like "$out" "-> Seq Scan on u" "what could be read is still reported"
run "$PERFOPS" explain "$DATA/malformed-truncated.json"
is "$rc:$err" "1:perfops: $DATA/malformed-truncated.json:26: the plan is cut short here: node 0 (HashAggregate) has no child; what could be read is reported" \
	"a truncated JSON plan: exit 1, one line with the line and what is missing"
like "$out" "HashAggregate" "what could be read of it is still reported"
# A query log without auto_explain: one line that says so.
run "$PERFOPS" explain "$TOP/tests/data/db/logs/pg15-default-prefix.log"
is "$rc:$err" "1:perfops: $TOP/tests/data/db/logs/pg15-default-prefix.log: a PostgreSQL log without an auto_explain plan (set auto_explain.log_min_duration)" \
	"a query log given to explain: one line naming the setting"
# Text before a plan (a mail, a psql session): three lines named, the rest
# counted.
{ seq 1 20 | sed 's/^/some text /'; cat "$DATA/pg15-plain.txt"; } >"$T/mail.txt"
run "$PERFOPS" explain "$T/mail.txt"
is "$rc:$(echo "$err" | wc -l):$(echo "$err" | tail -1)" "0:4:perfops: warning: $T/mail.txt: 17 more lines before the plan skipped" \
	"20 lines before the plan: 3 warnings and a count"
# libpq (and the twenty libraries it loads) is opened only by --db: every
# other run starts without it (glibc's loader lists what it loads).
loaded=$(LD_DEBUG=libs "$PERFOPS" explain "$DATA/malformed-node.txt" 2>&1 >/dev/null |
	grep -c 'calling init:.*libpq')
is "$loaded" 0 "explain without --db does not load libpq"

. "$(dirname "$0")/pg-lib.sh"
pg_up $((N - 7)) $((N - 8)) -c max_parallel_workers_per_gather=2

# Tables of known size: 200000 orders over 5000 customers; region and
# bucket are the same column twice, so the planner, which multiplies
# their selectivities, expects 100 times fewer rows than it finds.
psql_ >/dev/null <<'EOF'
CREATE TABLE customers (id int PRIMARY KEY, name text, country text);
INSERT INTO customers SELECT i, 'c' || i, CASE WHEN i % 10 = 0 THEN 'FR' ELSE 'DE' END
  FROM generate_series(1, 5000) i;
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text, amount numeric,
  region int, bucket int);
INSERT INTO orders SELECT i, 1 + i % 5000, CASE WHEN i % 7 = 0 THEN 'shipped' ELSE 'new' END,
  (i * 7919) % 100000 / 100.0, i % 100, i % 100 FROM generate_series(1, 200000) i;
ANALYZE;
EOF
n=$(psql_ -At -c "SELECT count(*) FROM orders")
is "$n" 200000 "200000 orders loaded"

# explain_pg FORMAT SETTINGS SQL > file: PostgreSQL's own plan.
explain_pg() {
	local fmt=$1 set=$2 sql=$3
	if [ "$fmt" = json ]; then
		psql_ -At -c "$set" -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) $sql"
	else
		psql_ -c "$set" -c "EXPLAIN (ANALYZE, BUFFERS) $sql"
	fi
}

# 1. A scan that needs an index.
Q1="SELECT * FROM orders WHERE customer_id = 42"
explain_pg json "SET max_parallel_workers_per_gather = 0" "$Q1" >"$T/q1.json"
run "$PERFOPS" explain --json "$T/q1.json"
echo "$out" >"$T/q1.perfops.json"
is "$rc" 0 "explain --json reads PostgreSQL's JSON plan"
c=$($CHECK json "$T/q1.json" "$T/q1.perfops.json" 2>&1)
is "$c" "" "seq scan: every node's times, rows and loops are PostgreSQL's"
like "$(jq -r '.findings[] | select(.kind == "seq_scan_filter") | .fix' "$T/q1.perfops.json")" \
	"CREATE INDEX ON orders \\(customer_id\\);" \
	"seq_scan_filter names the table and the column of the index"
psql_ -c "CREATE INDEX ON orders (customer_id)" -c "ANALYZE orders" >/dev/null
run "$PERFOPS" explain --json --db "$CONN" "$Q1"
like "$(echo "$out" | jq -r '[.nodes[].type] | join(",")'):$(echo "$out" | jq '[.findings[] | select(.kind == "seq_scan_filter")] | length')" \
	"Index Scan.*:0$|Bitmap Heap Scan.*:0$" \
	"with that index the plan uses it and the finding is gone"
# A node that reads through an index already is not told to add one.
fixes=$(echo "$out" | jq -r '.findings[] | select(.kind == "slow_node") | .fix')
is "$(echo "$fixes" | grep -c .):$(echo "$fixes" | grep -vc '^Reads through an index already')" "$(echo "$fixes" | grep -c .):0" \
	"its slow_node fixes: it reads through an index already, not 'add index'"
psql_ -c "DROP INDEX orders_customer_id_idx" -c "ANALYZE orders" >/dev/null

# 2. The text format of a parallel plan, checked with regular expressions
# over PostgreSQL's own text: wall-clock = time x loops / (workers + 1).
explain_pg text "SET parallel_setup_cost = 0" "SELECT count(*) FROM orders WHERE amount > 10" >"$T/q2.txt"
run "$PERFOPS" explain --json "$T/q2.txt"
echo "$out" >"$T/q2.perfops.json"
is "$rc" 0 "explain --json reads PostgreSQL's text plan as psql prints it"
c=$($CHECK text "$T/q2.txt" "$T/q2.perfops.json" 2>&1)
is "$c" "" "parallel text plan: every node's times, rows and loops are PostgreSQL's"
if grep -q "Workers Launched: [1-9]" "$T/q2.txt"; then
	g=$(jq '[.nodes[] | select(.cpu_total_ms != null)] | length' "$T/q2.perfops.json")
	test "$g" -ge 1
	ok $? "nodes under the Gather carry their CPU total beside the wall-clock one"
else
	skip "no parallel worker could be launched here"
fi

# The same without the leader (parallel_leader_participation off): the
# workers alone ran the scan, wall-clock = time x loops / workers.
psql_ -c "SET parallel_setup_cost = 0" -c "SET parallel_tuple_cost = 0" \
	-c "SET min_parallel_table_scan_size = 0" -c "SET parallel_leader_participation = off" \
	-c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT count(*) FROM orders WHERE amount > 10" -At >"$T/q2b.json"
run "$PERFOPS" explain --json "$T/q2b.json"
echo "$out" >"$T/q2b.perfops.json"
c=$($CHECK json "$T/q2b.json" "$T/q2b.perfops.json" 2>&1)
is "$c" "" "parallel plan without the leader: every node's times are PostgreSQL's"
if jq -e '.. | objects | select(."Workers Launched"? > 0)' "$T/q2b.json" >/dev/null; then
	want=$(jq '[.. | objects | select(."Node Type"? == "Gather")][0].Plans[0]."Actual Total Time"' "$T/q2b.json")
	got=$(jq '(.nodes[] | select(.type == "Gather") | .id) as $g | [.nodes[] | select(.parent == $g)][0].total_ms' "$T/q2b.perfops.json")
	is "$got" "$want" "the Gather's child: its own actual time ($want ms), not a third of its two loops"
else
	skip "no parallel worker could be launched here"
fi

# Parallel Append over partitions, two of which cannot be scanned in
# parallel: each of those is a non-partial subplan that one process runs
# to its end (loops=1), the third is shared.  With VERBOSE, the plan names
# each worker's part ("Worker N:  actual time=... rows=... loops=...").
psql_ >/dev/null <<'EOF2'
CREATE TABLE ev (id int, kind int, pad text) PARTITION BY LIST (kind);
CREATE TABLE ev1 PARTITION OF ev FOR VALUES IN (1);
CREATE TABLE ev2 PARTITION OF ev FOR VALUES IN (2);
CREATE TABLE ev3 PARTITION OF ev FOR VALUES IN (3);
INSERT INTO ev SELECT i, 1 + i % 3, repeat('x', 50) FROM generate_series(1, 150000) i;
ALTER TABLE ev1 SET (parallel_workers = 0);
ALTER TABLE ev2 SET (parallel_workers = 0);
ANALYZE ev;
EOF2
PSET="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0"
QPA="SELECT count(*) FROM ev WHERE pad <> 'y'"
psql_ -c "$PSET" -c "EXPLAIN (ANALYZE, BUFFERS, VERBOSE) $QPA" >"$T/pa.txt"
psql_ -At -c "$PSET" -c "EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON) $QPA" >"$T/pa.json"
psql_ -c "$PSET" -c "EXPLAIN (ANALYZE, BUFFERS) $QPA" >"$T/pa-plain.txt"
if grep -q "Parallel Append" "$T/pa.txt" && grep -q "Workers Launched: 2" "$T/pa.txt"; then
	"$PERFOPS" explain --json "$T/pa.txt" >"$T/pa.perfops.json"
	c=$($CHECK text "$T/pa.txt" "$T/pa.perfops.json" 2>&1)
	is "$c" "" "Parallel Append, VERBOSE text: every node's times, rows and per-worker figures are PostgreSQL's"
	"$PERFOPS" explain --json "$T/pa.json" >"$T/pa-j.perfops.json"
	c=$($CHECK json "$T/pa.json" "$T/pa-j.perfops.json" 2>&1)
	is "$c" "" "Parallel Append, VERBOSE JSON: the same"
	"$PERFOPS" explain --json "$T/pa-plain.txt" >"$T/pa-plain.perfops.json"
	c=$($CHECK text "$T/pa-plain.txt" "$T/pa-plain.perfops.json" 2>&1)
	is "$c" "" "Parallel Append without VERBOSE: a non-partial subplan ran in one process"
	# A non-partial subplan's time is its own, not a third of it.
	want=$(grep -m1 -E 'Seq Scan on (public\.)?ev1 ' "$T/pa-plain.txt" | sed -E 's/.*actual time=[0-9.]+\.\.([0-9.]+) .*/\1/')
	got=$(jq '.nodes[] | select(.relation == "ev1") | .total_ms' "$T/pa-plain.perfops.json")
	is "$(jq -n "$got == $want")" true "the partition one worker scanned: its own $want ms, not divided by 3 ($got)"
	# The text report shows each worker's rows as the plan does.
	w=$(grep -m1 -A3 -E 'Seq Scan on public\.ev1 ' "$T/pa.txt" | grep -m1 -oE 'Worker [0-9]+:  actual time=[0-9.]+\.\.[0-9.]+ rows=[0-9]+ loops=1')
	num=$(echo "$w" | sed -E 's/Worker ([0-9]+).*/\1/')
	rows=$(echo "$w" | sed -E 's/.* rows=([0-9]+).*/\1/')
	ms=$(echo "$w" | sed -E 's/.*\.\.([0-9.]+) rows.*/\1/')
	run "$PERFOPS" explain "$T/pa.txt"
	like "$(echo "$out" | grep -m1 -A1 'Seq Scan on public.ev1 ' | tail -1)" \
		"per process: worker $num $rows rows x 1 loop, $ms ms$" \
		"the text report shows the worker that scanned ev1: worker $num, $rows rows, $ms ms"
else
	skip "no Parallel Append with 2 workers launched here" 5
fi

# 3. A sort spilled under a small work_mem, through --db.
Q3="SELECT * FROM orders ORDER BY amount"
run "$PERFOPS" explain --json --db "$CONN options='-c work_mem=64kB'" "$Q3"
is "$rc" 0 "explain --db runs EXPLAIN ANALYZE through libpq"
echo "$out" >"$T/q3.perfops.json"
like "$(jq -r '.findings[] | select(.kind == "sort_spill") | .message' "$T/q3.perfops.json")" \
	"Sort spilled to disk \\(Sort Method: external merge, Disk: [0-9]+kB" \
	"sort_spill under work_mem=64kB"
like "$(jq -r '.findings[] | select(.kind == "sort_spill") | .fix' "$T/q3.perfops.json")" \
	"ORDER BY \\(amount\\).*SET work_mem = '[0-9]+MB'" "its fix: the index or a work_mem"
explain_pg json "SET work_mem = '64kB'" "$Q3" >"$T/q3.json"
"$PERFOPS" explain --json "$T/q3.json" >"$T/q3b.perfops.json"
c=$($CHECK json "$T/q3.json" "$T/q3b.perfops.json" 2>&1)
is "$c" "" "sort plan: every node's times, rows and loops are PostgreSQL's"
run "$PERFOPS" explain --json --db "$CONN options='-c work_mem=64MB'" "$Q3"
is "$(echo "$out" | jq '[.findings[] | select(.kind == "sort_spill")] | length')" 0 \
	"no sort_spill when work_mem holds the sort"

# 4. A misestimate: correlated columns.
Q4="SELECT * FROM orders WHERE region = 7 AND bucket = 7"
explain_pg json "SET max_parallel_workers_per_gather = 0" "$Q4" >"$T/q4.json"
"$PERFOPS" explain --json "$T/q4.json" >"$T/q4.perfops.json"
want=$(jq '.[0].Plan | ."Actual Rows" / ."Plan Rows" + 0.5 | floor' "$T/q4.json")
got=$(jq -r '.findings[] | select(.kind == "misestimate" and .node == 0) | .message' "$T/q4.perfops.json")
like "$got" "returned 2000 rows per loop where the planner expected [0-9]+: underestimated by ${want}x" \
	"misestimate with PostgreSQL's own actual and planned rows (${want}x)"
like "$(jq -r '.findings[] | select(.kind == "misestimate") | .fix' "$T/q4.perfops.json")" \
	"CREATE STATISTICS orders_region_bucket \\(dependencies\\) ON region, bucket FROM orders" \
	"its fix: extended statistics on the two columns"
psql_ -c "CREATE STATISTICS orders_rb (dependencies) ON region, bucket FROM orders" -c "ANALYZE orders" >/dev/null
run "$PERFOPS" explain --json --db "$CONN" "$Q4"
is "$(echo "$out" | jq '[.findings[] | select(.kind == "misestimate")] | length')" 0 \
	"with those statistics the estimate is right and the finding is gone"

# 5. Writes: refused without --analyze-writes, rolled back with it.
run "$PERFOPS" explain --db "$CONN" "DELETE FROM orders WHERE id <= 1000"
like "$rc:$err" "^1:.*writes to the database.*--analyze-writes" \
	"a writing statement is refused without --analyze-writes"
run "$PERFOPS" explain --json --db "$CONN" --analyze-writes "DELETE FROM orders WHERE id <= 1000"
like "$rc:$(echo "$out" | jq -r '.nodes[0].label'):$(psql_ -At -c 'SELECT count(*) FROM orders')" \
	"^0:Delete on orders:200000$" "with --analyze-writes it runs and is rolled back"
# Writing is slowed by indexes: the Delete is not told to add one.
like "$(echo "$out" | jq -r '.findings[] | select(.kind == "slow_node" and .node == 0) | .fix')" \
	"^Writes the rows, each of the table's indexes and its triggers: another index makes it slower" \
	"the Delete's slow_node fix is about writing, not 'add index'"
run "$PERFOPS" explain --json --db "$CONN" --no-analyze "$Q1"
is "$(echo "$out" | jq -r '.analyzed, .execution_ms' | tr '\n' ' ')" "false null " \
	"--no-analyze plans without running"
# SQL pasted with its own EXPLAIN, or several statements.
run "$PERFOPS" explain --json --db "$CONN" "EXPLAIN (ANALYZE, BUFFERS) $Q1;"
like "$rc:$(echo "$out" | jq -r '.analyzed, .nodes[0].relation' | tr '\n' ' '):$err" \
	"^0:true orders :.*the SQL's own EXPLAIN is dropped" "the SQL's own EXPLAIN is dropped, with a warning"
run "$PERFOPS" explain --db "$CONN" "SELECT 1; SELECT 2"
is "$rc:$err" "1:perfops: EXPLAIN takes one statement and the SQL holds several (';' between them): give one" \
	"several statements: one line that says so"
run "$PERFOPS" explain --db "host=$PGD port=$((PORT + 1)) user=postgres" "SELECT 1"
like "$rc:$err" "^3:perfops: cannot connect to PostgreSQL" "no server: exit 3"

# 6. The fix runs as printed on a table that needs quotes (Prisma's
# camelCase, a reserved word).
psql_ >/dev/null <<'EOF'
CREATE TABLE "Order" (id int, "customerId" int, "createdAt" date);
INSERT INTO "Order" SELECT i, i % 100, date '2024-01-01' + i % 300 FROM generate_series(1, 20000) i;
ANALYZE "Order";
EOF
run "$PERFOPS" explain --json --db "$CONN" "SELECT * FROM \"Order\" WHERE \"customerId\" = 42"
fix=$(echo "$out" | jq -r '.findings[] | select(.kind == "seq_scan_filter") | .fix' | sed 's/^[^:]*: //')
is "$fix" 'CREATE INDEX ON "Order" ("customerId");' "the fix quotes the table and the column"
psql_ -c "$fix" >/dev/null 2>&1
ok $? "and PostgreSQL runs it"

# 7. The flame graph of own time.
run "$PERFOPS" explain --svg "$T/plan.svg" --html "$T/plan.html" "$T/q1.json"
grep -q '#0 Seq Scan on orders' "$T/plan.svg" && grep -q '<svg' "$T/plan.html"
ok $? "--svg and --html draw the plan's nodes"

# 8. Several plans in one paste (a psql session, a before and an after):
# each is reported, in order, and checked against PostgreSQL's own plan;
# --plan N reads one; a flame graph draws one and says how to pick it.
QA="SELECT * FROM orders WHERE customer_id = 42"
QB="SELECT count(*) FROM customers WHERE country = 'FR'"
explain_pg text "SET max_parallel_workers_per_gather = 0" "$QA" >"$T/a.txt"
explain_pg text "SET max_parallel_workers_per_gather = 0" "$QB" >"$T/b.txt"
{ echo "shop=# EXPLAIN (ANALYZE, BUFFERS) $QA;"; cat "$T/a.txt"; echo;
  echo "shop=# EXPLAIN (ANALYZE, BUFFERS) $QB;"; cat "$T/b.txt"; } >"$T/two.txt"
run "$PERFOPS" explain --json "$T/two.txt"
is "$rc:$(echo "$out" | jq -s -c '[.[] | [.plan, .plans]]')" "0:[[1,2],[2,2]]" \
	"two text plans in one paste: two documents, plan 1 and 2 of 2"
echo "$out" | jq -s '.[0]' >"$T/two-1.json"
echo "$out" | jq -s '.[1]' >"$T/two-2.json"
c=$($CHECK text "$T/a.txt" "$T/two-1.json" 2>&1; $CHECK text "$T/b.txt" "$T/two-2.json" 2>&1)
is "$c" "" "each plan's nodes, times and rows are PostgreSQL's"
run "$PERFOPS" explain "$T/two.txt"
like "$(echo "$out" | grep -E '^Plan [0-9]+ of 2' | tr '\n' '|')" \
	"^Plan 1 of 2 \\(line 4\\)\\|Plan 2 of 2 \\(line [0-9]+\\)\\|$" "the text report heads each plan with its place and line"
like "$(echo "$err" | head -2 | tr '\n' '|')" \
	"^perfops: warning: $T/two.txt:1: skipped, not a plan node: 'shop=# EXPLAIN .*\\|perfops: warning: $T/two.txt:[0-9]+: skipped, not a plan line: 'shop=# EXPLAIN " \
	"the session's lines around the plans are named as skipped"
run "$PERFOPS" explain --json --plan 2 "$T/two.txt"
is "$rc:$(echo "$out" | jq -c '[.plan, .plans]'):$(echo "$out" | jq -c .nodes)" "0:[2,2]:$(jq -c .nodes "$T/two-2.json")" \
	"--plan 2 reads the second plan alone"
run "$PERFOPS" explain --svg "$T/two.svg" "$T/two.txt"
like "$rc:$(echo "$err" | tail -1)" "^2:.*two.txt holds 2 plans and --svg draws one: pick it with --plan N \\(1 to 2\\)" \
	"--svg on two plans: exit 2, how to pick one"
run "$PERFOPS" explain --db "$CONN" --plan 2 "$QA"
is "$rc:$err" "2:perfops explain: --plan picks a plan of a file; --db explains one statement (see 'perfops help explain')" \
	"--plan with --db: a usage error"
run "$PERFOPS" explain --plan 3 "$T/two.txt"
like "$rc:$(echo "$err" | tail -1)" "^1:perfops: $T/two.txt holds 2 plans: --plan 3 is past them$" "--plan past the last: exit 1, how many there are"
# The same in JSON (two documents, as psql -At prints them) and YAML.
for fmt in json yaml; do
	psql_ -At -c "SET max_parallel_workers_per_gather = 0" \
		-c "EXPLAIN (ANALYZE, BUFFERS, FORMAT $fmt) $QA" >"$T/a.$fmt"
	psql_ -At -c "SET max_parallel_workers_per_gather = 0" \
		-c "EXPLAIN (ANALYZE, BUFFERS, FORMAT $fmt) $QB" >"$T/b.$fmt"
	cat "$T/a.$fmt" "$T/b.$fmt" >"$T/two.$fmt"
	run "$PERFOPS" explain --json "$T/two.$fmt"
	got=$(echo "$out" | jq -s -c '[.[] | [.plan, .plans, .execution_ms, (.nodes | length)]]')
	want=$(for f in a b; do "$PERFOPS" explain --json "$T/$f.$fmt" | jq -c '[.execution_ms, (.nodes | length)]'; done |
		jq -s -c '[to_entries[] | [.key + 1, 2] + .value]')
	is "$rc:$got" "0:$want" "two $fmt plans in one paste: each read, with its own execution time"
	# Each is headed by the line it starts on: its "- Plan:" item, or
	# its JSON document.
	want=$(grep -n -E '^- Plan:|^\[' "$T/two.$fmt" | cut -d: -f1 | tr '\n' ' ')
	got=$("$PERFOPS" explain "$T/two.$fmt" 2>/dev/null | sed -n -E 's/^Plan [12] of 2 \(line ([0-9]+)\)$/\1/p' | tr '\n' ' ')
	is "$got" "$want" "two $fmt plans: each headed by the line it starts on ($want)"
done
