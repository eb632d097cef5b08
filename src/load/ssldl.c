#include "core/compat.h"
#include "load/ssldl.h"
#include "core/dlsyms.h"

struct ssldl ssldl;

#define SSLDL_NAME(f) #f,
static const char *const names[] = {SSLDL_FUNCS(SSLDL_NAME)};
#undef SSLDL_NAME
_Static_assert(sizeof(ssldl) == sizeof(names), "a name per entry");

int ssldl_load(void)
{
	static int state;

	/* dlsym() on libssl also finds libcrypto's functions (ERR_, X509_):
	 * libssl depends on it. */
	return dl_table(&state, "libssl.so.3", names, &ssldl, sizeof(ssldl),
			"libssl3 (TLS needs it)");
}
