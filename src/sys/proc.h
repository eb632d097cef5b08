#ifndef PERFOPS_SYS_PROC_H
#define PERFOPS_SYS_PROC_H

#include <stddef.h>

/*
 * What procfs says about a running process and its threads.  Each
 * function reads the files anew; a process may end between two calls.
 */

/*
 * The thread ids of process pid (/proc/PID/task), in directory order.
 * Returns the number of threads with *tids allocated (the caller frees
 * it), or a negative errno.
 */
int proc_tasks(int pid, int **tids);

/*
 * The name (comm) of thread tid of process pid, without its newline.
 * Returns 0, or a negative errno with buf set to "".
 */
int proc_comm(int pid, int tid, char *buf, size_t size);

#endif
