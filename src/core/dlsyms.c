#include "core/compat.h"
#include "core/dlsyms.h"
#include "core/error.h"
#include <dlfcn.h>

int dl_table(int *state, const char *soname, const char *const *names,
	     void *table, size_t size, const char *pkg)
{
	size_t i, n = size / sizeof(void *);
	void *h;

	if (*state)
		return *state > 0 ? 0 : -1;
	*state = -1;
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return error("cannot load %s (%s); install %s", soname,
			     dlerror(), pkg);
	for (i = 0; i < n; i++) {
		void *f;

		assert(names[i]);
		f = dlsym(h, names[i]);
		if (!f) {
			dlclose(h);
			return error("%s has no %s; install a newer %s", soname,
				     names[i], pkg);
		}
		memcpy((char *)table + i * sizeof(f), &f, sizeof(f));
	}
	*state = 1;
	return 0;
}
