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
void cu_index_free(struct cu_index *ix);

#endif
