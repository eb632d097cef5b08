#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "db/findings.h"
#include "db/plan.h"
#include <criterion/criterion.h>

#ifndef PERFOPS_SRCDIR
#define PERFOPS_SRCDIR "."
#endif

struct fixture {
	struct plan p;
	struct plan_findings f;
};

static void load(struct fixture *x, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];

	snprintf(path, sizeof(path), "%s/tests/data/db/%s", PERFOPS_SRCDIR,
		 name);
	cr_assert_eq(strbuf_read_file(&sb, path), 0, "cannot read %s", path);
	plan_init(&x->p);
	error_set_quiet(1);
	cr_assert_eq(plan_parse(&x->p, sb.buf, sb.len, name), 0);
	error_set_quiet(0);
	strbuf_release(&sb);
	plan_find(&x->p, &x->f);
}

static void load_str(struct fixture *x, const char *text)
{
	plan_init(&x->p);
	cr_assert_eq(plan_parse(&x->p, text, strlen(text), "t"), 0);
	plan_find(&x->p, &x->f);
}

static void done(struct fixture *x)
{
	plan_findings_release(&x->f);
	plan_release(&x->p);
}

/* The finding of this kind on this node, or NULL. */
static const struct plan_finding *find(const struct fixture *x,
				       enum plan_finding_kind k, int node)
{
	size_t i;

	for (i = 0; i < x->f.n; i++)
		if (x->f.v[i].kind == k && x->f.v[i].node == node)
			return &x->f.v[i];
	return NULL;
}

static size_t count(const struct fixture *x, enum plan_finding_kind k)
{
	size_t i, n = 0;

	for (i = 0; i < x->f.n; i++)
		n += x->f.v[i].kind == k;
	return n;
}

/* The finding of kind k on node exists and its fix holds want. */
static void fix_has(const struct fixture *x, enum plan_finding_kind k, int node,
		    const char *want)
{
	const struct plan_finding *f = find(x, k, node);

	cr_assert_not_null(f, "no finding %d on node %d", k, node);
	cr_assert(strstr(f->fix, want), "%s", f->fix);
}

static void columns_are(const char *cond, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	plan_filter_columns(cond, &sb);
	cr_assert_str_eq(sb.buf, want, "%s", cond);
	strbuf_release(&sb);
}

Test(findings, filter_columns)
{
	columns_are("(customer_id = 42)", "customer_id");
	columns_are("((status)::text = 'shipped'::text)", "status");
	columns_are("((amount > '10'::numeric) AND (region = 7))",
		    "region, amount");
	columns_are("(lower((email)::text) = 'a@b.c'::text)", "email");
	columns_are("((o.created_at >= '2024-01-01 00:00:00'::timestamp "
		    "without time zone) AND (o.customer_id = ANY "
		    "('{1,2}'::integer[])))",
		    "customer_id, created_at");
	columns_are("(NOT deleted)", "deleted");
	/* SQL-ready: quoted when PostgreSQL needs it, "" inside. */
	columns_are("(\"Product Id\" = 3)", "\"Product Id\"");
	columns_are("((\"createdAt\" > '2024-05-01'::date) AND (\"customerId\" "
		    "= 42))",
		    "\"customerId\", \"createdAt\"");
	columns_are("(\"c\"\"ol\" = 'y\"z'::text)", "\"c\"\"ol\"");
	columns_are("((\"order\" = 1) AND (\"user\" = 2) AND (type = 3))",
		    "\"order\", \"user\", type");
	columns_are("(x = $1)", "x");
	columns_are("((name)::text ~~ 'it''s AND x%'::text)", "name");
	columns_are("(alternatives: SubPlan 1 or hashed SubPlan 2)", "");
	columns_are("((a IS NULL) OR (b <> a))", "a, b");
}

/* A real PostgreSQL 15 plan of a Prisma-style table: the fixes quote the
 * table and the columns, or PostgreSQL would read "Order" as ORDER and
 * customerId as customerid. */
Test(findings, fixes_quote_identifiers)
{
	struct fixture x;

	load_str(&x,
		 "Seq Scan on \"Order\"  (cost=0.00..409.00 rows=1 width=12) "
		 "(actual time=0.011..0.996 rows=133 loops=1)\n"
		 "  Filter: ((\"createdAt\" > '2024-05-01'::date) AND "
		 "(\"customerId\" = 42))\n"
		 "  Rows Removed by Filter: 19867\n"
		 "Execution Time: 1.1 ms\n");
	fix_has(&x, PF_SEQ_SCAN_FILTER, 0,
		"CREATE INDEX ON \"Order\" (\"customerId\", \"createdAt\");");
	fix_has(&x, PF_MISESTIMATE, 0, "(ANALYZE \"Order\")");
	fix_has(&x, PF_MISESTIMATE, 0,
		"CREATE STATISTICS \"Order_customerId_createdAt\" "
		"(dependencies) ON \"customerId\", \"createdAt\" FROM "
		"\"Order\"; ANALYZE \"Order\";");
	done(&x);
}

Test(findings, seq_scan_filter_names_the_index)
{
	struct fixture x;
	const struct plan_finding *f;

	load(&x, "pg15-seq-scan-filter.json");
	f = find(&x, PF_SEQ_SCAN_FILTER, 0);
	cr_assert_not_null(f);
	cr_assert_eq(f->severity, PF_HIGH);
	cr_assert_float_eq(f->value, 199960.0 / 200000, 1e-12);
	cr_assert(strstr(f->fix, "CREATE INDEX ON orders (customer_id);"), "%s",
		  f->fix);
	cr_assert(strstr(f->message, "removes 199960"), "%s", f->message);
	done(&x);

	/* Parallel: rows and removed rows are per loop, x loops. */
	load(&x, "pg15-misestimate-unicode.txt");
	f = find(&x, PF_SEQ_SCAN_FILTER, 1);
	cr_assert_not_null(f);
	cr_assert_float_eq(f->value, 198000.0 / 200000, 1e-12);
	cr_assert(strstr(f->fix, "CREATE INDEX ON orders (region, bucket);"),
		  "%s", f->fix);
	done(&x);
}

Test(findings, seq_scan_filter_thresholds)
{
	struct fixture x;

	/* Half removed: no finding; a small table: no finding. */
	load_str(&x, "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual "
		     "time=0.010..5.000 rows=10000 loops=1)\n"
		     "  Filter: (a = 1)\n  Rows Removed by Filter: 10000\n");
	cr_assert_eq(count(&x, PF_SEQ_SCAN_FILTER), 0);
	done(&x);
	load_str(&x, "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual "
		     "time=0.010..5.000 rows=1 loops=1)\n"
		     "  Filter: (a = 1)\n  Rows Removed by Filter: 9998\n");
	cr_assert_eq(count(&x, PF_SEQ_SCAN_FILTER), 0);
	done(&x);
	load_str(&x, "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual "
		     "time=0.010..5.000 rows=4000 loops=1)\n"
		     "  Filter: (a = 1)\n  Rows Removed by Filter: 6000\n");
	cr_assert_eq(find(&x, PF_SEQ_SCAN_FILTER, 0)->severity, PF_MEDIUM);
	done(&x);
}

Test(findings, misestimate_bands_and_no_ratio)
{
	struct fixture x;
	const struct plan_finding *f;

	/* The Gather (2000 vs 19) only carries its scan's error up. */
	load(&x, "pg15-misestimate-unicode.txt");
	cr_assert_null(find(&x, PF_MISESTIMATE, 0));
	f = find(&x, PF_MISESTIMATE, 1);
	cr_assert_float_eq(f->value, 1000.0 / 11, 1e-9);
	cr_assert_eq(f->severity, PF_LOW);
	cr_assert(strstr(f->fix, "CREATE STATISTICS orders_region_bucket "
				 "(dependencies) ON region, bucket FROM "
				 "orders"),
		  "%s", f->fix);
	done(&x);

	/* 0 actual rows: no ratio; 5x: under the threshold. */
	load(&x, "pg14-memoize.json");
	cr_assert_eq(count(&x, PF_MISESTIMATE), 0);
	done(&x);

	load_str(&x, "Seq Scan on t  (cost=0.00..1.00 rows=3 width=4) (actual "
		     "time=0.010..5.000 rows=5000 loops=2)\n");
	f = find(&x, PF_MISESTIMATE, 0);
	cr_assert_eq(f->severity, PF_HIGH);
	cr_assert(strstr(f->message, "underestimated"));
	done(&x);

	/* A join that multiplies its child's error by more than 2 is a
	 * misestimate of its own; an overestimate too. */
	load_str(&x, "Hash Join  (cost=0.00..1.00 rows=10 width=4) (actual "
		     "time=0.010..5.000 rows=50000 loops=1)\n"
		     "  ->  Seq Scan on a  (cost=0.00..1.00 rows=10 width=4) "
		     "(actual time=0.010..1.000 rows=1000 loops=1)\n"
		     "  ->  Hash  (cost=0.00..1.00 rows=10000 width=4) (actual "
		     "time=0.010..1.000 rows=10 loops=1)\n"
		     "        ->  Seq Scan on b  (cost=0.00..1.00 rows=10000 "
		     "width=4) (actual time=0.010..1.000 rows=10 loops=1)\n");
	cr_assert_not_null(find(&x, PF_MISESTIMATE, 0));
	cr_assert_not_null(find(&x, PF_MISESTIMATE, 1));
	cr_assert_null(find(&x, PF_MISESTIMATE, 2));
	f = find(&x, PF_MISESTIMATE, 3);
	cr_assert(strstr(f->message, "overestimated by 1000x"), "%s",
		  f->message);
	done(&x);
}

/* Real PostgreSQL 15 plans: a LIMIT stops its input early, so the rows
 * under it fall short of the planner's whole-run estimate; that is no
 * misestimate.  Below a node that reads all first (the Sort) the scan
 * ran in full and is checked. */
Test(findings, no_misestimate_under_a_limit)
{
	struct fixture x;

	load(&x, "pg15-limit-nested-loop.txt");
	cr_assert_eq(count(&x, PF_MISESTIMATE), 0);
	done(&x);
	load(&x, "pg15-limit-sort.txt");
	cr_assert_eq(count(&x, PF_MISESTIMATE), 0);
	done(&x);
	/* A Limit that did not get its count: the input ran to its end. */
	load_str(&x, "Limit  (cost=0.00..10.00 rows=10 width=4) (actual "
		     "time=0.1..5.0 rows=2 loops=1)\n"
		     "  ->  Seq Scan on t  (cost=0.00..900.00 rows=9000 "
		     "width=4) (actual time=0.1..5.0 rows=2 loops=1)\n");
	cr_assert_not_null(find(&x, PF_MISESTIMATE, 1));
	done(&x);
	/* An underestimate under a Limit is still one. */
	load_str(&x, "Limit  (cost=0.00..10.00 rows=10 width=4) (actual "
		     "time=0.1..5.0 rows=10 loops=1)\n"
		     "  ->  Nested Loop  (cost=0.00..900.00 rows=20 "
		     "width=4) (actual time=0.1..5.0 rows=10 loops=1)\n"
		     "        ->  Seq Scan on t  (cost=0.00..900.00 rows=1 "
		     "width=4) (actual time=0.1..5.0 rows=500 loops=1)\n"
		     "        ->  Seq Scan on u  (cost=0.00..900.00 rows=20 "
		     "width=4) (actual time=0.1..5.0 rows=20 loops=500)\n");
	cr_assert_not_null(find(&x, PF_MISESTIMATE, 2));
	done(&x);
}

Test(findings, sort_spill)
{
	struct fixture x;
	const struct plan_finding *f;

	load(&x, "pg15-sort-spill-gather.txt");
	f = find(&x, PF_SORT_SPILL, 1);
	cr_assert_not_null(f);
	cr_assert(strstr(f->message, "external merge, Disk: 3976kB"), "%s",
		  f->message);
	cr_assert(strstr(f->fix, "Add index matching ORDER BY (amount)"), "%s",
		  f->fix);
	cr_assert(strstr(f->fix, "SET work_mem = '8MB'"), "%s", f->fix);
	cr_assert_eq(count(&x, PF_SORT_SPILL), 1);
	done(&x);

	load(&x, "pg16-quoted.csv");
	cr_assert_eq(count(&x, PF_SORT_SPILL), 0);
	done(&x);
}

Test(findings, hash_spill)
{
	struct fixture x;
	const struct plan_finding *f;

	load(&x, "pg15-hash-spill.txt");
	f = find(&x, PF_HASH_SPILL, 3);
	cr_assert_not_null(f);
	cr_assert(strstr(f->message, "4 batches"), "%s", f->message);
	cr_assert_eq(count(&x, PF_HASH_SPILL), 1);
	done(&x);

	load(&x, "pg13-hashagg-disk.json");
	f = find(&x, PF_HASH_SPILL, 0);
	cr_assert_not_null(f);
	cr_assert(strstr(f->message, "Disk Usage: 7728kB"), "%s", f->message);
	done(&x);

	load(&x, "pg16-wrapped.txt");
	cr_assert_eq(count(&x, PF_HASH_SPILL), 0);
	done(&x);
}

Test(findings, nested_loop)
{
	struct fixture x;
	const struct plan_finding *f;

	load(&x, "pg14-memoize.json");
	f = find(&x, PF_NESTED_LOOP, 0);
	cr_assert_not_null(f);
	cr_assert_float_eq(f->value, 200000, 0);
	done(&x);

	load(&x, "pg18-fractional.txt");
	cr_assert_not_null(find(&x, PF_NESTED_LOOP, 0));
	done(&x);

	/* 999 inner loops: not yet. */
	load_str(&x, "Nested Loop  (cost=0.00..1.00 rows=3 width=4) (actual "
		     "time=0.010..10.000 rows=999 loops=1)\n"
		     "  ->  Seq Scan on a  (cost=0.00..1.00 rows=999 width=4) "
		     "(actual time=0.010..1.000 rows=999 loops=1)\n"
		     "  ->  Index Scan using b_pkey on b  (cost=0.00..1.00 "
		     "rows=1 width=4) (actual time=0.001..0.005 rows=1 "
		     "loops=999)\n"
		     "Execution Time: 10.1 ms\n");
	cr_assert_eq(count(&x, PF_NESTED_LOOP), 0);
	done(&x);
}

/* A slow Seq Scan whose filter keeps most rows gets no index advice; one
 * that removes most does. */
Test(findings, slow_seq_scan_fix_follows_the_filter)
{
	struct fixture x;

	load_str(&x, "Seq Scan on t  (cost=0.00..900.00 rows=90000 width=4) "
		     "(actual time=0.1..50.0 rows=90000 loops=1)\n"
		     "  Filter: (a > 10)\n"
		     "  Rows Removed by Filter: 10000\n"
		     "Execution Time: 51.0 ms\n");
	fix_has(&x, PF_SLOW_NODE, 0,
		"the filter keeps 90% of the rows, so an index on it would "
		"not help");
	done(&x);
	load_str(&x, "Seq Scan on t  (cost=0.00..900.00 rows=90000 width=4) "
		     "(actual time=0.1..50.0 rows=10 loops=2)\n"
		     "  Filter: (a = 10)\n"
		     "  Rows Removed by Filter: 45000\n"
		     "Execution Time: 51.0 ms\n");
	fix_has(&x, PF_SLOW_NODE, 0, "Add index on filter columns");
	done(&x);
}

Test(findings, workers_short)
{
	struct fixture x;
	const struct plan_finding *f;

	load(&x, "pg15-workers-short.txt");
	f = find(&x, PF_WORKERS_SHORT, 1);
	cr_assert_not_null(f);
	cr_assert(strstr(f->message, "launched 0 of the 1 workers planned"));
	done(&x);

	load(&x, "pg15-misestimate-unicode.txt");
	cr_assert_eq(count(&x, PF_WORKERS_SHORT), 0);
	done(&x);
}

Test(findings, low_cache_hit)
{
	struct fixture x;
	const struct plan_finding *f;

	load(&x, "pg18-fractional.json");
	f = find(&x, PF_LOW_CACHE_HIT, 2);
	cr_assert_not_null(f);
	cr_assert_float_eq(f->value, 2090.0 / 2990, 1e-12);
	/* The join's own buffers are its children's: no finding there. */
	cr_assert_eq(count(&x, PF_LOW_CACHE_HIT), 1);
	done(&x);
}

Test(findings, slow_node_bands)
{
	struct fixture x;

	load(&x, "pg15-seq-scan-filter.json");
	cr_assert_eq(find(&x, PF_SLOW_NODE, 0)->severity, PF_HIGH);
	done(&x);

	load(&x, "pg14-memoize.json");
	/* 30 of 61 ms, 10 of 61, 15 of 61, 5 of 61 */
	cr_assert_eq(find(&x, PF_SLOW_NODE, 0)->severity, PF_MEDIUM);
	cr_assert_eq(find(&x, PF_SLOW_NODE, 1)->severity, PF_LOW);
	cr_assert_eq(find(&x, PF_SLOW_NODE, 2)->severity, PF_LOW);
	cr_assert_null(find(&x, PF_SLOW_NODE, 3));
	/* Most severe first. */
	cr_assert_eq(x.f.v[0].severity, PF_MEDIUM);
	cr_assert_eq(x.f.v[x.f.n - 1].severity, PF_LOW);
	done(&x);
}
