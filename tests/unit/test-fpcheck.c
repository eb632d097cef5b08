#include "core/compat.h"
#include "record/fpcheck.h"
#include "sym/dso.h"
#include <criterion/criterion.h>
#include <sys/wait.h>

/*
 * The same C file built with and without frame pointers: whether the
 * prologues say so is what -g auto decides by.  Needs a C compiler
 * (skipped without one).
 */
static const char source[] =
    "volatile unsigned long sink;\n"
    "#define F(n) __attribute__((noinline)) unsigned long f##n(unsigned "
    "long x) { unsigned long i; for (i = 0; i < x; i++) sink += i * "
    "n; return sink + g(x); }\n"
    "__attribute__((noinline)) unsigned long g(unsigned long x) { sink "
    "^= x; return sink; }\n"
    "F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12)\n"
    "int main(int c, char **v) { (void)v; return (int)(f1(c) + f2(c) + "
    "f3(c) + f4(c) + f5(c) + f6(c) + f7(c) + f8(c) + f9(c) + f10(c) + "
    "f11(c) + f12(c)); }\n";

static char dir[] = "/tmp/perfops-fpcheck-XXXXXX";

static int build(const char *flags, const char *out)
{
	char cmd[512];
	FILE *fp;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/x.c", dir);
	fp = fopen(cmd, "w");
	if (!fp)
		return -1;
	fputs(source, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "cc -O2 %s -o %s/%s %s/x.c 2>/dev/null",
		 flags, dir, out, dir);
	st = system(cmd);
	return st == 0 ? 0 : -1;
}

static struct dso *open_built(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return dso_open(path, path);
}

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	if (system("cc --version >/dev/null 2>&1"))
		cr_skip_test("no C compiler");
	if (build("-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer",
		  "fp") < 0 ||
	    build("-fomit-frame-pointer", "nofp") < 0)
		cr_skip_test("the C compiler cannot build the test program");
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return;
}

Test(fpcheck, prologues_tell_the_build, .init = setup, .fini = teardown)
{
	struct dso *fp = open_built("fp"), *nofp = open_built("nofp");

	cr_assert_eq(fp->state, DSO_OK);
	cr_assert_eq(nofp->state, DSO_OK);
	cr_assert_eq(fpcheck_dso_keeps_fp(fp), 1);
	cr_assert_eq(fpcheck_dso_keeps_fp(nofp), 0);
	dso_free(fp);
	dso_free(nofp);
}

Test(fpcheck, entry_and_body_of_a_framed_function, .init = setup,
     .fini = teardown)
{
	struct dso *d = open_built("fp");
	const struct sym_symbol *s = NULL;
	unsigned char code[4];
	uint64_t body;
	size_t i;

	for (i = 0; i < d->syms.nr; i++)
		if (!strcmp(d->syms.syms[i].name, "f3"))
			s = &d->syms.syms[i];
	cr_assert_not_null(s);
	/* At the first instruction the frame is not set up yet. */
	cr_assert_eq(fpcheck_at_edge(d, s->start), 1);
	/* Past (endbr64;) push %rbp; mov %rsp,%rbp it is. */
	cr_assert_eq(dso_read(d, s->start, code, sizeof(code)), 0);
	body = s->start + (code[0] == 0xf3 ? 4 : 0) + 4;
	cr_assert_eq(fpcheck_at_edge(d, body - 3), 1, "at the mov");
	cr_assert_eq(fpcheck_at_edge(d, body), 0, "in the body");
	dso_free(d);
}

Test(fpcheck, a_file_without_symbols_is_not_trusted)
{
	struct dso *d = dso_open_memory("[empty]", "", 0);

	cr_assert_eq(fpcheck_dso_keeps_fp(d), 0);
	dso_free(d);
}
