/* libFuzzer target: format detection and the folded-stack reader. */
#include "core/compat.h"
#include "core/error.h"
#include "profile/folded.h"
#include "profile/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p;
	FILE *null = fopen("/dev/null", "w");

	error_set_quiet(1);
	profile_read_buffer(&p, (const char *)data, size, "fuzz", NULL);
	folded_write(&p, null);
	profile_release(&p);
	fclose(null);
	return 0;
}
