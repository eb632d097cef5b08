#include "core/compat.h"
#include "heap/diff.h"
#include <math.h>
#include "core/intern.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "heap/report.h"

/* One stack's figures in both runs. */
struct drow {
	double bytes[2], calls[2], leaked[2];
};

struct dtable {
	struct intern keys; /* folded text of the stack, root first */
	struct drow *rows;
	size_t alloc;
};

static void add_side(struct dtable *d, const struct heap_analysis *a, int side)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	for (i = 0; i < a->sites.len; i++) {
		const struct heap_site *s = &a->sites.v[i];
		uint32_t id;
		int added;

		strbuf_reset(&sb);
		for (j = 0; j < s->depth; j++)
			strbuf_addf(&sb, "%s%s", j ? ";" : "",
				    intern_str(&a->names, s->frames[j]));
		id = intern_add(&d->keys, sb.buf, sb.len, &added);
		if (id >= d->alloc) {
			size_t old = d->alloc;

			ALLOC_GROW(d->rows, id + 1, d->alloc);
			memset(d->rows + old, 0,
			       (d->alloc - old) * sizeof(*d->rows));
		}
		d->rows[id].bytes[side] += s->bytes;
		d->rows[id].calls[side] += s->calls;
		if (!s->suppressed)
			d->rows[id].leaked[side] += s->leaked_bytes;
	}
	strbuf_release(&sb);
}

static const struct dtable *sort_d;

static int cmp_rows(const void *x, const void *y)
{
	const struct drow *a = &sort_d->rows[*(const uint32_t *)x];
	const struct drow *b = &sort_d->rows[*(const uint32_t *)y];
	double da = fabs(a->bytes[1] - a->bytes[0]);
	double db = fabs(b->bytes[1] - b->bytes[0]);

	if (da != db)
		return da > db ? -1 : 1;
	return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : 1;
}

/* The stacks whose bytes changed, largest change first. */
static uint32_t *build(struct dtable *d, const struct heap_analysis *old,
		       const struct heap_analysis *new, size_t *n)
{
	uint32_t *v;
	size_t i, count;

	memset(d, 0, sizeof(*d));
	intern_init(&d->keys);
	add_side(d, old, 0);
	add_side(d, new, 1);
	count = intern_count(&d->keys);
	v = xmalloc(st_mult(count + 1, sizeof(*v)));
	*n = 0;
	for (i = 0; i < count; i++)
		if (d->rows[i].bytes[0] != d->rows[i].bytes[1] ||
		    d->rows[i].calls[0] != d->rows[i].calls[1])
			v[(*n)++] = (uint32_t)i;
	sort_d = d;
	qsort(v, *n, sizeof(*v), cmp_rows);
	return v;
}

static void release(struct dtable *d, uint32_t *v)
{
	intern_release(&d->keys);
	free(d->rows);
	free(v);
}

struct metric {
	const char *name;
	size_t off;
	int bytes;
};

static const struct metric metrics[] = {
    {"allocations", offsetof(struct heap_stats, allocations), 0},
    {"frees", offsetof(struct heap_stats, frees), 0},
    {"allocated_bytes", offsetof(struct heap_stats, allocated_bytes), 1},
    {"peak_bytes", offsetof(struct heap_stats, peak_bytes), 1},
    {"leaked_bytes", offsetof(struct heap_stats, leaked_bytes), 1},
    {"leaked_blocks", offsetof(struct heap_stats, leaked_blocks), 0},
    {"temporary", offsetof(struct heap_stats, temporary), 0},
};

static double get(const struct heap_analysis *a, const struct metric *m)
{
	return *(const double *)((const char *)&a->total + m->off);
}

static const char *num(double v, int bytes)
{
	static char ring[4][32];
	static unsigned next;
	char *buf = ring[next++ % 4];

	if (bytes)
		return heap_bytes(v);
	snprintf(buf, 32, "%" PRId64, heap_round(v));
	return buf;
}

int heap_diff_print(const struct heap_analysis *old,
		    const struct heap_analysis *new, size_t top, FILE *fp)
{
	struct dtable d;
	size_t n, i;
	uint32_t *v;

	fprintf(fp, "%-16s %14s %14s %14s %9s\n", "", "old", "new", "delta",
		"change");
	for (i = 0; i < ARRAY_SIZE(metrics); i++) {
		double a = get(old, &metrics[i]), b = get(new, &metrics[i]);
		char pct[16] = "";

		if (a != 0)
			snprintf(pct, sizeof(pct), "%+.1f%%",
				 (b - a) / a * 100);
		fprintf(fp, "%-16s %14s %14s %14s %9s\n", metrics[i].name,
			num(a, metrics[i].bytes), num(b, metrics[i].bytes),
			num(b - a, metrics[i].bytes), pct);
	}
	v = build(&d, old, new, &n);
	fprintf(fp, "\nStacks by change in bytes allocated (old -> new):\n");
	if (!n)
		fprintf(fp, "  (no change)\n");
	for (i = 0; i < n && (!top || i < top); i++) {
		const struct drow *r = &d.rows[v[i]];

		fprintf(fp,
			"  %12s -> %-12s %8" PRId64 " -> %-8" PRId64
			" calls  %s\n",
			heap_bytes(r->bytes[0]), heap_bytes(r->bytes[1]),
			heap_round(r->calls[0]), heap_round(r->calls[1]),
			intern_str(&d.keys, v[i]));
	}
	if (top && n > top)
		fprintf(fp, "  ... %zu more\n", n - top);
	release(&d, v);
	return ferror(fp) ? -1 : 0;
}

int heap_diff_json(const struct heap_analysis *old,
		   const struct heap_analysis *new, size_t top, FILE *fp)
{
	struct json_writer w;
	struct dtable d;
	size_t n, i;
	uint32_t *v;
	int side;

	json_init(&w, fp, 1);
	json_begin_object(&w);
	for (side = 0; side < 3; side++) {
		json_key(&w, side == 0 ? "old" : side == 1 ? "new" : "delta");
		json_begin_object(&w);
		for (i = 0; i < ARRAY_SIZE(metrics); i++) {
			double a = get(old, &metrics[i]),
			       b = get(new, &metrics[i]);

			json_key(&w, metrics[i].name);
			json_int(&w, heap_round(side == 0   ? a
						: side == 1 ? b
							    : b - a));
		}
		json_end_object(&w);
	}
	v = build(&d, old, new, &n);
	json_key(&w, "stacks");
	json_begin_array(&w);
	for (i = 0; i < n && (!top || i < top); i++) {
		const struct drow *r = &d.rows[v[i]];

		json_begin_object(&w);
		json_kv_string(&w, "stack", intern_str(&d.keys, v[i]));
		json_kv_int(&w, "old_bytes", heap_round(r->bytes[0]));
		json_kv_int(&w, "new_bytes", heap_round(r->bytes[1]));
		json_kv_int(&w, "old_calls", heap_round(r->calls[0]));
		json_kv_int(&w, "new_calls", heap_round(r->calls[1]));
		json_kv_int(&w, "old_leaked_bytes", heap_round(r->leaked[0]));
		json_kv_int(&w, "new_leaked_bytes", heap_round(r->leaked[1]));
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	fputc('\n', fp);
	release(&d, v);
	return ferror(fp) ? -1 : 0;
}
