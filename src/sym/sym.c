#include "core/compat.h"
#include "sym/sym.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <sys/auxv.h>

void unwind_proc_free(void *u);

void sym_init(struct symbolizer *sy, unsigned flags)
{
	memset(sy, 0, sizeof(*sy));
	sy->flags = flags;
	symtab_init(&sy->kernel);
}

void sym_release(struct symbolizer *sy)
{
	size_t i;

	for (i = 0; i < sy->nprocs; i++) {
		struct sym_proc *p = sy->procs[i];

		maps_release(&p->maps);
		symtab_release(&p->jit);
		if (p->perfmap_fd >= 0)
			close(p->perfmap_fd);
		unwind_proc_free(p->unwind);
		free(p->exe);
		free(p);
	}
	for (i = 0; i < sy->ndsos; i++)
		dso_free(sy->dsos[i]);
	for (i = 0; i < sy->nstripped; i++)
		free(sy->stripped_seen[i]);
	free(sy->stripped_seen);
	free(sy->procs);
	free(sy->dsos);
	symtab_release(&sy->kernel);
	memset(sy, 0, sizeof(*sy));
}

/* Processes are few (tens); a sorted array keeps lookups cheap enough. */
static size_t proc_index(const struct symbolizer *sy, int pid, int *found)
{
	size_t lo, hi = sy->nprocs;

	lo = PARTITION_POINT(hi, mid, sy->procs[mid]->pid < pid);
	*found = lo < sy->nprocs && sy->procs[lo]->pid == pid;
	return lo;
}

struct sym_proc *sym_proc(struct symbolizer *sy, int pid)
{
	int found;
	size_t i = proc_index(sy, pid, &found);
	struct sym_proc *p;

	if (found)
		return sy->procs[i];
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->jit_size = -1;
	p->perfmap_fd = -1;
	maps_init(&p->maps);
	symtab_init(&p->jit);
	ALLOC_GROW(sy->procs, sy->nprocs + 1, sy->procs_alloc);
	memmove(sy->procs + i + 1, sy->procs + i,
		(sy->nprocs - i) * sizeof(*sy->procs));
	sy->procs[i] = p;
	sy->nprocs++;
	return p;
}

int sym_proc_read_maps(struct symbolizer *sy, int pid)
{
	struct sym_proc *p = sym_proc(sy, pid);
	struct strbuf sb = STRBUF_INIT;
	char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	if (!p->exe) {
		char exe[PATH_MAX];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0)
			p->exe = xstrndup(exe, (size_t)n);
	}
	while (strbuf_getline(&sb, fp) == 0)
		maps_parse_line(&p->maps, sb.buf);
	fclose(fp);
	strbuf_release(&sb);
	p->alive_at_start = 1;
	return 0;
}

void sym_mmap(struct symbolizer *sy, int pid, uint64_t start, uint64_t len,
	      uint64_t pgoff, const char *path)
{
	struct sym_proc *p = sym_proc(sy, pid);

	/* The kernel maps the exec'd file first, then its interpreter. */
	if (p->exe_next && path[0] == '/') {
		free(p->exe);
		p->exe = xstrdup(path);
		p->exe_next = 0;
	}
	maps_insert(&p->maps, start, start + len, pgoff, path);
}

void sym_fork(struct symbolizer *sy, int ppid, int pid)
{
	struct sym_proc *child = sym_proc(sy, pid);
	struct sym_proc *parent = sym_proc(sy, ppid);

	/* sym_proc() may have moved the array, not the processes. */
	if (!child->maps.nr)
		maps_copy(&child->maps, &parent->maps);
	if (!child->exe && parent->exe)
		child->exe = xstrdup(parent->exe);
}

void sym_exec(struct symbolizer *sy, int pid)
{
	struct sym_proc *p = sym_proc(sy, pid);

	maps_release(&p->maps);
	symtab_release(&p->jit);
	symtab_init(&p->jit);
	p->jit_size = -1;
	/* The new program writes a map of its own. */
	if (p->perfmap_fd >= 0)
		close(p->perfmap_fd);
	p->perfmap_fd = -1;
	unwind_proc_free(p->unwind);
	p->unwind = NULL;
	free(p->exe);
	p->exe = NULL;
	p->exe_next = 1;
}

struct sym_map *sym_exe_map(struct symbolizer *sy, int pid)
{
	struct sym_proc *p = sym_proc(sy, pid);
	size_t i;

	for (i = 0; p->exe && i < p->maps.nr; i++)
		if (!strcmp(p->maps.v[i].path, p->exe))
			return &p->maps.v[i];
	return NULL;
}

const char *sym_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A file, not one of the kernel's names ("//anon", "[heap]", ...). */
static int is_file_path(const char *path)
{
	return path[0] == '/' && path[1] != '/';
}

/*
 * Where to open a mapped file: through the process's root (a container
 * sees its own /usr/lib), or through map_files when the file was
 * deleted or replaced after it was mapped.
 */
static void open_path(int pid, const struct sym_map *m, struct strbuf *sb)
{
	size_t len = strlen(m->path);
	struct stat st;

	strbuf_reset(sb);
	if (len > 10 && !strcmp(m->path + len - 10, " (deleted)")) {
		strbuf_addf(sb, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid,
			    m->start, m->end);
		if (!stat(sb->buf, &st))
			return;
		strbuf_reset(sb);
	}
	strbuf_addf(sb, "/proc/%d/root%s", pid, m->path);
	if (!stat(sb->buf, &st))
		return;
	strbuf_reset(sb);
	strbuf_addstr(sb, m->path);
}

static struct dso *find_dso(struct symbolizer *sy, const char *name,
			    const char *bid)
{
	size_t i;

	for (i = 0; i < sy->ndsos; i++) {
		struct dso *d = sy->dsos[i];

		if (bid && *bid ? !strcmp(d->build_id, bid)
				: name && !strcmp(d->name, name))
			return d;
	}
	return NULL;
}

static struct dso *vdso_dso(struct symbolizer *sy)
{
	struct dso *d = find_dso(sy, "[vdso]", NULL);
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	struct sym_maps self;
	struct sym_map *m;

	if (d)
		return d;
	/*
	 * Every process of this kernel has the same [vdso] image, so ours
	 * gives the symbols of the target's.
	 */
	maps_init(&self);
	if (base) {
		FILE *fp = fopen("/proc/self/maps", "re");
		struct strbuf sb = STRBUF_INIT;

		while (fp && strbuf_getline(&sb, fp) == 0)
			if (strstr(sb.buf, "[vdso]"))
				maps_parse_line(&self, sb.buf);
		if (fp)
			fclose(fp);
		strbuf_release(&sb);
	}
	m = base ? maps_find(&self, base) : NULL;
	if (m)
		d = dso_open_memory("[vdso]", (void *)base, m->end - m->start);
	else
		d = dso_open_memory("[vdso]", "", 0);
	maps_release(&self);
	ALLOC_GROW(sy->dsos, sy->ndsos + 1, sy->dsos_alloc);
	sy->dsos[sy->ndsos++] = d;
	return d;
}

/* Remember a stripped file that cost a frame; reported once at the end. */
static void warn_stripped(struct symbolizer *sy, const struct dso *d)
{
	size_t i;

	for (i = 0; i < sy->nstripped; i++)
		if (!strcmp(sy->stripped_seen[i], d->name))
			return;
	ALLOC_GROW(sy->stripped_seen, sy->nstripped + 1, sy->stripped_alloc);
	sy->stripped_seen[sy->nstripped++] = xstrdup(d->name);
}

void sym_report_stripped(const struct symbolizer *sy)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!sy->nstripped)
		return;
	for (i = 0; i < sy->nstripped && i < 4; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", sy->stripped_seen[i]);
	if (sy->nstripped > 4)
		strbuf_addf(&sb, " and %zu more", sy->nstripped - 4);
	warning("stripped, without debug symbols (their functions show as "
		"file+0xADDRESS): %s; install their -dbg/-dbgsym packages",
		sb.buf);
	strbuf_release(&sb);
}

static struct dso *map_dso(struct symbolizer *sy, int pid, struct sym_map *m)
{
	struct strbuf sb = STRBUF_INIT;
	char bid[41];
	struct dso *d;

	if (m->dso)
		return m->dso;
	if (!strcmp(m->path, "[vdso]"))
		return m->dso = vdso_dso(sy);
	if (!is_file_path(m->path))
		return NULL;
	d = find_dso(sy, m->path, NULL);
	if (!d) {
		open_path(pid, m, &sb);
		/* The same build-id under another path is the same file. */
		if (!dso_read_build_id(sb.buf, bid))
			d = find_dso(sy, NULL, bid);
		if (!d) {
			d = dso_open(m->path, sb.buf);
			ALLOC_GROW(sy->dsos, sy->ndsos + 1, sy->dsos_alloc);
			sy->dsos[sy->ndsos++] = d;
		}
	}
	strbuf_release(&sb);
	return m->dso = d;
}

int sym_locate(struct symbolizer *sy, int pid, uint64_t addr,
	       struct sym_loc *loc)
{
	struct sym_proc *p = sym_proc(sy, pid);
	struct sym_map *m = maps_find(&p->maps, addr);

	memset(loc, 0, sizeof(*loc));
	if (!m && !p->alive_at_start) {
		/* A record was lost or came late: ask /proc while we can. */
		p->alive_at_start = 1;
		sym_proc_read_maps(sy, pid);
		m = maps_find(&p->maps, addr);
	}
	if (!m)
		return -1;
	loc->map = m;
	loc->dso = map_dso(sy, pid, m);
	loc->addr = addr;
	loc->vaddr = addr;
	if (loc->dso && loc->dso->state == DSO_OK &&
	    dso_offset_to_vaddr(loc->dso, addr - m->start + m->pgoff,
				&loc->vaddr) < 0)
		loc->vaddr = addr - m->start + m->pgoff;
	return 0;
}

/*
 * Open a perf map, or -1.  /tmp is everyone's, and perfops often runs as
 * root: like perf, it reads only a regular file (not a symlink or a
 * hard link to /etc/shadow, nor a FIFO that would block) owned by root
 * or by the process's own user, and says once why it ignores another.
 */
static int open_perfmap(struct sym_proc *p, const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat proc;
	char dir[32];
	int gone = 0;

	/* O_NOFOLLOW: a symlink fails with ELOOP. */
	if (fd < 0 && errno != ELOOP)
		return -1;
	snprintf(dir, sizeof(dir), "/proc/%d", p->pid);
	/* One link: not a hard link to a file of root's put in /tmp. */
	if (fd >= 0 && !fstat(fd, st) && S_ISREG(st->st_mode) &&
	    st->st_nlink == 1) {
		gone = stat(dir, &proc) != 0;
		if (!st->st_uid || (!gone && st->st_uid == proc.st_uid))
			return fd;
	}
	if (fd >= 0)
		close(fd);
	if (!p->perfmap_refused && gone)
		warning("ignoring %s: process %d exited before its map was "
			"read, and the map is not root's: its owner cannot be "
			"checked",
			path, p->pid);
	else if (!p->perfmap_refused)
		warning("ignoring %s: not a regular file with one link, owned "
			"by root or by the user of process %d",
			path, p->pid);
	p->perfmap_refused = 1;
	return -2;
}

static void load_perfmap(struct sym_proc *p)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct stat st;
	int nspid = p->pid, fd;
	FILE *fp;

	/* The map is named after the pid inside the process's namespace. */
	strbuf_addf(&path, "/proc/%d/status", p->pid);
	fp = fopen(path.buf, "re");
	while (fp && strbuf_getline(&text, fp) == 0) {
		if (!strncmp(text.buf, "NSpid:", 6)) {
			const char *last = strrchr(text.buf, '\t');

			nspid = (int)strtol(last ? last + 1 : text.buf + 6,
					    NULL, 10);
		}
	}
	if (fp)
		fclose(fp);
	strbuf_reset(&path);
	strbuf_addf(&path, "/proc/%d/root/tmp/perf-%d.map", p->pid, nspid);
	/*
	 * Samples are symbolized after the events, often after the process
	 * exited, and a dead process has no /proc/PID to check the owner
	 * of its map against: the map found safe once is kept open and read
	 * again from there.
	 */
	fd = p->perfmap_fd;
	if (fd >= 0 && fstat(fd, &st))
		goto out;
	if (fd < 0)
		fd = open_perfmap(p, path.buf, &st);
	if (fd == -1) {
		strbuf_reset(&path);
		strbuf_addf(&path, "/tmp/perf-%d.map", p->pid);
		fd = open_perfmap(p, path.buf, &st);
	}
	if (fd < 0)
		goto out;
	p->perfmap_fd = fd;
	if ((long long)st.st_size == p->jit_size)
		goto out;
	strbuf_reset(&text);
	if (lseek(fd, 0, SEEK_SET) || strbuf_read_fd(&text, fd, path.buf) < 0)
		goto out;
	p->jit_size = (long long)st.st_size;
	symtab_release(&p->jit);
	symtab_init(&p->jit);
	symtab_parse_perfmap(&p->jit, text.buf, text.len);
	symtab_sort(&p->jit);
out:
	strbuf_release(&path);
	strbuf_release(&text);
}

size_t sym_frames(struct symbolizer *sy, int pid, const struct sym_loc *loc,
		  uint64_t addr, struct dso_frame *out, size_t max)
{
	const struct sym_symbol *s;
	struct sym_proc *p;

	if (loc->dso && loc->dso->state == DSO_OK) {
		size_t n = dso_frames(loc->dso, loc->vaddr,
				      !(sy->flags & SYM_NO_INLINE),
				      !(sy->flags & SYM_NO_LINES), out, max);

		/* Say so only when the missing symbols cost a name. */
		if ((!n || out[n - 1].unnamed) && loc->dso->stripped)
			warn_stripped(sy, loc->dso);
		return n;
	}
	if (loc->dso || !max)
		return 0;
	/* Anonymous executable memory: JIT code, named by a perf map. */
	p = sym_proc(sy, pid);
	s = symtab_find(&p->jit, addr, 0);
	if (!s) {
		load_perfmap(p);
		s = symtab_find(&p->jit, addr, 0);
	}
	if (!s)
		return 0;
	out[0] = (struct dso_frame){s->name, NULL, 0, 0};
	return 1;
}

const char *sym_kernel(struct symbolizer *sy, uint64_t addr)
{
	const struct sym_symbol *s;

	if (!sy->kernel_state) {
		struct strbuf sb = STRBUF_INIT;

		sy->kernel_state = -1;
		if (strbuf_read_file(&sb, "/proc/kallsyms") == 0 &&
		    symtab_parse_kallsyms(&sy->kernel, sb.buf, sb.len,
					  &sy->kptr_hidden) &&
		    !sy->kptr_hidden) {
			symtab_sort(&sy->kernel);
			sy->kernel_state = 1;
		}
		strbuf_release(&sb);
	}
	if (sy->kernel_state < 0)
		return NULL;
	s = symtab_find(&sy->kernel, addr, 1 << 20);
	return s ? s->name : NULL;
}
