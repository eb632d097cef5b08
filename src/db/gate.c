#include "core/compat.h"
#include "db/gate.h"
#include "core/error.h"
#include "db/digest.h"
#include <math.h>

static const struct {
	const char *name;
	enum gate_metric metric;
	int is_time;
} metrics[] = {
    {"n_plus_one", GATE_N_PLUS_ONE, 0},
    {"statements", GATE_STATEMENTS, 0},
    {"count", GATE_COUNT, 0},
    {"total", GATE_TOTAL, 1},
    {"avg", GATE_AVG, 1},
    {"median", GATE_MEDIAN, 1},
    {"p95", GATE_P95, 1},
    {"max", GATE_MAX, 1},
};

int gate_parse(const char *s, struct gate *g)
{
	const char *p = s + strspn(s, " ");
	size_t i, n = strcspn(p, " <>=");
	char *end;
	int is_time = -1;

	g->text = s;
	for (i = 0; i < ARRAY_SIZE(metrics); i++) {
		if (strlen(metrics[i].name) == n &&
		    !strncmp(p, metrics[i].name, n)) {
			g->metric = metrics[i].metric;
			is_time = metrics[i].is_time;
		}
	}
	if (is_time < 0)
		return error(
		    "--fail-if '%s': unknown metric '%.*s' (n_plus_one, "
		    "statements, count, total, avg, median, p95, max)",
		    s, (int)n, p);
	p += n;
	p += strspn(p, " ");
	if (!strncmp(p, ">=", 2))
		g->op = 'g', p += 2;
	else if (!strncmp(p, "<=", 2))
		g->op = 'l', p += 2;
	else if (!strncmp(p, "==", 2))
		g->op = '=', p += 2;
	else if (*p == '>' || *p == '<')
		g->op = *p++;
	else
		return error(
		    "--fail-if '%s': expected >, >=, <, <= or == after "
		    "the metric",
		    s);
	p += strspn(p, " ");
	errno = 0;
	g->value = strtod(p, &end);
	if (end == p || errno || g->value != g->value)
		return error("--fail-if '%s': expected a number after the "
			     "operator",
			     s);
	p = end;
	if (is_time && !strcmp(p, "s"))
		g->value *= 1000;
	else if (is_time && !strcmp(p, "us"))
		g->value /= 1000;
	else if (!(is_time && !strcmp(p, "ms")) && *p)
		return error("--fail-if '%s': unknown unit '%s'%s", s, p,
			     is_time ? " (s, ms or us)"
				     : " (a count has none)");
	return 0;
}

/* Figures are compared and named as the report prints them: times to the
 * microsecond ("%.3f ms"), counts whole. */
static double as_printed(const struct gate *g, double v)
{
	if (g->metric == GATE_N_PLUS_ONE || g->metric == GATE_STATEMENTS ||
	    g->metric == GATE_COUNT)
		return v;
	return round(v * 1000) / 1000;
}

static int trips(const struct gate *g, double v)
{
	v = as_printed(g, v);
	switch (g->op) {
	case '>':
		return v > g->value;
	case 'g':
		return v >= g->value;
	case '<':
		return v < g->value;
	case 'l':
		return v <= g->value;
	default:
		return v == g->value;
	}
}

int gate_check(const struct gate *g, const struct digest *d)
{
	size_t i;

	if (g->metric == GATE_N_PLUS_ONE || g->metric == GATE_STATEMENTS) {
		double v = g->metric == GATE_N_PLUS_ONE ? (double)d->np.n
							: (double)d->statements;

		if (!trips(g, v))
			return 0;
		error("--fail-if '%s' tripped: %.0f %s", g->text, v,
		      g->metric == GATE_N_PLUS_ONE ? "N+1 runs" : "statements");
		return 1;
	}
	for (i = 0; i < d->n; i++) {
		const struct digest_group *q = &d->groups[i];
		double v = 0;

		switch (g->metric) {
		case GATE_COUNT:
			v = (double)q->count;
			break;
		case GATE_TOTAL:
			v = q->total_ms;
			break;
		case GATE_AVG:
			v = q->total_ms / q->count;
			break;
		case GATE_MEDIAN:
			v = q->median_ms;
			break;
		case GATE_P95:
			v = q->p95_ms;
			break;
		default:
			v = q->max_ms;
			break;
		}
		if (trips(g, v)) {
			if (g->metric == GATE_COUNT)
				error("--fail-if '%s' tripped: %.0f calls for "
				      "%.200s",
				      g->text, v, q->query);
			else
				error("--fail-if '%s' tripped: %.3f ms for "
				      "%.200s",
				      g->text, as_printed(g, v), q->query);
			return 1;
		}
	}
	return 0;
}
