#include "core/compat.h"
#include "core/hist.h"
#include "core/strbuf.h"
#include "load/hdrcodec.h"
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>

#define HOUR_US 3600000000LL

/* 1..10000 once, 123456 a thousand times, 987654321 once: the data of
 * tests/data/hist/hdr-histogram-js-3.json, made by hdr-histogram-js. */
static void fill(struct hist *h)
{
	int64_t v;

	for (v = 1; v <= 10000; v++)
		cr_assert_eq(hist_record(h, v), 0);
	cr_assert_eq(hist_record_n(h, 123456, 1000), 0);
	cr_assert_eq(hist_record(h, 987654321), 0);
}

Test(hist, layout_of_three_figures)
{
	struct hist h;

	cr_assert_eq(hist_init(&h, 1, HOUR_US, 3), 0);
	/* 2 * 10^3 needs 2048 sub-buckets: unit resolution below 2048. */
	cr_assert_eq(h.sub_bucket_count, 2048);
	cr_assert_eq(hist_highest_equivalent(&h, 2047), 2047);
	cr_assert_eq(hist_lowest_equivalent(&h, 2049), 2048);
	cr_assert_eq(hist_highest_equivalent(&h, 2049), 2049);
	cr_assert_eq(hist_highest_equivalent(&h, 5001), 5003);
	cr_assert(hist_values_equivalent(&h, 5000, 5003));
	cr_assert(!hist_values_equivalent(&h, 5003, 5004));
	/* Error stays within 0.1% everywhere. */
	cr_assert_leq(hist_highest_equivalent(&h, 3000000000LL) -
			  hist_lowest_equivalent(&h, 3000000000LL),
		      3000000);
	hist_release(&h);
}

Test(hist, percentiles_by_hand)
{
	struct hist h;
	int64_t v;

	cr_assert_eq(hist_init(&h, 1, 1000000, 3), 0);
	cr_assert_eq(hist_percentile(&h, 50), 0);
	for (v = 1; v <= 1000; v++)
		hist_record(&h, v);
	/* Exact below 2048: p is the value of rank floor(p/100*N + 0.5). */
	cr_assert_eq(hist_percentile(&h, 50), 500);
	cr_assert_eq(hist_percentile(&h, 99), 990);
	cr_assert_eq(hist_percentile(&h, 99.95), 1000);
	cr_assert_eq(hist_percentile(&h, 0), 1);
	cr_assert_eq(hist_percentile(&h, 100), 1000);
	cr_assert_float_eq(hist_mean(&h), 500.5, 1e-9);
	/* Population deviation of 1..1000: sqrt((1000^2 - 1) / 12). */
	cr_assert_float_eq(hist_stddev(&h), sqrt((1e6 - 1) / 12), 1e-9);
	cr_assert_eq(hist_min(&h), 1);
	cr_assert_eq(hist_max(&h), 1000);
	cr_assert_eq(hist_record(&h, 1000001), -1);
	cr_assert_eq(hist_record(&h, -1), -1);
	cr_assert_eq(h.total_count, 1000);
	hist_release(&h);
}

Test(hist, bad_parameters)
{
	struct hist h;

	cr_assert_eq(hist_init(&h, 0, 1000, 3), -1);
	cr_assert_eq(hist_init(&h, 1, 1000, 0), -1);
	cr_assert_eq(hist_init(&h, 1, 1000, 6), -1);
	cr_assert_eq(hist_init(&h, 100, 150, 3), -1);
	cr_assert_eq(hist_init(&h, INT64_MAX / 2, INT64_MAX, 3), -1);
}

Test(hist, merge_equals_one_histogram)
{
	struct hist a, b, all;
	int64_t v;
	double p;

	hist_init(&a, 1, HOUR_US, 3);
	hist_init(&b, 1, HOUR_US, 3);
	hist_init(&all, 1, HOUR_US, 3);
	for (v = 1; v < 200000; v += 7) {
		hist_record(v % 3 ? &a : &b, v * 13);
		hist_record(&all, v * 13);
	}
	cr_assert_eq(hist_add(&a, &b), 0);
	cr_assert_eq(a.total_count, all.total_count);
	for (p = 0; p <= 100; p += 0.5)
		cr_assert_eq(hist_percentile(&a, p), hist_percentile(&all, p));
	cr_assert_eq(hist_max(&a), hist_max(&all));
	cr_assert_eq(hist_min(&a), hist_min(&all));
	hist_release(&a);
	hist_release(&b);
	hist_release(&all);
}

Test(hist, merge_refuses_what_does_not_fit)
{
	struct hist small, big;

	hist_init(&small, 1, 1000, 3);
	hist_init(&big, 1, HOUR_US, 3);
	hist_record(&big, 5000);
	cr_assert_eq(hist_add(&small, &big), -1);
	cr_assert_eq(small.total_count, 0);
	hist_release(&small);
	hist_release(&big);
}

static json_t *reference(void)
{
	json_error_t e;
	json_t *j = json_load_file(
	    PERFOPS_SRCDIR "/tests/data/hist/hdr-histogram-js-3.json", 0, &e);

	cr_assert_not_null(j, "%s", e.text);
	return j;
}

/* Every percentile hdr-histogram-js reported of its own histogram. */
static void check_like_reference(const struct hist *h, json_t *ref)
{
	size_t i;
	json_t *pair;

	cr_assert_eq(h->total_count,
		     json_integer_value(json_object_get(ref, "total")));
	json_array_foreach(json_object_get(ref, "pct"), i, pair)
	{
		double p = json_number_value(json_array_get(pair, 0));
		int64_t want = json_integer_value(json_array_get(pair, 1));

		cr_assert_eq(hist_percentile(h, p), want,
			     "p%g: %" PRId64 " vs %" PRId64, p,
			     hist_percentile(h, p), want);
	}
	cr_assert_float_eq(hist_mean(h),
			   json_number_value(json_object_get(ref, "mean")),
			   1e-6);
	cr_assert_float_eq(hist_stddev(h),
			   json_number_value(json_object_get(ref, "stddev")),
			   1e-3);
}

Test(hist, same_percentiles_as_hdr_histogram_js)
{
	json_t *ref = reference();
	struct hist h;

	hist_init(&h, 1, HOUR_US, 3);
	fill(&h);
	check_like_reference(&h, ref);
	hist_release(&h);
	json_decref(ref);
}

Test(hist, decodes_what_hdr_histogram_js_encodes)
{
	json_t *ref = reference();
	const char *blob = json_string_value(json_object_get(ref, "blob"));
	struct strbuf err = STRBUF_INIT;
	struct hist h;

	cr_assert_eq(hdrcodec_decode(&h, blob, strlen(blob), &err), 0, "%s",
		     err.buf);
	cr_assert_eq(h.sigfigs, 3);
	cr_assert_eq(h.highest, HOUR_US);
	check_like_reference(&h, ref);
	hist_release(&h);
	json_decref(ref);
}

Test(hist, encode_round_trip)
{
	struct strbuf b64 = STRBUF_INIT, err = STRBUF_INIT;
	struct hist h, back;
	double p;

	hist_init(&h, 1, HOUR_US, 3);
	fill(&h);
	cr_assert_eq(hdrcodec_encode(&h, &b64), 0);
	cr_assert_eq(strncmp(b64.buf, "HISTFAA", 7), 0, "%s", b64.buf);
	cr_assert_eq(hdrcodec_decode(&back, b64.buf, b64.len, &err), 0, "%s",
		     err.buf);
	cr_assert_eq(back.total_count, h.total_count);
	cr_assert_eq(memcmp(back.counts, h.counts,
			    (size_t)h.counts_len * sizeof(*h.counts)),
		     0);
	for (p = 0; p <= 100; p += 0.25)
		cr_assert_eq(hist_percentile(&back, p), hist_percentile(&h, p));
	hist_release(&h);
	hist_release(&back);
	strbuf_release(&b64);
}

Test(hist, empty_round_trip)
{
	struct strbuf b64 = STRBUF_INIT, err = STRBUF_INIT;
	struct hist h, back;

	hist_init(&h, 1, 1000, 2);
	cr_assert_eq(hdrcodec_encode(&h, &b64), 0);
	cr_assert_eq(hdrcodec_decode(&back, b64.buf, b64.len, &err), 0);
	cr_assert_eq(back.total_count, 0);
	cr_assert_eq(back.sigfigs, 2);
	hist_release(&h);
	hist_release(&back);
}

static void bad(const char *b64, const char *want)
{
	struct strbuf err = STRBUF_INIT;
	struct hist h;

	cr_assert_eq(hdrcodec_decode(&h, b64, strlen(b64), &err), -1);
	cr_assert(strstr(err.buf, want), "'%s' lacks '%s'", err.buf, want);
	strbuf_release(&err);
}

Test(hist, decode_rejects_damage)
{
	json_t *ref = reference();
	char *blob = xstrdup(json_string_value(json_object_get(ref, "blob")));

	bad("not*base64", "not base64");
	bad("AAAAAAAAAAAAAAAA", "should start with HISTFAA");
	blob[40] = '\0';
	bad(blob, "damaged or cut off");
	free(blob);
	json_decref(ref);
}
