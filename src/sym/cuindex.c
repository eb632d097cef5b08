#include "core/compat.h"
#include "sym/cuindex.h"
#include "core/vec.h"
#include <dwarf.h>

struct cu_range {
	Dwarf_Addr lo, hi;
	Dwarf_Off die; /* offset of the CU DIE */
};

/*
 * The code DIEs of one CU (subprograms, inlined subroutines, lexical
 * blocks) with their address ranges, read once: a range's node, the
 * ranges sorted by start, and for each the largest end of it and all
 * before it, which bounds the backward walk of a lookup.
 */
struct scope_node {
	Dwarf_Die die;
	int32_t parent; /* index of the enclosing code DIE, -1 */
	uint32_t depth;
};

struct scope_range {
	Dwarf_Addr lo, hi;
	uint32_t node;
};

struct cu_scopes {
	Dwarf_Off cu;
	VEC(struct scope_node) nodes;
	VEC(struct scope_range) ranges;
	Dwarf_Addr *maxhi;
};

struct cu_index {
	struct cu_range *v;
	size_t nr, alloc;
	int built;
	/* The scope tables read so far, sorted by CU offset. */
	struct cu_scopes **scopes;
	size_t nscopes, scopes_alloc;
};

static void scopes_free(struct cu_scopes *cs)
{
	VEC_RELEASE(&cs->nodes);
	VEC_RELEASE(&cs->ranges);
	free(cs->maxhi);
	free(cs);
}

void cu_index_free(struct cu_index *ix)
{
	size_t i;

	if (!ix)
		return;
	for (i = 0; i < ix->nscopes; i++)
		scopes_free(ix->scopes[i]);
	free(ix->scopes);
	free(ix->v);
	free(ix);
}

static int cmp_range(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The ranges of every compile unit (DW_AT_low_pc/high_pc or ranges). */
static void build(struct cu_index *ix, Dwarf *dw)
{
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
	ix->built = 1;
}

Dwarf_Die *cu_index_find(struct cu_index **ix, Dwfl_Module *mod,
			 Dwarf_Addr addr, Dwarf_Addr *bias, Dwarf_Die *buf)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, bias);
	Dwarf *dw;
	size_t lo, hi;

	if (cu)
		return cu;
	dw = dwfl_module_getdwarf(mod, bias);
	if (!dw)
		return NULL;
	if (!*ix)
		*ix = xcalloc(1, sizeof(**ix));
	if (!(*ix)->built)
		build(*ix, dw);
	addr -= *bias;
	/* The last range starting at or below addr (CUs do not overlap). */
	hi = (*ix)->nr;
	lo = PARTITION_POINT(hi, mid, (*ix)->v[mid].lo <= addr);
	if (lo && addr < (*ix)->v[lo - 1].hi)
		return dwarf_offdie(dw, (*ix)->v[lo - 1].die, buf);
	return NULL;
}

/*
 * Add the code DIEs below parent (whose node is up, -1 for none) to cs.
 * Code is looked for where compilers put it: below the CU and other code
 * (C, C++), in namespaces, modules and types (rustc nests each function in
 * its modules and impl blocks), and in partial units a DW_TAG_imported_unit
 * brings in (dwz).  level bounds the recursion of hostile input.
 */
static void add_scopes(struct cu_scopes *cs, Dwarf_Die *parent, int32_t up,
		       int level)
{
	Dwarf_Die child;

	if (level > 256 || dwarf_child(parent, &child))
		return;
	do {
		Dwarf_Attribute attr;
		Dwarf_Die unit;
		Dwarf_Addr base, lo, hi;
		ptrdiff_t it = 0;
		int32_t self;

		switch (dwarf_tag(&child)) {
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_structure_type:
		case DW_TAG_class_type:
		case DW_TAG_union_type:
			add_scopes(cs, &child, up, level + 1);
			break;
		case DW_TAG_imported_unit:
			if (dwarf_formref_die(
				dwarf_attr(&child, DW_AT_import, &attr), &unit))
				add_scopes(cs, &unit, up, level + 1);
			break;
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block:
			self = up;
			while ((it = dwarf_ranges(&child, it, &base, &lo,
						  &hi)) > 0) {
				if (hi <= lo)
					continue;
				if (self == up) {
					struct scope_node n = {
					    child, up,
					    up < 0 ? 0
						   : cs->nodes.v[up].depth + 1};

					self = (int32_t)cs->nodes.len;
					VEC_PUSH(&cs->nodes, n);
				}
				VEC_PUSH(&cs->ranges,
					 ((struct scope_range){
					     lo, hi, (uint32_t)self}));
			}
			/* Code without an address (an abstract instance, a
			 * declaration) is looked into all the same. */
			add_scopes(cs, &child, self, level + 1);
			break;
		default:
			break;
		}
	} while (!dwarf_siblingof(&child, &child));
}

static int cmp_scope_range(const void *a, const void *b)
{
	const struct scope_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

static struct cu_scopes *read_scopes(Dwarf_Die *cu)
{
	struct cu_scopes *cs = xcalloc(1, sizeof(*cs));
	size_t i;

	cs->cu = dwarf_dieoffset(cu);
	add_scopes(cs, cu, -1, 0);
	if (cs->ranges.len > 1)
		qsort(cs->ranges.v, cs->ranges.len, sizeof(*cs->ranges.v),
		      cmp_scope_range);
	cs->maxhi = xmalloc(sizeof(*cs->maxhi) * (cs->ranges.len + 1));
	for (i = 0; i < cs->ranges.len; i++)
		cs->maxhi[i] = i && cs->maxhi[i - 1] > cs->ranges.v[i].hi
				   ? cs->maxhi[i - 1]
				   : cs->ranges.v[i].hi;
	return cs;
}

/* The scope table of cu, read on first need. */
static struct cu_scopes *cu_scopes_of(struct cu_index *ix, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	size_t lo, hi = ix->nscopes;

	lo = PARTITION_POINT(hi, mid, ix->scopes[mid]->cu < off);
	if (lo < ix->nscopes && ix->scopes[lo]->cu == off)
		return ix->scopes[lo];
	ALLOC_GROW(ix->scopes, ix->nscopes + 1, ix->scopes_alloc);
	memmove(ix->scopes + lo + 1, ix->scopes + lo,
		(ix->nscopes - lo) * sizeof(*ix->scopes));
	ix->nscopes++;
	return ix->scopes[lo] = read_scopes(cu);
}

int cu_index_scopes(struct cu_index **ix, Dwarf_Die *cu, Dwarf_Addr pc,
		    Dwarf_Die **out)
{
	struct cu_scopes *cs;
	size_t lo = 0, hi, i;
	int64_t best = -1, node;
	int n = 0;

	*out = NULL;
	if (!*ix)
		*ix = xcalloc(1, sizeof(**ix));
	cs = cu_scopes_of(*ix, cu);
	/* The last range that starts at or before pc. */
	hi = cs->ranges.len;
	lo = PARTITION_POINT(hi, mid, cs->ranges.v[mid].lo <= pc);
	/* Back from there while some range may still reach pc: the
	 * deepest range holding pc is the innermost scope. */
	for (i = lo; i-- > 0 && cs->maxhi[i] > pc;) {
		const struct scope_range *r = &cs->ranges.v[i];

		if (pc < r->hi && (best < 0 || cs->nodes.v[r->node].depth >
						   cs->nodes.v[best].depth))
			best = r->node;
	}
	for (node = best; node >= 0; node = cs->nodes.v[node].parent)
		n++;
	if (!n)
		return 0;
	*out = xmalloc(sizeof(**out) * (size_t)n);
	n = 0;
	for (node = best; node >= 0; node = cs->nodes.v[node].parent)
		(*out)[n++] = cs->nodes.v[node].die;
	return n;
}
