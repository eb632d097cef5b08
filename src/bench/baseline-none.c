#include "core/compat.h"
#include "bench/bench.h"
#include "core/error.h"

/* Built instead of baseline.c when jansson is missing. */
void bench_baseline_release(struct bench_baseline *base)
{
	free(base->path);
	memset(base, 0, sizeof(*base));
}

int bench_baseline_read(struct bench_baseline *base, const char *path,
			const struct bench *b UNUSED)
{
	memset(base, 0, sizeof(*base));
	return error("cannot read baseline '%s': perfops was built without "
		     "jansson",
		     path);
}
