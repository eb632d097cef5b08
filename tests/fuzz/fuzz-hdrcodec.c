/* libFuzzer target: the HdrHistogram V2 decoder of interval logs. */
#include "core/compat.h"
#include "core/hist.h"
#include "core/strbuf.h"
#include "load/hdrcodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, again = STRBUF_INIT;
	struct hist h;

	if (!hdrcodec_decode(&h, (const char *)data, size, &err)) {
		/* What decodes must encode and percentile without trouble. */
		hist_percentile(&h, 99.9);
		hist_mean(&h);
		hdrcodec_encode(&h, &again);
		hist_release(&h);
	}
	strbuf_release(&err);
	strbuf_release(&again);
	return 0;
}
