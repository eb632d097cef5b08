/* libFuzzer target: what `perfops load` reads from users: thresholds,
 * URLs, targets files (http format and JSON lines) and interval logs. */
#include "core/compat.h"
#include "core/error.h"
#include "load/interval.h"
#include "load/load.h"
#include "load/targets.h"
#include "load/threshold.h"
#include <sys/mman.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size), path[64];
	const char *paths[1] = {path};
	struct load_targets ts = {0};
	struct load_result r;
	struct threshold t;
	struct load_url u;
	int fd;

	error_set_quiet(1);
	threshold_parse(&t, s);
	if (load_url_parse(&u, s) == 0)
		load_url_release(&u);
	/* The readers take a path: hand them the input through a memfd. */
	fd = memfd_create("input", MFD_CLOEXEC);
	if (fd >= 0 && (!size || write(fd, data, size) == (ssize_t)size)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (load_targets_read(&ts, path) == 0)
			load_targets_prepare(&ts, NULL, 0);
		load_targets_release(&ts);
		/* Interval logs start with a comment; the merge sets up
		 * seven histograms, too slow to do for every input. */
		if (size && data[0] == '#' &&
		    load_hlog_merge(&r, paths, 1, NULL, NULL) == 0)
			load_result_release(&r);
	}
	if (fd >= 0)
		close(fd);
	free(s);
	return 0;
}
