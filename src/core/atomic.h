#ifndef PERFOPS_ATOMIC_H
#define PERFOPS_ATOMIC_H

#include <stdio.h>

/*
 * Writing an output file so that readers never see half of it: the data
 * goes to a temporary file in the same directory, which atomic_commit()
 * flushes, checks for write errors and renames over the target.  "-" means
 * stdout (written directly).  An interrupted run leaves the target as it
 * was; the temporary file is removed by atomic_abort(), at exit, or by
 * atomic_cleanup_signal_safe() from a signal handler.  The struct owns its
 * FILE and path copies until commit or abort.
 */
struct atomic_file {
	FILE *fp;
	char *path;
	char *tmp;
	int is_stdout;
	struct atomic_file *next_open; /* registry of uncommitted files */
};

/* Open path for writing; reports its own errors. */
int atomic_open(struct atomic_file *af, const char *path);
/* Flush, check and rename into place; reports its own errors. */
int atomic_commit(struct atomic_file *af);
/* Drop the temporary file and leave the target untouched. */
void atomic_abort(struct atomic_file *af);
/* Unlink every uncommitted temporary file; async-signal-safe. */
void atomic_cleanup_signal_safe(void);

/* Write a whole buffer to path atomically; reports its own errors. */
int atomic_write_file(const char *path, const void *data, size_t len);

#endif
