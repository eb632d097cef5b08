#!/bin/bash
# perfops queries on MySQL slow logs (8.0 with extra fields and a restart
# header in the middle; 5.6's "# Time: YYMMDD"), against pt-query-digest
# on the same logs: the same statement count, query time and per-query
# counts for the fingerprints both tools normalize alike.
. "$(dirname "$0")/lib.sh"
plan 9
DATA=$TOP/tests/data/db/logs

run "$PERFOPS" queries --json "$DATA/mysql8-slow.log"
echo "$out" >"$T/p.json"
is "$rc:$(jq .statements "$T/p.json")" "0:5" "a MySQL 8 slow log: 5 statements, restart header dropped"
is "$(jq -c '.queries[] | select(.query == "select * from orders where id = ?") | [.count, .rows, .total_ms]' "$T/p.json")" \
	"[2,2,6]" "count, Rows_sent and time of one fingerprint (by hand: 2 + 4 ms)"
run "$PERFOPS" queries --json "$DATA/mysql56-slow.log"
is "$(echo "$out" | jq -c '[.statements, .queries[0].count, .queries[0].first_seen]')" \
	'[3,2,"221202 10:00:01"]' "a MySQL 5.6 slow log"

run "$PERFOPS" queries --json "$DATA/mysql8-nplus1.log"
is "$(echo "$out" | jq -c '.n_plus_one[] | [.session, .n, .parent_rows, .confidence, .parent, .child]')" \
	'["thread 21",6,6,"high","select id from customers where country = ?","select * from orders where customer_id = ?"]' \
	"N+1 after a query that sent N rows: high confidence"

# MySQL's dialect: "..." strings, signed numbers, LIMIT with an offset.
run "$PERFOPS" queries --json --top 0 "$DATA/mysql8-dialect.log"
echo "$out" >"$T/d.json"
is "$(jq -c '[.queries[] | select(.query | startswith("select * from users")) | .count]' "$T/d.json")" \
	"[3]" "\"O\\\"Brien\", 'Smith' and \"it's\" are one string constant"

if ! command -v pt-query-digest >/dev/null; then
	skip "pt-query-digest not installed (Debian package percona-toolkit)" 4
	exit 0
fi
pt-query-digest --limit 100%:100 --output json "$DATA/mysql8-dialect.log" >"$T/ptd.json" 2>/dev/null
is "$(jq -c '[.queries[] | [.count, .query]] | sort' "$T/d.json")" \
	"$(jq -c '[.classes[] | [.query_count, .fingerprint]] | sort' "$T/ptd.json")" \
	"the same fingerprints and counts as pt-query-digest (LIMIT n, m and OFFSET, signs, \"...\")"
pt-query-digest --limit 100%:100 --output json "$DATA/mysql8-slow.log" >"$T/pt.json" 2>/dev/null
is "$(jq .statements "$T/p.json")" "$(jq .global.query_count "$T/pt.json")" \
	"the same statement count as pt-query-digest"
is "$(jq '.total_ms * 1000 | round / 1e6' "$T/p.json")" "$(jq '[.classes[].metrics.Query_time.sum | tonumber] | add * 1e6 | round / 1e6' "$T/pt.json")" \
	"the same total query time as pt-query-digest"
is "$(jq '.queries[] | select(.query == "select * from orders where id = ?") | .count' "$T/p.json")" \
	"$(jq '.classes[] | select(.fingerprint == "select * from orders where id = ?") | .query_count' "$T/pt.json")" \
	"the same count for 'select * from orders where id = ?' as pt-query-digest"
