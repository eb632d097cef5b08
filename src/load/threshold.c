#include "core/compat.h"
#include "core/error.h"
#include "load/load.h"
#include "load/threshold.h"
#include <math.h>

static const struct {
	const char *name;
	enum threshold_metric metric;
} metrics[] = {
    {"avg", TH_AVG},
    {"min", TH_MIN},
    {"med", TH_MED},
    {"max", TH_MAX},
    {"error_rate", TH_ERROR_RATE},
    {"rps", TH_RPS},
};

static int bad(const char *text, const char *why)
{
	return error("bad threshold '%s': %s (like p(99)<200ms, avg<50ms, "
		     "error_rate<1%%, rps>1000)",
		     text, why);
}

int threshold_parse(struct threshold *t, const char *text)
{
	const char *s = text;
	char *end;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->text = text;
	while (isspace((unsigned char)*s))
		s++;
	if (!strncmp(s, "p(", 2)) {
		t->metric = TH_PERCENTILE;
		errno = 0;
		t->p = strtod(s + 2, &end);
		if (end == s + 2 || *end != ')' || errno || !(t->p >= 0) ||
		    t->p > 100)
			return bad(text, "the percentile must be p(N) with "
					 "N from 0 to 100");
		s = end + 1;
	} else {
		for (i = 0; i < ARRAY_SIZE(metrics); i++) {
			size_t l = strlen(metrics[i].name);

			if (!strncmp(s, metrics[i].name, l) &&
			    !isalnum((unsigned char)s[l]) && s[l] != '_') {
				t->metric = metrics[i].metric;
				s += l;
				break;
			}
		}
		if (i == ARRAY_SIZE(metrics))
			return bad(text, "unknown metric (p(N), avg, min, "
					 "med, max, error_rate, rps)");
	}
	while (isspace((unsigned char)*s))
		s++;
	if (!strncmp(s, "<=", 2))
		t->op = TH_LE, s += 2;
	else if (!strncmp(s, ">=", 2))
		t->op = TH_GE, s += 2;
	else if (!strncmp(s, "==", 2))
		t->op = TH_EQ, s += 2;
	else if (!strncmp(s, "!=", 2))
		t->op = TH_NE, s += 2;
	else if (*s == '<')
		t->op = TH_LT, s++;
	else if (*s == '>')
		t->op = TH_GT, s++;
	else
		return bad(text, "expected <, <=, >, >=, == or !=");
	while (isspace((unsigned char)*s))
		s++;
	errno = 0;
	t->value = strtod(s, &end);
	if (end == s || errno || !isfinite(t->value) || t->value < 0)
		return bad(text, "expected a number after the operator");
	s = end;
	if (t->metric == TH_ERROR_RATE) {
		if (*s == '%')
			t->value /= 100, s++;
	} else if (t->metric != TH_RPS) {
		if (!strncmp(s, "ms", 2))
			s += 2;
		else if (!strncmp(s, "us", 2))
			t->value /= 1000, s += 2;
		else if (*s == 's')
			t->value *= 1000, s++;
		else if (*s == 'm')
			t->value *= 60000, s++;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s)
		return bad(text, t->metric == TH_ERROR_RATE
				     ? "error_rate takes N% or a fraction"
				 : t->metric == TH_RPS
				     ? "rps takes a plain number"
				     : "the unit must be us, ms, s or m");
	return 0;
}

double threshold_measure(const struct threshold *t, const struct load_result *r)
{
	const struct hist *h = &r->latency;
	int64_t bad_n, total;

	switch (t->metric) {
	case TH_PERCENTILE:
		return hist_percentile(h, t->p) / 1000.0;
	case TH_AVG:
		return hist_mean(h) / 1000.0;
	case TH_MIN:
		return hist_min(h) / 1000.0;
	case TH_MED:
		return hist_percentile(h, 50) / 1000.0;
	case TH_MAX:
		return hist_max(h) / 1000.0;
	case TH_ERROR_RATE:
		bad_n = load_result_failed(r) + r->errors[LOAD_ERR_STATUS];
		total = r->requests + load_result_failed(r);
		return total ? (double)bad_n / (double)total : 0;
	case TH_RPS:
		return load_result_rps(r);
	}
	return 0;
}

int threshold_ok(const struct threshold *t, double m)
{
	switch (t->op) {
	case TH_LT:
		return m < t->value;
	case TH_LE:
		return m <= t->value;
	case TH_GT:
		return m > t->value;
	case TH_GE:
		return m >= t->value;
	case TH_EQ:
		return m == t->value;
	case TH_NE:
		return m != t->value;
	}
	return 0;
}
