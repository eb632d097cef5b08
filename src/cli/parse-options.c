#include "core/compat.h"
#include "cli/parse-options.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <math.h>

/* The command being parsed, for messages from callbacks. */
static const char *current_cmd = "?";

const char *opt_name(const struct opt *opt)
{
	static char buf[128];

	if (opt->long_name)
		snprintf(buf, sizeof(buf), "--%s", opt->long_name);
	else
		snprintf(buf, sizeof(buf), "-%c", opt->short_name);
	return buf;
}

int opt_error(const struct opt *opt, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_usage_error(current_cmd, "%s %s", opt_name(opt), msg);
	return -1;
}

int parse_duration(const char *s, double *seconds)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
	    {"", 1},	  {"s", 1},  {"ms", 1e-3}, {"us", 1e-6},
	    {"ns", 1e-9}, {"m", 60}, {"min", 60},  {"h", 3600},
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0 || isspace(*s))
		return -1;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(end, units[i].suffix)) {
			*seconds = v * units[i].scale;
			return 0;
		}
	}
	return -1;
}

int opt_list_push(const struct opt *opt, const char *arg, int unset)
{
	struct opt_list *l = opt->value;

	if (unset)
		l->v.len = 0;
	else
		VEC_PUSH(&l->v, arg);
	return 0;
}

static int range_error(const struct opt *opt, const char *arg)
{
	/* No upper bound but the type's (INT_MAX, HUGE_VAL): not worth
	 * naming, and %g would print INT_MAX as 2.14748e+09. */
	if (opt->max >= 1e300 ||
	    ((opt->type == OPTION_INT || opt->type == OPTION_UINT) &&
	     opt->max >= INT_MAX))
		return opt_error(opt, "must be at least %.15g, not '%s'",
				 opt->min, arg);
	return opt_error(opt, "must be between %.15g and %.15g, not '%s'",
			 opt->min, opt->max, arg);
}

static int get_integer(const struct opt *opt, const char *arg, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 10);
	if (!*arg || *end || errno == EINVAL || isspace(*arg))
		return opt_error(opt, "expects an integer, not '%s'", arg);
	if (errno == ERANGE || *out < opt->min || *out > opt->max)
		return range_error(opt, arg);
	return 0;
}

static int set_choice(const struct opt *opt, const char *arg)
{
	char list[512] = "";
	size_t i, len = 0;

	for (i = 0; opt->choices[i]; i++) {
		if (!strcmp(arg, opt->choices[i])) {
			*(int *)opt->value = (int)i;
			return 0;
		}
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", opt->choices[i]);
		if (len >= sizeof(list))
			len = sizeof(list) - 1;
	}
	return opt_error(opt, "is one of %s, not '%s'", list, arg);
}

/* Store one option's value; arg is NULL for an option without one. */
static int apply(const struct opt *opt, const char *arg, int unset)
{
	long long ll;
	double d;
	char *end;

	switch (opt->type) {
	case OPTION_BOOL:
		*(int *)opt->value = !unset;
		return 0;
	case OPTION_BIT:
		if (unset)
			*(unsigned *)opt->value &= ~(unsigned)opt->defval;
		else
			*(unsigned *)opt->value |= (unsigned)opt->defval;
		return 0;
	case OPTION_SET_INT:
		*(int *)opt->value = (int)opt->defval;
		return 0;
	case OPTION_INT:
		if (get_integer(opt, arg, &ll) < 0)
			return -1;
		*(int *)opt->value = (int)ll;
		return 0;
	case OPTION_UINT:
		if (get_integer(opt, arg, &ll) < 0)
			return -1;
		*(unsigned *)opt->value = (unsigned)ll;
		return 0;
	case OPTION_DOUBLE:
		errno = 0;
		d = strtod(arg, &end);
		if (!*arg || *end || errno || isnan(d) || isspace(*arg))
			return opt_error(opt, "expects a number, not '%s'",
					 arg);
		if (d < opt->min || d > opt->max)
			return range_error(opt, arg);
		*(double *)opt->value = d;
		return 0;
	case OPTION_DURATION:
		if (parse_duration(arg, &d) < 0)
			return opt_error(opt,
					 "expects a duration such as 10s, "
					 "250ms or 2m, not '%s'",
					 arg);
		if (d < opt->min || d > opt->max)
			return range_error(opt, arg);
		*(double *)opt->value = d;
		return 0;
	case OPTION_STRING:
		*(const char **)opt->value = arg;
		return 0;
	case OPTION_CHOICE:
		return set_choice(opt, arg);
	case OPTION_LIST:
		return opt_list_push(opt, arg, unset);
	case OPTION_CALLBACK:
		return opt->cb(opt, arg, unset);
	default:
		return opt_error(opt, "has an unknown type (a perfops bug)");
	}
}

static int takes_value(const struct opt *opt)
{
	switch (opt->type) {
	case OPTION_BOOL:
	case OPTION_BIT:
	case OPTION_SET_INT:
		return 0;
	case OPTION_CALLBACK:
		return !(opt->flags & OPTF_NOARG);
	default:
		return 1;
	}
}

static int negatable(const struct opt *opt)
{
	return opt->type == OPTION_BOOL || opt->type == OPTION_BIT ||
	       opt->type == OPTION_LIST ||
	       (opt->type == OPTION_CALLBACK && (opt->flags & OPTF_NEG));
}

/* Take the nargs values of a multi-value option from argv. */
static int apply_n(const struct opt *opt, const char *first, int *i, int argc,
		   char **argv)
{
	const char *args[16];
	int k, n = opt->nargs;

	if (n > (int)ARRAY_SIZE(args))
		return opt_error(opt, "takes too many values (a perfops bug)");
	args[0] = first;
	for (k = 1; k < n; k++) {
		if (*i + 1 >= argc)
			return opt_error(opt, "needs %d values (%s)", n,
					 opt->argh ? opt->argh : "...");
		args[k] = argv[++*i];
	}
	return opt->cbn(opt, args);
}

static const struct opt *find_short(const struct opt *options, int c)
{
	for (; options->type != OPTION_END; options++)
		if (options->type != OPTION_GROUP && options->short_name == c)
			return options;
	return NULL;
}

/*
 * Find a long option by its exact name or an unambiguous prefix; *unset
 * is set for --no-NAME.  Reports its own errors.
 */
static const struct opt *find_long(const struct opt *options, const char *name,
				   size_t len, int *unset)
{
	const struct opt *o, *prefix = NULL;
	int nprefix = 0, neg;

	*unset = 0;
	for (neg = 0; neg < 2; neg++) {
		const char *n = name;
		size_t l = len;

		if (neg) {
			if (len < 4 || strncmp(name, "no-", 3))
				break;
			n += 3;
			l -= 3;
		}
		for (o = options; o->type != OPTION_END; o++) {
			if (!o->long_name || (neg && !negatable(o)))
				continue;
			if (strncmp(o->long_name, n, l))
				continue;
			if (!o->long_name[l]) {
				*unset = neg;
				return o;
			}
			if (prefix != o) {
				nprefix++;
				prefix = o;
				*unset = neg;
			}
		}
	}
	if (nprefix == 1)
		return prefix;
	if (nprefix > 1) {
		cli_usage_error(current_cmd, "option '--%.*s' is ambiguous",
				(int)len, name);
		return (const struct opt *)-1;
	}
	cli_usage_error(current_cmd, "unknown option '--%.*s'", (int)len, name);
	return (const struct opt *)-1;
}

static int handle(const struct opt *opt, int unset, const char *attached,
		  int *i, int argc, char **argv)
{
	const char *arg = attached;

	if (unset) {
		if (attached)
			return opt_error(opt, "takes no value with --no-");
		return apply(opt, NULL, 1);
	}
	if (!takes_value(opt)) {
		if (attached)
			return opt_error(opt, "takes no value, not '%s'",
					 attached);
		return apply(opt, NULL, 0);
	}
	if (!arg && !(opt->flags & OPTF_OPTARG)) {
		if (*i + 1 >= argc)
			return opt_error(opt, "needs a value (%s)",
					 opt->argh ? opt->argh : "VALUE");
		arg = argv[++*i];
	}
	if (opt->type == OPTION_CALLBACK_N)
		return apply_n(opt, arg, i, argc, argv);
	return apply(opt, arg, 0);
}

/* Handle argv[*i] = "-abc...": clustered flags, or a flag and its value. */
static int handle_shorts(const struct opt *options, int *i, int argc,
			 char **argv)
{
	const char *p = argv[*i] + 1;

	while (*p) {
		const struct opt *opt = find_short(options, *p);

		if (!opt) {
			cli_usage_error(current_cmd, "unknown option '-%c'",
					*p);
			return -1;
		}
		if (takes_value(opt)) {
			const char *attached = p[1] ? p + 1 : NULL;

			/* -x=VAL is -xVAL, as clap (hyperfine) reads it. */
			if (attached && *attached == '=')
				attached++;
			return handle(opt, 0, attached, i, argc, argv);
		}
		if (apply(opt, NULL, 0) < 0)
			return -1;
		p++;
	}
	return 0;
}

static int wants_help(const struct opt *options, const char *arg)
{
	if (!strcmp(arg, "--help"))
		return 1;
	return !strcmp(arg, "-h") && !find_short(options, 'h');
}

int parse_options_noexit(int argc, char **argv, const struct cli_doc *doc,
			 const struct opt *options, unsigned flags)
{
	int i, npos = 0;

	current_cmd = doc->name;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				argv[npos++] = argv[i];
			break;
		}
		if (a[0] != '-' || !a[1]) {
			if (flags & PARSE_OPT_STOP_AT_NON_OPTION) {
				for (; i < argc; i++)
					argv[npos++] = argv[i];
				break;
			}
			argv[npos++] = a;
			continue;
		}
		if (wants_help(options, a)) {
			parse_options_usage(doc, options, stdout);
			return -2;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct opt *opt;
			int unset;

			opt = find_long(options, name, len, &unset);
			if (opt == (const struct opt *)-1)
				return -1;
			if (handle(opt, unset, eq ? eq + 1 : NULL, &i, argc,
				   argv) < 0)
				return -1;
			continue;
		}
		if (handle_shorts(options, &i, argc, argv) < 0)
			return -1;
	}
	argv[npos] = NULL;
	return npos;
}

int parse_options(int argc, char **argv, const struct cli_doc *doc,
		  const struct opt *options, unsigned flags)
{
	int n = parse_options_noexit(argc, argv, doc, options, flags);

	if (n == -2)
		exit(cli_finish_stdout() < 0 ? EXIT_FAIL : EXIT_OK);
	if (n < 0)
		exit(EXIT_USAGE);
	return n;
}

/* The "-o, --output FILE" part of one option's line. */
static void format_spec(const struct opt *opt, struct strbuf *sb)
{
	if (opt->short_name)
		strbuf_addf(sb, "-%c", opt->short_name);
	if (opt->long_name)
		strbuf_addf(sb, "%s--%s", opt->short_name ? ", " : "    ",
			    opt->long_name);
	if (takes_value(opt)) {
		const char *argh = opt->argh ? opt->argh : "VALUE";

		if (opt->flags & OPTF_OPTARG)
			strbuf_addf(sb, "[=%s]", argh);
		else
			strbuf_addf(sb, " %s", argh);
	}
}

/* Width of the option column; longer specs put the help on the next line. */
#define HELP_COLUMN 26

void parse_options_usage(const struct cli_doc *doc, const struct opt *options,
			 FILE *fp)
{
	const struct opt *opt;

	fprintf(fp, "usage: perfops %s %s", doc->name,
		doc->synopsis ? doc->synopsis : "[options]\n");
	if (doc->description)
		fprintf(fp, "\n%s", doc->description);
	if (options->type != OPTION_END && options->type != OPTION_GROUP)
		fputs("\nOptions:\n", fp);
	for (opt = options; opt->type != OPTION_END; opt++) {
		const char *h, *nl;
		struct strbuf spec = STRBUF_INIT;
		int col;

		if (opt->type == OPTION_GROUP) {
			fprintf(fp, "\n%s:\n", opt->help);
			continue;
		}
		if (opt->flags & OPTF_HIDDEN)
			continue;
		format_spec(opt, &spec);
		col = fprintf(fp, "  %s", spec.buf);
		strbuf_release(&spec);
		h = opt->help ? opt->help : "";
		if (col >= HELP_COLUMN - 1) {
			fputc('\n', fp);
			col = 0;
		}
		for (;;) {
			nl = strchr(h, '\n');
			fprintf(fp, "%*s%.*s\n", HELP_COLUMN - col, "",
				(int)(nl ? nl - h : (long)strlen(h)), h);
			if (!nl || !nl[1])
				break;
			h = nl + 1;
			col = 0;
		}
	}
	if (doc->epilogue)
		fprintf(fp, "\n%s", doc->epilogue);
}
