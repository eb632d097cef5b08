#include "core/compat.h"

/*
 * Out of memory is not something perfops can recover from in a useful way,
 * so it aborts with one line instead of passing NULL up every call chain.
 */
static void __attribute__((noreturn)) oom(size_t size)
{
	fprintf(stderr, "perfops: out of memory (allocating %zu bytes)\n",
		size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *xcalloc_written(size_t nmemb, size_t size)
{
	size_t n = st_mult(nmemb, size);
	void *p = xmalloc(n);

	memset(p, 0, n);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(st_add(n, 1));

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t st_mult(size_t a, size_t b)
{
	size_t r;

	if (__builtin_mul_overflow(a, b, &r))
		oom(SIZE_MAX);
	return r;
}

size_t st_add(size_t a, size_t b)
{
	size_t r;

	if (__builtin_add_overflow(a, b, &r))
		oom(SIZE_MAX);
	return r;
}
