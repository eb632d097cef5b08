/*
 * libFuzzer target: the pprof reader (gzip and raw protobuf), then every
 * writer and the report over whatever it accepted.
 */
#include "core/compat.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "profile/folded.h"
#include "profile/pprof.h"
#include "profile/report.h"
#include "profile/speedscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p;
	struct strbuf sb = STRBUF_INIT;
	struct report r;
	FILE *null = fopen("/dev/null", "w");

	error_set_quiet(1);
	profile_init(&p, 1);
	if (pprof_read(&p, (const char *)data, size, "fuzz") == 0) {
		pprof_encode(&p, &sb);
		speedscope_write(&p, "fuzz", null);
		folded_write(&p, null);
		report_compute(&p, p.main_value, REPORT_ALL, 0,
			       REPORT_SORT_TOTAL, &r);
		report_release(&r);
	}
	pprof_detect((const char *)data, size);
	strbuf_release(&sb);
	profile_release(&p);
	fclose(null);
	return 0;
}
