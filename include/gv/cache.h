/*
 * cache.h - the incremental cache: per repository, every commit seen before
 * (id, times, parent ids) with its classification, so that the next run reads
 * only the commit objects it has not seen.
 *
 * An entry is keyed by commit id and never goes stale (a commit's content is
 * its id); a rewritten history simply finds fewer entries reachable. What
 * shaped the classifications (build, rules, advisories, .mailmap) is the
 * cache key: when it differs, the whole file is ignored. A truncated, corrupt
 * or foreign file is detected (magic, version, key, a checksum of every
 * byte, then every structure checked) and ignored with a warning; a cache
 * that cannot be written is a warning too: the numbers are never wrong, and
 * the run never fails, because of the cache.
 */
#ifndef GV_CACHE_H
#define GV_CACHE_H

#include "gv/common.h"
#include "gv/history.h"

typedef struct gv_cache_key {
	uint64_t build;       /* a hash of the tool's build */
	uint64_t rules;       /* gv_rules_hash() of the rule set */
	uint64_t advisories;  /* a hash of the advisory files' bytes */
	uint64_t mailmap;     /* gv_repo_mailmap_hash() */
} gv_cache_key;

typedef struct gv_cache gv_cache;

/* Restores a classification from its cached bytes (see gv_cache_save). */
typedef int (*gv_cache_restore_cb)(void *payload, gv_idx commit,
				   const void *data, size_t len);
/* Appends commit i's classification to out; what restore gets back. */
typedef int (*gv_cache_blob_cb)(void *payload, gv_idx commit, gv_buf *out);

/* Opens the cache of the repository at repo_path in dir (the file is named
 * by a hash of the repository's real path). A missing file is an empty
 * cache; an unusable one (unreadable, not a regular file, a symlink,
 * corrupt) is an empty cache and a "cache-ignored" warning. `warnings`
 * must outlive the cache: later calls add to it. Errors only for what the
 * caller must hear (out of memory, a repo_path that does not exist).
 * Caller frees with gv_cache_free(). */
int gv_cache_open(gv_cache **out, const char *dir, const char *repo_path,
		  const gv_cache_key *key, gv_warnings *warnings,
		  gv_error *err);
void gv_cache_free(gv_cache *c);

/* How many commits the cache holds. */
size_t gv_cache_count(const gv_cache *c);

/* 1 when the file already holds exactly the history h (same state of the
 * refs, see gv_history_state): saving it again would change nothing. */
int gv_cache_holds(const gv_cache *c, const gv_history *h);

/* 1 when h should be saved: it read commits the file does not have, or its
 * refs are in a state the file does not hold. */
int gv_cache_needs_save(const gv_cache *c, const gv_history *h);

/* Fills a history seed that serves the cached commits and restores each
 * one's classification through `restore`: the whole history when the refs
 * are as they were when it was saved, else commit by commit as the walk
 * meets them. The cache must outlive the load. */
void gv_cache_seed(gv_cache *c, gv_history_seed *seed,
		   gv_cache_restore_cb restore, void *payload);

/* Writes the cache atomically (temporary file + rename): the history as
 * loaded (with the state of its refs, its tags and HEAD), plus the cached
 * commits the history no longer reaches unless they have grown past a
 * quarter of the file, when they are pruned. Temporaries of this file that
 * a killed run left (older than an hour) are removed first. A directory or
 * file that cannot be written is a "cache-unwritable" warning and 0; errors
 * only for out of memory. */
int gv_cache_save(gv_cache *c, const gv_history *h, gv_cache_blob_cb blob,
		  void *payload, gv_error *err);

/* The checksum a cache file of len bytes must carry in its last header
 * field (bytes 192..199): for the tests that forge files with a valid
 * checksum and must still see them refused. */
uint64_t gv_cache_checksum(const unsigned char *data, size_t len);

/* Checks the bytes of a cache file as gv_cache_open does (for the
 * repository whose real path is `real`, under `key`): NULL when they would
 * be used, else why not ("" when only the key differs). The loader from
 * bytes, for the fuzz target. */
const char *gv_cache_check(const unsigned char *data, size_t len,
			   const char *real, const gv_cache_key *key);

/* The default cache directory: $XDG_CACHE_HOME/git-vitals, or
 * ~/.cache/git-vitals. Caller frees with free(); NULL when neither is set. */
char *gv_cache_default_dir(void);

#endif
