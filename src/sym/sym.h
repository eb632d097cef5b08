#ifndef PERFOPS_SYM_SYM_H
#define PERFOPS_SYM_SYM_H

#include <stddef.h>
#include <stdint.h>
#include "sym/dso.h"
#include "sym/maps.h"
#include "sym/symtab.h"

/*
 * The symbolizer of a recording: the mappings of every process seen
 * (from MMAP2/FORK/COMM records and /proc/PID/maps), a cache of files
 * keyed by path and by build-id (two processes mapping the same library,
 * even through different container roots, share one dso), the kernel's
 * symbols from /proc/kallsyms, JIT symbols from /tmp/perf-PID.map and,
 * for -g dwarf, one libdw unwinder per process.  The symbolizer owns all
 * of it; sym_release() frees everything.
 */
struct sym_proc {
	int pid;
	int alive_at_start; /* attached: /proc/PID/maps was read */
	struct sym_maps maps;
	struct symtab jit;
	long long jit_size;  /* size of the perf map when last read, -1 none */
	char *exe;	     /* the program file it runs, NULL until known */
	int perfmap_refused; /* its perf map was not safe to read: said so */
	int perfmap_fd;	     /* its perf map, once found safe; -1 before */
	int exe_next;	     /* exec'd: its next file mapping is the program */
	void *unwind;	     /* struct unwind_proc, see unwind.c */
};

enum sym_flags {
	SYM_NO_INLINE = 1 << 0,
	SYM_NO_LINES = 1 << 1,
};

struct symbolizer {
	struct sym_proc **procs;
	size_t nprocs, procs_alloc;
	struct dso **dsos;
	size_t ndsos, dsos_alloc;
	struct symtab kernel;
	int kernel_state; /* 0 unread, 1 loaded, -1 unavailable */
	int kptr_hidden;
	unsigned flags;
	char **stripped_seen; /* names already warned about */
	size_t nstripped, stripped_alloc;
};

void sym_init(struct symbolizer *sy, unsigned flags);
void sym_release(struct symbolizer *sy);

/* The process, created empty on first use. */
struct sym_proc *sym_proc(struct symbolizer *sy, int pid);
/* Read the executable mappings of a running process from /proc. */
int sym_proc_read_maps(struct symbolizer *sy, int pid);
/* An MMAP2 record (only executable mappings are kept). */
void sym_mmap(struct symbolizer *sy, int pid, uint64_t start, uint64_t len,
	      uint64_t pgoff, const char *path);
/* A FORK record that created a process (not a thread). */
void sym_fork(struct symbolizer *sy, int ppid, int pid);
/* An exec: the old mappings are gone, the new ones follow as MMAP2. */
void sym_exec(struct symbolizer *sy, int pid);

/*
 * Where a user address is: its mapping, file, link-time address (what
 * the file's symbols and DWARF use) and the process address itself (what
 * a pprof Location holds, inside its Mapping's range).
 */
struct sym_loc {
	struct sym_map *map;
	struct dso *dso;
	uint64_t vaddr;
	uint64_t addr;
};
/* Locate addr in pid; -1 when no mapping holds it (re-reads /proc once). */
int sym_locate(struct symbolizer *sy, int pid, uint64_t addr,
	       struct sym_loc *loc);
/*
 * The frames of a located address (see dso_frames()); JIT code in an
 * anonymous mapping is looked up in the process's perf map.
 */
size_t sym_frames(struct symbolizer *sy, int pid, const struct sym_loc *loc,
		  uint64_t addr, struct dso_frame *out, size_t max);
/*
 * The first executable mapping of the program pid runs (the file it
 * exec'd, /proc/PID/exe when attached), or NULL when unknown: pprof
 * lists it first, as the main binary.
 */
struct sym_map *sym_exe_map(struct symbolizer *sy, int pid);
/* The kernel function at addr, or NULL. */
const char *sym_kernel(struct symbolizer *sy, uint64_t addr);
/*
 * Warn once about the stripped files (no .symtab, no debug file) whose
 * missing symbols cost frames during the recording.
 */
void sym_report_stripped(const struct symbolizer *sy);
/* The basename shown for an unknown frame of a mapping ("[libc.so.6]"). */
const char *sym_basename(const char *path);

/*
 * Unwind a user stack with libdw's CFI unwinder: regs are the sampled
 * user registers (perf's x86_64 order for SYM_REGS_MASK), stack the bytes
 * copied from the stack pointer up.  Writes up to max return addresses
 * (the first is the interrupted pc) and returns how many.
 */
#define SYM_REGS_MASK 0xff01ffULL /* AX..IP (bits 0-8), R8..R15 (16-23) */
size_t sym_unwind(struct symbolizer *sy, int pid, int tid, const uint64_t *regs,
		  const unsigned char *stack, size_t stack_size, uint64_t *ips,
		  size_t max);

#endif
