#ifndef PERFOPS_PROFILE_READ_H
#define PERFOPS_PROFILE_READ_H

#include "profile/profile.h"

/*
 * Reading any profile perfops understands into the profile model, with the
 * format detected from the content: `perf script` text (folded on the fly
 * with the rules of stackcollapse-perf.pl), folded stacks with one or two
 * counts per line, and pprof (gzip or raw protobuf).  "-" reads stdin.
 */
enum profile_format {
	PROFILE_FMT_AUTO = 0,
	PROFILE_FMT_PERF_SCRIPT,
	PROFILE_FMT_FOLDED,
	PROFILE_FMT_PPROF,
};

enum collapse_flags {
	COLLAPSE_PID = 1 << 0,	  /* root frame comm-PID */
	COLLAPSE_TID = 1 << 1,	  /* root frame comm-PID/TID */
	COLLAPSE_KERNEL = 1 << 2, /* _[k] after kernel frames */
	COLLAPSE_JIT = 1 << 3,	  /* _[j] after perf-PID.map frames */
	COLLAPSE_ADDRS = 1 << 4,  /* [unknown <ADDR>] for unknown symbols */
};

struct read_opts {
	enum profile_format format;
	unsigned collapse_flags;  /* enum collapse_flags, for perf script */
	const char *event_filter; /* only this event; NULL = the first seen */
	/* pprof: the sample type to keep as main value (NULL = default). */
	const char *sample_type;
};

#define READ_OPTS_INIT                                                         \
	{                                                                      \
		PROFILE_FMT_AUTO, 0, NULL, NULL                                \
	}

/*
 * Read path into p, which the reader initialises (the caller releases it
 * even on error).  Reports its own errors (with file and line) and returns
 * -1; what was read before a bad line stays in p.
 */
int profile_read_file(struct profile *p, const char *path,
		      const struct read_opts *opts);

/* The same from a buffer in memory (name is used in messages). */
int profile_read_buffer(struct profile *p, const char *data, size_t len,
			const char *name, const struct read_opts *opts);

/* Guess the format from the first bytes of the input. */
enum profile_format profile_detect(const char *data, size_t len);

#endif
