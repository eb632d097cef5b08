#include "core/compat.h"
#include "core/error.h"
#include "diagnose/diagnose.h"

/*
 * A series as tab-separated text: a first line with the machine
 * ("# perfops diagnose series 1 ncpus=2 mem_total=... system=0 pid=N"), a
 * header
 * naming the columns, one row per sample.  Columns are found by name when
 * read, so a file keeps reading after columns are added.
 */
#define F_D(name)                                                              \
	{                                                                      \
#name, offsetof(struct diag_sample, name), 'd'                 \
	}
#define F_I(name)                                                              \
	{                                                                      \
#name, offsetof(struct diag_sample, name), 'i'                 \
	}
#define F_U(name)                                                              \
	{                                                                      \
#name, offsetof(struct diag_sample, name), 'u'                 \
	}
#define F_L(name)                                                              \
	{                                                                      \
#name, offsetof(struct diag_sample, name), 'l'                 \
	}

static const struct column {
	const char *name;
	size_t off;
	char type; /* d double, i int, u uint64_t, l long */
} columns[] = {
    F_D(t),
    F_D(dt),
    F_I(nprocs),
    F_I(nthreads),
    F_D(cpu),
    F_D(wait),
    F_D(top_demand),
    F_D(top_cpu),
    F_I(top_running),
    F_I(top_tid),
    F_I(busy_threads),
    F_I(st_run),
    F_I(st_disk),
    F_I(st_futex),
    F_I(st_net),
    F_I(st_sleep),
    F_D(t_disk),
    F_D(vcsw),
    F_D(ivcsw),
    F_D(minflt),
    F_D(majflt),
    F_D(read_bps),
    F_D(write_bps),
    F_D(syscalls),
    F_U(rss),
    F_U(pss),
    F_I(nfds),
    F_L(fd_limit),
    F_D(sys_busy),
    F_D(sys_iowait),
    F_D(sys_steal),
    F_D(load1),
    F_I(procs_running),
    F_I(procs_blocked),
    F_D(psi_cpu),
    F_D(psi_mem),
    F_D(psi_mem_full),
    F_D(psi_io),
    F_D(psi_io_full),
    F_U(mem_avail),
};

int diag_series_write(FILE *fp, const struct diag_series *s)
{
	size_t i, c;

	fprintf(fp,
		"# perfops diagnose series 1 ncpus=%d mem_total=%" PRIu64
		" system=%d pid=%d\n",
		s->ncpus, s->mem_total, s->system, s->pid);
	for (c = 0; c < ARRAY_SIZE(columns); c++)
		fprintf(fp, "%s%c", columns[c].name,
			c + 1 < ARRAY_SIZE(columns) ? '\t' : '\n');
	for (i = 0; i < s->n; i++) {
		const char *row = (const char *)&s->s[i];

		for (c = 0; c < ARRAY_SIZE(columns); c++) {
			const void *p = row + columns[c].off;

			switch (columns[c].type) {
			case 'd':
				fprintf(fp, "%.6g", *(const double *)p);
				break;
			case 'i':
				fprintf(fp, "%d", *(const int *)p);
				break;
			case 'u':
				fprintf(fp, "%" PRIu64, *(const uint64_t *)p);
				break;
			default:
				fprintf(fp, "%ld", *(const long *)p);
				break;
			}
			fputc(c + 1 < ARRAY_SIZE(columns) ? '\t' : '\n', fp);
		}
	}
	return ferror(fp) ? -1 : 0;
}

static int set_field(struct diag_sample *d, const struct column *col,
		     const char *text)
{
	char *end;
	void *p = (char *)d + col->off;

	errno = 0;
	switch (col->type) {
	case 'd':
		*(double *)p = strtod(text, &end);
		break;
	case 'i':
		*(int *)p = (int)strtol(text, &end, 10);
		break;
	case 'u':
		*(uint64_t *)p = strtoull(text, &end, 10);
		break;
	default:
		*(long *)p = strtol(text, &end, 10);
		break;
	}
	return end == text || *end || errno ? -1 : 0;
}

int diag_series_read(const char *path, struct diag_series *s)
{
	FILE *fp = fopen(path, "r");
	char line[4096];
	const struct column *map[ARRAY_SIZE(columns) + 8];
	size_t ncols = 0, lineno = 0;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!fp)
		return error_errno("cannot open '%s'", path);
	while (fgets(line, sizeof(line), fp)) {
		char *save = NULL, *tok;
		size_t col = 0;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (lineno == 1) {
			int pid = 0;

			if (sscanf(line,
				   "# perfops diagnose series 1 ncpus=%d "
				   "mem_total=%" SCNu64 " system=%d pid=%d",
				   &s->ncpus, &s->mem_total, &s->system,
				   &pid) < 3 ||
			    s->ncpus < 1) {
				error("%s:1: not a perfops diagnose series",
				      path);
				goto out;
			}
			s->pid = pid;
			continue;
		}
		if (lineno == 2) {
			for (tok = strtok_r(line, "\t", &save); tok;
			     tok = strtok_r(NULL, "\t", &save)) {
				size_t c;

				if (ncols == ARRAY_SIZE(map)) {
					error("%s:2: too many columns", path);
					goto out;
				}
				map[ncols] = NULL;
				for (c = 0; c < ARRAY_SIZE(columns); c++)
					if (!strcmp(columns[c].name, tok))
						map[ncols] = &columns[c];
				s->timed_states |= !strcmp(tok, "t_disk");
				ncols++;
			}
			continue;
		}
		ALLOC_GROW(s->s, s->n + 1, s->alloc);
		memset(&s->s[s->n], 0, sizeof(s->s[0]));
		for (tok = strtok_r(line, "\t", &save); tok;
		     tok = strtok_r(NULL, "\t", &save), col++) {
			if (col >= ncols) {
				error("%s:%zu: more fields than columns", path,
				      lineno);
				goto out;
			}
			if (map[col] && set_field(&s->s[s->n], map[col], tok)) {
				error("%s:%zu: column %zu: '%s' is not a "
				      "number",
				      path, lineno, col + 1, tok);
				goto out;
			}
		}
		s->n++;
	}
	if (ferror(fp)) {
		error_errno("cannot read '%s'", path);
		goto out;
	}
	if (lineno < 2) {
		error("%s: not a perfops diagnose series", path);
		goto out;
	}
	ret = 0;
out:
	fclose(fp);
	if (ret)
		diag_series_release(s);
	return ret;
}
