#include "core/compat.h"
#include "cli/cli.h"
#include "cli/parse-options.h"
#include "core/error.h"
#include "db/digest.h"
#include "db/gate.h"
#include "db/live.h"
#include "db/pglog.h"
#include <limits.h>

static const struct cli_doc doc = {
    .name = "queries",
    .synopsis =
	"[options] LOG...\n"
	"   or: perfops queries --db CONNINFO [--json] [--long-txn D]\n",
    .description =
	"Digest PostgreSQL stderr logs the way pt-query-digest digests\n"
	"MySQL's: statements grouped by fingerprint (libpg_query's parse-\n"
	"tree fingerprint, a little coarser than pg_stat_statements' queryid:\n"
	"\"= $1\", IN lists and \"= ANY\" of one column are one; the\n"
	"pt-query-digest normalization for a statement it cannot parse),\n"
	"ordered by total time, each with its count, total, average, median,\n"
	"p95 and max time, share of the total, first and last seen, and its\n"
	"slowest statement with the parameters.  Every logged statement\n"
	"counts, BEGIN, COMMIT and utility statements included.\n"
	"\n"
	"Statements are the lines \"duration: X ms  statement: SQL\" and\n"
	"\"duration: X ms  execute NAME: SQL\" that "
	"log_min_duration_statement\n"
	"writes (DETAIL parameters are kept), and a bare \"duration: X ms\"\n"
	"(log_duration) paired with the session's \"statement:\" line\n"
	"(log_statement); parse and bind phases are not counted.  The\n"
	"log_line_prefix is not needed: the timestamp (%t, %m), the process\n"
	"(%p) and the session (%c) are recognised in each line's prefix.\n"
	"syslog, csvlog, jsonlog and MySQL slow logs (pt-query-digest\n"
	"fingerprints, rows sent) are read too, told apart by their content;\n"
	"logs may be gzip'd; \"-\" reads stdin.\n"
	"\n"
	"N+1 from the log alone: within one session (%c, else the pid), a\n"
	"run of at least 5 statements in a row with the same fingerprint,\n"
	"each looking up a single key (\"= $1\" or an IN list of one), no\n"
	"two more than 1 s apart, is reported with the statement before it\n"
	"(the parent whose rows the loop walks), N, the child's time in the\n"
	"run, and the fix: one batched query.\n"
	"\n"
	"Lock waits (log_lock_waits): each wait once, with the waiting\n"
	"session, the blocker, the lock and the whole wait (from its\n"
	"\"acquired\" line when there is one), grouped by the waiting\n"
	"statement; deadlocks with who waited for whom.\n",
    .epilogue =
	"Exit status: 0 ok; 1 a log cannot be read, or holds no statement,\n"
	"or a gzip'd log ends early (what was read is reported);\n"
	"2 usage error; 3 --db cannot reach the server; 4 a --fail-if gate\n"
	"tripped (named on stderr).\n"
	"\n"
	"Example:\n"
	"  perfops queries --top 10 "
	"/var/log/postgresql/postgresql-16-main.log\n",
};

#define MAX_GATES 16

struct gates {
	struct gate g[MAX_GATES];
	int n;
};

static int add_gate(const struct opt *opt, const char *arg, int unset)
{
	struct gates *gs = opt->value;

	if (unset) {
		gs->n = 0;
		return 0;
	}
	if (gs->n == MAX_GATES)
		return opt_error(opt, "at most %d gates", MAX_GATES);
	if (gate_parse(arg, &gs->g[gs->n]) < 0)
		return -1;
	gs->n++;
	return 0;
}

int cmd_queries(int argc, char **argv)
{
	struct gates gates = {.n = 0};
	int json = 0, top = 20, min_run = 5, i, ret = EXIT_OK;
	double window = 1.0, long_txn = 60;
	const char *db = NULL, *prefix = NULL;
	const struct opt options[] = {
	    OPT_BOOL(0, "json", &json,
		     "one JSON document: statements, fingerprints,\n"
		     "total_ms and queries"),
	    OPT_INT('n', "top", &top, "N",
		    "show the N fingerprints with the most total\n"
		    "time (default 20; 0 shows all)",
		    0, INT_MAX),
	    OPT_STRING(0, "prefix", &prefix, "FORMAT",
		       "the servers' log_line_prefix ('%m [%p] %q%u@%d ');\n"
		       "by default found in each line"),
	    OPT_GROUP("N+1"),
	    OPT_INT(0, "n-plus-one", &min_run, "N",
		    "a run of N or more single-key lookups of one\n"
		    "shape in a row in a session is an N+1 (default 5)",
		    2, INT_MAX),
	    OPT_DURATION(0, "window", &window, "DURATION",
			 "no two lookups of a run further apart than\n"
			 "this (default 1s)",
			 0, 86400),
	    OPT_GROUP("Live server"),
	    OPT_STRING(0, "db", &db, "CONNINFO",
		       "instead of logs: pg_stat_statements' top\n"
		       "statements, blocked sessions and their\n"
		       "blockers, long-running transactions"),
	    OPT_DURATION(0, "long-txn", &long_txn, "DURATION",
			 "with --db: list transactions open longer\n"
			 "than this (default 60s)",
			 0, 1e9),
	    OPT_GROUP("CI gates"),
	    OPT_CALLBACK(0, "fail-if", &gates, "EXPR",
			 "exit 4 when EXPR holds, e.g. 'n_plus_one>0',\n"
			 "'p95>200ms' (any fingerprint); repeatable",
			 add_gate),
	    OPT_END(),
	};
	struct pglog_carry carry;
	struct digest d;

	argc = parse_options(argc, argv, &doc, options, 0);
	if (db) {
		struct live_opts lo = {
		    .top = top ? top : 1000000,
		    .long_txn_s = long_txn,
		    .json = json,
		};
		int r;

		if (argc)
			return cli_usage_error(
			    "queries", "--db reads no log (got '%s')", argv[0]);
		if (gates.n)
			return cli_usage_error("queries",
					       "--fail-if goes with logs, not "
					       "--db");
		r = live_report(db, &lo, stdout);
		return r == -2 ? EXIT_ENV : r < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (argc < 1)
		return cli_usage_error("queries",
				       "which log? (or --db CONNINFO)");
	digest_init(&d, (unsigned)min_run, window);
	/* Logs given in order (a rotated series): a statement at the end of
	 * one pairs with its duration at the start of the next. */
	pglog_carry_init(&carry);
	for (i = 0; i < argc; i++) {
		struct pglog_counts c;

		if (pglog_read_carry(argv[i], prefix, &carry, digest_add, &d,
				     &c) < 0)
			ret = EXIT_FAIL;
		if (c.prefix_mismatch)
			warning(
			    "%s:%llu: %llu line%s do not fit --prefix '%s' "
			    "(the first is here); read as if none were given",
			    argv[i], (unsigned long long)c.first_mismatch,
			    (unsigned long long)c.prefix_mismatch,
			    c.prefix_mismatch == 1 ? "" : "s", prefix);
		if (c.lines && !c.messages)
			error("%s: no PostgreSQL log line in it (line 1: no "
			      "\"LOG:  \" or other severity)",
			      argv[i]);
		else if (c.unknown)
			warning("%s:%llu: %llu line%s without a PostgreSQL "
				"severity skipped (the first is here)",
				argv[i], (unsigned long long)c.first_unknown,
				(unsigned long long)c.unknown,
				c.unknown == 1 ? "" : "s");
	}
	pglog_carry_release(&carry);
	if (!d.statements) {
		error("no statement with a duration in the log%s: set "
		      "log_min_duration_statement = 0 (or log_duration and "
		      "log_statement) to log them",
		      argc > 1 ? "s" : "");
		digest_release(&d);
		return EXIT_FAIL;
	}
	digest_finish(&d);
	if (json)
		digest_write_json(&d, (size_t)top, stdout);
	else
		digest_print_text(&d, (size_t)top, stdout);
	for (i = 0; i < gates.n; i++)
		if (gate_check(&gates.g[i], &d) && ret == EXIT_OK)
			ret = EXIT_THRESHOLD;
	digest_release(&d);
	return ret;
}
