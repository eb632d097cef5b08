#include "core/compat.h"
#include "core/error.h"
#include "db/plan.h"

/* Built instead of plan-json.c when jansson is missing. */
int plan_parse_json(struct plan_list *l, const char *json, size_t len,
		    const char *name, const size_t *lineno, size_t nlines)
{
	(void)l, (void)json, (void)len, (void)lineno, (void)nlines;
	return error("%s: reading a JSON plan needs jansson; install "
		     "libjansson-dev and rebuild perfops",
		     name);
}
