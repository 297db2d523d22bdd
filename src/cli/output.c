/*
 * output.c - writing a result file (--output, --summary) the way a shell
 * redirect would, but atomically where that is possible.
 *
 * A regular file is never written in place: the data goes to a temporary
 * file in the same directory, which takes the old file's mode (and owner,
 * when allowed) and is renamed over it, so a reader sees the old file or
 * the new one and a failed write (full disk, quota, a killed run) leaves
 * the old one whole. A symlink is written through: its final target is the
 * file replaced, the link stays. Anything that is not a regular file (a
 * device such as /dev/null, a FIFO, a socket, a terminal) is opened and
 * written as it is: renaming over it would turn /dev/null into a regular
 * file as root. /dev/stdout, /dev/stderr and /dev/fd/N name a descriptor
 * this process already has: that descriptor is written, whatever it is, so
 * `--output /dev/stdout > file` works for anyone and appends where the
 * shell said to.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* The descriptor a /dev/stdout-like path names, or -1. */
static int named_fd(const char *path)
{
	static const char *const prefix[] = {"/dev/fd/", "/proc/self/fd/"};
	size_t i;

	if (!strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		size_t n = strlen(prefix[i]);
		char *end;
		long fd;
		if (strncmp(path, prefix[i], n) || path[n] < '0' || path[n] > '9')
			continue;
		errno = 0;
		fd = strtol(path + n, &end, 10);
		if (!*end && !errno && fd <= INT_MAX)
			return (int)fd;
	}
	return -1;
}

/* Writes to something that is not a regular file, as it is. */
static int write_direct(const char *path, int fd, const char *data,
			size_t len, gv_error *err)
{
	int own = fd < 0, error = 0;

	if (own && (fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) < 0)
		return gv_error_set(err, GV_EIO, "%s: %s", path, strerror(errno));
	if (write_all(fd, data, len))
		error = gv_error_set(err, GV_EIO, "%s: %s", path, strerror(errno));
	if (own && close(fd) && !error)
		error = gv_error_set(err, GV_EIO, "%s: %s", path, strerror(errno));
	return error;
}

/* Creates the file a dangling symlink points at, as `>` would. */
static int write_direct_new(const char *path, const char *data, size_t len,
			    gv_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC,
		      0666), error = 0;

	if (fd < 0)
		return gv_error_set(err, GV_EIO, "%s: %s", path, strerror(errno));
	if (write_all(fd, data, len) || fsync(fd))
		error = gv_error_set(err, GV_EIO, "%s: %s", path, strerror(errno));
	if (close(fd) && !error)
		error = gv_error_set(err, GV_EIO, "%s: %s", path, strerror(errno));
	return error;
}

/* Replaces the regular file `path` (or creates it: st NULL) by a temporary
 * file and a rename. `shown` is the path the user gave, for messages. */
static int replace_file(const char *path, const struct stat *st,
			const char *shown, const char *data, size_t len,
			gv_error *err)
{
	gv_buf tmp = {0};
	int fd = -1, error = 0;
	mode_t mode;

	if (st) {
		mode = st->st_mode & 07777;
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if (gv_buf_printf(&tmp, "%s.tmp.XXXXXX", path)) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		error = gv_error_set(err, GV_EIO, "%s: %s", shown, strerror(errno));
		goto done;
	}
	/* the owner is kept when we may (root, or our own file); the group
	 * and mode follow it, as an editor saving a file keeps them */
	if (st && fchown(fd, st->st_uid, st->st_gid) &&
	    fchown(fd, (uid_t)-1, st->st_gid)) {
		/* neither: the file becomes ours, as any rewrite by us would */
	}
	if (write_all(fd, data, len) || fchmod(fd, mode) || fsync(fd)) {
		error = gv_error_set(err, GV_EIO, "%s: %s", shown, strerror(errno));
		goto done;
	}
	if (close(fd)) {
		fd = -1;
		error = gv_error_set(err, GV_EIO, "%s: %s", shown, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp.ptr, path))
		error = gv_error_set(err, GV_EIO, "%s: %s", shown, strerror(errno));
done:
	if (fd >= 0)
		close(fd);
	if (error && tmp.ptr)
		unlink(tmp.ptr);
	gv_buf_free(&tmp);
	return error;
}

int gv_write_atomic(const char *path, const char *data, size_t len,
		    gv_error *err)
{
	struct stat st;
	char *real = NULL;
	int fd = named_fd(path), error;

	if (fd >= 0)
		return write_direct(path, fd, data, len, err);
	if (lstat(path, &st)) {
		if (errno != ENOENT)
			return gv_error_set(err, GV_EIO, "%s: %s", path,
					    strerror(errno));
		return replace_file(path, NULL, path, data, len, err);
	}
	if (S_ISLNK(st.st_mode)) {
		/* written through: the file at the end of the links */
		if (!(real = realpath(path, NULL))) {
			if (errno != ENOENT)
				return gv_error_set(err, GV_EIO, "%s: %s", path,
						    strerror(errno));
			/* dangling: created where it points, as `>` would */
			return write_direct_new(path, data, len, err);
		}
		if (stat(real, &st)) {
			error = gv_error_set(err, GV_EIO, "%s: %s", path,
					     strerror(errno));
			goto done;
		}
	}
	if (S_ISDIR(st.st_mode))
		error = gv_error_set(err, GV_EIO, "%s: is a directory", path);
	else if (S_ISREG(st.st_mode))
		error = replace_file(real ? real : path, &st, path, data, len, err);
	else
		error = write_direct(real ? real : path, -1, data, len, err);
done:
	free(real);
	return error;
}
