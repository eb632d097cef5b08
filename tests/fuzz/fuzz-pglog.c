/* libFuzzer target: the PostgreSQL stderr log reader, the fingerprints
 * and the digest. */
#include "core/compat.h"
#include "core/error.h"
#include "db/digest.h"
#include "db/pglog.h"
#include <sys/mman.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pglog_counts c;
	struct digest d;
	FILE *null = fopen("/dev/null", "w");
	int fd = memfd_create("fuzz", 0);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		fclose(null);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	error_set_quiet(1);
	digest_init(&d, 5, 1.0);
	pglog_read_fd(fd, "fuzz", digest_add, &d, &c);
	digest_finish(&d);
	digest_print_text(&d, 0, null);
	digest_write_json(&d, 0, null);
	digest_release(&d);
	fclose(null);
	return 0;
}
