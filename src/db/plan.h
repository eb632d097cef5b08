#ifndef PERFOPS_PLAN_H
#define PERFOPS_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

/*
 * A PostgreSQL query plan (EXPLAIN, with or without ANALYZE and BUFFERS)
 * read from its text or JSON format, PostgreSQL 12 to 18, and the figures
 * derived from it as docs/../specs/database.md §2 defines them.
 *
 * Nodes are stored in pre-order: a parent always comes before its
 * children, node 0 is the root and .parent is -1 for it.  The plan owns
 * every node and string it points to; plan_release() frees them all.
 */

struct plan_buffers {
	uint64_t shared_hit, shared_read, shared_dirtied, shared_written;
	uint64_t local_hit, local_read, local_dirtied, local_written;
	uint64_t temp_read, temp_written;
};

/* One parallel worker's part of a node, as VERBOSE prints it ("Worker 1:
 * actual time=a..b rows=N loops=L", or JSON's "Workers"). */
struct plan_worker {
	int num;
	double startup_ms, total_ms; /* per loop, as printed */
	double rows;		     /* per loop */
	double loops;
};

/* How a child hangs from its parent ("Parent Relationship" in JSON). */
enum plan_rel {
	PLAN_REL_NONE = 0, /* the root */
	PLAN_REL_OUTER,
	PLAN_REL_INNER,
	PLAN_REL_MEMBER,
	PLAN_REL_SUBQUERY,
	PLAN_REL_INITPLAN,
	PLAN_REL_SUBPLAN,
	PLAN_REL_CTE, /* the plan of a CTE ("CTE name" in text) */
};

struct plan_node {
	int id, parent; /* pre-order index; -1 for the root */
	int depth;	/* 0 for the root */
	enum plan_rel rel;
	char *type;	  /* the bare node type: "Seq Scan", "Aggregate" */
	char *label;	  /* as EXPLAIN prints it: "Parallel Seq Scan on t" */
	char *relation;	  /* the table, no schema nor alias; NULL if none */
	char *alias;	  /* NULL if none */
	char *index_name; /* NULL if none */
	char *subplan;	  /* "InitPlan 1 (returns $0)", "CTE x"; or NULL */
	char *cte_name;	  /* for a CTE Scan: the CTE it reads */
	char *filter;	  /* Filter: condition, or NULL */
	char *sort_key;	  /* Sort Key: list, or NULL */
	char *conds;	  /* every condition text, '\n'-separated, to find
			     the InitPlan parameters a node uses */
	int parallel;	  /* Parallel Aware */

	int has_cost;
	double startup_cost, total_cost;
	double plan_rows; /* estimated rows per loop */
	int has_actual;	  /* an (actual ...) group was printed */
	int has_timing;	  /* with times (not TIMING OFF) */
	int never_executed;
	double actual_startup_ms, actual_total_ms; /* per loop, as printed */
	double rows;				   /* actual rows per loop */
	double loops;
	double removed_filter, removed_join_filter,
	    removed_recheck; /* per loop */
	int has_buffers;
	struct plan_buffers buf; /* totals, children included */

	char *sort_method;    /* "external merge", "quicksort", ... */
	int sort_disk;	      /* Sort Space Type Disk, or a worker's */
	double sort_space_kb; /* Sort Space Used */
	long hash_batches, hash_batches_orig;
	double disk_usage_kb; /* HashAggregate Disk Usage */
	int workers_planned, workers_launched;
	int has_workers;
	struct plan_worker *workers; /* VERBOSE's per-worker figures */
	size_t nworkers, workers_alloc;

	/* Derived by plan_compute(). */
	int under_gather;    /* a Gather or Gather Merge is an ancestor */
	double procs;	     /* the processes that ran it (1 outside a
				Gather): total_ms = cpu_total_ms / procs */
	double total_ms;     /* wall-clock, children included */
	double cpu_total_ms; /* actual total x loops (all processes) */
	double exclusive_ms; /* wall-clock, without the children's */
	double cpu_exclusive_ms;
	double exclusive_cost;	  /* for plans without ANALYZE */
	struct plan_buffers xbuf; /* buffers without the children's */
	int nchildren;
	int first_line; /* where it starts in the input (text; 0 for JSON) */
};

enum plan_format {
	PLAN_FMT_TEXT = 1,
	PLAN_FMT_JSON,
	PLAN_FMT_YAML, /* read as JSON after plan_yaml_to_json() */
	PLAN_FMT_XML,
};

struct plan {
	struct plan_node *nodes;
	size_t n, alloc;
	enum plan_format format;
	int has_planning, has_execution;
	double planning_ms, execution_ms; /* as printed */
	int analyzed;			  /* has (actual ...) groups */
	int has_timing;
	int has_buffers;
	double trigger_ms; /* the sum of Trigger times */
	double jit_ms;	   /* JIT: Timing: Total (all processes); 0 if none */
	/* For plan_check_cut(): JSON's "Triggers" and auto_explain's "Query
	 * Text" keys seen; what the reader saw of a cut (a static string:
	 * "the JSON stops before its closing brackets"), or NULL. */
	int has_triggers, has_query_text;
	int from_log; /* auto_explain's plan, found in a server log */
	const char *cut_hint;
	int truncated;	   /* plan_check_cut() found the plan cut short */
	size_t index, of;  /* its place in the input, from 1, of how many */
	size_t first_line; /* the input line it starts on (0 if unknown) */
	int bad;	   /* reading it reported an error */
};

/*
 * Every plan of one input, in order: users paste several (a psql session,
 * a before and an after).  total counts the plans the input holds, v
 * those read (all of them, or the one picked).  The list owns its plans;
 * plan_list_release() frees them.
 */
struct plan_list {
	struct plan *v;
	size_t n, alloc;
	size_t total;
};

/* Append an initialized plan; returns it (valid until the next add). */
struct plan *plan_list_add(struct plan_list *l);
void plan_list_release(struct plan_list *l);

/* A count read as a double (a hostile input may hold 1e300), clamped into
 * the range of the field it goes to. */
static inline uint64_t plan_u64(double v)
{
	return v > 0 ? (v < 1.8e19 ? (uint64_t)v : UINT64_MAX) : 0;
}
static inline int plan_int(double v)
{
	return v > 0 ? (v < 2e9 ? (int)v : 2000000000) : 0;
}

void plan_init(struct plan *p);
void plan_release(struct plan *p);

/* Add a worker's figures to node n. */
void plan_add_worker(struct plan_node *n, const struct plan_worker *w);

/* The leader's part of node n: what its figures leave after the workers'
 * (0 loops when the workers ran every loop). */
void plan_leader_part(const struct plan_node *n, struct plan_worker *out);

/* Append a zeroed node under parent (-1 for the root); returns its index. */
int plan_add_node(struct plan *p, int parent);

/*
 * Read a plan from text (as psql pastes it: frames, header, trailer, '+'
 * marks, wrapped lines all removed) or JSON, whichever data holds.  name is
 * the input's name for messages.  Returns 0, or -1 after reporting each
 * problem as "NAME:LINE: ..."; what could be read is in p either way (a
 * plan with no node at all is an error).  Of several plans, the first is
 * read (and the others' problems reported too): plan_parse_list() reads
 * them all.
 */
int plan_parse(struct plan *p, const char *data, size_t len, const char *name);
/*
 * Every plan of data into l, each read as plan_parse() reads one: plans
 * one after another in text (a psql session: the lines between them are
 * skipped with a warning), several JSON documents or one array of them,
 * YAML and XML lists.  A server log's auto_explain plans are many: only
 * the first is read, and the others counted.  pick > 0 keeps only the
 * pick-th plan (of a log too); past the last, an error names how many
 * there are.  Returns 0, or -1 after reporting each problem.
 */
int plan_parse_list(struct plan_list *l, const char *data, size_t len,
		    const char *name, size_t pick);
/* from_log: the text is auto_explain's plan, taken from a log entry
 * (which has no Execution Time). */
int plan_parse_text(struct plan_list *l, const char *data, size_t len,
		    const char *name, size_t pick, int from_log);
/* JSON lines are the cleaned text's; lineno maps them to the input's.
 * Each plan found is added to l. */
int plan_parse_json(struct plan_list *l, const char *json, size_t len,
		    const char *name, const size_t *lineno, size_t nlines);

/*
 * EXPLAIN's YAML or XML format, n lines, as the JSON format's text appended
 * to out, one JSON line per input line.  XML returns -1 when it is not
 * explain.c's (the JSON reader names the YAML it cannot read), -2 when it
 * ends before its elements close (out then holds the JSON so far).
 */
void plan_yaml_to_json(const char *const *lines, size_t n, struct strbuf *out);
int plan_xml_to_json(const char *const *lines, size_t n, struct strbuf *out);
/* Whether a YAML line is cut mid-way: no "Key: value", "Key:" nor "- "
 * item, or a quoted string that does not end. */
int plan_yaml_line_cut(const char *s);

/*
 * Derive total, CPU-total and exclusive times and exclusive buffers (spec
 * §2): total = actual total time x loops, divided by (workers launched +
 * 1) under a Gather, or by the workers when the leader took no part; exclusive
 * = total - the children's, InitPlans left out unless the parent is a Result,
 * CTE and InitPlan time taken from the nodes that use them, clamped at 0.
 * Called by plan_parse().
 */
void plan_compute(struct plan *p);

/*
 * Whether the plan read was cut short (a paste that stopped mid-way): the
 * last node without the figures the others have, a node on the way to it
 * without the children its type cannot do without, an analyzed plan
 * without its footer where EXPLAIN always prints one, or what the reader
 * saw (p->cut_hint).  When it was, reports one line naming line (the
 * input's last) and what is missing, sets p->truncated and returns -1.
 */
int plan_check_cut(struct plan *p, const char *name, size_t line);

/* The plan's execution time: Execution Time, else the root's total. */
double plan_execution_ms(const struct plan *p);

/* The children of node i, in order; returns how many (<= max). */
int plan_children(const struct plan *p, int i, int *out, int max);

#endif
