#include "core/compat.h"
#include "core/hash.h"
#include "profile/linecache.h"
#include <criterion/criterion.h>

static const uint32_t *find(struct linecache *lc, const char *key, uint32_t *n)
{
	return linecache_find(lc, key, strlen(key),
			      linecache_hash(key, strlen(key)), n);
}

static void add(struct linecache *lc, const char *key, const uint32_t *f,
		uint32_t n)
{
	linecache_add(lc, key, strlen(key), linecache_hash(key, strlen(key)), f,
		      n);
}

Test(linecache, finds_what_was_added)
{
	struct linecache lc;
	uint32_t two[] = {7, 9}, n = 99;
	const uint32_t *got;

	linecache_init(&lc, 1 << 20);
	add(&lc, "main (/bin/app)", two, 2);
	add(&lc, "[unknown] ([unknown])", NULL, 0);
	got = find(&lc, "main (/bin/app)", &n);
	cr_assert_not_null(got);
	cr_assert_eq(n, 2);
	cr_assert_eq(got[0], 7);
	cr_assert_eq(got[1], 9);
	cr_assert_not_null(find(&lc, "[unknown] ([unknown])", &n));
	cr_assert_eq(n, 0);
	cr_assert_null(find(&lc, "main (/bin/ap)", &n));
	cr_assert_null(find(&lc, "", &n));
	linecache_release(&lc);
}

Test(linecache, grows_and_empties_itself_past_its_budget)
{
	struct linecache lc;
	char key[32];
	uint32_t f, n, i, found = 0;

	/* 100 000 keys of about 64 bytes each with their slots: over 6 MB,
	 * past a 1 MB budget, so the table empties itself as it goes. */
	linecache_init(&lc, 1 << 20);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "func_%u (/lib/x)", i);
		f = i;
		add(&lc, key, &f, 1);
		cr_assert_lt(lc.bytes, (2u << 20), "bytes %zu", lc.bytes);
	}
	for (i = 0; i < 100000; i++) {
		const uint32_t *got;

		snprintf(key, sizeof(key), "func_%u (/lib/x)", i);
		got = find(&lc, key, &n);
		if (got) {
			cr_assert_eq(n, 1);
			cr_assert_eq(*got, i);
			found++;
		}
	}
	/* The latest keys are still there, the first ones forgotten. */
	cr_assert_gt(found, 1000);
	cr_assert_lt(found, 100000);
	snprintf(key, sizeof(key), "func_%u (/lib/x)", 99999u);
	cr_assert_not_null(find(&lc, key, &n));
	linecache_release(&lc);
}

#ifdef HAVE_LINECACHE_SCAN
/*
 * linecache_scan() finds the end of a line and hashes it in one pass; a
 * line looked up that way must hash as linecache_hash() hashes the same
 * key given with its length (as collapse hashes the lines it reads
 * otherwise), whatever the length and where the newline falls in a
 * 16-byte block.
 */
Test(linecache, scan_hashes_as_hash_does)
{
	char buf[256];
	size_t len, i, got;
	uint64_t h;

	for (len = 0; len <= 120; len++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (char)('!' + (i * 31 + len) % 90);
		buf[len] = '\n';
		cr_assert(linecache_scan(buf, len + 17, &got, &h), "len %zu",
			  len);
		cr_assert_eq(got, len);
		cr_assert_eq(h, linecache_hash(buf, len), "len %zu", len);
		/* A different last byte, a different hash. */
		if (len) {
			buf[len - 1] ^= 1;
			cr_assert_neq(h, linecache_hash(buf, len), "len %zu",
				      len);
		}
	}
	/* No newline within the bytes it may read. */
	memset(buf, 'x', sizeof(buf));
	buf[40] = '\n';
	cr_assert_not(linecache_scan(buf, 32, &got, &h));
	cr_assert_not(linecache_scan(buf, 47, &got, &h));
	cr_assert(linecache_scan(buf, 48, &got, &h));
	cr_assert_eq(got, 40);
}
#endif
