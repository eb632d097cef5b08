#ifndef PERFOPS_ATOMIC_H
#define PERFOPS_ATOMIC_H

#include <stdio.h>

/*
 * Writing an output file so that readers never see half of it.  What the
 * path names decides how:
 *  - a regular file, or nothing yet: the data goes to a temporary file in
 *    the same directory, which atomic_commit() flushes, checks for write
 *    errors and renames over the target, so a failed or interrupted run
 *    leaves an existing file as it was;
 *  - a symbolic link: the same, for the file it points to (the link stays);
 *  - a FIFO, a device or a socket (/dev/null, a tty): written in place,
 *    without a temporary file, since those cannot be renamed over;
 *  - "-", /dev/stdout or /dev/fd/1: standard output, written directly;
 *    another /dev/fd/N or /proc/self/fd/N: that open file descriptor.
 * Uncommitted temporary files are removed by atomic_abort(), at exit, or by
 * atomic_cleanup_signal_safe() from a signal handler.  The struct owns its
 * FILE and path copies until commit or abort.
 */
struct atomic_file {
	FILE *fp;
	char *path;   /* the name the user gave, for messages */
	char *target; /* the file renamed over (a symlink's target) */
	char *tmp;    /* NULL when written in place */
	int is_stdout;
	struct atomic_file *next_open; /* registry of uncommitted files */
};

/*
 * Open path for writing (creating the temporary file, or opening the
 * device or FIFO, which waits for a FIFO's reader); reports its own errors,
 * so a command that opens its outputs first never does its work for an
 * output it cannot write.
 */
int atomic_open(struct atomic_file *af, const char *path);
/* Flush, check and rename into place; reports its own errors. */
int atomic_commit(struct atomic_file *af);
/* Drop the temporary file and leave the target untouched. */
void atomic_abort(struct atomic_file *af);
/* Unlink every uncommitted temporary file; async-signal-safe. */
void atomic_cleanup_signal_safe(void);

/*
 * Check that path could be written, without writing it (a FIFO is not
 * opened, so its reader sees nothing); reports its own errors.  For
 * commands that open their outputs only after long work (record, bench).
 */
int atomic_check(const char *path);

/*
 * True when standard output or an open FIFO output has failed because its
 * reader went away (`perfops report p | head`).
 */
int atomic_broken_pipe(void);

/* Write a whole buffer to path atomically; reports its own errors. */
int atomic_write_file(const char *path, const void *data, size_t len);

#endif
