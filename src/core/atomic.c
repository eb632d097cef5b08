#include "core/compat.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/strbuf.h"

static struct atomic_file *open_files;

static void unregister(struct atomic_file *af)
{
	struct atomic_file **p;

	for (p = &open_files; *p; p = &(*p)->next_open) {
		if (*p == af) {
			*p = af->next_open;
			break;
		}
	}
}

void atomic_cleanup_signal_safe(void)
{
	struct atomic_file *af;

	for (af = open_files; af; af = af->next_open)
		if (af->tmp)
			unlink(af->tmp);
}

static void cleanup_at_exit(void)
{
	atomic_cleanup_signal_safe();
}

int atomic_open(struct atomic_file *af, const char *path)
{
	static int registered;
	struct strbuf tmp = STRBUF_INIT;
	mode_t mask;
	int fd;

	memset(af, 0, sizeof(*af));
	if (!path || !strcmp(path, "-")) {
		af->fp = stdout;
		af->is_stdout = 1;
		return 0;
	}
	strbuf_addf(&tmp, "%s.tmp-XXXXXX", path);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0) {
		error_errno("cannot create a file next to '%s'", path);
		strbuf_release(&tmp);
		return -1;
	}
	/* mkstemp() creates 0600; give the file the usual umask'd mode. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		error_errno("cannot open '%s'", tmp.buf);
		close(fd);
		unlink(tmp.buf);
		strbuf_release(&tmp);
		return -1;
	}
	/* Outputs are written in one go: a large buffer means few writes. */
	setvbuf(af->fp, NULL, _IOFBF, 1 << 20);
	af->tmp = strbuf_detach(&tmp, NULL);
	af->path = xstrdup(path);
	af->next_open = open_files;
	open_files = af;
	if (!registered) {
		atexit(cleanup_at_exit);
		registered = 1;
	}
	return 0;
}

int atomic_commit(struct atomic_file *af)
{
	int ret = 0;

	if (af->is_stdout) {
		if (fflush(stdout) || ferror(stdout))
			ret = error_errno("cannot write to standard output");
		af->fp = NULL;
		return ret;
	}
	if (!af->fp)
		return error("internal: commit of a closed file");
	if (fflush(af->fp) || ferror(af->fp))
		ret = error_errno("cannot write '%s'", af->path);
	if (fclose(af->fp) && !ret)
		ret = error_errno("cannot write '%s'", af->path);
	af->fp = NULL;
	if (!ret && rename(af->tmp, af->path))
		ret = error_errno("cannot rename '%s' to '%s'", af->tmp,
				  af->path);
	if (ret)
		unlink(af->tmp);
	unregister(af);
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
	return ret;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->is_stdout) {
		fflush(stdout);
		af->fp = NULL;
		return;
	}
	if (af->fp)
		fclose(af->fp);
	af->fp = NULL;
	if (af->tmp)
		unlink(af->tmp);
	unregister(af);
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
}

int atomic_write_file(const char *path, const void *data, size_t len)
{
	struct atomic_file af;

	if (atomic_open(&af, path) < 0)
		return -1;
	if (len && fwrite(data, 1, len, af.fp) != len) {
		error_errno("cannot write '%s'", path);
		atomic_abort(&af);
		return -1;
	}
	return atomic_commit(&af);
}
