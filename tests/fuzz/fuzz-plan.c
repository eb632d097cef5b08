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
	struct plan p;
	struct plan_findings f;
	struct profile prof;
	FILE *null = fopen("/dev/null", "w");

	error_set_quiet(1);
	plan_init(&p);
	plan_parse(&p, (const char *)data, size, "fuzz");
	plan_find(&p, &f);
	plan_print_text(&p, &f, null);
	plan_write_json(&p, &f, null);
	plan_to_profile(&p, &prof);
	profile_release(&prof);
	plan_findings_release(&f);
	plan_release(&p);
	fclose(null);
	return 0;
}
