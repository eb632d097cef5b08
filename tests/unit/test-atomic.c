#include "core/compat.h"
#include "core/atomic.h"
#include "core/strbuf.h"
#include <criterion/criterion.h>

static char dir[] = "/tmp/perfops-atomic-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static int count_files(void)
{
	struct strbuf cmd = STRBUF_INIT;
	FILE *p;
	int n = -1;

	strbuf_addf(&cmd, "ls -A '%s' | wc -l", dir);
	p = popen(cmd.buf, "r");
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	strbuf_release(&cmd);
	return n;
}

Test(atomic, commit_replaces_target, .init = setup)
{
	struct strbuf path = STRBUF_INIT, got = STRBUF_INIT;
	struct atomic_file af;

	strbuf_addf(&path, "%s/out.txt", dir);
	cr_assert_eq(atomic_write_file(path.buf, "old\n", 4), 0);
	cr_assert_eq(atomic_open(&af, path.buf), 0);
	fputs("new content\n", af.fp);
	/* Until commit, readers still see the old file. */
	cr_assert_eq(strbuf_read_file(&got, path.buf), 0);
	cr_assert_str_eq(got.buf, "old\n");
	cr_assert_eq(atomic_commit(&af), 0);
	strbuf_reset(&got);
	cr_assert_eq(strbuf_read_file(&got, path.buf), 0);
	cr_assert_str_eq(got.buf, "new content\n");
	cr_assert_eq(count_files(), 1);
	strbuf_release(&path);
	strbuf_release(&got);
}

Test(atomic, abort_leaves_target, .init = setup)
{
	struct strbuf path = STRBUF_INIT, got = STRBUF_INIT;
	struct atomic_file af;

	strbuf_addf(&path, "%s/out.txt", dir);
	cr_assert_eq(atomic_write_file(path.buf, "keep", 4), 0);
	cr_assert_eq(atomic_open(&af, path.buf), 0);
	fputs("half-written", af.fp);
	atomic_abort(&af);
	cr_assert_eq(strbuf_read_file(&got, path.buf), 0);
	cr_assert_str_eq(got.buf, "keep");
	cr_assert_eq(count_files(), 1);
	strbuf_release(&path);
	strbuf_release(&got);
}

Test(atomic, unwritable_directory_fails)
{
	struct atomic_file af;

	cr_assert_eq(atomic_open(&af, "/nonexistent-dir/x.svg"), -1);
}
