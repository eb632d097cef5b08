#include "core/compat.h"
#include "cli/parse-options.h"
#include <criterion/criterion.h>
#include <criterion/redirect.h>

static const struct cli_doc doc = {
    .name = "t",
    .synopsis = "[options] FILE...\n",
    .description = "A test command.\n",
    .epilogue = "Exit status: 0.\n",
};

struct vals {
	int b, i, choice;
	unsigned bits, u;
	double d, dur;
	const char *s;
	const char *p[3];
	int calls;
};

static int count_cb(const struct opt *opt, const char *arg, int unset)
{
	struct vals *v = opt->value;

	(void)arg;
	v->calls += unset ? -1 : 1;
	return 0;
}

static int triple_cb(const struct opt *opt, const char *const *args)
{
	struct vals *v = opt->value;

	v->p[0] = args[0];
	v->p[1] = args[1];
	v->p[2] = args[2];
	return 0;
}

static const char *const colours[] = {"red", "green", "blue", NULL};

#define TABLE(v)                                                               \
	const struct opt options[] = {                                         \
	    OPT_BOOL('b', "bool", &(v).b, "a flag"),                           \
	    OPT_BIT('x', "ex", &(v).bits, "bit one", 1),                       \
	    OPT_BIT('y', "why", &(v).bits, "bit two", 2),                      \
	    OPT_INT('i', "int", &(v).i, "N", "an int", -5, 100),               \
	    OPT_UINT(0, "unsigned", &(v).u, "N", "a uint", 0, 9),              \
	    OPT_DOUBLE('d', "double", &(v).d, "X", "a double", 0, 1),          \
	    OPT_DURATION(0, "duration", &(v).dur, "T", "a time", 0, 1e9),      \
	    OPT_STRING('o', "output", &(v).s, "FILE", "a file"),               \
	    OPT_CHOICE(0, "colour", &(v).choice, "C", "a colour", colours),    \
	    OPT_CALLBACK_F(0, "count", &(v), NULL, "count",                    \
			   OPTF_NOARG | OPTF_NEG, count_cb),                   \
	    OPT_CALLBACK_N('P', "param", &(v), "NAME MIN MAX", "three values", \
			   3, triple_cb),                                      \
	    OPT_END(),                                                         \
	}

static int run(struct vals *v, char **argv, unsigned flags)
{
	int argc = 0;

	TABLE(*v);
	while (argv[argc])
		argc++;
	return parse_options_noexit(argc, argv, &doc, options, flags);
}

Test(parse_options, every_kind_of_value)
{
	struct vals v = {0};
	char *argv[] = {"t",	      "-b",	 "-xy",	    "--int=-5",
			"--unsigned", "9",	 "-d0.5",   "--duration",
			"250ms",      "-o",	 "out.svg", "--colour",
			"blue",	      "--count", "--count", "-P",
			"n",	      "1",	 "3",	    "file1",
			"file2",      NULL};

	cr_assert_eq(run(&v, argv, 0), 2);
	cr_assert_eq(v.b, 1);
	cr_assert_eq(v.bits, 3);
	cr_assert_eq(v.i, -5);
	cr_assert_eq(v.u, 9);
	cr_assert_float_eq(v.d, 0.5, 1e-12);
	cr_assert_float_eq(v.dur, 0.25, 1e-12);
	cr_assert_str_eq(v.s, "out.svg");
	cr_assert_eq(v.choice, 2);
	cr_assert_eq(v.calls, 2);
	cr_assert_str_eq(v.p[0], "n");
	cr_assert_str_eq(v.p[2], "3");
	cr_assert_str_eq(argv[0], "file1");
	cr_assert_str_eq(argv[1], "file2");
	cr_assert_null(argv[2]);
}

Test(parse_options, negation_prefix_and_double_dash)
{
	struct vals v = {.b = 1, .bits = 3};
	char *argv[] = {"t",	      "--no-bool", "--no-ex", "--outp", "f",
			"--no-count", "--",	   "-b",      NULL};

	cr_assert_eq(run(&v, argv, 0), 1);
	cr_assert_eq(v.b, 0);
	cr_assert_eq(v.bits, 2);
	cr_assert_str_eq(v.s, "f");
	cr_assert_eq(v.calls, -1);
	cr_assert_str_eq(argv[0], "-b");
}

Test(parse_options, stop_at_non_option)
{
	struct vals v = {0};
	char *argv[] = {"t", "-b", "ls", "-l", "-b", NULL};

	cr_assert_eq(run(&v, argv, PARSE_OPT_STOP_AT_NON_OPTION), 3);
	cr_assert_str_eq(argv[0], "ls");
	cr_assert_str_eq(argv[1], "-l");
}

Test(parse_options, options_after_positionals)
{
	struct vals v = {0};
	char *argv[] = {"t", "a", "-i", "7", "b", NULL};

	cr_assert_eq(run(&v, argv, 0), 2);
	cr_assert_eq(v.i, 7);
	cr_assert_str_eq(argv[1], "b");
}

/* One process per case: each checks the whole message on stderr. */
#define ERROR_CASE(name, msg, ...)                                             \
	Test(parse_options, name, .init = cr_redirect_stderr)                  \
	{                                                                      \
		struct vals v = {0};                                           \
		char *argv[] = {"t", __VA_ARGS__, NULL};                       \
                                                                               \
		cr_assert_eq(run(&v, argv, 0), -1);                            \
		fflush(stderr);                                                \
		cr_assert_stderr_eq_str("perfops t: " msg                      \
					" (see 'perfops help t')\n");          \
	}

ERROR_CASE(int_range, "--int must be between -5 and 100, not '101'", "--int",
	   "101")
ERROR_CASE(int_junk, "--int expects an integer, not 'x'", "--int", "x")
ERROR_CASE(unknown_long, "unknown option '--bogus'", "--bogus")
ERROR_CASE(unknown_short, "unknown option '-q'", "-q")
ERROR_CASE(missing_value, "--output needs a value (FILE)", "--output")
ERROR_CASE(bad_choice, "--colour is one of red, green, blue, not 'pink'",
	   "--colour", "pink")
ERROR_CASE(bad_duration,
	   "--duration expects a duration such as 10s, 250ms or 2m, not "
	   "'10 parsecs'",
	   "--duration", "10 parsecs")
ERROR_CASE(too_few_values, "--param needs 3 values (NAME MIN MAX)", "-P", "a",
	   "1")
ERROR_CASE(flag_with_value, "--bool takes no value, not 'yes'", "--bool=yes")
ERROR_CASE(negative_unsigned, "--unsigned must be between 0 and 9, not '-1'",
	   "--unsigned", "-1")
ERROR_CASE(nan_double, "--double expects a number, not 'nan'", "--double",
	   "nan")
ERROR_CASE(ambiguous, "option '--c' is ambiguous", "--c", "x")

Test(parse_options, help_lists_every_option)
{
	struct vals v = {0};
	char *argv[] = {"t", "--help", NULL};
	char buf[4096] = "";

	cr_redirect_stdout();
	cr_assert_eq(run(&v, argv, 0), -2);
	fflush(stdout);
	cr_assert(fread(buf, 1, sizeof(buf) - 1, cr_get_redirected_stdout()));
	cr_assert(strstr(buf, "usage: perfops t [options] FILE...\n"));
	cr_assert(strstr(buf, "\nA test command.\n"));
	cr_assert(strstr(buf, "  -o, --output FILE       a file\n"));
	cr_assert(strstr(buf, "      --unsigned N        a uint\n"));
	cr_assert(strstr(buf, "  -P, --param NAME MIN MAX\n"
			      "                          three values\n"));
	cr_assert(strstr(buf, "\nExit status: 0.\n"));
}

Test(parse_options, durations)
{
	double s;

	cr_assert_eq(parse_duration("10s", &s), 0);
	cr_assert_float_eq(s, 10, 1e-12);
	cr_assert_eq(parse_duration("2m", &s), 0);
	cr_assert_float_eq(s, 120, 1e-12);
	cr_assert_eq(parse_duration("1.5h", &s), 0);
	cr_assert_float_eq(s, 5400, 1e-9);
	cr_assert_eq(parse_duration("3us", &s), 0);
	cr_assert_float_eq(s, 3e-6, 1e-15);
	cr_assert_eq(parse_duration("7", &s), 0);
	cr_assert_float_eq(s, 7, 1e-12);
	cr_assert_eq(parse_duration("-1s", &s), -1);
	cr_assert_eq(parse_duration("s", &s), -1);
	cr_assert_eq(parse_duration("10 s", &s), -1);
	cr_assert_eq(parse_duration("inf", &s), -1);
}

Test(parse_options, repeatable_list)
{
	struct opt_list l = OPT_LIST_INIT;
	const struct opt options[] = {
	    OPT_LIST('H', "header", &l, "H", "a header"),
	    OPT_END(),
	};
	char *argv[] = {"t", "-H",     "a: 1", "--header=b: 2",
			"x", "-Hc: 3", NULL};
	char *argv2[] = {"t", "-H", "a: 1", "--no-header", "-H", "d", NULL};

	cr_assert_eq(parse_options_noexit(6, argv, &doc, options, 0), 1);
	cr_assert_eq(l.v.len, 3);
	cr_assert_str_eq(l.v.v[0], "a: 1");
	cr_assert_str_eq(l.v.v[1], "b: 2");
	cr_assert_str_eq(l.v.v[2], "c: 3");
	cr_assert_eq(parse_options_noexit(6, argv2, &doc, options, 0), 0);
	cr_assert_eq(l.v.len, 1);
	cr_assert_str_eq(l.v.v[0], "d");
	VEC_RELEASE(&l.v);
}
