#include "core/compat.h"
#include "core/strbuf.h"
#include "db/fingerprint.h"
#include <pg_query.h>

int sql_fingerprint(const char *sql, struct strbuf *fp, struct strbuf *norm)
{
	PgQueryFingerprintResult f = pg_query_fingerprint(sql);
	PgQueryNormalizeResult n;
	int ret = -1;

	if (!f.error && f.fingerprint_str) {
		n = pg_query_normalize(sql);
		if (!n.error && n.normalized_query) {
			strbuf_reset(fp);
			strbuf_addstr(fp, f.fingerprint_str);
			strbuf_reset(norm);
			strbuf_addstr(norm, n.normalized_query);
			strbuf_trim(norm);
			while (norm->len && norm->buf[norm->len - 1] == ';')
				strbuf_setlen(norm, norm->len - 1);
			ret = 0;
		}
		pg_query_free_normalize_result(n);
	}
	pg_query_free_fingerprint_result(f);
	if (ret < 0)
		sql_fallback_fingerprint(sql, fp, norm);
	return ret;
}
