#ifndef PERFOPS_PARSE_OPTIONS_H
#define PERFOPS_PARSE_OPTIONS_H

#include "core/vec.h"
#include <stdio.h>

/*
 * Command-line options declared once, in a table, after git's
 * parse-options: the same table parses argv, checks every value and its
 * range, and prints the manual's option list.  A command declares
 *
 *	const struct opt options[] = {
 *		OPT_STRING('o', "output", &out, "FILE", "write to FILE"),
 *		OPT_INT('n', "top", &top, "N", "show N functions", 0, INT_MAX),
 *		OPT_END(),
 *	};
 *	argc = parse_options(argc, argv, &cmd_report_doc, options, 0);
 *
 * and finds its positional arguments in argv[0..argc).  The table points at
 * the command's own variables, which hold their defaults beforehand.
 * parse_options() prints the manual and exits 0 on -h/--help, and exits 2
 * after one line naming the problem on a usage error, so a command never
 * sees a bad option.  Options are accepted as -x VAL, -xVAL, -x=VAL (as
 * clap reads it), clustered short flags (-ab), --long VAL, --long=VAL, an
 * unambiguous prefix of a long name, and --no-NAME for booleans and bits;
 * "--" ends the options.
 */

enum opt_type {
	OPTION_END,
	OPTION_GROUP,	   /* a heading in the option list */
	OPTION_BOOL,	   /* int: 1, or 0 with --no- */
	OPTION_BIT,	   /* unsigned: OR in defval, clear with --no- */
	OPTION_SET_INT,	   /* int: set to defval */
	OPTION_INT,	   /* int within [min, max] */
	OPTION_UINT,	   /* unsigned within [min, max] */
	OPTION_DOUBLE,	   /* double within [min, max] */
	OPTION_DURATION,   /* double seconds: 1.5, 10s, 250ms, 2m, 1h, 3us */
	OPTION_STRING,	   /* const char *: the argv string itself */
	OPTION_CHOICE,	   /* int: the index of the value in choices[] */
	OPTION_LIST,	   /* struct opt_list: every value, in order */
	OPTION_CALLBACK,   /* cb(opt, arg, unset) */
	OPTION_CALLBACK_N, /* cbn(opt, args): nargs values in a row */
};

enum opt_flags {
	OPTF_OPTARG = 1 << 0, /* the value is optional: --x=V or -xV only */
	OPTF_NOARG = 1 << 1,  /* a callback that takes no value */
	OPTF_HIDDEN = 1 << 2, /* accepted but not listed */
	OPTF_NEG = 1 << 3,    /* a callback that also takes --no-NAME */
};

/* The values of a repeatable option in order; --no-NAME empties it.  The
 * strings are argv's; VEC_RELEASE(&list.v) frees the array. */
struct opt_list {
	VEC(const char *) v;
};
#define OPT_LIST_INIT                                                          \
	{                                                                      \
		VEC_INIT                                                       \
	}

struct opt;
/* Return 0, or report with opt_error() and return -1. */
typedef int (*opt_cb)(const struct opt *opt, const char *arg, int unset);
typedef int (*opt_cbn)(const struct opt *opt, const char *const *args);

struct opt {
	enum opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh; /* the value's name in the list: N, FILE */
	const char *help; /* may hold '\n' for more lines */
	int flags;
	long long defval;
	double min, max;
	const char *const *choices; /* NULL-terminated, for OPTION_CHOICE */
	opt_cb cb;
	opt_cbn cbn;
	int nargs;
};

/* The value pointer must point at the type the option stores. */
#define OPT_TYPED(v, T) _Generic((v), T * : (v))

#define OPT_END()                                                              \
	{                                                                      \
		.type = OPTION_END                                             \
	}
#define OPT_GROUP(h)                                                           \
	{                                                                      \
		.type = OPTION_GROUP, .help = (h)                              \
	}
#define OPT_BOOL(s, l, v, h)                                                   \
	{                                                                      \
		.type = OPTION_BOOL, .short_name = (s), .long_name = (l),      \
		.value = OPT_TYPED(v, int), .help = (h)                        \
	}
#define OPT_BIT(s, l, v, h, bit)                                               \
	{                                                                      \
		.type = OPTION_BIT, .short_name = (s), .long_name = (l),       \
		.value = OPT_TYPED(v, unsigned), .help = (h), .defval = (bit)  \
	}
#define OPT_SET_INT(s, l, v, h, i)                                             \
	{                                                                      \
		.type = OPTION_SET_INT, .short_name = (s), .long_name = (l),   \
		.value = OPT_TYPED(v, int), .help = (h), .defval = (i)         \
	}
#define OPT_INT(s, l, v, a, h, lo, hi)                                         \
	{                                                                      \
		.type = OPTION_INT, .short_name = (s), .long_name = (l),       \
		.value = OPT_TYPED(v, int), .argh = (a), .help = (h),          \
		.min = (lo), .max = (hi)                                       \
	}
#define OPT_UINT(s, l, v, a, h, lo, hi)                                        \
	{                                                                      \
		.type = OPTION_UINT, .short_name = (s), .long_name = (l),      \
		.value = OPT_TYPED(v, unsigned), .argh = (a), .help = (h),     \
		.min = (lo), .max = (hi)                                       \
	}
#define OPT_DOUBLE(s, l, v, a, h, lo, hi)                                      \
	{                                                                      \
		.type = OPTION_DOUBLE, .short_name = (s), .long_name = (l),    \
		.value = OPT_TYPED(v, double), .argh = (a), .help = (h),       \
		.min = (lo), .max = (hi)                                       \
	}
#define OPT_DURATION(s, l, v, a, h, lo, hi)                                    \
	{                                                                      \
		.type = OPTION_DURATION, .short_name = (s), .long_name = (l),  \
		.value = OPT_TYPED(v, double), .argh = (a), .help = (h),       \
		.min = (lo), .max = (hi)                                       \
	}
#define OPT_STRING(s, l, v, a, h)                                              \
	{                                                                      \
		.type = OPTION_STRING, .short_name = (s), .long_name = (l),    \
		.value = OPT_TYPED(v, const char *), .argh = (a), .help = (h)  \
	}
#define OPT_CHOICE(s, l, v, a, h, list)                                        \
	{                                                                      \
		.type = OPTION_CHOICE, .short_name = (s), .long_name = (l),    \
		.value = OPT_TYPED(v, int), .argh = (a), .help = (h),          \
		.choices = (list)                                              \
	}
#define OPT_LIST(s, l, v, a, h)                                                \
	{                                                                      \
		.type = OPTION_LIST, .short_name = (s), .long_name = (l),      \
		.value = OPT_TYPED(v, struct opt_list), .argh = (a),           \
		.help = (h)                                                    \
	}
#define OPT_CALLBACK(s, l, v, a, h, f)                                         \
	{                                                                      \
		.type = OPTION_CALLBACK, .short_name = (s), .long_name = (l),  \
		.value = (v), .argh = (a), .help = (h), .cb = (f)              \
	}
#define OPT_CALLBACK_F(s, l, v, a, h, fl, f)                                   \
	{                                                                      \
		.type = OPTION_CALLBACK, .short_name = (s), .long_name = (l),  \
		.value = (v), .argh = (a), .help = (h), .flags = (fl),         \
		.cb = (f)                                                      \
	}
#define OPT_CALLBACK_N(s, l, v, a, h, n, f)                                    \
	{                                                                      \
		.type = OPTION_CALLBACK_N, .short_name = (s),                  \
		.long_name = (l), .value = (v), .argh = (a), .help = (h),      \
		.nargs = (n), .cbn = (f)                                       \
	}

enum parse_opt_flags {
	/* Stop at the first argument that is not an option (record's
	 * `perfops record ./app -x`: -x belongs to the app). */
	PARSE_OPT_STOP_AT_NON_OPTION = 1 << 0,
};

/*
 * What `perfops help CMD` prints, around the generated option list:
 * "usage: perfops NAME SYNOPSIS", the description, "Options:", the list,
 * then the epilogue (exit status, examples).  Each text ends in '\n' or is
 * NULL.
 */
struct cli_doc {
	const char *name;
	const char *synopsis;
	const char *description;
	const char *epilogue;
};

/*
 * Parse argv[1..argc) (argv[0] is the command's name) against options;
 * on return argv[0..result) are the positional arguments in order.  Exits
 * 0 after printing the manual for -h/--help (when no option takes 'h'),
 * exits 2 after a one-line message on a usage error.
 */
int parse_options(int argc, char **argv, const struct cli_doc *doc,
		  const struct opt *options, unsigned flags);

/* The same without exiting: returns -1 on a usage error (reported), -2
 * after printing the manual, else the positional count. */
int parse_options_noexit(int argc, char **argv, const struct cli_doc *doc,
			 const struct opt *options, unsigned flags);

/* Print the whole manual of a command to fp. */
void parse_options_usage(const struct cli_doc *doc, const struct opt *options,
			 FILE *fp);

/* Report a bad value of opt ("perfops CMD: --NAME ...") from a callback;
 * returns -1. */
int opt_error(const struct opt *opt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append arg to the struct opt_list opt->value points at (empty it when
 * unset): for a callback that checks a value before keeping it. */
int opt_list_push(const struct opt *opt, const char *arg, int unset);

/* "--name" or "-x" of an option, for messages (a static buffer). */
const char *opt_name(const struct opt *opt);

/* Parse "10s", "250ms", "1.5", "2m", "1h", "3us", "5ns" into seconds;
 * -1 on junk or a negative value. */
int parse_duration(const char *s, double *seconds);

#endif
