#ifndef PERFOPS_BUNDLE_BUDGET_H
#define PERFOPS_BUNDLE_BUDGET_H

#include <stdint.h>
#include <stdio.h>

/*
 * Size budgets, size-limit's way: each names assets (paths or globs,
 * matched against an asset's path and its file name), a limit, and the
 * size it limits (brotli by default, gzip, or raw); the matched assets'
 * sizes are summed; a pattern starting with '!' leaves assets out.  From
 * --budget 'PATTERN:LIMIT[:raw|gzip|brotli]' and
 * from .size-limit.json or package.json's "size-limit" key.  A budget list
 * owns its budgets and their strings; budgets_release() frees them.
 */
enum budget_size { BUDGET_BROTLI, BUDGET_GZIP, BUDGET_RAW };
extern const char *const budget_size_names[3]; /* by enum budget_size */

struct budget {
	char *name;
	char **patterns;
	size_t npatterns;
	uint64_t limit;
	int no_limit; /* size-limit entry without one: shown, never over */
	enum budget_size size;
	const char *origin; /* "--budget", ".size-limit.json", ... */
	uint64_t actual;    /* after budgets_check() */
	size_t matched;	    /* assets matched */
	/* size-limit's "ignore": packages whose bytes the sizes leave out,
	 * and the raw bytes that left out (after budgets_check()). */
	char **ignore;
	size_t nignore;
	uint64_t ignored;
};

struct budgets {
	struct budget *v;
	size_t len, alloc;
};

void budgets_release(struct budgets *bs);

/*
 * "170kB", "1.5 MB", "10 KiB", "512" (bytes), "2 MiB": kB, MB, GB are
 * powers of 1000, KiB, MiB, GiB of 1024, B or nothing bytes; decimals are
 * allowed and the result is rounded down.  Returns -1 on anything else.
 */
int budget_parse_limit(const char *s, uint64_t *bytes);

/* Add the budget of one --budget argument; reports and returns -1 on a bad
 * one. */
int budgets_add_arg(struct budgets *bs, const char *arg);

/* Add size-limit's budgets from .size-limit.json, else package.json's
 * "size-limit" key, in dir; 0 when there is neither, -1 after reporting a
 * bad one. */
int budgets_load_size_limit(struct budgets *bs, const char *dir);

/* What sizes the budgets need (enum bundle_sizes bits). */
unsigned budgets_sizes(const struct budgets *bs);
/* Whether some budget leaves packages out: the assets' ranges are then
 * needed (bundle.keep_ranges). */
int budgets_need_ranges(const struct budgets *bs);

/*
 * Sum each budget's assets' sizes; returns how many are over, or -1 after
 * reporting a budget that matches no asset.
 */
struct bundle;
int budgets_check(struct budgets *bs, const struct bundle *b);

/* The table of budgets: name, size kind, actual, limit, over by. */
void budgets_write_text(const struct budgets *bs, FILE *fp);
struct json_writer;
void budgets_write_json(const struct budgets *bs, struct json_writer *w);

#endif
