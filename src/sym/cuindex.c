#include "core/compat.h"
#include "sym/cuindex.h"

struct cu_range {
	Dwarf_Addr lo, hi;
	Dwarf_Off die; /* offset of the CU DIE */
};

struct cu_index {
	struct cu_range *v;
	size_t nr, alloc;
};

void cu_index_free(struct cu_index *ix)
{
	if (!ix)
		return;
	free(ix->v);
	free(ix);
}

static int cmp_range(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The ranges of every compile unit (DW_AT_low_pc/high_pc or ranges). */
static struct cu_index *build(Dwarf *dw)
{
	struct cu_index *ix = xcalloc(1, sizeof(*ix));
	Dwarf_Off off = 0, next;
	size_t hsize;

	while (!dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL)) {
		Dwarf_Die cu;
		Dwarf_Addr base, lo, hi;
		ptrdiff_t it = 0;

		if (dwarf_offdie(dw, off + hsize, &cu))
			while ((it = dwarf_ranges(&cu, it, &base, &lo, &hi)) >
			       0) {
				if (hi <= lo)
					continue;
				ALLOC_GROW(ix->v, ix->nr + 1, ix->alloc);
				ix->v[ix->nr++] =
				    (struct cu_range){lo, hi, off + hsize};
			}
		off = next;
	}
	if (ix->nr > 1)
		qsort(ix->v, ix->nr, sizeof(*ix->v), cmp_range);
	return ix;
}

Dwarf_Die *cu_index_find(struct cu_index **ix, Dwfl_Module *mod,
			 Dwarf_Addr addr, Dwarf_Addr *bias, Dwarf_Die *buf)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, bias);
	Dwarf *dw;
	size_t lo = 0, hi;

	if (cu)
		return cu;
	dw = dwfl_module_getdwarf(mod, bias);
	if (!dw)
		return NULL;
	if (!*ix)
		*ix = build(dw);
	addr -= *bias;
	/* The last range starting at or below addr (CUs do not overlap). */
	hi = (*ix)->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((*ix)->v[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < (*ix)->v[lo - 1].hi)
		return dwarf_offdie(dw, (*ix)->v[lo - 1].die, buf);
	return NULL;
}
