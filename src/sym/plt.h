#ifndef PERFOPS_SYM_PLT_H
#define PERFOPS_SYM_PLT_H

#include <libelf.h>
#include <stddef.h>
#include "sym/symtab.h"

/*
 * Synthesize "func@plt" symbols for the PLT stubs of an x86-64 ELF file,
 * as objdump and perf name them: each stub of .plt, .plt.sec and
 * .plt.got jumps through a GOT slot, and the relocation of that slot
 * (.rela.plt or .rela.dyn) names the function; a lazy-binding .plt entry
 * that only pushes its relocation index is named through that index.
 * Returns the number of symbols added to st (0 for other machines).
 */
size_t plt_add_symbols(struct symtab *st, Elf *elf);

#endif
