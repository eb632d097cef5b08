#ifndef PERFOPS_VEC_H
#define PERFOPS_VEC_H

#include "core/compat.h"

/*
 * A typed growable array: VEC(int) v = VEC_INIT; VEC_PUSH(&v, 3);
 * The vector owns its items array; VEC_RELEASE() frees it (not what the
 * items point to).
 */
#define VEC(T)                                                                 \
	struct {                                                               \
		T *v;                                                          \
		size_t len, alloc;                                             \
	}
#define VEC_INIT                                                               \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

#define VEC_GROW(vec, n) ALLOC_GROW((vec)->v, (n), (vec)->alloc)
#define VEC_PUSH(vec, x)                                                       \
	do {                                                                   \
		VEC_GROW((vec), (vec)->len + 1);                               \
		assert((vec)->len < (vec)->alloc);                             \
		(vec)->v[(vec)->len++] = (x);                                  \
	} while (0)
#define VEC_RELEASE(vec)                                                       \
	do {                                                                   \
		free((vec)->v);                                                \
		(vec)->v = NULL;                                               \
		(vec)->len = (vec)->alloc = 0;                                 \
	} while (0)
/* The last item; the vector must not be empty (asserted). */
#define VEC_LAST(vec) (*(assert((vec)->len > 0), &(vec)->v[(vec)->len - 1]))
/* Item i, bounds asserted. */
#define VEC_AT(vec, i) (*(assert((size_t)(i) < (vec)->len), &(vec)->v[(i)]))

#endif
