#include "core/compat.h"
#include "sys/perf_event.h"
#include "profile/profile.h"
#include <criterion/criterion.h>

Test(perf_event, callchain_context_markers)
{
	cr_assert(perf_callchain_is_context(PERF_CONTEXT_KERNEL));
	cr_assert(perf_callchain_is_context(PERF_CONTEXT_USER));
	cr_assert(perf_callchain_is_context((uint64_t)PERF_CONTEXT_MAX));
	cr_assert_not(perf_callchain_is_context(0xffffffff81000000ull));
	cr_assert_not(perf_callchain_is_context(0x7f0000001234ull));
}

/* Build a sample record the way the kernel lays it out. */
Test(perf_event, sample_parse)
{
	uint64_t buf[32];
	struct perf_event_header *h = (void *)buf;
	uint64_t *p = buf + 1;
	uint64_t type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP |
			PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN;
	struct perf_sample s;
	uint32_t pt[2] = {100, 101};

	*p++ = 7;      /* id */
	*p++ = 0x4000; /* ip */
	memcpy(p++, pt, 8);
	*p++ = 123456;	/* time */
	*p++ = 1;	/* cpu, res */
	*p++ = 1001001; /* period */
	*p++ = 3;
	*p++ = PERF_CONTEXT_USER;
	*p++ = 0x4000;
	*p++ = 0x5000;
	h->type = PERF_RECORD_SAMPLE;
	h->misc = 0;
	h->size = (uint16_t)((char *)p - (char *)buf);
	cr_assert_eq(perf_sample_parse(h, type, 0, &s), 0);
	cr_assert_eq(s.id, 7);
	cr_assert_eq(s.pid, 100);
	cr_assert_eq(s.tid, 101);
	cr_assert_eq(s.time, 123456);
	cr_assert_eq(s.cpu, 1);
	cr_assert_eq(s.period, 1001001);
	cr_assert_eq(s.nr, 3);
	cr_assert_eq(s.ips[2], 0x5000);
	/* A record cut short is refused, not read past its end. */
	h->size -= 16;
	cr_assert_eq(perf_sample_parse(h, type, 0, &s), -1);
}

Test(perf_event, root_frames)
{
	cr_assert(profile_is_root_frame("_start"));
	cr_assert(profile_is_root_frame("start_thread"));
	cr_assert(profile_is_root_frame("clone3"));
	cr_assert(profile_is_root_frame("__libc_start_main"));
	cr_assert(profile_is_root_frame("runtime.goexit.abi0"));
	cr_assert(profile_is_root_frame("runtime.mstart"));
	cr_assert_not(profile_is_root_frame("main"));
	cr_assert_not(profile_is_root_frame("qsort"));
}
