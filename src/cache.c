/*
 * cache.c - the incremental cache file: one per repository, read whole,
 * validated, served to the history walker as a seed, rewritten atomically.
 *
 * File layout (host byte order; the endian mark rejects a foreign host):
 *   header: magic "GVCACHE\n", u32 version, u32 endian mark, the key
 *           (4 x u64), u64 count, u64 parent ids, u64 blob bytes,
 *           u64 path bytes, u64 checksum of everything after the header
 *   recs:   count x struct rec (first, so they are 8-byte aligned)
 *   ids:    count x 20 bytes
 *   parents: parent ids, 20 bytes each, in record order
 *   blob:   the classifications, opaque bytes the classifier wrote
 *   path:   the repository's real path (a hash collision is a foreign file)
 *
 * Invariants: a loaded cache passed every size and checksum check, so
 * lookups index it without further bounds checks; the table maps ids to
 * record numbers by open addressing.
 */
#include "gv/cache.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "GVCACHE\n"
#define CACHE_VERSION 1u
#define CACHE_ENDIAN 0x01020304u

/* 88 bytes: a multiple of 8, so the records that follow are aligned. */
typedef struct header {
	char magic[8];
	uint32_t version, endian;
	gv_cache_key key;
	uint64_t count, nparents, blob_bytes, path_bytes, checksum;
} header;

typedef struct rec {
	int64_t author_time, commit_time;
	int16_t author_tz, commit_tz;
	uint32_t nparents;
	uint32_t parents_at; /* index of its first parent id */
	uint32_t blob_off, blob_len;
	uint32_t reserved;
} rec;

_Static_assert(sizeof(header) % 8 == 0, "records must stay aligned");
_Static_assert(sizeof(rec) % 8 == 0, "records must stay aligned");

struct gv_cache {
	char *file;       /* the cache file's path */
	char *real;       /* the repository's real path */
	gv_cache_key key;
	unsigned char *data; /* the whole file, when loaded */
	size_t count;
	const unsigned char *ids, *parents, *blob;
	const rec *recs;
	uint32_t *table;
	size_t table_size;
	gv_cache_restore_cb restore;
	void *payload;
};

/* FNV-1a over 64-bit words: the same idea as gv_fnv1a64, eight times fewer
 * multiplications, so checking a cache of 100k commits costs about a
 * millisecond. */
static uint64_t checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		p += 8;
		n -= 8;
	}
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static size_t slot(const gv_cache *c, const unsigned char *id)
{
	uint64_t k;

	memcpy(&k, id, 8);
	return (size_t)(k * 0x9E3779B97F4A7C15ULL >> 20) & (c->table_size - 1);
}

static uint32_t find(const gv_cache *c, const unsigned char *id)
{
	size_t s;

	if (!c->table_size)
		return UINT32_MAX;
	for (s = slot(c, id); c->table[s] != UINT32_MAX;
	     s = (s + 1) & (c->table_size - 1))
		if (!memcmp(c->ids + (size_t)c->table[s] * GV_OID_RAWSZ, id,
			    GV_OID_RAWSZ))
			return c->table[s];
	return UINT32_MAX;
}

char *gv_cache_default_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	gv_buf b = {0};

	if (xdg && *xdg) {
		if (gv_buf_printf(&b, "%s/git-vitals", xdg))
			goto fail;
	} else if (home && *home) {
		if (gv_buf_printf(&b, "%s/.cache/git-vitals", home))
			goto fail;
	} else {
		return NULL;
	}
	return b.ptr;
fail:
	gv_buf_free(&b);
	return NULL;
}

/* mkdir -p: the cache directory and its parents. */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir), *s;
	int error = 0;

	if (!p)
		return GV_ENOMEM;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			error = GV_EIO;
		*s = '/';
	}
	if (!error && mkdir(p, 0755) && errno != EEXIST)
		error = GV_EIO;
	free(p);
	return error;
}

/* Checks a file read whole and points the cache into it; a reason when it
 * cannot be used. */
static const char *validate(gv_cache *c, unsigned char *data, size_t len)
{
	header hd;
	size_t off = sizeof(hd), need;

	if (len < sizeof(hd))
		return "truncated";
	memcpy(&hd, data, sizeof(hd));
	if (memcmp(hd.magic, CACHE_MAGIC, 8))
		return "not a git-vitals cache file";
	if (hd.endian != CACHE_ENDIAN || hd.version != CACHE_VERSION)
		return "written by another version or host";
	if (hd.count > UINT32_MAX / 2 || hd.nparents > UINT32_MAX ||
	    hd.blob_bytes > UINT32_MAX || hd.path_bytes > PATH_MAX * 4)
		return "corrupt (sizes)";
	need = off + (size_t)hd.path_bytes + (size_t)hd.count * GV_OID_RAWSZ +
	       (size_t)hd.count * sizeof(rec) + (size_t)hd.nparents * GV_OID_RAWSZ +
	       (size_t)hd.blob_bytes;
	if (len != need)
		return "truncated or corrupt (size)";
	if (checksum(data + off, len - off) != hd.checksum)
		return "corrupt (checksum)";
	if (hd.path_bytes != strlen(c->real) ||
	    memcmp(data + len - hd.path_bytes, c->real, (size_t)hd.path_bytes))
		return "foreign (another repository)";
	if (memcmp(&hd.key, &c->key, sizeof(hd.key)))
		return ""; /* stale: rules, build, advisories or mailmap changed */
	c->recs = (const rec *)(const void *)(data + off);
	off += (size_t)hd.count * sizeof(rec);
	c->ids = data + off;
	off += (size_t)hd.count * GV_OID_RAWSZ;
	c->parents = data + off;
	off += (size_t)hd.nparents * GV_OID_RAWSZ;
	c->blob = data + off;
	c->count = (size_t)hd.count;
	/* every record must point inside the file */
	for (need = 0; need < c->count; need++) {
		const rec *r = &c->recs[need];
		if ((uint64_t)r->parents_at + r->nparents > hd.nparents ||
		    (uint64_t)r->blob_off + r->blob_len > hd.blob_bytes) {
			c->count = 0;
			return "corrupt (records)";
		}
	}
	return NULL;
}

static int build_table(gv_cache *c)
{
	size_t n = 64, i;

	while (n < c->count * 2)
		n *= 2;
	if (!(c->table = malloc(n * sizeof(*c->table))))
		return GV_ENOMEM;
	memset(c->table, 0xff, n * sizeof(*c->table));
	c->table_size = n;
	for (i = 0; i < c->count; i++) {
		size_t s = slot(c, c->ids + i * GV_OID_RAWSZ);
		while (c->table[s] != UINT32_MAX)
			s = (s + 1) & (n - 1);
		c->table[s] = (uint32_t)i;
	}
	return 0;
}

static int read_file(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	unsigned char *p = NULL;

	*out = NULL;
	*len = 0;
	if (!f)
		return errno == ENOENT ? GV_ENOTFOUND : GV_EIO;
	if (fstat(fileno(f), &st) || st.st_size < 0 ||
	    !(p = malloc((size_t)st.st_size + 1)) ||
	    fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(p);
		fclose(f);
		return GV_EIO;
	}
	fclose(f);
	*out = p;
	*len = (size_t)st.st_size;
	return 0;
}

int gv_cache_open(gv_cache **out, const char *dir, const char *repo_path,
		  const gv_cache_key *key, gv_warnings *warnings, gv_error *err)
{
	gv_cache *c;
	gv_buf file = {0};
	char *real;
	const char *why;
	size_t len;
	int r;

	*out = NULL;
	if (!(real = realpath(repo_path, NULL)))
		return gv_error_set(err, GV_EREPO, "%s: %s", repo_path, strerror(errno));
	if (!(c = calloc(1, sizeof(*c))) ||
	    gv_buf_printf(&file, "%s/%016llx.cache", dir,
			  (unsigned long long)gv_fnv1a64(real, strlen(real)))) {
		free(real);
		free(c);
		gv_buf_free(&file);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	c->real = real;
	c->file = file.ptr;
	c->key = *key;
	r = read_file(c->file, &c->data, &len);
	if (r == 0) {
		why = validate(c, c->data, len);
		if (why) {
			if (*why)
				gv_warnings_add(warnings, "cache-ignored",
						"the cache file %s is %s; it is ignored and "
						"rewritten", c->file, why);
			free(c->data);
			c->data = NULL;
			c->count = 0;
		}
	} else if (r != GV_ENOTFOUND) {
		gv_warnings_add(warnings, "cache-ignored",
				"the cache file %s could not be read; it is ignored",
				c->file);
	}
	if (c->count && build_table(c)) {
		gv_cache_free(c);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

void gv_cache_free(gv_cache *c)
{
	if (!c)
		return;
	free(c->data);
	free(c->table);
	free(c->file);
	free(c->real);
	free(c);
}

size_t gv_cache_count(const gv_cache *c) { return c->count; }

static int seed_lookup(void *payload, const unsigned char *id, gv_commit *out,
		       const unsigned char **parents, uint32_t *nparents)
{
	const gv_cache *c = payload;
	uint32_t i = find(c, id);
	const rec *r;

	if (i == UINT32_MAX)
		return 0;
	r = &c->recs[i];
	out->author_time = r->author_time;
	out->commit_time = r->commit_time;
	out->author_tz = r->author_tz;
	out->commit_tz = r->commit_tz;
	*parents = c->parents + (size_t)r->parents_at * GV_OID_RAWSZ;
	*nparents = r->nparents;
	return 1;
}

static int seed_known(void *payload, gv_idx commit, const unsigned char *id)
{
	const gv_cache *c = payload;
	uint32_t i = find(c, id);

	if (i == UINT32_MAX || !c->restore)
		return 0;
	return c->restore(c->payload, commit, c->blob + c->recs[i].blob_off,
			  c->recs[i].blob_len);
}

void gv_cache_seed(gv_cache *c, gv_history_seed *seed,
		   gv_cache_restore_cb restore, void *payload)
{
	c->restore = restore;
	c->payload = payload;
	seed->lookup = seed_lookup;
	seed->on_known = seed_known;
	seed->payload = c;
}

/* The new file's sections, built in memory then written in one go. */
typedef struct writer {
	gv_buf ids, recs, parents, blob;
	uint64_t count, nparents;
} writer;

static int put_rec(writer *w, const unsigned char *id, const rec *r0,
		   const unsigned char *parent_ids, const void *blob,
		   size_t blob_len)
{
	rec r = *r0;

	r.parents_at = (uint32_t)w->nparents;
	r.blob_off = (uint32_t)w->blob.len;
	r.blob_len = (uint32_t)blob_len;
	r.reserved = 0;
	if (w->blob.len + blob_len > UINT32_MAX ||
	    gv_buf_put(&w->ids, (const char *)id, GV_OID_RAWSZ) ||
	    gv_buf_put(&w->recs, (const char *)&r, sizeof(r)) ||
	    gv_buf_put(&w->parents, (const char *)parent_ids,
		       (size_t)r.nparents * GV_OID_RAWSZ) ||
	    gv_buf_put(&w->blob, blob, blob_len))
		return GV_ENOMEM;
	w->count++;
	w->nparents += r.nparents;
	return 0;
}

static int write_file(const gv_cache *c, writer *w, gv_error *err)
{
	gv_buf all = {0}, tmp = {0};
	header hd;
	FILE *f = NULL;
	int fd = -1, error = 0;
	size_t plen = strlen(c->real);

	memset(&hd, 0, sizeof(hd));
	memcpy(hd.magic, CACHE_MAGIC, 8);
	hd.version = CACHE_VERSION;
	hd.endian = CACHE_ENDIAN;
	hd.key = c->key;
	hd.count = w->count;
	hd.nparents = w->nparents;
	hd.blob_bytes = w->blob.len;
	hd.path_bytes = plen;
	if (gv_buf_put(&all, (const char *)&hd, sizeof(hd)) ||
	    gv_buf_put(&all, w->recs.ptr, w->recs.len) ||
	    gv_buf_put(&all, w->ids.ptr, w->ids.len) ||
	    gv_buf_put(&all, w->parents.ptr, w->parents.len) ||
	    gv_buf_put(&all, w->blob.ptr, w->blob.len) ||
	    gv_buf_put(&all, c->real, plen)) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	hd.checksum = checksum((unsigned char *)all.ptr + sizeof(hd),
			       all.len - sizeof(hd));
	memcpy(all.ptr, &hd, sizeof(hd));
	/* a temporary file in the same directory, then rename: a killed run
	 * leaves the old cache, and concurrent runs each rename a whole file */
	if (gv_buf_printf(&tmp, "%s.tmp.XXXXXX", c->file)) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	if ((fd = mkstemp(tmp.ptr)) < 0 || !(f = fdopen(fd, "wb"))) {
		error = gv_error_set(err, GV_EIO, "cache %s: %s", c->file,
				     strerror(errno));
		goto done;
	}
	fd = -1;
	if (fwrite(all.ptr, 1, all.len, f) != all.len || fflush(f) ||
	    fsync(fileno(f))) {
		error = gv_error_set(err, GV_EIO, "cache %s: %s", c->file,
				     strerror(errno));
		goto done;
	}
	if (fclose(f)) {
		f = NULL;
		error = gv_error_set(err, GV_EIO, "cache %s: %s", c->file,
				     strerror(errno));
		goto done;
	}
	f = NULL;
	if (rename(tmp.ptr, c->file))
		error = gv_error_set(err, GV_EIO, "cache %s: %s", c->file,
				     strerror(errno));
done:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (error && tmp.ptr)
		unlink(tmp.ptr);
	gv_buf_free(&tmp);
	gv_buf_free(&all);
	return error;
}

int gv_cache_save(gv_cache *c, const gv_history *h, gv_cache_blob_cb blob,
		  void *payload, gv_error *err)
{
	const gv_commit *commits = gv_history_commits(h);
	const gv_idx *hp = gv_history_parents(h);
	size_t n = gv_history_count(h), i, stale = 0, k;
	writer w;
	gv_buf cls = {0}, pids = {0};
	char *dir = NULL, *slash;
	int error = 0;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		const gv_commit *cm = &commits[i];
		rec r;
		if (cm->flags & GV_COMMIT_SHALLOW)
			continue; /* its real parents are unknown here */
		memset(&r, 0, sizeof(r));
		r.author_time = cm->author_time;
		r.commit_time = cm->commit_time;
		r.author_tz = cm->author_tz;
		r.commit_tz = cm->commit_tz;
		r.nparents = cm->nparents;
		cls.len = pids.len = 0;
		for (k = 0; k < cm->nparents; k++)
			if (gv_buf_put(&pids, (const char *)gv_history_id(h, hp[cm->parents_at + k]),
				       GV_OID_RAWSZ))
				goto nomem;
		if ((blob && blob(payload, (gv_idx)i, &cls)) ||
		    put_rec(&w, gv_history_id(h, (gv_idx)i), &r, (unsigned char *)pids.ptr,
			    cls.ptr, cls.len))
			goto nomem;
	}
	/* entries the history no longer reaches stay (a rewritten branch may
	 * come back) until they pass a quarter of the file */
	for (i = 0; i < c->count; i++)
		if (gv_history_find(h, c->ids + i * GV_OID_RAWSZ) == GV_NONE)
			stale++;
	if (stale * 4 <= w.count + stale) {
		for (i = 0; i < c->count; i++) {
			const rec *r = &c->recs[i];
			if (gv_history_find(h, c->ids + i * GV_OID_RAWSZ) != GV_NONE)
				continue;
			if (put_rec(&w, c->ids + i * GV_OID_RAWSZ, r,
				    c->parents + (size_t)r->parents_at * GV_OID_RAWSZ,
				    c->blob + r->blob_off, r->blob_len))
				goto nomem;
		}
	}
	if (!(dir = strdup(c->file)))
		goto nomem;
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	if (slash && make_dirs(dir)) {
		error = gv_error_set(err, GV_EIO, "cache directory %s: %s", dir,
				     strerror(errno));
		goto done;
	}
	error = write_file(c, &w, err);
	goto done;
nomem:
	error = gv_error_set(err, GV_ENOMEM, "out of memory");
done:
	free(dir);
	gv_buf_free(&cls);
	gv_buf_free(&pids);
	gv_buf_free(&w.ids);
	gv_buf_free(&w.recs);
	gv_buf_free(&w.parents);
	gv_buf_free(&w.blob);
	return error;
}
