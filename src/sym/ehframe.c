#include "core/compat.h"
#include "sym/ehframe.h"
#include "sym/dso.h"

/* The pointer encodings (DW_EH_PE_*) GNU ld, gold and lld write. */
enum {
	PE_UDATA4 = 0x03,
	PE_SDATA4 = 0x0b,
	PE_PCREL = 0x10,
	PE_DATAREL = 0x30,
};

void ehframe_release(struct ehframe *eh)
{
	free(eh->table);
	memset(eh, 0, sizeof(*eh));
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Read the table: version 1, then the encodings of eh_frame_ptr,
 * fde_count and the table, eh_frame_ptr, fde_count, and fde_count pairs
 * (initial location, FDE address) sorted by location.  Only the
 * encodings every x86-64 and arm64 linker writes are read; a file with
 * others simply gets no FDE names.
 */
static void load_table(struct dso *d)
{
	struct ehframe *eh = &d->eh;
	unsigned char h[12];
	uint64_t count, bytes;

	eh->tried = 1;
	if (!eh->hdr || eh->hdr_size < sizeof(h) ||
	    dso_read(d, eh->hdr, h, sizeof(h)) < 0)
		return;
	if (h[0] != 1 || h[1] != (PE_PCREL | PE_SDATA4) || h[2] != PE_UDATA4 ||
	    h[3] != (PE_DATAREL | PE_SDATA4))
		return;
	count = le32(h + 8);
	bytes = count * 8;
	if (!count || bytes > eh->hdr_size - sizeof(h))
		return;
	eh->table = xmalloc(bytes);
	if (dso_read(d, eh->hdr + sizeof(h), eh->table, bytes) < 0) {
		free(eh->table);
		eh->table = NULL;
		return;
	}
	eh->count = count;
}

static uint64_t entry(const struct ehframe *eh, size_t i, int k)
{
	return eh->hdr +
	       (uint64_t)(int64_t)(int32_t)le32(eh->table + 8 * i + 4 * k);
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * The range of the FDE at fde that starts at start.  Its pc_begin is
 * encoded as its CIE says (pcrel sdata4 from GCC and clang, absolute
 * 8 bytes from some assemblers); checking it against the table's start
 * tells which, without parsing the CIE.  Only the bytes needed are read:
 * the last FDE may end close to its segment's end.
 */
static int fde_range(struct dso *d, uint64_t fde, uint64_t start,
		     uint64_t *range)
{
	unsigned char b[16];
	uint64_t p = fde + 8;

	if (dso_read(d, fde, b, 4) < 0)
		return -1;
	/* 64-bit DWARF: an 8-byte length and CIE pointer follow 0xffffffff. */
	if (le32(b) == 0xffffffffu)
		p = fde + 20;
	if (dso_read(d, p, b, 8) < 0)
		return -1;
	if (p + (uint64_t)(int64_t)(int32_t)le32(b) == start) {
		*range = le32(b + 4);
		return 0;
	}
	if (dso_read(d, p, b, 16) < 0 || le64(b) != start)
		return -1;
	*range = le64(b + 8);
	return 0;
}

int ehframe_find(struct dso *d, uint64_t vaddr, uint64_t *start, uint64_t *end)
{
	struct ehframe *eh = &d->eh;
	size_t lo, hi;
	uint64_t range;

	if (!eh->tried)
		load_table(d);
	/* The last FDE starting at or below vaddr. */
	hi = eh->count;
	lo = PARTITION_POINT(hi, mid, entry(eh, mid, 0) <= vaddr);
	if (!lo)
		return -1;
	*start = entry(eh, lo - 1, 0);
	if (fde_range(d, entry(eh, lo - 1, 1), *start, &range) < 0 ||
	    vaddr - *start >= range)
		return -1;
	*end = *start + range;
	return 0;
}
