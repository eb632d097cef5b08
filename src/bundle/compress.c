#include "core/compat.h"
#include "bundle/bundle.h"
#include "core/error.h"
#include <brotli/encode.h>
#include <pthread.h>
#include <zlib.h>

/* Only out of memory makes the encoders fail: abort as xmalloc does. */
static void fatal(const char *what)
{
	error("%s", what);
	abort();
}

uint64_t bundle_gzip_size(const void *data, size_t len)
{
	unsigned char out[65536];
	z_stream zs = {0};
	uint64_t total = 0;
	int r;

	/* windowBits 15 + 16: a gzip header and trailer, as gzip -9 -c
	 * writes them (10 + 8 bytes, no file name). */
	if (deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		fatal("zlib: deflateInit2 failed");
	zs.next_in = (unsigned char *)data;
	/* Feed at most 1 GiB at a time: avail_in is 32 bits. */
	do {
		size_t chunk = MIN(len, (size_t)1 << 30);

		zs.avail_in = (uInt)chunk;
		len -= chunk;
		do {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			r = deflate(&zs, len ? Z_NO_FLUSH : Z_FINISH);
			total += sizeof(out) - zs.avail_out;
		} while (zs.avail_out == 0 || (!len && r != Z_STREAM_END));
	} while (len);
	deflateEnd(&zs);
	return total;
}

static uint64_t brotli_size(const void *data, size_t len, int quality,
			    int lgwin);

uint64_t bundle_brotli_size(const void *data, size_t len)
{
	return brotli_size(data, len, 11, 22);
}

/*
 * The per-source sizes only set the proportions in which the exact whole
 * is shared out, so they are compressed at quality 9, which ranks sources
 * as 11 does at a fraction of the time (quality 11 on every source again
 * doubled the run).
 */
#define ENTRY_QUALITY 9

/* A window just large enough for len bytes: the same output as 22 bits
 * for a small input, without setting up 4 MB of tables for each of
 * thousands of sources. */
static int small_window(size_t len)
{
	int w = 10;

	while (w < 22 && ((size_t)1 << w) - 16 < len)
		w++;
	return w;
}

static uint64_t brotli_size(const void *data, size_t len, int quality,
			    int lgwin)
{
	BrotliEncoderState *s = BrotliEncoderCreateInstance(NULL, NULL, NULL);
	const uint8_t *next_in = data;
	size_t avail_in = len;
	uint64_t total = 0;

	if (!s)
		fatal("brotli: out of memory");
	BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, (uint32_t)quality);
	BrotliEncoderSetParameter(s, BROTLI_PARAM_LGWIN, (uint32_t)lgwin);
	for (;;) {
		uint8_t out[65536], *next_out = out;
		size_t avail_out = sizeof(out);

		if (!BrotliEncoderCompressStream(s, BROTLI_OPERATION_FINISH,
						 &avail_in, &next_in,
						 &avail_out, &next_out, NULL))
			fatal("brotli: compression failed");
		total += sizeof(out) - avail_out;
		if (BrotliEncoderIsFinished(s))
			break;
	}
	BrotliEncoderDestroyInstance(s);
	return total;
}

/* One compression: a whole asset (entry -1) or one entry's bytes. */
struct job {
	size_t asset;
	long entry;
	int brotli;
	size_t len;
	uint64_t result;
};

struct jobvec {
	struct job *v;
	size_t len, alloc;
};

struct pool {
	struct bundle *b;
	struct job *jobs;
	size_t njobs;
	size_t next; /* taken with __atomic_fetch_add */
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) <
	       p->njobs) {
		struct job *j = &p->jobs[i];
		struct bundle_asset *a = &p->b->assets.v[j->asset];
		const void *d = j->entry < 0
				    ? (const void *)a->code
				    : (const void *)a->ent.v[j->entry].text.buf;

		if (j->brotli)
			j->result = j->entry < 0
					? bundle_brotli_size(d, j->len)
					: brotli_size(d, j->len, ENTRY_QUALITY,
						      small_window(j->len));
		else
			j->result = bundle_gzip_size(d, j->len);
	}
	return NULL;
}

static int job_cmp(const void *x, const void *y)
{
	const struct job *a = x, *b = y;

	return a->len < b->len ? 1 : a->len > b->len ? -1 : 0;
}

static void add_jobs(struct bundle *b, struct jobvec *jobs, int brotli)
{
	size_t i, j;

	for (i = 0; i < b->assets.len; i++) {
		struct bundle_asset *a = &b->assets.v[i];
		struct job jb = {i, -1, brotli, a->len, 0};

		if (!a->code)
			continue; /* from a metafile, not emitted here */
		VEC_PUSH(jobs, jb);
		for (j = 0; j < a->ent.len; j++) {
			struct job je = {i, (long)j, brotli,
					 a->ent.v[j].text.len, 0};

			if (je.len)
				VEC_PUSH(jobs, je);
		}
	}
}

/*
 * A source's compressed size depends on what surrounds it, so only the
 * whole asset's is exact.  The whole is compressed once, and shared out in
 * proportion to each entry's own compressed size (its cost when it has to
 * carry its own dictionary); the shares sum to the exact whole.
 */
static void share_out(struct bundle *b, struct job *jobs, size_t n)
{
	size_t i, k;

	for (i = 0; i < b->assets.len; i++) {
		for (k = 0; k < 2; k++) {
			struct bundle_asset *a = &b->assets.v[i];
			uint64_t whole = 0, sum = 0;
			size_t j;
			int found = 0;

			for (j = 0; j < n; j++)
				if (jobs[j].asset == i &&
				    jobs[j].brotli == (int)k) {
					if (jobs[j].entry < 0) {
						whole = jobs[j].result;
						found = 1;
					} else {
						sum += jobs[j].result;
					}
				}
			if (!found)
				continue;
			if (k) {
				a->brotli = whole;
				a->has_brotli = 1;
			} else {
				a->gzip = whole;
			}
			for (j = 0; j < n; j++) {
				double share;

				if (jobs[j].asset != i ||
				    jobs[j].brotli != (int)k ||
				    jobs[j].entry < 0)
					continue;
				share =
				    sum ? (double)whole * jobs[j].result / sum
					: 0;
				if (k)
					a->ent.v[jobs[j].entry].brotli = share;
				else
					a->ent.v[jobs[j].entry].gzip = share;
			}
		}
	}
}

int bundle_compress(struct bundle *b)
{
	struct jobvec jobs = VEC_INIT;
	struct pool p = {b, NULL, 0, 0};
	pthread_t *t;
	int n = b->threads > 0 ? b->threads : 1, i, started = 0;

	if (b->sizes & BUNDLE_GZIP)
		add_jobs(b, &jobs, 0);
	if (b->sizes & BUNDLE_BROTLI)
		add_jobs(b, &jobs, 1);
	/* The biggest first, so that no thread is left with a big one at
	 * the end. */
	if (jobs.len) /* qsort(NULL, 0, ...) is undefined */
		qsort(jobs.v, jobs.len, sizeof(*jobs.v), job_cmp);
	p.jobs = jobs.v;
	p.njobs = jobs.len;
	t = xcalloc(n, sizeof(*t));
	for (i = 1; i < n && (size_t)i < jobs.len; i++)
		if (pthread_create(&t[i], NULL, worker, &p) == 0)
			started = i;
		else
			break;
	worker(&p);
	for (i = 1; i <= started; i++)
		pthread_join(t[i], NULL);
	free(t);
	share_out(b, p.jobs, p.njobs);
	VEC_RELEASE(&jobs);
	return 0;
}
