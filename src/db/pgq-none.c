#include "core/compat.h"
#include "db/fingerprint.h"

/* Built instead of pgq.c without libpg_query: every statement gets the
 * pt-query-digest fingerprint. */
int sql_fingerprint(const char *sql, struct strbuf *fp, struct strbuf *norm)
{
	sql_fallback_fingerprint(sql, fp, norm);
	return -1;
}
