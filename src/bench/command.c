#include "core/compat.h"
#include "bench/bench.h"
#include "core/error.h"
#include "core/stats.h"
#include "core/utf8.h"
#include "core/strbuf.h"
#include <math.h>

void bench_init(struct bench *b)
{
	memset(b, 0, sizeof(*b));
	b->opts.min_runs = 10;
	b->opts.time_budget = 3.0;
	b->opts.env_padding = 1;
	b->opts.metric = BM_WALL;
	b->alpha = 0.05;
}

void bench_free_argv(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

static void summary_release(struct bench_summary *s)
{
	free(s->values);
	free(s->sorted);
	s->values = s->sorted = NULL;
}

void bench_release(struct bench *b)
{
	size_t i, j;

	for (i = 0; i < b->nr_cmds; i++) {
		struct bench_cmd *c = &b->cmds[i];

		free(c->name);
		free(c->label);
		free(c->cmdline);
		bench_free_argv(c->argv);
		free(c->prepare);
		free(c->conclude);
		free(c->setup);
		free(c->cleanup);
		for (j = 0; j < c->nr_params; j++) {
			free(c->params[j].name);
			free(c->params[j].value);
		}
		free(c->params);
		VEC_RELEASE(&c->runs);
		summary_release(&c->sum);
	}
	free(b->cmds);
	bench_free_argv(b->opts.shell);
	free(b->opts.ignore_codes);
	memset(b, 0, sizeof(*b));
}

char **bench_split_args(const char *line)
{
	VEC(char *) words = VEC_INIT;
	struct strbuf w = STRBUF_INIT;
	const char *p = line;
	int in_word = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		in_word = 1;
		strbuf_reset(&w);
		while (*p && !(*p == ' ' || *p == '\t' || *p == '\n')) {
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');

				if (!end)
					goto unterminated;
				strbuf_add(&w, p + 1, (size_t)(end - p - 1));
				p = end + 1;
			} else if (*p == '"') {
				/* In double quotes a backslash escapes only
				 * the characters a shell treats so. */
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1] &&
					    strchr("\"\\$`", p[1]))
						p++;
					strbuf_addch(&w, *p);
				}
				if (!*p)
					goto unterminated;
				p++;
			} else if (*p == '\\' && p[1]) {
				strbuf_addch(&w, p[1]);
				p += 2;
			} else {
				strbuf_addch(&w, *p++);
			}
		}
		VEC_PUSH(&words, xstrdup(w.buf));
	}
	strbuf_release(&w);
	if (!in_word) {
		error("empty command: there is nothing to run");
		free(words.v);
		return NULL;
	}
	VEC_PUSH(&words, NULL);
	return words.v;

unterminated:
	error("unterminated quote in command: %s", line);
	strbuf_release(&w);
	VEC_PUSH(&words, NULL);
	bench_free_argv(words.v);
	return NULL;
}

char *bench_substitute(const char *s, const struct bench_param *p, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	while (*s) {
		size_t i;
		int done = 0;

		if (*s == '{') {
			for (i = 0; i < n; i++) {
				size_t len = strlen(p[i].name);

				if (!strncmp(s + 1, p[i].name, len) &&
				    s[1 + len] == '}') {
					strbuf_addstr(&sb, p[i].value);
					s += len + 2;
					done = 1;
					break;
				}
			}
		}
		if (!done)
			strbuf_addch(&sb, *s++);
	}
	return strbuf_detach(&sb, NULL);
}

static int parse_num(const char *s, double *v, int *decimals)
{
	const char *dot;
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(*v))
		return -1;
	dot = strchr(s, '.');
	*decimals = dot ? (int)strlen(dot + 1) : 0;
	return 0;
}

int bench_scan_range(struct bench_scan *sc, const char *name, const char *min,
		     const char *max, const char *step)
{
	double lo, hi, st = 1, steps;
	int dlo, dhi, dst = 0, dec;
	size_t i, count;

	memset(sc, 0, sizeof(*sc));
	if (parse_num(min, &lo, &dlo) || parse_num(max, &hi, &dhi) ||
	    (step && parse_num(step, &st, &dst)))
		return error(
		    "-P %s: the range '%s %s' and step must be numbers", name,
		    min, max);
	if (!(st > 0))
		return error("-P %s: the step must be positive", name);
	if (hi < lo)
		return error("-P %s: the range %s..%s has no values", name, min,
			     max);
	if (!step && (dlo || dhi))
		return error("-P %s: a range with decimals needs a step (-D)",
			     name);
	steps = floor((hi - lo) / st + 1e-9);
	if (steps > 100000)
		return error("-P %s: the scan has too many values", name);
	count = (size_t)steps + 1;
	/* hyperfine's decimal arithmetic: the first value as typed, each
	 * next one with the decimals of the start or the step, whichever
	 * has more (0, 0.25, 0.50 ... 1.00). */
	dec = MAX(dst, dlo);
	sc->name = xstrdup(name);
	sc->values = xcalloc(count, sizeof(*sc->values));
	sc->nr = count;
	for (i = 0; i < count; i++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%.*f", i ? dec : dlo,
			 lo + (double)i * st);
		sc->values[i] = xstrdup(buf);
	}
	return 0;
}

int bench_scan_list(struct bench_scan *sc, const char *name, const char *list)
{
	const char *p = list;

	memset(sc, 0, sizeof(*sc));
	if (!*list)
		return error("-L %s: the list of values is empty", name);
	sc->name = xstrdup(name);
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		sc->values =
		    xrealloc(sc->values, st_mult(sc->nr + 1, sizeof(char *)));
		sc->values[sc->nr++] = xstrndup(p, len);
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

void bench_scan_release(struct bench_scan *sc)
{
	size_t i;

	for (i = 0; i < sc->nr; i++)
		free(sc->values[i]);
	free(sc->values);
	free(sc->name);
	memset(sc, 0, sizeof(*sc));
}

static char **make_argv(const struct bench *b, const char *cmdline)
{
	size_t n = 0, i;
	char **argv;

	if (!b->opts.shell)
		return bench_split_args(cmdline);
	while (b->opts.shell[n])
		n++;
	argv = xcalloc(n + 3, sizeof(*argv));
	for (i = 0; i < n; i++)
		argv[i] = xstrdup(b->opts.shell[i]);
	argv[n] = xstrdup("-c");
	argv[n + 1] = xstrdup(cmdline);
	return argv;
}

static char *dup_sub(const char *s, const struct bench_param *p, size_t n)
{
	return s ? bench_substitute(s, p, n) : NULL;
}

static int add_one(struct bench *b, const char *tmpl, const char *name,
		   const char *prepare, const char *conclude,
		   const struct bench_templates *t, const size_t *pick)
{
	struct bench_cmd *c;
	size_t i, np = t->nr_scans;

	ALLOC_GROW(b->cmds, b->nr_cmds + 1, b->alloc_cmds);
	c = &b->cmds[b->nr_cmds];
	memset(c, 0, sizeof(*c));
	c->params = xcalloc(np ? np : 1, sizeof(*c->params));
	for (i = 0; pick && i < np; i++) {
		c->params[i].name = xstrdup(t->scans[i].name);
		c->params[i].value = xstrdup(t->scans[i].values[pick[i]]);
	}
	c->nr_params = pick ? np : 0;
	c->cmdline = bench_substitute(tmpl, c->params, c->nr_params);
	c->name = name ? bench_substitute(name, c->params, c->nr_params)
		       : xstrdup(c->cmdline);
	c->label = utf8_printable_dup(c->name);
	c->prepare = dup_sub(prepare, c->params, c->nr_params);
	c->conclude = dup_sub(conclude, c->params, c->nr_params);
	c->setup = dup_sub(t->setup, c->params, c->nr_params);
	c->cleanup = dup_sub(t->cleanup, c->params, c->nr_params);
	b->nr_cmds++;
	/* Counted before validation so that bench_release() frees it. */
	if (!*c->cmdline || strspn(c->cmdline, " \t\n") == strlen(c->cmdline))
		return error("empty command: there is nothing to run");
	c->argv = make_argv(b, c->cmdline);
	return c->argv ? 0 : -1;
}

int bench_add_commands(struct bench *b, const struct bench_templates *t)
{
	size_t combos = 1, i, k, nr_expanded;
	size_t *pick = NULL;
	int ret = 0;

	if (!t->nr_cmds)
		return error("no command to benchmark");
	for (i = 0; i < t->nr_scans; i++) {
		if (!t->scans[i].nr)
			return error("parameter '%s' has no values",
				     t->scans[i].name);
		combos = st_mult(combos, t->scans[i].nr);
	}
	nr_expanded = st_mult(combos, t->nr_cmds);
	/* hyperfine's rules: without parameters, the names name the first
	 * commands; with them, one name is for all and otherwise there is
	 * one per benchmark (ours: or one per command template). */
	if (!t->nr_scans && t->nr_names > t->nr_cmds)
		return error("too many --command-name options: expected %zu "
			     "at most",
			     t->nr_cmds);
	if (t->nr_scans && t->nr_names > 1 && t->nr_names != t->nr_cmds &&
	    t->nr_names != nr_expanded)
		return error("%zu command names for %zu benchmarks: give one "
			     "for all, one per command or one per benchmark",
			     t->nr_names, nr_expanded);
	if (t->nr_prepare > 1 && t->nr_prepare != t->nr_cmds)
		return error("%zu --prepare commands for %zu commands: give "
			     "one for all or one per command",
			     t->nr_prepare, t->nr_cmds);
	if (t->nr_conclude > 1 && t->nr_conclude != t->nr_cmds)
		return error("%zu --conclude commands for %zu commands: give "
			     "one for all or one per command",
			     t->nr_conclude, t->nr_cmds);
	if (t->reference) {
		if (add_one(b, t->reference, t->reference_name,
			    t->nr_prepare ? t->prepare[0] : NULL,
			    t->nr_conclude ? t->conclude[0] : NULL, t, NULL))
			return -1;
		b->cmds[b->nr_cmds - 1].is_reference = 1;
	}
	if (t->nr_scans)
		pick = xcalloc(t->nr_scans, sizeof(*pick));
	/* hyperfine's order: parameter value by parameter value (the first
	 * scan varies fastest), every command for each. */
	for (k = 0; k < combos && !ret; k++) {
		size_t rest = k, s;

		for (s = 0; s < t->nr_scans; s++) {
			pick[s] = rest % t->scans[s].nr;
			rest /= t->scans[s].nr;
		}
		for (i = 0; i < t->nr_cmds && !ret; i++) {
			const char *pre = t->nr_prepare > 1 ? t->prepare[i]
					  : t->nr_prepare   ? t->prepare[0]
							    : NULL;
			const char *con = t->nr_conclude > 1 ? t->conclude[i]
					  : t->nr_conclude   ? t->conclude[0]
							     : NULL;
			const char *name = NULL;

			if (t->nr_scans && t->nr_names == nr_expanded)
				name = t->names[k * t->nr_cmds + i];
			else if (t->nr_scans && t->nr_names == 1)
				name = t->names[0];
			else if (i < t->nr_names)
				name = t->names[i];
			ret = add_one(b, t->cmds[i], name, pre, con, t,
				      t->nr_scans ? pick : NULL);
		}
	}
	free(pick);
	return ret;
}
