#include "core/compat.h"
#include "core/error.h"
#include "profile/read.h"
#include "profile/report.h"
#include <criterion/criterion.h>

/*
 * The hand computation every test below checks against:
 *
 *   main;a;b    5
 *   main;a      3
 *   main;c;c;c  2     c recurses: once in its total
 *   main        1
 *   main;a;b;a  4     a recurses: once in its total
 *                     ---- total 15
 *
 *   self:  a = 3 + 4 = 7, b = 5, c = 2, main = 1
 *   total: main = 15, a = 5 + 3 + 4 = 12, b = 5 + 4 = 9, c = 2
 */
static const char text[] =
    "main;a;b 5\nmain;a 3\nmain;c;c;c 2\nmain 1\nmain;a;b;a 4\n";

static void load(struct profile *p)
{
	error_set_quiet(1);
	cr_assert_eq(profile_read_buffer(p, text, strlen(text), "t", NULL), 0);
	error_set_quiet(0);
}

static const char *name(const struct profile *p, const struct report *r,
			size_t i)
{
	return profile_frame_name(p, r->rows[i].frame);
}

Test(report, self_and_total_with_recursion)
{
	struct profile p;
	struct report r;

	load(&p);
	report_compute(&p, 0, REPORT_ALL, 0, REPORT_SORT_SELF, &r);
	cr_assert_float_eq(r.total, 15, 1e-9);
	cr_assert_eq(r.nrows, 4);
	cr_assert_str_eq(name(&p, &r, 0), "a");
	cr_assert_float_eq(r.rows[0].self, 7, 1e-9);
	cr_assert_float_eq(r.rows[0].total, 12, 1e-9);
	cr_assert_str_eq(name(&p, &r, 1), "b");
	cr_assert_float_eq(r.rows[1].self, 5, 1e-9);
	cr_assert_float_eq(r.rows[1].total, 9, 1e-9);
	cr_assert_str_eq(name(&p, &r, 2), "c");
	cr_assert_float_eq(r.rows[2].self, 2, 1e-9);
	cr_assert_float_eq(r.rows[2].total, 2, 1e-9);
	cr_assert_str_eq(name(&p, &r, 3), "main");
	cr_assert_float_eq(r.rows[3].self, 1, 1e-9);
	cr_assert_float_eq(r.rows[3].total, 15, 1e-9);
	/* Folded counts are samples. */
	cr_assert_float_eq(r.rows[0].self_samples, 7, 1e-9);
	report_release(&r);

	report_compute(&p, 0, REPORT_ALL, 0, REPORT_SORT_TOTAL, &r);
	cr_assert_str_eq(name(&p, &r, 0), "main");
	cr_assert_str_eq(name(&p, &r, 1), "a");
	cr_assert_str_eq(name(&p, &r, 2), "b");
	cr_assert_str_eq(name(&p, &r, 3), "c");
	report_release(&r);
	profile_release(&p);
}

Test(report, text_table)
{
	struct profile p;
	struct report_opts o = {2, REPORT_SORT_SELF, 0, 0, "t.folded"};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	load(&p);
	cr_assert_eq(report_print(&p, &o, fp), 0);
	fclose(fp);
	cr_assert_str_eq(
	    buf,
	    "t.folded: samples, total 15; 4 functions, showing 2, by self\n"
	    "        self   self%        total  total%  function\n"
	    "           7  46.67%           12  80.00%  a\n"
	    "           5  33.33%            9  60.00%  b\n");
	free(buf);
	profile_release(&p);
}

Test(report, json_document)
{
	struct profile p;
	struct report_opts o = {1, REPORT_SORT_TOTAL, 0, 0, "t"};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	load(&p);
	cr_assert_eq(report_json(&p, &o, fp), 0);
	fclose(fp);
	cr_assert_str_eq(buf, "{\n"
			      "  \"profile\": \"t\",\n"
			      "  \"value\": {\n"
			      "    \"index\": 0,\n"
			      "    \"type\": \"samples\",\n"
			      "    \"unit\": \"count\"\n"
			      "  },\n"
			      "  \"sort\": \"total\",\n"
			      "  \"total\": 15,\n"
			      "  \"samples\": 15,\n"
			      "  \"functions\": [\n"
			      "    {\n"
			      "      \"name\": \"main\",\n"
			      "      \"self\": 1,\n"
			      "      \"self_percent\": 6.6667,\n"
			      "      \"total\": 15,\n"
			      "      \"total_percent\": 100,\n"
			      "      \"self_samples\": 1,\n"
			      "      \"total_samples\": 15\n"
			      "    }\n"
			      "  ]\n"
			      "}\n");
	free(buf);
	profile_release(&p);
}

/*
 * Threads: the synthetic "comm-PID/TID" root is not a function, and each
 * thread is its own scope.  Values are [samples, cpu ns] with a 1 ms
 * period: thread 1 has x (2 samples) and x;y (1), thread 2 has z (4).
 */
Test(report, per_thread_and_sample_counts)
{
	struct profile p;
	struct report r;
	uint32_t t1, t2, f[3];
	int64_t v[2];

	profile_init(&p, 2);
	profile_set_type(&p, 0, "samples", "count");
	profile_set_type(&p, 1, "cpu", "nanoseconds");
	p.main_value = 1;
	t1 = profile_thread(&p, 5, 5, "app");
	t2 = profile_thread(&p, 5, 6, "app");
	f[0] = profile_frame(&p, "app-5/5", 7);
	profile_frame_info(&p, f[0])->kind = FRAME_SYNTHETIC;
	f[1] = profile_frame(&p, "x", 1);
	f[2] = profile_frame(&p, "y", 1);
	v[0] = 2;
	v[1] = 2e6;
	profile_add(&p, t1, f, 2, v);
	v[0] = 1;
	v[1] = 1e6;
	profile_add(&p, t1, f, 3, v);
	f[0] = profile_frame(&p, "app-5/6", 7);
	profile_frame_info(&p, f[0])->kind = FRAME_SYNTHETIC;
	f[1] = profile_frame(&p, "z", 1);
	v[0] = 4;
	v[1] = 4e6;
	profile_add(&p, t2, f, 2, v);

	report_compute(&p, 1, REPORT_ALL, 0, REPORT_SORT_SELF, &r);
	cr_assert_eq(r.nrows, 3, "x, y, z and no thread roots");
	cr_assert_str_eq(name(&p, &r, 0), "z");
	cr_assert_float_eq(r.rows[0].self, 4e6, 1e-3);
	cr_assert_float_eq(r.rows[0].self_samples, 4, 1e-9);
	cr_assert_float_eq(r.samples, 7, 1e-9);
	report_release(&r);

	report_compute(&p, 1, REPORT_THREAD, t1, REPORT_SORT_TOTAL, &r);
	cr_assert_float_eq(r.total, 3e6, 1e-3);
	cr_assert_eq(r.nrows, 2);
	cr_assert_str_eq(name(&p, &r, 0), "x");
	cr_assert_float_eq(r.rows[0].total, 3e6, 1e-3);
	cr_assert_float_eq(r.rows[0].self, 2e6, 1e-3);
	cr_assert_str_eq(name(&p, &r, 1), "y");
	report_release(&r);
	profile_release(&p);
}

Test(report, value_by_index_or_name)
{
	struct profile p;
	unsigned k = 9;

	profile_init(&p, 2);
	profile_set_type(&p, 0, "samples", "count");
	profile_set_type(&p, 1, "cpu", "nanoseconds");
	cr_assert_eq(report_value_index(&p, "cpu", &k), 0);
	cr_assert_eq(k, 1);
	cr_assert_eq(report_value_index(&p, "0", &k), 0);
	cr_assert_eq(k, 0);
	error_set_quiet(1);
	cr_assert_eq(report_value_index(&p, "2", &k), -1);
	cr_assert_eq(report_value_index(&p, "bytes", &k), -1);
	error_set_quiet(0);
	profile_release(&p);
}
