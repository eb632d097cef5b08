#include "core/compat.h"
#include "sys/machine.h"
#include <sys/utsname.h>

/* The first line of a small file, without its newline; 0 or -1. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");
	int ret = -1;

	if (!fp)
		return -1;
	if (fgets(buf, (int)size, fp)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(fp);
	return ret;
}

static void read_cpu_model(char *buf, size_t size)
{
	FILE *fp = fopen("/proc/cpuinfo", "r");
	char line[512];

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *colon = strchr(line, ':');

		/* x86 says "model name", arm64 may only say "CPU part". */
		if (colon && (!strncmp(line, "model name", 10) ||
			      !strncmp(line, "Processor", 9))) {
			colon++;
			while (*colon == ' ' || *colon == '\t')
				colon++;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, size, "%s", colon);
			break;
		}
	}
	fclose(fp);
}

void machine_info_read(struct machine_info *m)
{
	struct utsname u;
	long n;

	memset(m, 0, sizeof(*m));
	read_cpu_model(m->cpu_model, sizeof(m->cpu_model));
	n = sysconf(_SC_NPROCESSORS_ONLN);
	m->cores = n > 0 ? (int)n : -1;
	if (!uname(&u))
		snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.sysname,
			 u.release, u.machine);
	if (read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
		      m->governor, sizeof(m->governor)))
		m->governor[0] = '\0';
	if (getloadavg(m->load, 3) != 3)
		m->load[0] = m->load[1] = m->load[2] = -1;
}
