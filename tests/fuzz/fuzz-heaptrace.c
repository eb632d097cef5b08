/* libFuzzer target: the heap trace reader and the analysis of what it
 * reads (replay, peak, leaks, frames named by address). */
#include "core/compat.h"
#include "core/error.h"
#include "heap/analyze.h"
#include "heap/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct heap_analyze_opts o = {0, NULL, 10, 0};
	struct heap_trace t;
	struct heap_analysis a;

	error_set_quiet(1);
	heap_trace_init(&t);
	if (heap_trace_parse(&t, "fuzz", data, size) == 0) {
		heap_analyze(&a, &t, &o);
		heap_analysis_release(&a);
	}
	heap_trace_release(&t);
	return 0;
}
