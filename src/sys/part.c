#include "core/compat.h"
#include "sys/part.h"

/*
 * The places a part can be, relative to the directory of the binary: the
 * build tree keeps every part next to perfops, an installed prefix puts
 * programs in libexec and libraries in lib (or Debian's multiarch lib).
 */
static const char *const part_dirs[] = {
    "",
    "/../libexec/perfops",
    "/../lib/perfops",
    "/../lib64/perfops",
    "/../" PERFOPS_LIBDIR "/perfops",
};

int sys_find_part(const char *name, char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	size_t i;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	for (i = 0; i < ARRAY_SIZE(part_dirs); i++) {
		int len =
		    snprintf(out, size, "%s%s/%s", exe, part_dirs[i], name);

		if (len < 0 || (size_t)len >= size)
			continue;
		if (access(out, F_OK) == 0)
			return 0;
	}
	return -1;
}
