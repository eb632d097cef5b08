#ifndef PERFOPS_SYM_DSO_H
#define PERFOPS_SYM_DSO_H

#include <stddef.h>
#include <stdint.h>
#include "sym/ehframe.h"
#include "sym/symtab.h"

/*
 * One mapped file (an executable, a library, the [vdso] image) and what
 * perfops knows about it: its GNU build-id, its function symbols (from
 * .symtab, else from a separate debug file found by build-id or
 * .gnu_debuglink, plus .dynsym), the file-offset to address translation
 * of its PT_LOAD segments, and, on first need, its DWARF (libdw) for
 * inline frames and file:line.  The dso owns everything it points to;
 * dso_free() frees it all.
 */
struct dso_load {
	uint64_t offset, vaddr, filesz;
	uint32_t flags; /* PF_X, PF_W, PF_R */
};

enum dso_state {
	DSO_OK = 0,
	DSO_UNREADABLE = 1, /* cannot be opened or is not ELF */
};

struct dso {
	char *name;	   /* the path the process mapped (or "[vdso]") */
	char *open_path;   /* where it was read from */
	char *debug_path;  /* the separate debug file used, or NULL */
	char build_id[41]; /* hex, "" when none */
	struct symtab syms;
	struct symtab fdes; /* "file+0xSTART" names of unnamed functions */
	struct ehframe eh;
	struct dso_load load[16];
	unsigned nload;
	int state;	      /* enum dso_state */
	int stripped;	      /* no .symtab anywhere: only .dynsym names */
	int is_dyn;	      /* ET_DYN (PIE or shared library) */
	unsigned char *image; /* in-memory copy ([vdso]) */
	size_t image_size;
	int fd; /* open for code reads by the unwinder, -1 */
	/* DWARF, set up lazily by dso_dwarf_frames(). */
	void *dwfl;
	void *module;
	void *cus; /* struct cu_index: its CUs' ranges, when no aranges */
	int dwarf_tried;
};

/* Read the ELF file at open_path (name is kept for display). */
struct dso *dso_open(const char *name, const char *open_path);
/* Read an ELF image from memory (the [vdso]); the image is copied. */
struct dso *dso_open_memory(const char *name, const void *image, size_t size);
void dso_free(struct dso *d);

/* Only the GNU build-id of a file (hex into out[41]); -1 if none. */
int dso_read_build_id(const char *path, char out[41]);

/* The link-time address of a file offset; -1 when no segment holds it. */
int dso_offset_to_vaddr(const struct dso *d, uint64_t offset, uint64_t *vaddr);

/*
 * The load bias (process address minus link-time address) of an
 * executable mapping [start, start + len) of file offset pgoff: that of
 * the executable segment it maps.  Not start - pgoff: a linker such as
 * lld places code at addresses that are not its file offsets, and the
 * first page mapped often starts in the segment before.  -1 when no
 * segment is in the mapping.
 */
int dso_map_bias(const struct dso *d, uint64_t start, uint64_t len,
		 uint64_t pgoff, uint64_t *bias);

/* Read len bytes at a link-time address from the file; -1 if outside. */
int dso_read(struct dso *d, uint64_t vaddr, void *buf, size_t len);

/*
 * A frame of an address, possibly inlined; strings are owned by the dso.
 */
struct dso_frame {
	const char *name;
	const char *file; /* NULL when unknown */
	unsigned line;
	int inlined;
	int unnamed; /* no symbol: named "file+0xSTART" by its FDE */
};

/*
 * The frames at link-time address vaddr, innermost (inlined callee) first,
 * the symbol's own function last; with inline = 0 only that last frame.
 * C++ and Rust names are demangled.  Code no symbol covers is named by
 * the function its .eh_frame FDE says it is in ("file+0x1139", the
 * FDE's link-time start).  Returns the number written (0 when neither a
 * symbol nor an FDE covers the address).
 */
size_t dso_frames(struct dso *d, uint64_t vaddr, int inline_frames, int lines,
		  struct dso_frame *out, size_t max);

#endif
