#include "core/compat.h"
#include "cli/cli.h"
#include "core/atomic.h"
#include "flame/flame.h"
#include "profile/folded.h"
#include "profile/pprof.h"
#include "profile/speedscope.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcasecmp(s + ls - lx, suffix);
}

enum cli_out_format cli_out_format(const char *path)
{
	if (ends_with(path, ".svg"))
		return CLI_OUT_SVG;
	if (ends_with(path, ".pb.gz") || ends_with(path, ".pb") ||
	    ends_with(path, ".pprof"))
		return CLI_OUT_PPROF;
	if (ends_with(path, ".json"))
		return CLI_OUT_SPEEDSCOPE;
	if (ends_with(path, ".folded") || ends_with(path, ".txt") ||
	    ends_with(path, ".collapsed"))
		return CLI_OUT_FOLDED;
	return CLI_OUT_NONE;
}

int cli_write_profile(const struct profile *p, const char *path,
		      enum cli_out_format fmt, const struct flame_opts *fo,
		      const char *name)
{
	struct flame_opts defaults;
	struct atomic_file af;
	int r;

	if (!fo) {
		flame_opts_init(&defaults);
		fo = &defaults;
	}
	if (atomic_open(&af, path) < 0)
		return -1;
	switch (fmt) {
	case CLI_OUT_SVG:
		r = flame_write_svg(p, fo, af.fp);
		break;
	case CLI_OUT_PPROF:
		r = pprof_write(p, af.fp);
		break;
	case CLI_OUT_SPEEDSCOPE:
		r = speedscope_write(p, name, af.fp);
		break;
	default:
		r = folded_write(p, af.fp);
		break;
	}
	if (r < 0) {
		atomic_abort(&af);
		return -1;
	}
	return atomic_commit(&af);
}

int cli_check_output(const char *path)
{
	return atomic_check(path);
}
