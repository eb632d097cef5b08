#ifndef PERFOPS_SYM_EHFRAME_H
#define PERFOPS_SYM_EHFRAME_H

#include <stddef.h>
#include <stdint.h>

struct dso;

/*
 * The function ranges of a file's .eh_frame, found through the binary
 * search table of .eh_frame_hdr (the PT_GNU_EH_FRAME segment that the
 * unwinders of libgcc and libunwind use): every function the compiler
 * emitted has an FDE, so this names code even in a stripped file.  The
 * index owns its table; ehframe_release() frees it.
 */
struct ehframe {
	uint64_t hdr, hdr_size; /* link-time address of .eh_frame_hdr */
	unsigned char *table;	/* count pairs of int32 (datarel) */
	size_t count;
	int tried;
};

void ehframe_release(struct ehframe *eh);
/*
 * The [start, end) link-time range of the FDE that covers vaddr in d
 * (whose eh.hdr was set from PT_GNU_EH_FRAME); -1 when none does.
 */
int ehframe_find(struct dso *d, uint64_t vaddr, uint64_t *start, uint64_t *end);

#endif
