#ifndef PERFOPS_RECORD_FPCHECK_H
#define PERFOPS_RECORD_FPCHECK_H

#include <stdint.h>

struct dso;

/*
 * Whether a frame-pointer walk can be trusted through a piece of code
 * (x86-64): the walk from a function finds its caller only when that
 * function pushed %rbp and pointed %rbp at it.  Files built without frame
 * pointers (Debian's libc, most distribution binaries) do not, and
 * neither does any function at its first instruction or at its ret.
 * Both answers are computed from the code itself; nothing is kept.
 */

/*
 * Whether the functions of d set up frame pointers: the share of its
 * function symbols (up to 256 of them, evenly spread) that start with
 * push %rbp; mov %rsp,%rbp.  0 for a file without symbols to look at.
 */
int fpcheck_dso_keeps_fp(struct dso *d);

/*
 * Whether the instruction at link-time address vaddr runs while the
 * frame of its function is not set up (push %rbp or mov %rsp,%rbp at the
 * entry, the endbr64 before them, or the ret after the frame is gone),
 * so that a walk from it would skip its caller.
 */
int fpcheck_at_edge(struct dso *d, uint64_t vaddr);

#endif
