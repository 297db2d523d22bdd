/*
 * batch.h - many repositories in one run: the manifest that lists them with
 * their own settings, the shard a path falls in, an ordered worker pool, and
 * the summary document that aggregates the batch.
 *
 * The pool knows nothing about repositories: it runs job i for i = 0..n-1 on
 * N threads and hands each job's output back on the calling thread in index
 * order, whatever the completion order. So a batch's output is the same for
 * every N, and it streams: at most a window of finished outputs (a few per
 * thread) waits for a slower earlier job.
 *
 * The manifest format is documented in docs/BATCH.md. Parsing it never fails
 * for a bad line: the line is recorded as a problem (with its line number)
 * and skipped, so the rest of the batch runs.
 */
#ifndef GV_BATCH_H
#define GV_BATCH_H

#include "gv/analysis.h"
#include "gv/catalogue.h"
#include "gv/common.h"

/* One repository of the manifest. Strings are owned by the manifest and
 * NUL-terminated (a line holding a NUL byte is a problem, not an entry). */
typedef struct gv_manifest_entry {
	size_t line;            /* 1-based line number in the manifest */
	char *path;             /* unquoted, otherwise exactly as written */
	char *name;             /* name=, or else the path's last component */
	char **revs;            /* rev= values in order (repeatable) */
	size_t nrevs;
	int all;                /* all=: 1 or 0; -1 when not given */
	char *release_pattern;  /* release-pattern=; NULL when not given */
	char *since, *until;    /* since=, until=; NULL when not given */
} gv_manifest_entry;

/* A malformed line: skipped, reported by the caller. */
typedef struct gv_manifest_problem {
	size_t line;
	char *path;     /* the path when it could be read (for --shard), or NULL */
	char *message;  /* "unterminated quote", "unknown key 'x'", ... */
} gv_manifest_problem;

typedef struct gv_manifest {
	gv_manifest_entry *entries;     /* in manifest order */
	size_t count, alloc;
	gv_manifest_problem *problems;  /* in manifest order */
	size_t nproblems, palloc;
} gv_manifest;

/* Parses `len` bytes of manifest text into m (zero it first, free with
 * gv_manifest_free()). Fails only on allocation failure; malformed lines
 * become problems. */
int gv_manifest_parse(gv_manifest *m, const char *data, size_t len,
		      gv_error *err);
void gv_manifest_free(gv_manifest *m);

/* --shard K/N: parses "K/N" with 1 <= K <= N. GV_EUSAGE otherwise. */
int gv_shard_parse(uint32_t *k, uint32_t *n, const char *spec, gv_error *err);
/* The shard (1..n) of a path: FNV-1a 64 of its bytes as written, mod n,
 * plus 1. A contract: it never changes between versions, so independent
 * machines agree on the split. */
uint32_t gv_shard_of(const char *path, size_t len, uint32_t n);
/* Keeps only the entries (and the problems) in shard k of n. A problem
 * without a path has no shard: it stays in shard 1 only, so each malformed
 * line is reported exactly once across the shards. */
void gv_manifest_shard(gv_manifest *m, uint32_t k, uint32_t n);

/* The ordered pool. `run` is called on a worker thread for each index and
 * appends its output to `out`; a nonzero return (e.g. GV_ENOMEM) is fatal:
 * no new job starts and gv_batch_run returns it. A job that merely fails for
 * its repository should write that into its output and return 0. `emit` is
 * called on the calling thread, in index order, with each output; nonzero
 * stops the batch the same way. `progress`, when not NULL, is called on the
 * calling thread after jobs finish, with how many have finished. */
typedef struct gv_batch_opts {
	size_t njobs;
	unsigned threads;  /* >= 1; more than njobs are not started */
	int (*run)(void *payload, size_t i, gv_buf *out, gv_error *err);
	int (*emit)(void *payload, size_t i, const gv_buf *out, gv_error *err);
	void (*progress)(void *payload, size_t done, size_t total);
	void *payload;
} gv_batch_opts;

int gv_batch_run(const gv_batch_opts *opts, gv_error *err);

/*
 * The fleet summary (`git-vitals summary FILE...`, `batch --summary FILE`):
 * one row per repository, read back from its NDJSON report line, so shards
 * merged in any order give the summary of one unsharded batch. A row holds
 * a cell per metric catalogue entry (catalogue.h), by the entry's index;
 * fleet medians are computed here, once, for every output format.
 */
typedef struct gv_summary_cell {
	double value;
	int8_t has;           /* 0: null (no value, or the repository failed) */
	int8_t level;         /* a DORA level entry: enum gv_level */
	int8_t insufficient;
} gv_summary_cell;

typedef struct gv_summary_row {
	char *name, *path;    /* owned, valid UTF-8 */
	int error;            /* 0, or the GV_E* code the repository failed with */
	char *message;        /* the failure, or NULL */
	gv_summary_cell cells[GV_CATALOGUE_MAX];
	size_t ncells;        /* the catalogue's count */
} gv_summary_row;

/* Fills the row of a repository from its metrics (a not NULL) or its
 * failure (a NULL, error and message set). Free with gv_summary_row_clear(). */
int gv_summary_row_set(gv_summary_row *row, const char *name, const char *path,
		       const gv_analysis *a, int error, const char *message,
		       gv_error *err);
/* Fills the row from one line of batch output (a report or an error line,
 * `len` bytes). GV_EINPUT when it is neither. */
int gv_summary_row_parse(gv_summary_row *row, const char *line, size_t len,
			 gv_error *err);
void gv_summary_row_clear(gv_summary_row *row);
/* Sorts rows by name, then path (bytes), so the order does not depend on
 * how the batch was sharded. */
void gv_summary_sort(gv_summary_row *rows, size_t n);
/* The fleet-wide nearest-rank median of each GV_METRIC_FLEET entry that is
 * not a count, over the rows that have a value (null when none has): cells
 * by catalogue index, GV_CATALOGUE_MAX of them. */
int gv_summary_fleet(gv_summary_cell *out, const gv_summary_row *rows,
		     size_t n, gv_error *err);

/* Appends the summary document (pretty JSON, ending in "\n") of `n` rows
 * plus the manifest's problems (m may be NULL) to out. */
int gv_summary_json(gv_buf *out, const gv_summary_row *rows, size_t n,
		    const gv_manifest *m, gv_error *err);

#endif
