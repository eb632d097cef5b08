/* libFuzzer target: the EXPLAIN plan readers (text as pasted, and JSON),
 * the derived figures, the findings and every output. */
#include "core/compat.h"
#include "core/error.h"
#include "db/findings.h"
#include "db/plan-report.h"
#include "db/plan.h"
#include "profile/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan_list l = {0};
	FILE *null = fopen("/dev/null", "w");
	size_t i;

	error_set_quiet(1);
	/* Every plan of the input: a paste may hold several. */
	plan_parse_list(&l, (const char *)data, size, "fuzz", 0);
	for (i = 0; i < l.n; i++) {
		struct plan_findings f;
		struct profile prof;

		plan_find(&l.v[i], &f);
		plan_print_text(&l.v[i], &f, null);
		plan_write_json(&l.v[i], &f, null);
		plan_to_profile(&l.v[i], &prof);
		profile_release(&prof);
		plan_findings_release(&f);
	}
	plan_list_release(&l);
	fclose(null);
	return 0;
}
