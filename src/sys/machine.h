#ifndef PERFOPS_SYS_MACHINE_H
#define PERFOPS_SYS_MACHINE_H

/*
 * What a benchmark result depends on besides the code: read from procfs,
 * sysfs and uname(); a field that cannot be read is left empty (or -1).
 */
struct machine_info {
	char cpu_model[128];
	int cores;	   /* online CPUs */
	char kernel[200];  /* "Linux 6.1.0 x86_64" */
	char governor[32]; /* cpufreq governor of cpu0, "" when absent */
	double load[3];	   /* 1, 5, 15 minute load averages; -1 unknown */
};

void machine_info_read(struct machine_info *m);

#endif
