#include "core/compat.h"
#include "heap/gate.h"
#include "core/error.h"

static const char *const metrics[] = {
    "allocations",   "frees",	  "allocated", "peak", "leaked",
    "leaked_blocks", "temporary", "rss",       NULL,
};
static const int metric_bytes[] = {0, 0, 1, 1, 1, 0, 0, 1};
static const char *const ops[] = {">=", "<=", "==", "!=", ">", "<", NULL};

int heap_parse_size(const char *s, double *bytes)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
	    {"", 1},
	    {"B", 1},
	    {"K", 1024.0},
	    {"KB", 1024.0},
	    {"KIB", 1024.0},
	    {"M", 1048576.0},
	    {"MB", 1048576.0},
	    {"MIB", 1048576.0},
	    {"G", 1073741824.0},
	    {"GB", 1073741824.0},
	    {"GIB", 1073741824.0},
	};
	char *end;
	double v;
	size_t i;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0 || v != v)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcasecmp(end, units[i].unit)) {
			*bytes = v * units[i].mult;
			return 0;
		}
	return -1;
}

int heap_gate_parse(const char *text, struct heap_gate *g)
{
	size_t i, len;
	const char *p = text;

	memset(g, 0, sizeof(*g));
	g->text = text;
	while (isspace((unsigned char)*p))
		p++;
	len = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
	g->metric = -1;
	for (i = 0; metrics[i]; i++)
		if (strlen(metrics[i]) == len && !strncmp(p, metrics[i], len))
			g->metric = (int)i;
	if (g->metric < 0)
		return error("--fail-if '%s': unknown metric (use allocations, "
			     "frees, allocated, peak, leaked, leaked_blocks, "
			     "temporary or rss)",
			     text);
	p += len;
	while (isspace((unsigned char)*p))
		p++;
	g->op = -1;
	for (i = 0; ops[i]; i++)
		if (!strncmp(p, ops[i], strlen(ops[i]))) {
			g->op = (int)i;
			p += strlen(ops[i]);
			break;
		}
	if (g->op < 0)
		return error("--fail-if '%s': expected one of > >= < <= == != "
			     "after '%s'",
			     text, metrics[g->metric]);
	if (heap_parse_size(p, &g->value) < 0)
		return error("--fail-if '%s': '%s' is not a number (units: B, "
			     "KiB, MiB, GiB; K, kB, MB, GB are the same "
			     "1024-based units)",
			     text, p);
	return 0;
}

int heap_gate_is_bytes(const struct heap_gate *g)
{
	return metric_bytes[g->metric];
}

int heap_gate_fails(const struct heap_gate *g, const struct heap_analysis *a,
		    double *got)
{
	const struct heap_stats *t = &a->total;
	const double v[] = {
	    t->allocations,	t->frees,
	    t->allocated_bytes, t->peak_bytes,
	    t->leaked_bytes,	t->leaked_blocks,
	    t->temporary,	(double)t->rss_peak,
	};
	double x = v[g->metric];

	*got = x;
	switch (g->op) {
	case 0:
		return x >= g->value;
	case 1:
		return x <= g->value;
	case 2:
		return x == g->value;
	case 3:
		return x != g->value;
	case 4:
		return x > g->value;
	default:
		return x < g->value;
	}
}
