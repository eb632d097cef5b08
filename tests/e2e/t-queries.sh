#!/bin/bash
# perfops queries on the log of a real PostgreSQL: a known workload (simple
# and extended protocol, a transaction, IN lists of several lengths, a
# statement on several lines), digested and compared with the log itself
# and with pgBadger's counts on the same log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg-lib.sh"
N=36
plan $N

printf 'no severity here\n' >"$T/junk.log"
run "$PERFOPS" queries "$T/junk.log"
like "$rc:$err" "^1:.*junk.log: no PostgreSQL log line in it" "a file that is no log: exit 1"
# A gzip'd log cut short: what was read is reported, with an error.
gzip -c "$TOP/tests/data/db/logs/prefix-angle.log" | head -c 700 >"$T/cut.log.gz"
want=$(gzip -dc "$T/cut.log.gz" 2>/dev/null | grep -cE 'duration: [0-9.]+ ms  (statement|execute [^:]*):')
run "$PERFOPS" queries --json "$T/cut.log.gz"
like "$rc:$err" "^1:.*cut.log.gz:[0-9]+: the gzip data ends early \\(a truncated file\\?\\)" \
	"a truncated gzip'd log: exit 1, named"
is "$(echo "$out" | jq .statements)" "$want" "the $want statements before the cut are still reported"
# A gate names the figure as the report prints it: an average of three
# durations (4/3 ms) to the microsecond.
for d in 1.000 1.000 2.000; do
	echo "2026-12-02 10:00:00.000 UTC [7] LOG:  duration: $d ms  statement: SELECT 1"
done >"$T/avg.log"
avg=$("$PERFOPS" queries "$T/avg.log" 2>/dev/null | awk '$1 == 1 { print $5; exit }')
run "$PERFOPS" queries --fail-if 'avg>1ms' "$T/avg.log"
is "$avg|$rc:$err" "1.333|4:perfops: --fail-if 'avg>1ms' tripped: 1.333 ms for SELECT \$1" \
	"--fail-if names the average as the report prints it"
# A rotated series of log_statement + log_duration logs, cut between a
# statement and its duration: read in order, the pair is whole.
L=$TOP/tests/data/db/logs/log-statement-duration.log
head -5 "$L" >"$T/rot.1"
tail -n +6 "$L" >"$T/rot.2"
whole=$("$PERFOPS" queries --json "$L" 2>/dev/null | jq -c '[.statements, .total_ms]')
is "$("$PERFOPS" queries --json "$T/rot.1" "$T/rot.2" 2>/dev/null | jq -c '[.statements, .total_ms]')" "$whole" \
	"two rotated logs cut between a statement and its duration: the same as one"

# The same log in three formats; jsonlog exists from PostgreSQL 15 on.
dest=stderr,csvlog
pg_find && [ "$("$bindir/postgres" --version | sed -E 's/.* ([0-9]+)[.].*/\1/')" -ge 15 ] && dest=$dest,jsonlog
pg_up $((N - 4)) $((N - 5)) -c log_min_duration_statement=0 -c logging_collector=on \
	-c shared_preload_libraries=pg_stat_statements \
	-c log_destination=$dest -c log_directory=$T/pg/logs -c log_filename=pg

# Debian's prefix first (a reload applies it; a -c option would pin it).
psql_ -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] %q%u@%d '" \
	-c "ALTER SYSTEM SET log_lock_waits = on" -c "ALTER SYSTEM SET deadlock_timeout = '100ms'" \
	-c "SELECT pg_reload_conf()" >/dev/null
pg_reloaded log_line_prefix '%m [%p] %q%u@%d '
# hold_until_waited(S): hold on until a session has waited S seconds
# for a lock (120 s at most), whenever the load lets it start waiting.
psql_ >/dev/null <<'EOF'
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric);
INSERT INTO orders SELECT i, 1 + i % 500, i % 1000 FROM generate_series(1, 20000) i;
CREATE FUNCTION hold_until_waited(s float8) RETURNS void LANGUAGE plpgsql AS $$ BEGIN LOOP PERFORM pg_stat_clear_snapshot(); EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND clock_timestamp() - query_start > make_interval(secs => s)) OR clock_timestamp() - statement_timestamp() > interval '120 s'; PERFORM pg_sleep(0.02); END LOOP; END $$;
EOF
{
	for i in $(seq 1 40); do echo "SELECT * FROM orders WHERE id = $i;"; done
	echo "BEGIN;"
	echo "SELECT count(*) FROM orders WHERE amount > 500;"
	echo "COMMIT;"
	echo "SELECT id FROM orders WHERE id IN (1, 2, 3);"
	echo "SELECT id FROM orders WHERE id IN (4, 5);"
	echo "SELECT id FROM orders WHERE id IN (6, 7, 8, 9, 10, 11);"
	printf 'SELECT customer_id,\n       sum(amount)\n  FROM orders\n GROUP BY customer_id\n ORDER BY 2 DESC LIMIT 3;\n'
} >"$T/work.sql"
psql_ -f "$T/work.sql" >/dev/null
# A client loop, the N+1 of an ORM: one query, then one lookup per row.
{
	echo "SELECT DISTINCT customer_id FROM orders WHERE id <= 8 ORDER BY 1;"
	for c in 2 3 4 5 6 7 8 9; do echo "SELECT sum(amount) FROM orders WHERE customer_id = $c;"; done
	# Four lookups are no run yet.
	for i in 1 2 3 4; do echo "SELECT amount FROM orders WHERE id = $i;"; done
} >"$T/loop.sql"
psql_ -f "$T/loop.sql" >/dev/null
printf '\\set cid random(1, 500)\nSELECT * FROM orders WHERE customer_id = :cid;\n' >"$T/bench.sql"
pgbench -h "$PGD" -p "$PORT" -U postgres -n -c 1 -t 20 -M extended \
	-f "$T/bench.sql" postgres >/dev/null 2>&1
# Lock contention: a transaction holds a row while another session
# updates it, until that one has waited half a second (well past the
# deadlock_timeout of 100 ms that logs the wait), however late it starts.
psql_ -c "BEGIN" -c "UPDATE orders SET amount = amount WHERE id = 1" \
	-c "SELECT hold_until_waited(0.5) AS holder" -c "COMMIT" >/dev/null &
wait_for 120 "the holder to hold the row" pg_active "SELECT hold_until_waited(0.5) AS holder"
psql_ -c "UPDATE orders SET amount = amount + 0 WHERE id = 1" >/dev/null
wait
psql_ -c "ALTER SYSTEM SET log_line_prefix = '%t:%r:%u@%d:[%p]:'" -c "SELECT pg_reload_conf()" >/dev/null
pg_reloaded log_line_prefix '%t:%r:%u@%d:[%p]:'
psql_ -c "SELECT 'after the prefix changed' AS marker_after" >/dev/null
LOG=$PGD/logs/pg
logs=$LOG.csv
[ "${dest%jsonlog}" != "$dest" ] && logs="$logs $LOG.json"
pg_log_sync "$LOG" $logs

run "$PERFOPS" queries --json --top 0 "$LOG"
echo "$out" >"$T/q.json"
is "$rc" 0 "queries --json reads the server's log"
want=$(grep -cE 'duration: [0-9.]+ ms  (statement|execute [^:]*):' "$LOG")
is "$(jq .statements "$T/q.json")" "$want" "every statement with a duration counts ($want in the log)"
count() { jq --arg q "$1" '[.queries[] | select(.query == $q) | .count] | add // 0' "$T/q.json"; }
is "$(count 'SELECT * FROM orders WHERE id = $1')" 40 "40 lookups by id, one fingerprint"
is "$(count 'BEGIN'):$(count 'COMMIT')" "$(grep -cE 'statement: BEGIN;?$' "$LOG"):$(grep -cE 'statement: COMMIT;?$' "$LOG")" \
	"BEGIN and COMMIT count as statements (2 transactions)"
like "$(jq -r '.queries[] | select(.query | startswith("SELECT id FROM orders WHERE id IN")) | .count' "$T/q.json")" \
	"^3$" "IN lists of 3, 2 and 6 values are one fingerprint"
is "$(count 'SELECT * FROM orders WHERE customer_id = $1')" 20 \
	"20 executions of the extended protocol (parse and bind are not counted)"
like "$(jq -r '.queries[] | select(.query == "SELECT * FROM orders WHERE customer_id = $1") | .example_params' "$T/q.json")" \
	"^\\\$1 = '[0-9]+'$" "the example keeps its DETAIL parameters"
like "$(jq -r '.queries[] | select(.query | contains("GROUP BY")) | .example' "$T/q.json" | tr '\n' ' ')" \
	"SELECT customer_id,.*sum\\(amount\\).*GROUP BY customer_id" "a statement on several lines is one statement"
like "$(jq -r '.queries[] | select(.query | contains("marker_after")) | "\(.count) \(.first_seen)"' "$T/q.json")" \
	"^1 20[0-9-]+ [0-9:]+ [A-Z]+$" "lines with another log_line_prefix are read, timestamps too"
total=$(grep -oE 'duration: [0-9.]+ ms  (statement|execute [^:]*):' "$LOG" | awk '{s += $2} END {printf "%.3f", s}')
is "$(jq '.total_ms * 1000 | round / 1000' "$T/q.json" | xargs printf '%.3f')" "$total" "total time is the sum of the logged durations"
is "$(jq '[.queries[].count] | add' "$T/q.json")" "$want" "the fingerprints' counts add up"

run=$(jq -c '.n_plus_one[] | select(.child == "SELECT sum(amount) FROM orders WHERE customer_id = $1")' "$T/q.json")
like "$(echo "$run" | jq -r '"\(.n) \(.session) \(.parent)"')" \
	"^8 pid [0-9]+ SELECT DISTINCT customer_id FROM orders WHERE id <= \\\$1" \
	"N+1: the client loop's 8 lookups, its session and the parent query"
want_ms=$(grep -E 'duration: [0-9.]+ ms  statement: SELECT sum\(amount\) FROM orders WHERE customer_id' "$LOG" |
	awk '{for (i = 1; i < NF; i++) if ($i == "duration:") s += $(i + 1)} END {printf "%.3f", s}')
is "$(echo "$run" | jq '.total_ms' | xargs printf '%.3f')" "$want_ms" "N+1: the child's time in the run is the log's"
is "$(jq '[.n_plus_one[] | select(.child | startswith("SELECT amount FROM orders"))] | length' "$T/q.json")" 0 \
	"four lookups in a row are no N+1 run"

lw=$(jq -c '.lock_waits[] | select(.statement == "UPDATE orders SET amount = amount + 0 WHERE id = 1")' "$T/q.json")
holder=$(grep -E 'statement: SELECT hold_until_waited\(0.5\) AS holder' "$LOG" | sed -E 's/.*\[([0-9]+)\].*/\1/')
is "$(echo "$lw" | jq -r '"\(.blocker) \(.acquired) \(.lock)"')" "$holder true $(grep -oE 'acquired [A-Za-z]+ on transaction [0-9]+' "$LOG" | head -1 | cut -d' ' -f2-)" \
	"lock wait: the holding session's pid, acquired, the lock"
# Compared as numbers: the log writes "1000.120", jq prints 1000.12.
is "$(echo "$lw" | jq .wait_ms | xargs printf '%.3f')" "$(grep -oE 'acquired .* after [0-9.]+ ms' "$LOG" | head -1 | sed -E 's/.* after ([0-9.]+) ms/\1/' | xargs printf '%.3f')" \
	"lock wait: the whole wait, from the 'acquired' line"
run "$PERFOPS" queries -n 1 "$LOG"
like "$out" "Lock waits \(1\), by waiting statement:" "the text report groups the lock waits"
run "$PERFOPS" queries --fail-if 'n_plus_one>0' "$LOG"
like "$rc:$err" "^4:perfops: --fail-if 'n_plus_one>0' tripped: [0-9]+ N\\+1 runs" "--fail-if 'n_plus_one>0' exits 4"
p95=$(jq '[.queries[].p95_ms] | max' "$T/q.json")
run "$PERFOPS" queries --fail-if "p95>$(echo "$p95 + 1" | bc)ms" --fail-if 'count>1000' "$LOG"
is "$rc" 0 "--fail-if 'p95>...' above every fingerprint's p95 passes"
# The JSON rounds to the microsecond: a microsecond under it still trips.
run "$PERFOPS" queries --fail-if "p95>=$(echo "$p95 - 0.001" | bc)ms" "$LOG"
like "$rc:$err" "^4:.*tripped: [0-9.]+ ms for " "--fail-if 'p95>=' just under the largest p95 trips and names the query"
run "$PERFOPS" queries --fail-if "p95>=$(echo "$p95 - 0.001" | bc)ms" "$LOG"
like "$err" "tripped: $(printf '%.3f' "$p95") ms for " "--fail-if names the p95 as the report prints it"

# The stderr prefix here has no %c: sessions are pids there, ids in the others.
digest_of() { jq -c '{statements, q: [.queries[] | [.fingerprint, .count, .total_ms, .example]], l: [.lock_waits[] | del(.session)]}' "$1"; }
"$PERFOPS" queries --json --top 0 "$LOG.csv" >"$T/csv.json"
is "$(digest_of "$T/csv.json")" "$(digest_of "$T/q.json")" "csvlog gives the same digest and lock waits as the stderr log"
if [ -f "$LOG.json" ]; then
	"$PERFOPS" queries --json --top 0 "$LOG.json" >"$T/jsonlog.json"
	is "$(digest_of "$T/jsonlog.json")" "$(digest_of "$T/q.json")" "jsonlog gives the same digest and lock waits"
else
	skip "jsonlog needs PostgreSQL 15"
fi

gzip -c "$LOG" >"$T/log.gz"
run "$PERFOPS" queries --json "$T/log.gz"
is "$(echo "$out" | jq .statements)" "$want" "a gzip'd log reads the same"

run "$PERFOPS" queries -n 3 "$LOG"
like "$out" "rank +total ms +share +count" "the text report has its table"

# pgBadger on the same log: the same statement count and the same counts
# per normalized query (its normalization differs from libpg_query's, the
# grouping does not on this workload).
if command -v pgbadger >/dev/null; then
	head -n "$(grep -n 'after the prefix' "$LOG" | head -1 | cut -d: -f1)" "$LOG" |
		grep -v 'after the prefix' >"$T/first.log"
	pgbadger -q -f stderr --prefix '%m [%p] %q%u@%d ' -o "$T/badger.json" "$T/first.log" >/dev/null 2>&1
	"$PERFOPS" queries --json --top 0 "$T/first.log" >"$T/first.json"
	b=$(jq '[.normalyzed_info[][] | .count] | sort | join(",")' "$T/badger.json")
	p=$(jq '[.queries[].count] | sort | join(",")' "$T/first.json")
	is "$p" "$b" "per-query counts agree with pgBadger's"
else
	skip "pgbadger not installed (Debian package pgbadger)"
fi

# Live: pg_stat_statements, a blocked session and a long transaction.
# The holder holds until it is cancelled, after the checks; they start
# once the other session is blocked and the transaction is 0.5 s old.
psql_ -c "CREATE EXTENSION pg_stat_statements" >/dev/null
psql_ -c "BEGIN" -c "UPDATE orders SET amount = amount WHERE id = 2" \
	-c "SELECT pg_sleep(300) AS live_holder" -c "COMMIT" >/dev/null 2>&1 &
wait_for 120 "the live holder to hold the row" pg_active "SELECT pg_sleep(300) AS live_holder"
psql_ -c "UPDATE orders SET amount = amount + 0 WHERE id = 2" >/dev/null &
wait_for 120 "a session blocked by a transaction 0.5 s old" pg_true \
	"SELECT count(*) > 0 FROM pg_stat_activity a WHERE cardinality(pg_blocking_pids(a.pid)) > 0 AND EXISTS (SELECT 1 FROM pg_stat_activity h WHERE h.pid = ANY (pg_blocking_pids(a.pid)) AND now() - h.xact_start > interval '0.5 s')"
run "$PERFOPS" queries --json --db "$CONN" -n 0 --long-txn 0.3s
echo "$out" >"$T/live.json"
want=$(psql_ -At -c "SELECT pid, pg_blocking_pids(pid)::text FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0")
is "$(jq -r '.blocking[] | "\(.pid)|{\(.blocked_by | map(tostring) | join(","))}"' "$T/live.json")" "$want" \
	"--db: the blocked session and its blocker, as pg_blocking_pids says"
holder=$(psql_ -At -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%live_holder%' AND pid <> pg_backend_pid()")
like "$(jq -r '.long_transactions[].pid' "$T/live.json" | tr '\n' ' ')" "(^| )$holder " \
	"--db: the holding transaction is a long-running one"
calls=$(psql_ -At -c "SELECT sum(calls) FROM pg_stat_statements WHERE query = 'SELECT * FROM orders WHERE id = \$1'")
is "$(jq '[.pg_stat_statements[] | select(.query == "SELECT * FROM orders WHERE id = $1") | .calls] | add' "$T/live.json")" "$calls" \
	"--db: pg_stat_statements' calls of the lookups ($calls)"
psql_ -c "SELECT pg_cancel_backend($holder)" >/dev/null
wait
run "$PERFOPS" queries --db "host=$PGD port=$((PORT + 1)) user=postgres"
like "$rc:$err" "^3:perfops: cannot connect to PostgreSQL" "--db: no server, exit 3"

