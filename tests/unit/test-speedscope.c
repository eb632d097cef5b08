#include "core/compat.h"
#include "core/error.h"
#include "profile/read.h"
#include "profile/speedscope.h"
#include <criterion/criterion.h>

static char *write_str(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cr_assert_eq(speedscope_write(p, "t", fp), 0);
	fclose(fp);
	return buf;
}

Test(speedscope, folded_profile_is_one_sampled_profile)
{
	struct profile p;
	const char *text = "main;b 2\nmain;a 1\n";
	char *out;

	error_set_quiet(1);
	cr_assert_eq(profile_read_buffer(&p, text, strlen(text), "t", NULL), 0);
	error_set_quiet(0);
	out = write_str(&p);
	/* Frames in first-seen order (main 0, b 1, a 2); samples in folded
	 * order, root first, weights alongside. */
	cr_assert_str_eq(
	    out,
	    "{\"$schema\":\"https://www.speedscope.app/file-format-"
	    "schema.json\",\"shared\":{\"frames\":[{\"name\":\"main\"},"
	    "{\"name\":\"b\"},{\"name\":\"a\"}]},\"profiles\":[{\"type\":"
	    "\"sampled\",\"name\":\"t\",\"unit\":\"none\",\"startValue\":0,"
	    "\"endValue\":3,\"samples\":[[0,2],[0,1]],\"weights\":[1,2]}],"
	    "\"name\":\"t\",\"exporter\":\"perfops\"}\n");
	free(out);
	profile_release(&p);
}

/*
 * Two threads: one profile each, named comm-PID/TID, without the
 * synthetic root frame; nanoseconds unit; file and line on a frame.
 */
Test(speedscope, one_profile_per_thread)
{
	struct profile p;
	uint32_t t1, t2, f[2];
	int64_t v = 5;
	char *out;

	profile_init(&p, 1);
	profile_set_type(&p, 0, "cpu", "nanoseconds");
	t1 = profile_thread(&p, 1, 2, "a b");
	t2 = profile_thread(&p, 1, 3, "c");
	f[0] = profile_frame(&p, "a_b-1/2", 7);
	profile_frame_info(&p, f[0])->kind = FRAME_SYNTHETIC;
	f[1] = profile_frame(&p, "work", 4);
	profile_frame_info(&p, f[1])->file =
	    intern_add(&p.strings, "w.c", 3, NULL);
	profile_frame_info(&p, f[1])->line = 7;
	profile_add(&p, t1, f, 2, &v);
	v = 7;
	profile_add(&p, t2, f + 1, 1, &v);
	out = write_str(&p);
	cr_assert_str_eq(
	    out, "{\"$schema\":\"https://www.speedscope.app/file-format-"
		 "schema.json\",\"shared\":{\"frames\":[{\"name\":\"a_b-1/2\"},"
		 "{\"name\":\"work\",\"file\":\"w.c\",\"line\":7}]},"
		 "\"profiles\":[{\"type\":\"sampled\",\"name\":\"a_b-1/2\","
		 "\"unit\":\"nanoseconds\",\"startValue\":0,\"endValue\":5,"
		 "\"samples\":[[1]],\"weights\":[5]},{\"type\":\"sampled\","
		 "\"name\":\"c-1/3\",\"unit\":\"nanoseconds\",\"startValue\":0,"
		 "\"endValue\":7,\"samples\":[[1]],\"weights\":[7]}],"
		 "\"name\":\"t\",\"exporter\":\"perfops\"}\n");
	free(out);
	profile_release(&p);
}

Test(speedscope, names_are_escaped)
{
	struct profile p;
	const char *text = "ma\"in;<b> 1\n";
	char *out;

	error_set_quiet(1);
	cr_assert_eq(profile_read_buffer(&p, text, strlen(text), "t", NULL), 0);
	error_set_quiet(0);
	out = write_str(&p);
	cr_assert(strstr(out, "{\"name\":\"ma\\\"in\"}"), "%s", out);
	free(out);
	profile_release(&p);
}
