#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "db/findings.h"
#include "db/plan-report.h"
#include "db/plan.h"
#include "db/pq.h"
#include "flame/flame.h"
#include "profile/profile.h"

static const struct cli_doc doc = {
    .name = "explain",
    .synopsis = "[options] [--plan N] [PLAN-FILE | -]\n"
		"   or: perfops explain --db CONNINFO [options] 'SQL'\n",
    .description =
	"Read a PostgreSQL plan (EXPLAIN, best with ANALYZE and BUFFERS),\n"
	"PostgreSQL 12 to 18, in text format as psql or another client\n"
	"shows it (frames, the QUERY PLAN header, the (N rows) trailer, '+'\n"
	"marks, quotes, hard-wrapped lines, psql's wrapped format and its\n"
	"\\x records are removed) or in JSON format (YAML and XML too), from\n"
	"a file or stdin.\n"
	"A server log (stderr, csvlog or jsonlog) with auto_explain plans\n"
	"gives its first plan (--plan N the N-th), with auto_explain's\n"
	"duration as the execution time.\n"
	"Several plans pasted one after the other (a psql session, JSON\n"
	"documents, YAML or XML lists) are each reported in turn, as one\n"
	"JSON document each with --json; --plan N reads the N-th alone.\n"
	"Print the tree with each node's own (exclusive) time and its share\n"
	"of the execution time, total time, loops, actual rows per loop\n"
	"against the planner's estimate, and buffers; then\n"
	"the findings, most severe first, each with its fix:\n"
	"  slow_node        own time over 10% of the execution (medium from\n"
	"                   40%, high over 90%)\n"
	"  seq_scan_filter  a Seq Scan that reads 10000 rows or more and\n"
	"                   removes over 50% of them (high over 90%); the fix\n"
	"                   is the index on the filter's columns\n"
	"  misestimate      actual and estimated rows per loop 10x apart or\n"
	"                   more (medium over 100x, high over 1000x), where\n"
	"                   the error starts (not the nodes it carries to);\n"
	"                   rows a LIMIT cut short are not counted\n"
	"  sort_spill       a sort that went to disk (external, Disk:, temp)\n"
	"  hash_spill       a hash or hash aggregate in more than one batch\n"
	"  nested_loop      a Nested Loop whose inner side ran 1000 times or\n"
	"                   more and that takes 10% of the time or more\n"
	"  workers_short    a Gather that launched fewer workers than planned\n"
	"  low_cache_hit    a node's own shared buffers (1000 or more) with a\n"
	"                   hit ratio under 90%\n"
	"A node's total time is its actual total time times its loops; under\n"
	"a Gather it is divided by the processes (workers launched + 1; the\n"
	"workers alone when the leader took no part; one for a Parallel\n"
	"Append's non-partial subplan; those VERBOSE names) to give\n"
	"wall-clock time, and the CPU time over all processes is shown\n"
	"beside it, with each worker's rows and time under VERBOSE.  Own time "
	"is\n"
	"the total minus the children's; InitPlan and CTE time is taken from\n"
	"the nodes that use them.\n"
	"\n"
	"With --db, perfops connects with libpq and runs EXPLAIN (ANALYZE,\n"
	"BUFFERS, FORMAT JSON) on the SQL itself (an EXPLAIN it starts with\n"
	"is dropped), inside a transaction that is rolled back and READ\n"
	"ONLY unless --analyze-writes is given.\n",
    .epilogue =
	"Exit status: 0 ok (findings or not); 1 bad input (each problem is\n"
	"named with its line number; what could be read is still reported),\n"
	"a plan cut short (one line: where it stops, what is missing), or\n"
	"EXPLAIN failed; 2 usage error; 3 cannot connect to the server.\n"
	"\n"
	"Examples:\n"
	"  psql -XAtc 'EXPLAIN (ANALYZE, BUFFERS) SELECT ...' > plan.txt\n"
	"  perfops explain plan.txt\n"
	"  perfops explain --json --svg plan.svg plan.json\n"
	"  perfops explain --db 'host=/tmp dbname=shop' \\\n"
	"      'SELECT * FROM orders WHERE customer_id = 42'\n",
};

static int write_svg(const struct plan *p, const char *path)
{
	struct profile prof;
	struct flame_opts fo;
	int r;

	plan_to_profile(p, &prof);
	plan_flame_opts(p, &fo);
	r = cli_write_profile(&prof, path, CLI_OUT_SVG, &fo, "explain");
	profile_release(&prof);
	return r;
}

static int write_html(const struct plan *p, const struct plan_findings *f,
		      const char *path)
{
	struct atomic_file af;

	if (atomic_open(&af, path) < 0)
		return -1;
	if (plan_write_html(p, f, af.fp) < 0) {
		atomic_abort(&af);
		return -1;
	}
	return atomic_commit(&af);
}

int cmd_explain(int argc, char **argv)
{
	const char *db = NULL, *svg = NULL, *html = NULL, *name;
	int json = 0, no_analyze = 0, writes = 0, pick = 0;
	const struct opt options[] = {
	    OPT_BOOL(0, "json", &json,
		     "one JSON document: execution_ms, planning_ms,\n"
		     "nodes and findings"),
	    OPT_STRING(0, "svg", &svg, "FILE",
		       "also draw the plan as a flame graph of own\n"
		       "time (or cost without ANALYZE) to FILE"),
	    OPT_STRING(0, "html", &html, "FILE",
		       "also write an HTML page with that flame graph,\n"
		       "the tree and the findings to FILE"),
	    OPT_INT(0, "plan", &pick, "N",
		    "read only the N-th plan of the input (of\n"
		    "several pasted, or of a log's auto_explain plans)",
		    1, INT_MAX),
	    OPT_GROUP("Live server"),
	    OPT_STRING(0, "db", &db, "CONNINFO",
		       "run EXPLAIN on this server (a libpq conninfo\n"
		       "or postgresql:// URI); the argument is the SQL"),
	    OPT_BOOL(0, "no-analyze", &no_analyze,
		     "plain EXPLAIN: plan without running the SQL"),
	    OPT_BOOL(0, "analyze-writes", &writes,
		     "let EXPLAIN ANALYZE run a statement that\n"
		     "writes (still rolled back)"),
	    OPT_END(),
	};
	struct strbuf in = STRBUF_INIT;
	struct plan_list l = {0};
	size_t i;
	int pr, ret = EXIT_OK;

	argc = parse_options(argc, argv, &doc, options, 0);
	if (argc > 1)
		return cli_usage_error(
		    "explain", "one plan at a time (got %d arguments)", argc);
	if (db) {
		unsigned fl = (no_analyze ? 0 : DB_EXPLAIN_ANALYZE) |
			      (writes ? DB_EXPLAIN_WRITES : 0);
		int r;

		if (argc != 1)
			return cli_usage_error("explain",
					       "--db needs the SQL to explain");
		if (pick)
			return cli_usage_error("explain",
					       "--plan picks a plan of a file; "
					       "--db explains one statement");
		r = db_explain(db, argv[0], fl, &in);
		if (r < 0) {
			strbuf_release(&in);
			return r == -2 ? EXIT_ENV : EXIT_FAIL;
		}
		name = "EXPLAIN";
	} else {
		if (no_analyze || writes)
			return cli_usage_error(
			    "explain", "--no-analyze and --analyze-writes "
				       "go with --db");
		name = argc ? argv[0] : "-";
		if (strbuf_read_file(&in, name) < 0) {
			strbuf_release(&in);
			return EXIT_FAIL;
		}
		if (!strcmp(name, "-"))
			name = "<stdin>";
	}

	pr = plan_parse_list(&l, in.buf, in.len, name, (size_t)pick);
	strbuf_release(&in);
	if (!l.n) {
		plan_list_release(&l);
		return EXIT_FAIL;
	}
	if ((svg || html) && l.n > 1) {
		cli_usage_error(
		    "explain",
		    "%s holds %zu plans and --%s draws one: pick it "
		    "with --plan N (1 to %zu)",
		    name, l.n, svg ? "svg" : "html", l.n);
		plan_list_release(&l);
		return EXIT_USAGE;
	}
	/* What could be read is reported even after a bad line. */
	if (pr < 0)
		ret = EXIT_FAIL;
	/* Each plan of a paste in turn: a report each, or a JSON document
	 * each, one after the other. */
	for (i = 0; i < l.n; i++) {
		struct plan_findings f = {0};
		const struct plan *p = &l.v[i];

		plan_find(p, &f);
		if (i && !json)
			fputc('\n', stdout);
		if (json)
			plan_write_json(p, &f, stdout);
		else
			plan_print_text(p, &f, stdout);
		if (svg && write_svg(p, svg) < 0)
			ret = EXIT_FAIL;
		if (html && write_html(p, &f, html) < 0)
			ret = EXIT_FAIL;
		plan_findings_release(&f);
	}
	plan_list_release(&l);
	return ret;
}
