#include "core/compat.h"
#include "core/atomic.h"
#include "core/strbuf.h"
#include <criterion/criterion.h>

static char dir[] = "/tmp/perfops-atomic-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

/* Each test runs in its own process with its own directory: remove it. */
static void teardown(void)
{
	struct strbuf cmd = STRBUF_INIT;

	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd.buf), 0);
	strbuf_release(&cmd);
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

Test(atomic, commit_replaces_target, .init = setup, .fini = teardown)
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

Test(atomic, abort_leaves_target, .init = setup, .fini = teardown)
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

Test(atomic, symlink_is_written_through, .init = setup, .fini = teardown)
{
	struct strbuf path = STRBUF_INIT, link = STRBUF_INIT;
	struct strbuf got = STRBUF_INIT;
	struct stat st;

	strbuf_addf(&path, "%s/target.txt", dir);
	strbuf_addf(&link, "%s/link", dir);
	cr_assert_eq(atomic_write_file(path.buf, "old", 3), 0);
	cr_assert_eq(symlink("target.txt", link.buf), 0);
	cr_assert_eq(atomic_write_file(link.buf, "new", 3), 0);
	cr_assert_eq(lstat(link.buf, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the link was replaced");
	cr_assert_eq(strbuf_read_file(&got, path.buf), 0);
	cr_assert_str_eq(got.buf, "new");
	cr_assert_eq(count_files(), 2);
	strbuf_release(&path);
	strbuf_release(&link);
	strbuf_release(&got);
}

Test(atomic, fifo_is_written_in_place, .init = setup, .fini = teardown)
{
	struct strbuf path = STRBUF_INIT;
	struct atomic_file af;
	struct stat st;
	char buf[16];
	int rd;

	strbuf_addf(&path, "%s/fifo", dir);
	cr_assert_eq(mkfifo(path.buf, 0600), 0);
	/* A reader first, so that opening for writing does not wait. */
	rd = open(path.buf, O_RDONLY | O_NONBLOCK);
	cr_assert_geq(rd, 0);
	cr_assert_eq(atomic_open(&af, path.buf), 0);
	cr_assert_null(af.tmp, "a FIFO needs no temporary file");
	fputs("through", af.fp);
	cr_assert_eq(atomic_commit(&af), 0);
	cr_assert_eq(read(rd, buf, sizeof(buf)), 7);
	cr_assert_eq(memcmp(buf, "through", 7), 0);
	cr_assert_eq(stat(path.buf, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	close(rd);
	strbuf_release(&path);
}

Test(atomic, check_creates_nothing, .init = setup, .fini = teardown)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s/later.svg", dir);
	cr_assert_eq(atomic_check(path.buf), 0);
	cr_assert_eq(count_files(), 0);
	cr_assert_eq(atomic_check("/nonexistent-dir/x.svg"), -1);
	cr_assert_eq(atomic_check(dir), -1, "a directory is no output");
	strbuf_release(&path);
}

Test(atomic, replaced_file_keeps_its_mode, .init = setup, .fini = teardown)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;

	strbuf_addf(&path, "%s/script", dir);
	cr_assert_eq(atomic_write_file(path.buf, "a", 1), 0);
	cr_assert_eq(chmod(path.buf, 0750), 0);
	cr_assert_eq(atomic_write_file(path.buf, "b", 1), 0);
	cr_assert_eq(stat(path.buf, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0750);
	strbuf_release(&path);
}

Test(atomic, longest_file_name_still_written, .init = setup, .fini = teardown)
{
	struct strbuf path = STRBUF_INIT, got = STRBUF_INIT;
	size_t i;

	/* NAME_MAX bytes leave no room for a ".tmp-XXXXXX" suffix. */
	strbuf_addf(&path, "%s/", dir);
	for (i = 0; i < NAME_MAX; i++)
		strbuf_addch(&path, 'n');
	cr_assert_eq(atomic_write_file(path.buf, "long", 4), 0);
	cr_assert_eq(strbuf_read_file(&got, path.buf), 0);
	cr_assert_str_eq(got.buf, "long");
	cr_assert_eq(count_files(), 1);
	strbuf_release(&path);
	strbuf_release(&got);
}
