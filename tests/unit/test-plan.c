#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "db/plan-label.h"
#include "db/plan.h"
#include <criterion/criterion.h>

#ifndef PERFOPS_SRCDIR
#define PERFOPS_SRCDIR "."
#endif

/* Parse tests/data/db/NAME; returns plan_parse()'s result. */
static int load(struct plan *p, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];
	int r;

	snprintf(path, sizeof(path), "%s/tests/data/db/%s", PERFOPS_SRCDIR,
		 name);
	cr_assert_eq(strbuf_read_file(&sb, path), 0, "cannot read %s", path);
	plan_init(p);
	error_set_quiet(1);
	r = plan_parse(p, sb.buf, sb.len, name);
	error_set_quiet(0);
	strbuf_release(&sb);
	return r;
}

static int parse_str(struct plan *p, const char *text)
{
	int r;

	plan_init(p);
	error_set_quiet(1);
	r = plan_parse(p, text, strlen(text), "t");
	error_set_quiet(0);
	return r;
}

#define EQ(a, b)                                                               \
	cr_assert_float_eq((a), (b), 1e-9, "%s: %.9g != %.9g", #a,             \
			   (double)(a), (double)(b))
#define STR(a, b) cr_assert_str_eq((a), (b))

/* PostgreSQL 12, psql border 2: an InitPlan "(returns $0)" used by its
 * parent's filter, a schema-qualified table. */
Test(plan, pg12_framed_initplan_taken_from_its_user)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg12-initplan-framed.txt"), 0);
	cr_assert_eq(p.n, 3);
	cr_assert_eq(p.format, PLAN_FMT_TEXT);
	EQ(p.execution_ms, 2.5);
	EQ(p.planning_ms, 0.12);
	STR(p.nodes[0].type, "Seq Scan");
	STR(p.nodes[0].relation, "accounts");
	STR(p.nodes[0].alias, "a");
	STR(p.nodes[0].filter, "(a.balance > $0)");
	EQ(p.nodes[0].removed_filter, 960);
	cr_assert_eq(p.nodes[1].parent, 0);
	cr_assert_eq(p.nodes[1].rel, PLAN_REL_INITPLAN);
	STR(p.nodes[1].subplan, "InitPlan 1 (returns $0)");
	STR(p.nodes[1].type, "Aggregate");
	cr_assert_eq(p.nodes[2].parent, 1);
	STR(p.nodes[2].relation, "limits");
	/* 2.410 - the InitPlan's 0.481; 0.481 - 0.300; 0.300 */
	EQ(p.nodes[0].exclusive_ms, 1.929);
	EQ(p.nodes[1].exclusive_ms, 0.181);
	EQ(p.nodes[2].exclusive_ms, 0.3);
	cr_assert_eq(p.nodes[0].buf.shared_hit, 10);
	cr_assert_eq(p.nodes[0].buf.shared_read, 6);
	cr_assert_eq(p.nodes[0].xbuf.shared_hit, 10);
	cr_assert_eq(p.nodes[0].xbuf.shared_read, 1);
	cr_assert_eq(p.nodes[1].xbuf.shared_read, 0);
	plan_release(&p);
}

/* PostgreSQL 17: "InitPlan 1" and "(InitPlan 1).col1", Memory and
 * Serialization footers. */
Test(plan, pg17_initplan_reference_and_footers)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg17-initplan-filter.txt"), 0);
	cr_assert_eq(p.n, 3);
	STR(p.nodes[1].subplan, "InitPlan 1");
	EQ(p.nodes[0].exclusive_ms, 1.929);
	EQ(p.nodes[1].exclusive_ms, 0.181);
	EQ(p.execution_ms, 2.5);
	plan_release(&p);
}

static void check_hashagg(const struct plan *p)
{
	cr_assert_eq(p->n, 2);
	STR(p->nodes[0].type, "Aggregate");
	STR(p->nodes[0].label, "HashAggregate");
	cr_assert_eq(p->nodes[0].hash_batches, 5);
	EQ(p->nodes[0].disk_usage_kb, 7728);
	cr_assert_eq(p->nodes[0].buf.temp_written, 1924);
	EQ(p->nodes[0].exclusive_ms, 160.2 - 20.5);
	STR(p->nodes[1].relation, "events");
	EQ(p->execution_ms, 170.3);
	EQ(p->planning_ms, 0.1);
}

/* PostgreSQL 13: the same plan in both formats reads the same. */
Test(plan, pg13_hashagg_text_and_json_agree)
{
	struct plan t, j;

	cr_assert_eq(load(&t, "pg13-hashagg-disk.txt"), 0);
	cr_assert_eq(load(&j, "pg13-hashagg-disk.json"), 0);
	cr_assert_eq(j.format, PLAN_FMT_JSON);
	check_hashagg(&t);
	check_hashagg(&j);
	plan_release(&t);
	plan_release(&j);
}

/* PostgreSQL 15, the same join in text and JSON: the CTE and the InitPlan
 * come before the join's outer child in text, and do not make it the
 * inner one. */
Test(plan, pg15_relationships_after_a_cte)
{
	struct plan t, j;
	size_t i;

	cr_assert_eq(load(&t, "pg15-cte-join.txt"), 0);
	cr_assert_eq(load(&j, "pg15-cte-join.json"), 0);
	cr_assert_eq(t.n, j.n);
	for (i = 0; i < t.n; i++)
		cr_assert_eq(t.nodes[i].rel, j.nodes[i].rel, "node %zu: %d, %d",
			     i, t.nodes[i].rel, j.nodes[i].rel);
	cr_assert_eq(t.nodes[5].rel, PLAN_REL_OUTER);
	STR(t.nodes[5].label, "CTE Scan on big b");
	/* No alias in the query: none in either format. */
	cr_assert_null(t.nodes[2].alias);
	cr_assert_null(j.nodes[2].alias);
	STR(j.nodes[5].alias, "b");
	plan_release(&t);
	plan_release(&j);
}

/* PostgreSQL 15: the JIT block's Total and the trigger times, which the
 * nodes do not show. */
Test(plan, pg15_jit_and_triggers)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg15-jit.txt"), 0);
	EQ(p.jit_ms, 20.779);
	EQ(p.execution_ms, 95.407);
	plan_release(&p);
	cr_assert_eq(load(&p, "pg15-jit.json"), 0);
	EQ(p.jit_ms, 24.478);
	EQ(p.trigger_ms, 0);
	plan_release(&p);
	cr_assert_eq(load(&p, "pg15-insert-trigger.json"), 0);
	EQ(p.trigger_ms, 5.473);
	EQ(p.jit_ms, 0);
	plan_release(&p);
}

/* PostgreSQL 14 JSON: Memoize, inner side, per-loop times x loops. */
Test(plan, pg14_json_memoize)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg14-memoize.json"), 0);
	cr_assert_eq(p.n, 4);
	STR(p.nodes[0].type, "Nested Loop");
	cr_assert_eq(p.nodes[1].rel, PLAN_REL_OUTER);
	cr_assert_eq(p.nodes[2].rel, PLAN_REL_INNER);
	STR(p.nodes[2].type, "Memoize");
	EQ(p.nodes[2].loops, 200000);
	EQ(p.nodes[2].total_ms, 20);
	EQ(p.nodes[2].exclusive_ms, 15);
	EQ(p.nodes[3].total_ms, 5);
	STR(p.nodes[3].index_name, "customers_pkey");
	STR(p.nodes[3].relation, "customers");
	STR(p.nodes[3].label, "Index Scan using customers_pkey on customers c");
	EQ(p.nodes[0].exclusive_ms, 30);
	EQ(p.planning_ms, 0.2);
	plan_release(&p);
}

static void check_pg18(const struct plan *p)
{
	cr_assert_eq(p->n, 3);
	STR(p->nodes[0].type, "Nested Loop");
	STR(p->nodes[0].label, "Nested Loop Left Join");
	EQ(p->nodes[2].rows, 0.5);
	EQ(p->nodes[2].loops, 1000);
	EQ(p->nodes[2].total_ms, 11);
	EQ(p->nodes[0].exclusive_ms, 1);
	EQ(p->nodes[0].rows, 1000);
	cr_assert_eq(p->nodes[2].xbuf.shared_read, 900);
	cr_assert_eq(p->nodes[0].xbuf.shared_read, 0);
}

/* PostgreSQL 18: fractional rows in both formats. */
Test(plan, pg18_fractional_rows)
{
	struct plan t, j;

	cr_assert_eq(load(&t, "pg18-fractional.txt"), 0);
	cr_assert_eq(load(&j, "pg18-fractional.json"), 0);
	check_pg18(&t);
	check_pg18(&j);
	plan_release(&t);
	plan_release(&j);
}

/* Lines hard-wrapped inside and before a group are joined again. */
Test(plan, pg16_wrapped_lines_rejoined)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg16-wrapped.txt"), 0);
	cr_assert_eq(p.n, 4);
	EQ(p.nodes[0].actual_total_ms, 57.022);
	EQ(p.nodes[0].rows, 200000);
	STR(p.nodes[0].conds, "(o.customer_id = c.id)");
	EQ(p.nodes[1].actual_total_ms, 13.318);
	cr_assert_eq(p.nodes[2].parent, 0);
	STR(p.nodes[2].type, "Hash");
	cr_assert_eq(p.nodes[3].parent, 2);
	EQ(p.nodes[3].total_ms, 0.287);
	EQ(p.execution_ms, 60.1);
	plan_release(&p);
}

/* A CSV copy: every line quoted, "" inside, a quoted identifier. */
Test(plan, pg16_quoted_lines)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg16-quoted.csv"), 0);
	cr_assert_eq(p.n, 2);
	STR(p.nodes[0].sort_key, "oi.\"Product Id\"");
	STR(p.nodes[0].sort_method, "quicksort");
	STR(p.nodes[1].relation, "Order Items");
	STR(p.nodes[1].alias, "oi");
	EQ(p.execution_ms, 4.7);
	plan_release(&p);
}

/* Unicode psql frames, a Gather: wall-clock is CPU / (launched + 1). */
Test(plan, pg15_unicode_frame_gather)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg15-misestimate-unicode.txt"), 0);
	cr_assert_eq(p.n, 2);
	cr_assert_eq(p.nodes[0].workers_launched, 1);
	cr_assert(p.nodes[1].parallel);
	STR(p.nodes[1].type, "Seq Scan");
	cr_assert(p.nodes[1].under_gather);
	EQ(p.nodes[1].cpu_total_ms, 12.906 * 2);
	EQ(p.nodes[1].total_ms, 12.906);
	EQ(p.nodes[0].exclusive_ms, 20.908 - 12.906);
	plan_release(&p);
}

/* psql's "SET" before the plan is skipped; a Gather Merge over a Sort. */
Test(plan, pg15_gather_merge_sort)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg15-sort-spill-gather.txt"), 0);
	cr_assert_eq(p.n, 3);
	STR(p.nodes[0].type, "Gather Merge");
	STR(p.nodes[1].sort_method, "external merge");
	cr_assert(p.nodes[1].sort_disk);
	EQ(p.nodes[1].sort_space_kb, 3976);
	EQ(p.nodes[1].total_ms, 297.174);
	EQ(p.nodes[1].cpu_total_ms, 297.174 * 2);
	EQ(p.nodes[1].exclusive_ms, 297.174 - 35.085);
	EQ(p.nodes[0].exclusive_ms, 498.138 - 297.174);
	plan_release(&p);
}

/* A JSON plan in a psql frame with '+' marks: CTE and InitPlan. */
Test(plan, pg15_framed_json_cte)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg15-cte-initplan-psql.json"), 0);
	cr_assert_eq(p.format, PLAN_FMT_JSON);
	cr_assert_eq(p.n, 5);
	cr_assert_eq(p.nodes[1].rel, PLAN_REL_CTE);
	STR(p.nodes[1].subplan, "CTE big");
	cr_assert_eq(p.nodes[2].rel, PLAN_REL_INITPLAN);
	STR(p.nodes[4].type, "CTE Scan");
	STR(p.nodes[4].cte_name, "big");
	/* The CTE and the InitPlan ($1 in its filter) leave the scan. */
	EQ(p.nodes[4].exclusive_ms, 83.837 - 11.092 - 39.683);
	EQ(p.nodes[0].exclusive_ms, 83.902 - 83.837);
	plan_release(&p);
}

Test(plan, timing_off_costs_off)
{
	struct plan p;

	cr_assert_eq(load(&p, "pg15-timing-off-costs-off.txt"), 0);
	cr_assert_eq(p.n, 5);
	cr_assert(p.analyzed);
	cr_assert_not(p.has_timing);
	cr_assert_not(p.nodes[0].has_cost);
	STR(p.nodes[0].type, "Aggregate");
	EQ(p.nodes[4].rows, 5000);
	STR(p.nodes[4].relation, "customers");
	plan_release(&p);
}

Test(plan, plain_explain_own_cost)
{
	struct plan t, j;

	cr_assert_eq(load(&t, "pg15-plain.txt"), 0);
	cr_assert_eq(load(&j, "pg15-plain.json"), 0);
	cr_assert_not(t.analyzed);
	cr_assert_eq(t.n, 5);
	cr_assert_eq(j.n, 5);
	for (size_t i = 0; i < t.n; i++) {
		STR(t.nodes[i].type, j.nodes[i].type);
		STR(t.nodes[i].label, j.nodes[i].label);
		EQ(t.nodes[i].plan_rows, j.nodes[i].plan_rows);
		EQ(t.nodes[i].exclusive_cost, j.nodes[i].exclusive_cost);
		cr_assert_eq(t.nodes[i].parent, j.nodes[i].parent);
	}
	/* A Merge Join's children cost more than it: clamped at 0. */
	EQ(t.nodes[0].exclusive_cost, 0);
	EQ(t.nodes[3].exclusive_cost, 4069.12 - 3971.0);
	plan_release(&t);
	plan_release(&j);
}

/* A bad number: the error, and the node and the rest still read. */
Test(plan, malformed_node_keeps_the_rest)
{
	struct plan p;

	cr_assert_eq(load(&p, "malformed-node.txt"), -1);
	cr_assert_eq(p.n, 4);
	cr_assert_not(p.nodes[2].has_cost);
	EQ(p.nodes[2].total_ms, 0.5);
	cr_assert_eq(p.nodes[3].parent, 1);
	EQ(p.nodes[1].exclusive_ms, 0.9 - 0.5 - 0.1);
	plan_release(&p);
}

Test(plan, malformed_json_and_junk)
{
	struct plan p;

	/* Cut short: an error, and the node it holds is read. */
	cr_assert_eq(load(&p, "malformed-truncated.json"), -1);
	cr_assert_eq(p.n, 1);
	cr_assert_eq(p.truncated, 1);
	cr_assert_str_eq(p.nodes[0].type, "Aggregate");
	plan_release(&p);
	cr_assert_eq(parse_str(&p, "hello\nworld\n"), -1);
	cr_assert_eq(p.n, 0);
	plan_release(&p);
	cr_assert_eq(parse_str(&p, ""), -1);
	plan_release(&p);
	cr_assert_eq(parse_str(&p, "[{\"Plan\": {\"Plans\": []}}]"), -1);
	cr_assert_eq(p.n, 0);
	plan_release(&p);
}

/* Never executed nodes and a TIMING OFF row count. */
Test(plan, never_executed)
{
	struct plan p;

	cr_assert_eq(
	    parse_str(&p, "Limit  (cost=0.00..1.00 rows=1 width=4) (actual "
			  "time=0.010..0.020 rows=0 loops=1)\n"
			  "  ->  Seq Scan on t  (cost=0.00..10.00 rows=10 "
			  "width=4) (never executed)\n"
			  "Execution Time: 0.030 ms\n"),
	    0);
	cr_assert_eq(p.n, 2);
	cr_assert(p.nodes[1].never_executed);
	EQ(p.nodes[1].total_ms, 0);
	EQ(p.nodes[0].exclusive_ms, 0.02);
	plan_release(&p);
}

static void label_is(const char *label, const char *type, const char *rel,
		     const char *alias, const char *index, int parallel)
{
	struct plan_node n = {0};

	plan_label_parse(&n, label, strlen(label));
	cr_assert_str_eq(n.type, type, "%s", label);
	if (rel)
		cr_assert_str_eq(n.relation, rel, "%s", label);
	else
		cr_assert_null(n.relation, "%s", label);
	if (alias)
		cr_assert_str_eq(n.alias, alias, "%s", label);
	else
		cr_assert_null(n.alias, "%s", label);
	if (index)
		cr_assert_str_eq(n.index_name, index, "%s", label);
	else
		cr_assert_null(n.index_name, "%s", label);
	cr_assert_eq(n.parallel, parallel, "%s", label);
	plan_node_clear(&n);
}

Test(plan, labels)
{
	label_is("Parallel Index Scan Backward using idx on public.\"T x\" t1",
		 "Index Scan", "T x", "t1", "idx", 1);
	label_is("Bitmap Index Scan on idx_a", "Bitmap Index Scan", NULL, NULL,
		 "idx_a", 0);
	label_is("Finalize GroupAggregate", "Aggregate", NULL, NULL, NULL, 0);
	label_is("Partial HashAggregate", "Aggregate", NULL, NULL, NULL, 0);
	label_is("Hash Right Anti Join", "Hash Join", NULL, NULL, NULL, 0);
	label_is("Merge Full Join", "Merge Join", NULL, NULL, NULL, 0);
	label_is("Nested Loop Semi Join", "Nested Loop", NULL, NULL, NULL, 0);
	label_is("Insert on t", "ModifyTable", "t", NULL, NULL, 0);
	label_is("Update on t t_1", "ModifyTable", "t", "t_1", NULL, 0);
	label_is("Custom Scan (ChunkAppend) on metrics", "Custom Scan",
		 "metrics", NULL, NULL, 0);
	label_is("Function Scan on generate_series g", "Function Scan", NULL,
		 "g", NULL, 0);
	label_is("Values Scan on \"*VALUES*\"", "Values Scan", NULL, "*VALUES*",
		 NULL, 0);
	label_is("HashSetOp Except All", "SetOp", NULL, NULL, NULL, 0);
	label_is("Parallel Hash", "Hash", NULL, NULL, NULL, 1);
	label_is("Index Only Scan using pk on orders", "Index Only Scan",
		 "orders", NULL, "pk", 0);
}

/* Found by fuzz-plan: a lead byte of a box-drawing character at the end
 * of a line, and counts far outside their field's range. */
Test(plan, fuzz_regressions)
{
	struct plan p;

	cr_assert_eq(parse_str(&p, "Result  (cost=0.00..0.01 rows=1 width=4)\n"
				   "\xe2\x94\n"),
		     -1);
	cr_assert_eq(p.n, 1);
	plan_release(&p);
	cr_assert_eq(parse_str(&p, "Result  (cost=0.00..0.01 rows=1 width=4)\n"
				   "  Buffers: shared hit=1e300 read=5\n"
				   "  Workers Launched: 1e20\n"),
		     0);
	cr_assert_eq(p.nodes[0].buf.shared_hit, UINT64_MAX);
	cr_assert_eq(p.nodes[0].buf.shared_read, 5);
	cr_assert_eq(p.nodes[0].workers_launched, 2000000000);
	plan_release(&p);
	cr_assert_eq(parse_str(&p, "Result  (cost=0.00..inf rows=1 width=4)\n"),
		     -1);
	plan_release(&p);
}

/* VERBOSE: a worker's own Buffers under its Worker line are no totals. */
Test(plan, verbose_worker_details)
{
	struct plan p;

	cr_assert_eq(
	    parse_str(&p,
		      "Gather  (cost=0.00..1.00 rows=1 width=4) (actual "
		      "time=0.100..10.000 rows=10 loops=1)\n"
		      "  Output: a\n"
		      "  Workers Planned: 2\n"
		      "  Workers Launched: 2\n"
		      "  Buffers: shared hit=300\n"
		      "  ->  Parallel Seq Scan on public.t  (cost=0.00..1.00 "
		      "rows=1 width=4) (actual time=0.010..6.000 rows=3 "
		      "loops=3)\n"
		      "        Output: a\n"
		      "        Buffers: shared hit=300\n"
		      "        Worker 0:  actual time=0.010..6.000 rows=3 "
		      "loops=1\n"
		      "          Buffers: shared hit=100\n"
		      "        Worker 1:  actual time=0.010..6.000 rows=3 "
		      "loops=1\n"
		      "          Buffers: shared hit=90\n"
		      "Execution Time: 10.5 ms\n"),
	    0);
	cr_assert_eq(p.n, 2);
	cr_assert_eq(p.nodes[1].buf.shared_hit, 300);
	cr_assert_float_eq(p.nodes[1].total_ms, 6.0, 1e-9);
	cr_assert_float_eq(p.execution_ms, 10.5, 1e-9);
	plan_release(&p);
}

/* Two plans pasted one after the other, with a session's text between
 * them: each is read; --plan picks one. */
Test(plan, several_plans)
{
	static const char two[] =
	    "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual "
	    "time=0.010..0.020 rows=1 loops=1)\n"
	    "Planning Time: 0.1 ms\n"
	    "Execution Time: 0.5 ms\n"
	    "shop=# EXPLAIN ANALYZE SELECT * FROM u\n"
	    "Limit  (cost=0.00..1.00 rows=1 width=4) (actual "
	    "time=0.010..0.030 rows=1 loops=1)\n"
	    "  ->  Seq Scan on u  (cost=0.00..1.00 rows=1 width=4) (actual "
	    "time=0.010..0.020 rows=1 loops=1)\n"
	    "Planning Time: 0.2 ms\n"
	    "Execution Time: 0.7 ms\n";
	struct plan_list l = {0};

	cr_assert_eq(plan_parse_list(&l, two, strlen(two), "t", 0), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.total, 2);
	cr_assert_str_eq(l.v[0].nodes[0].relation, "t");
	cr_assert_float_eq(l.v[0].execution_ms, 0.5, 1e-9);
	cr_assert_eq(l.v[1].n, 2);
	cr_assert_eq(l.v[1].index, 2);
	cr_assert_eq(l.v[1].first_line, 5);
	cr_assert_float_eq(l.v[1].execution_ms, 0.7, 1e-9);
	plan_list_release(&l);
	cr_assert_eq(plan_parse_list(&l, two, strlen(two), "t", 2), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.total, 2);
	cr_assert_eq(l.v[0].index, 2);
	cr_assert_str_eq(l.v[0].nodes[1].relation, "u");
	plan_list_release(&l);
	cr_assert_eq(plan_parse_list(&l, two, strlen(two), "t", 3), -1);
	cr_assert_eq(l.n, 0);
	plan_list_release(&l);
}
