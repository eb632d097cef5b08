#ifndef PERFOPS_SYS_PART_H
#define PERFOPS_SYS_PART_H

#include <stddef.h>

/*
 * Find a file installed with perfops (a helper program, a preloaded
 * library): next to the running binary (the build tree), then in
 * ../libexec/perfops and ../LIBDIR/perfops (lib, lib64 or the
 * configured libdir) relative to it: an installed prefix.  Writes the absolute
 * path to out and returns 0, or returns -1 (without a message: the caller knows
 * what the part is for).
 */
int sys_find_part(const char *name, char *out, size_t size);

#endif
