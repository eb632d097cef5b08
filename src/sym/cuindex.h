#ifndef PERFOPS_SYM_CUINDEX_H
#define PERFOPS_SYM_CUINDEX_H

#include <elfutils/libdwfl.h>

/*
 * Which compile unit holds an address.  libdw finds it through
 * .debug_aranges, which clang and rustc do not emit by default: without
 * it their programs would have no file:line and no inline frames.  The
 * index then reads the address ranges of every CU once and searches
 * them.  The index owns its table; cu_index_free() frees it.
 */
struct cu_index;

/*
 * The CU DIE of module address addr, written to *buf; *bias is the
 * module's DWARF bias (addr - *bias is the link-time address).  NULL when
 * no CU covers it.  *ix is created on first need.
 */
Dwarf_Die *cu_index_find(struct cu_index **ix, Dwfl_Module *mod,
			 Dwarf_Addr addr, Dwarf_Addr *bias, Dwarf_Die *buf);
/*
 * The code DIEs (subprograms, inlined subroutines, lexical blocks) that
 * hold the link-time address pc in cu, innermost first, as a malloc'd
 * array in *out; returns how many (0: none).  This is dwarf_getscopes()
 * followed by dwarf_getscopes_die() of its innermost scope, with each CU's
 * scopes read once instead of the whole CU walked for every address: a
 * large CU (CPython's ceval.c) made that a minute for a few thousand
 * addresses.
 */
int cu_index_scopes(struct cu_index **ix, Dwarf_Die *cu, Dwarf_Addr pc,
		    Dwarf_Die **out);
void cu_index_free(struct cu_index *ix);

#endif
