#include "core/compat.h"
#include "core/atomic.h"
#include "core/error.h"
#include "core/strbuf.h"
#include <poll.h>

static struct atomic_file *open_files;

/* What an output path names, once its symbolic links are followed. */
struct target {
	enum { TARGET_FILE, TARGET_STREAM, TARGET_FD } kind;
	int fd;		    /* TARGET_FD: the descriptor named */
	int exists;	    /* TARGET_FILE: replacing a file */
	mode_t mode;	    /* its mode, kept by the new file */
	struct strbuf path; /* the last link's target */
};

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

/* The descriptor that /dev/stdout, /dev/fd/N or /proc/self/fd/N name. */
static int fd_name(const char *p)
{
	const char *n = NULL;
	char *end;
	long fd;

	if (!strcmp(p, "/dev/stdin"))
		return 0;
	if (!strcmp(p, "/dev/stdout"))
		return 1;
	if (!strcmp(p, "/dev/stderr"))
		return 2;
	if (!strncmp(p, "/dev/fd/", 8))
		n = p + 8;
	else if (!strncmp(p, "/proc/self/fd/", 14))
		n = p + 14;
	if (!n || !isdigit((unsigned char)*n))
		return -1;
	errno = 0;
	fd = strtol(n, &end, 10);
	if (*end || errno || fd > INT_MAX)
		return -1;
	return (int)fd;
}

/*
 * Follow the links of path's last component to what they name.  The
 * /dev/fd names are caught on the way: reopening them would truncate or
 * overwrite what the shell opened (`-o /dev/stdout >> log`), and renaming
 * over /dev/stdout would replace a device node.
 */
static int resolve(const char *path, struct target *t)
{
	struct stat st;
	int hops;

	memset(t, 0, sizeof(*t));
	strbuf_init(&t->path, 0);
	/* Else the temp file goes to "." and the rename fails after the work.
	 */
	if (!*path)
		return error("cannot write to an empty path: name a file (or - "
			     "for standard output)");
	strbuf_addstr(&t->path, path);
	for (hops = 0;; hops++) {
		char link[PATH_MAX];
		ssize_t n;
		char *slash;

		t->fd = fd_name(t->path.buf);
		if (t->fd >= 0) {
			t->kind = TARGET_FD;
			return 0;
		}
		if (lstat(t->path.buf, &st) < 0) {
			if (errno != ENOENT)
				return error_errno("cannot write '%s'", path);
			t->kind = TARGET_FILE;
			return 0;
		}
		if (!S_ISLNK(st.st_mode))
			break;
		if (hops == 40) {
			errno = ELOOP;
			return error_errno("cannot write '%s'", path);
		}
		n = readlink(t->path.buf, link, sizeof(link) - 1);
		if (n < 0)
			return error_errno("cannot read the link '%s'",
					   t->path.buf);
		link[n] = '\0';
		slash = strrchr(t->path.buf, '/');
		/* A relative link is relative to the link's directory. */
		if (link[0] != '/' && slash)
			strbuf_setlen(&t->path, slash + 1 - t->path.buf);
		else
			strbuf_reset(&t->path);
		strbuf_addstr(&t->path, link);
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return error_errno("cannot write '%s'", path);
	}
	t->kind = S_ISREG(st.st_mode) ? TARGET_FILE : TARGET_STREAM;
	t->exists = 1;
	t->mode = st.st_mode & 07777;
	/* rename() would replace a file the user may not write, which a
	 * shell's '>' refuses: refuse it too. */
	if (access(t->path.buf, W_OK) < 0)
		return error_errno("cannot write '%s'", path);
	return 0;
}

/* A descriptor named by /dev/fd/N must be open for writing. */
static int check_fd(int fd, const char *path)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		errno = EBADF;
		return error_errno("cannot write '%s'", path);
	}
	return 0;
}

/* Create the temporary file next to the target; returns its descriptor. */
static int create_tmp(const struct target *t, const char *path,
		      struct strbuf *tmp)
{
	const char *base = strrchr(t->path.buf, '/');
	mode_t mask;
	int fd;

	base = base ? base + 1 : t->path.buf;
	/* NAME.tmp-XXXXXX says what it is if a crash leaves it; a name
	 * too long for the suffix gets a short one in the same directory. */
	if (strlen(base) + 11 <= NAME_MAX)
		strbuf_addf(tmp, "%s.tmp-XXXXXX", t->path.buf);
	else
		strbuf_addf(tmp, "%.*s.perfops-XXXXXX",
			    (int)(base - t->path.buf), t->path.buf);
	fd = mkostemp(tmp->buf, O_CLOEXEC);
	if (fd < 0)
		return error_errno("cannot write '%s'", path);
	/* mkstemp() creates 0600: give the file the mode of the one it
	 * replaces, or the usual umask'd mode. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, t->exists ? t->mode : 0666 & ~mask);
	return fd;
}

int atomic_check(const char *path)
{
	struct strbuf tmp = STRBUF_INIT;
	struct target t;
	int fd, ret = 0;

	if (!path || !strcmp(path, "-"))
		return 0;
	if (resolve(path, &t) < 0) {
		ret = -1;
	} else if (t.kind == TARGET_FD) {
		ret = check_fd(t.fd, path);
	} else if (t.kind == TARGET_FILE) {
		fd = create_tmp(&t, path, &tmp);
		if (fd < 0) {
			ret = -1;
		} else {
			close(fd);
			unlink(tmp.buf);
		}
	}
	strbuf_release(&tmp);
	strbuf_release(&t.path);
	return ret;
}

int atomic_open(struct atomic_file *af, const char *path)
{
	static int registered;
	struct strbuf tmp = STRBUF_INIT;
	struct target t;
	int fd = -1;

	memset(af, 0, sizeof(*af));
	if (!path || !strcmp(path, "-")) {
		af->fp = stdout;
		af->is_stdout = 1;
		return 0;
	}
	if (resolve(path, &t) < 0)
		goto fail;
	switch (t.kind) {
	case TARGET_FD:
		if (t.fd == STDOUT_FILENO) {
			af->fp = stdout;
			af->is_stdout = 1;
			strbuf_release(&t.path);
			return 0;
		}
		if (check_fd(t.fd, path) < 0)
			goto fail;
		fd = fcntl(t.fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			error_errno("cannot write '%s'", path);
			goto fail;
		}
		break;
	case TARGET_STREAM:
		/* Written in place; a FIFO waits here for its reader. */
		fd = open(t.path.buf, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			error_errno("cannot write '%s'", path);
			goto fail;
		}
		break;
	case TARGET_FILE:
		fd = create_tmp(&t, path, &tmp);
		if (fd < 0)
			goto fail;
		af->tmp = strbuf_detach(&tmp, NULL);
		break;
	}
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		error_errno("cannot write '%s'", path);
		close(fd);
		if (af->tmp)
			unlink(af->tmp);
		free(af->tmp);
		af->tmp = NULL;
		goto fail;
	}
	/* Outputs are written in one go: a large buffer means few writes. */
	if (af->tmp)
		setvbuf(af->fp, NULL, _IOFBF, 1 << 20);
	af->path = xstrdup(path);
	af->target = strbuf_detach(&t.path, NULL);
	af->next_open = open_files;
	open_files = af;
	if (!registered) {
		atexit(cleanup_at_exit);
		registered = 1;
	}
	return 0;
fail:
	strbuf_release(&tmp);
	strbuf_release(&t.path);
	return -1;
}

static void release(struct atomic_file *af)
{
	unregister(af);
	free(af->tmp);
	free(af->path);
	free(af->target);
	af->tmp = af->path = af->target = NULL;
	af->fp = NULL;
}

int atomic_commit(struct atomic_file *af)
{
	int ret = 0;

	if (af->is_stdout) {
		if (fflush(stdout) || ferror(stdout)) {
			if (atomic_broken_pipe())
				errno = EPIPE;
			ret = error_errno("cannot write to standard output");
		}
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
	if (!ret && af->tmp && rename(af->tmp, af->target))
		ret = error_errno("cannot rename '%s' to '%s'", af->tmp,
				  af->target);
	if (ret && af->tmp)
		unlink(af->tmp);
	release(af);
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
	if (af->tmp)
		unlink(af->tmp);
	release(af);
}

/* A pipe or FIFO whose every reader has closed it polls as an error. */
static int reader_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

int atomic_broken_pipe(void)
{
	struct atomic_file *af;

	if (ferror(stdout) && reader_gone(STDOUT_FILENO))
		return 1;
	for (af = open_files; af; af = af->next_open)
		if (!af->tmp && af->fp && ferror(af->fp) &&
		    reader_gone(fileno(af->fp)))
			return 1;
	return 0;
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
