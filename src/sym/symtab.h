#ifndef PERFOPS_SYM_SYMTAB_H
#define PERFOPS_SYM_SYMTAB_H

#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"

/*
 * A table of function symbols (start, size, name) searched by address:
 * filled from ELF .symtab/.dynsym, /proc/kallsyms or a JIT's
 * /tmp/perf-PID.map, then sorted once.  The table owns the names (in its
 * arena); symtab_release() frees everything.
 */
struct sym_symbol {
	uint64_t start, size; /* size 0: up to the next symbol */
	/* For a size-0 symbol, where it ends at the latest (the end of its
	 * section; 0 = unbounded): .init's _init does not run on into
	 * .plt. */
	uint64_t end;
	const char *name;
	int demangled; /* name already went through sym_demangle() */
	/*
	 * ELF symbols: 2 exported (global or weak, visible, of the default
	 * version), 1 local or a compatibility version; 0 for the other
	 * sources, whose aliases keep the order they came in.
	 */
	int elf_rank;
};

struct symtab {
	struct sym_symbol *syms;
	size_t nr, alloc;
	struct arena names;
	int sorted;
};

void symtab_init(struct symtab *st);
void symtab_release(struct symtab *st);
/* Add a symbol; the pointer is valid until the next add or sort. */
struct sym_symbol *symtab_add(struct symtab *st, uint64_t start, uint64_t size,
			      const char *name, size_t len);
/*
 * Sort by address and drop duplicates at the same address, keeping the
 * one with a size; of ELF aliases, the exported name over a local one
 * (read, not glibc's __GI___libc_read), then fewer leading underscores,
 * then no symbol version ("cfree@GLIBC_2.2.5"), then the longer name
 * (pread64 over pread), as perf chooses; else the first added.  Symbols
 * without size inside one with a size are dropped too.
 */
void symtab_sort(struct symtab *st);
/*
 * The symbol that contains addr: the last one starting at or below it,
 * provided addr is inside its size (or, for a symbol without size,
 * before the next symbol and its end, and within max_gap bytes of its
 * start).
 */
const struct sym_symbol *symtab_find(const struct symtab *st, uint64_t addr,
				     uint64_t max_gap);

/*
 * Parse /proc/kallsyms text (function symbols only: types t/T/w/W).
 * Returns the number of symbols; *zero_addrs tells whether every address
 * read as 0 (kptr_restrict hides them).
 */
size_t symtab_parse_kallsyms(struct symtab *st, const char *text, size_t len,
			     int *zero_addrs);
/*
 * Parse a perf map ("START SIZE name" per line, hex without 0x).  Bad
 * lines are skipped; returns the number of symbols read.
 */
size_t symtab_parse_perfmap(struct symtab *st, const char *text, size_t len);

#endif
