/*
 * Run a command under a seccomp filter that fails perf_event_open() with
 * the given errno, as a container runtime's default profile does:
 *   no-perf-events EPERM|ENOSYS CMD [ARGS]
 * For the tests of the messages `perfops record` gives in that case.
 */
#include "core/compat.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	unsigned err;

	if (argc < 3 ||
	    (strcmp(argv[1], "EPERM") && strcmp(argv[1], "ENOSYS"))) {
		fprintf(stderr,
			"usage: no-perf-events EPERM|ENOSYS CMD [ARGS]\n");
		return 2;
	}
	err = strcmp(argv[1], "EPERM") ? ENOSYS : EPERM;
	{
		struct sock_filter f[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			     offsetof(struct seccomp_data, arch)),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1,
			     0),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			     offsetof(struct seccomp_data, nr)),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 0,
			     1),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {ARRAY_SIZE(f), f};

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
			perror("no-perf-events: seccomp");
			return 3;
		}
	}
	execvp(argv[2], argv + 2);
	perror("no-perf-events: exec");
	return 127;
}
