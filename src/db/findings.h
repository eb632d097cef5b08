#ifndef PERFOPS_FINDINGS_H
#define PERFOPS_FINDINGS_H

#include <stddef.h>

/*
 * What a plan says to fix, by the rules and thresholds of the database
 * spec §2: slow nodes, misestimates, filter waste on a sequential scan
 * (with the index that would help), sort and hash spills, nested loops
 * with many inner loops, workers launched short of planned, and a low
 * buffer cache hit ratio.  Each finding carries its message and the fix
 * in the seed's words.  The list owns its strings; plan_findings_release()
 * frees them.
 */
struct plan;

enum plan_finding_kind {
	PF_SLOW_NODE,
	PF_SEQ_SCAN_FILTER,
	PF_MISESTIMATE,
	PF_SORT_SPILL,
	PF_HASH_SPILL,
	PF_NESTED_LOOP,
	PF_WORKERS_SHORT,
	PF_LOW_CACHE_HIT,
};

enum plan_severity {
	PF_LOW = 1,
	PF_MEDIUM,
	PF_HIGH,
};

struct plan_finding {
	enum plan_finding_kind kind;
	int node;
	enum plan_severity severity;
	double value; /* the figure the rule compared: a share, a factor */
	char *message;
	char *fix;
};

struct plan_findings {
	struct plan_finding *v;
	size_t n, alloc;
};

/* Thresholds (spec §2 and, where it names none, documented in
 * docs/perfops-explain.1). */
#define PF_SLOW_SHARE 0.10 /* exclusive time of the execution */
#define PF_SLOW_SHARE_MEDIUM 0.40
#define PF_SLOW_SHARE_HIGH 0.90
#define PF_MISESTIMATE_FACTOR 10.0
#define PF_FILTER_WASTE 0.50
#define PF_FILTER_WASTE_SEVERE 0.90
#define PF_LARGE_TABLE_ROWS 10000.0 /* rows read by the scan */
#define PF_NESTED_LOOPS 1000.0
#define PF_NESTED_SHARE 0.10
#define PF_CACHE_HIT 0.90
#define PF_CACHE_MIN_BLOCKS 1000

/* Apply every rule to p (computed by plan_parse()), most severe first. */
void plan_find(const struct plan *p, struct plan_findings *out);
void plan_findings_release(struct plan_findings *f);

/* "slow_node", "seq_scan_filter", ... as in --json. */
const char *plan_finding_kind_name(enum plan_finding_kind k);
const char *plan_severity_name(enum plan_severity s);

/*
 * The columns a filter condition compares, equality comparisons first
 * ("((status)::text = 'x'::text) AND (region > 3)" gives "status,
 * region"), appended to out comma-separated; returns how many.
 */
struct strbuf;
int plan_filter_columns(const char *cond, struct strbuf *out);

#endif
