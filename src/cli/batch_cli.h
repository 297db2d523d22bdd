/*
 * batch_cli.h - `git-vitals batch [OPTIONS] MANIFEST`: the command line of a
 * batch (cmd_batch.c). See docs/BATCH.md.
 */
#ifndef GV_BATCH_CLI_H
#define GV_BATCH_CLI_H

#include "cli/cli.h"

/* What a batch is asked to do: the analysis options shared by every
 * repository (a manifest line and each repository's vitals.* config override
 * them) and the options of the batch itself. Strings are borrowed (argv). */
typedef struct gv_batch_settings {
	gv_settings base;       /* --rev, --all, --rules ... as a single run */
	const char *manifest;   /* a path, or "-" for stdin */
	unsigned jobs;          /* -j: worker threads, >= 1 */
	uint32_t shard_k;       /* --shard K/N; 0: the whole manifest */
	uint32_t shard_n;
	const char *summary;    /* --summary FILE, or NULL */
	int quiet;              /* --quiet: no progress, no warnings */
	/* The incremental cache (its own change reads these): --cache DIR, or
	 * NULL for the default directory; --no-cache disables it. */
	const char *cache_dir;
	int no_cache;
} gv_batch_settings;

/* `git-vitals batch`: argv after the subcommand name. Returns an exit code:
 * 0 every repository ran, 3 some failed or a manifest line was malformed,
 * 1 usage error, 2 the manifest or an output could not be read or written. */
int gv_cmd_batch(int argc, char **argv);

#endif
