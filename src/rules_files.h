/*
 * rules_files.h - reading the inputs of the rule engine (rule files, OSV
 * records): a whole file, or every file of a directory with a given
 * extension, in name order so that runs are reproducible. Implemented in
 * rules.c; used by rules.c and advisories.c.
 */
#ifndef GV_RULES_FILES_H
#define GV_RULES_FILES_H

#include "gv/common.h"

/* Appends the whole file to out. Only a regular file is opened (never
 * blocking on a FIFO): GV_EINPUT for anything else, GV_EIO naming the path
 * when it cannot be read, GV_ENOMEM. */
int gv_rules_read_file(gv_buf *out, const char *path, gv_error *err);

/* Calls fn(payload, file, err) for `path` when it is a file, or for every
 * file of the directory `path` whose name ends in `ext` (".rules"), sorted
 * by name; hidden files and what is not a regular file (FIFOs, devices,
 * sockets, directories) are skipped. Stops at the first error fn returns.
 * A directory with no such file is GV_EINPUT when `need_one` is set. */
int gv_rules_each_file(const char *path, const char *ext, int need_one,
		       int (*fn)(void *payload, const char *file,
				 gv_error *err),
		       void *payload, gv_error *err);

#endif
