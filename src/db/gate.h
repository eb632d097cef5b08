#ifndef PERFOPS_GATE_H
#define PERFOPS_GATE_H

/*
 * CI gates on a query-log digest: "METRIC OP VALUE[UNIT]", e.g.
 * "n_plus_one>0" or "p95>200ms".  Metrics: n_plus_one (runs found),
 * statements (all), and per fingerprint count, total, avg, median, p95,
 * max (times in ms; "s", "ms" and "us" units allowed), which trip when any
 * fingerprint passes.  OP is one of > >= < <= ==.
 */
struct digest;

enum gate_metric {
	GATE_N_PLUS_ONE,
	GATE_STATEMENTS,
	GATE_COUNT,
	GATE_TOTAL,
	GATE_AVG,
	GATE_MEDIAN,
	GATE_P95,
	GATE_MAX,
};

struct gate {
	const char *text; /* as given */
	enum gate_metric metric;
	int op; /* '>', 'g' (>=), '<', 'l' (<=), '=' */
	double value;
};

/* Parse s into g; -1 (reported, naming what is wrong) on junk. */
int gate_parse(const char *s, struct gate *g);
/* Whether the digest trips g; reports the first offender when it does. */
int gate_check(const struct gate *g, const struct digest *d);

#endif
