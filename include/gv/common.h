/*
 * common.h - errors, warnings and small shared types of git-vitals.
 *
 * Every fallible function returns an int: 0 (GV_OK) on success or a negative
 * GV_E* code, and fills the gv_error the caller passed (which may be NULL)
 * with a message a user can act on. Library code never prints and never exits;
 * only src/cli/ turns an error into a message and an exit code.
 *
 * Warnings are what a run skipped or doubted (a tag at a blob, a shallow
 * history, an unresolved ref). They are collected, de-duplicated by code, and
 * land in the report so that tools that never see stderr still know.
 */
#ifndef GV_COMMON_H
#define GV_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define GV_OK 0
enum {
	GV_EUSAGE = -1,   /* bad option or argument: exit 1 */
	GV_EREPO = -2,    /* not a repository, corrupt or missing object: exit 2 */
	GV_EINPUT = -3,   /* bad rule file, advisory, manifest: exit 2 */
	GV_ENOMEM = -4,
	GV_EIO = -5,      /* a file could not be read or written */
	GV_ENOTFOUND = -6,
	GV_EAMBIGUOUS = -7,
	GV_ELIMIT = -8,   /* a regex hit its match or depth limit */
	GV_EINTERNAL = -9
};

/* Index of a commit in a gv_history: dense, 0..count-1. */
typedef uint32_t gv_idx;
#define GV_NONE ((gv_idx)UINT32_MAX)

typedef struct gv_error {
	int code;
	char msg[512];
} gv_error;

/* printf-style; sets err (if not NULL) and returns code, so callers can write
 * `return gv_error_set(err, GV_EREPO, "%s: not a repository", path);` */
int gv_error_set(gv_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
void gv_error_clear(gv_error *err);
/* Prefix the existing message with "<prefix>: ". */
void gv_error_prefix(gv_error *err, const char *prefix);

/* A warning: `code` is a stable identifier (e.g. "tag-not-commit"), `message`
 * a sentence for people, `count` how many times it happened. */
typedef struct gv_warning {
	char *code;
	char *message;
	uint64_t count;
	char *key;      /* the example's sort key (gv_warnings_add_keyed) */
} gv_warning;

typedef struct gv_warnings {
	gv_warning *items;
	size_t count, alloc;
} gv_warnings;

/* Adds one occurrence of `code`. The first message given for a code is kept;
 * later calls with the same code only raise its count. */
int gv_warnings_add(gv_warnings *w, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
int gv_warnings_add_n(gv_warnings *w, const char *code, uint64_t n, const char *msg);
/* Like gv_warnings_add, but the message kept is the one whose `key` sorts
 * first (byte order), not the first one added: for warnings that cite an
 * example found while walking commits in an order that varies between runs
 * (commit indexes depend on how reading threads interleave). */
int gv_warnings_add_keyed(gv_warnings *w, const char *code, const char *key,
			  const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
void gv_warnings_free(gv_warnings *w);

/* A growable byte buffer; always NUL-terminated when len > 0. */
typedef struct gv_buf {
	char *ptr;
	size_t len, alloc;
} gv_buf;

int gv_buf_put(gv_buf *b, const char *data, size_t len);
int gv_buf_puts(gv_buf *b, const char *s);
int gv_buf_printf(gv_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void gv_buf_free(gv_buf *b);

/* Appends `len` bytes of `s` to `out` as valid UTF-8: each invalid sequence
 * (bad lead byte, truncated, overlong, surrogate, > U+10FFFF) becomes U+FFFD,
 * and NUL bytes become U+FFFD too so the result is a C string. */
int gv_utf8_sanitize(gv_buf *out, const char *s, size_t len);
/* Caller frees with free(). NULL on allocation failure. */
char *gv_utf8_dup(const char *s, size_t len);

/* The dates git-vitals believes: 1970-01-01T00:00:00Z to
 * 9999-12-31T23:59:59Z. A commit or tag date outside them is a bad date
 * (GV_COMMIT_BAD_DATE, the "bad-date" warning), kept out of every duration,
 * so that a difference of two times always fits an int64 many times over. */
#define GV_TIME_MIN INT64_C(0)
#define GV_TIME_MAX INT64_C(253402300799)
/* The longest span --since/--until/--hotfix-window accept: 10000y (of 365
 * days), longer than the whole range above. */
#define GV_SPAN_MAX (INT64_C(10000) * 365 * 86400)

/* Formats a Unix time as "2024-05-01T12:00:00Z" into buf (>= 32 bytes).
 * Works for any int64 time that fits a 4-digit-or-wider proleptic year. */
void gv_time_iso(char *buf, size_t size, int64_t t);
/* Parses "2024-01-31", "2024-01-31T12:00:00Z", "2024-01-31T12:00:00+02:00",
 * "2024-01-31 12:00:00 -0500". Returns 0 and sets *out (UTC seconds). */
int gv_time_parse_iso(int64_t *out, const char *s);
/* Parses a span "90d", "12w", "6m", "1y", "36h", "30min", "45s" (m = 30 days,
 * y = 365 days; "min" for minutes). Returns 0 and sets *out in seconds. */
int gv_span_parse(int64_t *out, const char *s);

/* Nearest-rank percentile of n sorted values: the value at 1-based rank
 * ceil(pct/100 * n). n must be > 0. */
int64_t gv_percentile(const int64_t *sorted, size_t n, unsigned pct);
/* Sorts int64 values ascending. Never fails: without memory for its
 * scratch space it falls back to qsort. */
void gv_sort_i64(int64_t *v, size_t n);
/* Sorts key[0..n) ascending, stable, moving val[i] along with key[i] (val
 * may be NULL). 0, or GV_ENOMEM with both arrays unchanged. Linear in n. */
int gv_sort_u64(uint64_t *key, uint32_t *val, size_t n);

/* 64-bit FNV-1a, the hash behind --shard and subject matching. */
uint64_t gv_fnv1a64(const void *data, size_t len);

/* Opens an existing regular file read-only: never blocks on a FIFO or
 * device (O_NONBLOCK for the open) and, with GV_OPEN_NOFOLLOW, refuses a
 * symlink. The descriptor (>= 0, blocking, close-on-exec), or GV_ENOTFOUND
 * when nothing is there, GV_EINPUT when it is not a regular file (a
 * directory, FIFO, socket or device), GV_EIO otherwise (errno says why). */
#define GV_OPEN_NOFOLLOW 1
int gv_open_regular(const char *path, int flags);

/* Maps a whole regular file (opened as gv_open_regular does, with its
 * flags) read-only and private. 0 with *data and *len set (an empty file: 0
 * with *data NULL, as mmap refuses it); the codes of gv_open_regular
 * otherwise. The mapping stays valid when the file is replaced by rename;
 * truncating it in place while mapped is not survivable. Release with
 * gv_unmap_file(). */
int gv_map_file(const char *path, int flags, unsigned char **data, size_t *len);
void gv_unmap_file(unsigned char *data, size_t len);

/* Allocation helpers that check for overflow: return NULL on failure. */
void *gv_reallocarray(void *p, size_t n, size_t size);
/* Ensures *arr has room for `need` elements of `size`, growing by doubling.
 * Inline because loops call it per element and it almost always has room
 * already: the calls cost far more than the check (10 M instructions on a
 * warm git/git run). gv_grow_alloc() is the growing half. */
int gv_grow_alloc(void **arr, size_t *alloc, size_t need, size_t size);
static inline int gv_grow(void **arr, size_t *alloc, size_t need, size_t size)
{
	return need <= *alloc ? 0 : gv_grow_alloc(arr, alloc, need, size);
}

#endif
