/*
 * libgit.h - libgit2's set-up and errors, shared by history.c and repo.c
 * (only these and their helpers include git2.h).
 */
#ifndef GV_LIBGIT_H
#define GV_LIBGIT_H

#include <git2.h>

#include "gv/common.h"

/* Initialises libgit2 once per process (no object cache, no re-hashing of
 * objects read) and never shuts it down. Call before any libgit2 call. */
void gv_libgit_init(void);
/* Sets err to "<what>: <libgit2's last error>"; returns code. */
int gv_git_fail(gv_error *err, int code, const char *what);
/* Opens the repository at or above path: "not a git repository" only when
 * there is none, libgit2's reason otherwise. */
int gv_git_open(git_repository **out, const char *path, gv_error *err);

#endif
