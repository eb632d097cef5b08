/* libFuzzer target: perf script text through the collapse rules. */
#include "core/compat.h"
#include "core/error.h"
#include "profile/folded.h"
#include "profile/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = {0, COLLAPSE_TID | COLLAPSE_ADDRS,
					 COLLAPSE_KERNEL | COLLAPSE_JIT};
	struct read_opts ro = READ_OPTS_INIT;
	struct profile p;
	FILE *null = fopen("/dev/null", "w");

	error_set_quiet(1);
	ro.format = PROFILE_FMT_PERF_SCRIPT;
	ro.collapse_flags = flags[size % ARRAY_SIZE(flags)];
	profile_read_buffer(&p, (const char *)data, size, "fuzz", &ro);
	folded_write(&p, null);
	profile_release(&p);
	fclose(null);
	return 0;
}
