#include "core/compat.h"
#include "core/error.h"
#include "load/targets.h"

/* Built instead of targets-json.c when jansson is missing. */
int load_targets_add_json(struct load_targets *ts, const char *line,
			  const char *path, size_t lineno)
{
	(void)ts;
	(void)line;
	return error("%s:%zu: JSON targets need perfops built with jansson "
		     "(libjansson-dev); use the http format",
		     path, lineno);
}
