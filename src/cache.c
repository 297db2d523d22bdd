/*
 * cache.c - the incremental cache file: one per repository, mapped whole,
 * validated, served to the history walker as a seed, rewritten atomically.
 *
 * File layout (host byte order; the endian mark rejects a foreign host; the
 * build id in the key rejects another layout of gv_commit):
 *   header:  magic "GVCACHE\n", u32 version, u32 endian mark, the key
 *            (4 x u64), the history state, counts and sizes, HEAD, the
 *            skipped-ref counts, u64 checksum of the whole file (this field
 *            read as zero)
 *   recs:    count x gv_commit; parents_at indexes `parents`
 *   blob_at: count + 1 x u32, where each record's classification starts
 *   parents: u32 record numbers
 *   table:   table_size x u32, history.c's id index of records 0..nhist-1
 *   ids:     count x 20 bytes
 *   tags:    the release tags of the history (see put_tag)
 *   blob:    the classifications, opaque bytes the classifier wrote
 *   path:    the repository's real path (a hash collision is a foreign file)
 *
 * Records 0..nhist-1 are the last history saved, in its index order, with
 * its flags: when the refs are in the same state (gv_history_state), that
 * history is handed back whole and nothing is walked. The history then
 * borrows the mapped arrays instead of copying them (no page of them is
 * touched twice), so the mapping is reference-counted and outlives the
 * gv_cache when a history holds it. The records after it
 * are commits no longer reachable, kept for a branch that comes back.
 *
 * Invariants: a loaded cache passed every size, checksum and structure
 * check (parents are record numbers, laid out in record order, blobs
 * in bounds; the parents of records 0..nhist-1 are among them; no record is
 * its own ancestor; ids are distinct; dates in GV_TIME_MIN..GV_TIME_MAX;
 * tags name a record of the history), so lookups index it without further
 * checks and even a crafted file with a valid checksum cannot make a walk
 * loop or a history inconsistent. The table maps ids to record numbers by
 * open addressing and is built only when a walk needs it. A shallow
 * boundary is recorded without parents and never served to a walk (its
 * real parents are unknown).
 *
 * The cache can only make a run faster: a file that cannot be read, is not
 * a regular file (never opened: a FIFO would block) or does not validate is
 * a warning and an empty cache; one that cannot be written is a warning and
 * the run goes on. Temporaries a killed run left behind are removed by the
 * next save once they are STALE_TMP_AGE old.
 */
#include "gv/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_MAGIC "GVCACHE\n"
#define CACHE_VERSION 4u
#define CACHE_ENDIAN 0x01020304u
/* A temporary lives for the few seconds of one write; older ones were
 * left by a killed run. */
#define STALE_TMP_AGE 3600
/* The largest timezone offset git writes: +-9959 (hhmm), in minutes. */
#define MAX_TZ (99 * 60 + 59)

typedef struct header {
	char magic[8];
	uint32_t version, endian;
	gv_cache_key key;
	gv_history_state state;     /* of records 0..nhist-1; zero: none */
	uint64_t count, nhist, nparents, tag_bytes, blob_bytes, path_bytes;
	uint64_t skipped_refs, skipped_tags, ntags, table_size;
	char head[48];              /* 40 hex and NUL, or empty */
	uint64_t checksum;
} header;

_Static_assert(sizeof(header) % 8 == 0, "records must stay aligned");
_Static_assert(sizeof(gv_commit) % 8 == 0, "records must stay aligned");

/* The mapped file, shared by the cache and a history that borrows it. */
typedef struct mapping {
	unsigned char *data;
	size_t size;
	int refs;
} mapping;

static void mapping_release(void *hold)
{
	mapping *m = hold;

	if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		gv_unmap_file(m->data, m->size);
		free(m);
	}
}

struct gv_cache {
	char *file;       /* the cache file's path */
	char *real;       /* the repository's real path */
	gv_cache_key key;
	mapping *map;     /* the whole file, when loaded */
	header hd;
	size_t count, nhist;
	const gv_commit *recs;
	const uint32_t *blob_at, *parents, *htable;
	const unsigned char *ids, *blob;
	gv_tag *tags;     /* names point into data */
	uint32_t *table;
	size_t table_size;
	gv_cache_restore_cb restore;
	void *payload;
	gv_warnings *warnings;  /* the caller's, for what the cache skipped */
};

/* FNV-1a over 64-bit words in four interleaved lanes: the same idea as
 * gv_fnv1a64, but the multiplications of the lanes overlap, so checking the
 * 10 MB cache of git/git costs well under a millisecond. */
static uint64_t file_checksum(const unsigned char *data, size_t len);

static uint64_t checksum(const unsigned char *p, size_t n)
{
	const uint64_t prime = 0x100000001b3ULL;
	uint64_t h0 = 0xcbf29ce484222325ULL, h1 = 0x84222325cbf29ce4ULL,
		 h2 = 0x100000001b3ULL, h3 = 0x9e3779b97f4a7c15ULL, w0, w1, w2, w3;

	for (; n >= 32; p += 32, n -= 32) {
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		memcpy(&w2, p + 16, 8);
		memcpy(&w3, p + 24, 8);
		h0 = (h0 ^ w0) * prime;
		h1 = (h1 ^ w1) * prime;
		h2 = (h2 ^ w2) * prime;
		h3 = (h3 ^ w3) * prime;
	}
	while (n--)
		h0 = (h0 ^ *p++) * prime;
	return h0 ^ (h1 * 3) ^ (h2 * 5) ^ (h3 * 7);
}

uint64_t gv_cache_checksum(const unsigned char *data, size_t len)
{
	return len < sizeof(header) ? 0 : file_checksum(data, len);
}

/* The checksum of a whole file: its header (with the checksum field read as
 * zero) and everything after it, so that no bit of it goes unchecked. */
static uint64_t file_checksum(const unsigned char *data, size_t len)
{
	header hd;

	memcpy(&hd, data, sizeof(hd));
	hd.checksum = 0;
	return checksum((const unsigned char *)&hd, sizeof(hd)) *
		       0x9E3779B97F4A7C15ULL ^
	       checksum(data + sizeof(hd), len - sizeof(hd));
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
/* A tag in the file: u32 commit, u8 kind, u8 0, i16 tz, i64 time, u32 name
 * length, the name and a NUL; fields copied with memcpy (unaligned). */
#define TAG_FIXED 20

static int put_tag(gv_buf *b, const gv_tag *t)
{
	unsigned char fx[TAG_FIXED] = {0};
	uint32_t len = (uint32_t)strlen(t->name);

	memcpy(fx, &t->commit, 4);
	fx[4] = t->kind;
	memcpy(fx + 6, &t->tz, 2);
	memcpy(fx + 8, &t->time, 8);
	memcpy(fx + 16, &len, 4);
	return gv_buf_put(b, (const char *)fx, TAG_FIXED) ||
	       gv_buf_put(b, t->name, (size_t)len + 1) ? GV_ENOMEM : 0;
}

/* Parses the tags section into c->tags; a reason when it does not parse. */
static const char *read_tags(gv_cache *c, const unsigned char *p, size_t len)
{
	size_t i, off = 0;

	if (c->hd.ntags > len / TAG_FIXED)
		return "corrupt (tags)";
	if (c->hd.ntags &&
	    !(c->tags = calloc((size_t)c->hd.ntags, sizeof(*c->tags))))
		return "too large to load";
	for (i = 0; i < c->hd.ntags; i++) {
		gv_tag *t = &c->tags[i];
		uint32_t nl;
		if (len - off < TAG_FIXED)
			return "corrupt (tags)";
		memcpy(&t->commit, p + off, 4);
		t->kind = p[off + 4];
		memcpy(&t->tz, p + off + 6, 2);
		memcpy(&t->time, p + off + 8, 8);
		memcpy(&nl, p + off + 16, 4);
		off += TAG_FIXED;
		if (len - off <= nl || p[off + nl] || t->commit >= c->nhist ||
		    t->kind > GV_TAG_ANNOTATED_BAD_DATE ||
		    t->time < GV_TIME_MIN || t->time > GV_TIME_MAX)
			return "corrupt (tags)";
		t->name = (char *)(uintptr_t)(p + off); /* read-only, never freed */
		off += (size_t)nl + 1;
	}
	return off == len ? NULL : "corrupt (tags)";
}

static int is_hex_id(const char *s)
{
	size_t i;

	for (i = 0; i < GV_OID_HEXSZ; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[GV_OID_HEXSZ] == '\0';
}

/* 1 when following parents from some record comes back to it (Kahn's
 * algorithm: records no remaining child names are peeled off; a cycle is
 * what is left), or when memory runs out to tell. Linear in the records. */
static int has_cycle(const gv_cache *c)
{
	uint32_t *indeg = calloc(c->count ? c->count : 1, sizeof(*indeg));
	uint32_t *queue = malloc((c->count ? c->count : 1) * sizeof(*queue));
	size_t i, k, head = 0, tail = 0;
	int cycle = 1;

	if (!indeg || !queue)
		goto done;
	for (i = 0; i < c->count; i++)
		for (k = 0; k < c->recs[i].nparents; k++)
			indeg[c->parents[c->recs[i].parents_at + k]]++;
	for (i = 0; i < c->count; i++)
		if (!indeg[i])
			queue[tail++] = (uint32_t)i;
	while (head < tail) {
		const gv_commit *r = &c->recs[queue[head++]];
		for (k = 0; k < r->nparents; k++) {
			uint32_t p = c->parents[r->parents_at + k];
			if (!--indeg[p])
				queue[tail++] = p;
		}
	}
	cycle = tail != c->count;
done:
	free(indeg);
	free(queue);
	return cycle;
}

static int same_id(const unsigned char *a, const unsigned char *b)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	memcpy(&u, a + 16, 4);
	memcpy(&v, b + 16, 4);
	return x[0] == y[0] && x[1] == y[1] && u == v;
}

/* 1 when the stored id index of the history (history.c's table: a power
 * of two of slots, open addressing from the id's first 8 bytes) finds
 * every record 0..nhist-1 at its own number and holds nothing else, which
 * also proves their ids distinct: what gv_history_load checks again before
 * using it. */
static int table_finds_history(const gv_cache *c)
{
	size_t n = (size_t)c->hd.table_size, i, k;

	if (!c->nhist)
		return 1;
	if (n < 2 * c->nhist || (n & (n - 1)))
		return 0;
	for (i = 0, k = 0; i < n; i++) {
		if (c->htable[i] == UINT32_MAX)
			continue;
		if (c->htable[i] >= c->nhist)
			return 0;
		k++;
	}
	if (k != c->nhist) /* also: empty slots remain, so lookups end */
		return 0;
	for (i = 0; i < c->nhist; i++) {
		const unsigned char *id = c->ids + i * GV_OID_RAWSZ;
		size_t s = gv_history_table_slot(id, n);
		/* empty slots remain (above), so the probe ends; most end at
		 * once, on i itself */
		while (c->htable[s] != i) {
			if (c->htable[s] == UINT32_MAX ||
			    same_id(c->ids + (size_t)c->htable[s] * GV_OID_RAWSZ, id))
				return 0;
			s = (s + 1) & (n - 1);
		}
	}
	return 1;
}

/* Checks a mapped file and points the cache into it; a reason when it
 * cannot be used ("" when it is simply stale: another key). */
static const char *validate(gv_cache *c, unsigned char *data, size_t len)
{
	header hd;
	size_t off = sizeof(hd), i, k;
	uint64_t need, at = 0;
	const char *why;

	if (len < sizeof(hd))
		return "truncated";
	memcpy(&hd, data, sizeof(hd));
	if (memcmp(hd.magic, CACHE_MAGIC, 8))
		return "not a git-vitals cache file";
	if (hd.endian != CACHE_ENDIAN || hd.version != CACHE_VERSION)
		return "written by another version or host";
	if (hd.count > UINT32_MAX / 2 || hd.nhist > hd.count ||
	    hd.nparents > UINT32_MAX || hd.blob_bytes > UINT32_MAX ||
	    hd.table_size > UINT32_MAX ||
	    hd.tag_bytes > UINT32_MAX || hd.path_bytes > PATH_MAX * 4 ||
	    memchr(hd.head, '\0', sizeof(hd.head)) == NULL)
		return "corrupt (sizes)";
	need = off + hd.count * sizeof(gv_commit) + (hd.count + 1) * 4 +
	       hd.nparents * 4 + hd.table_size * 4 +
	       hd.count * GV_OID_RAWSZ + hd.tag_bytes +
	       hd.blob_bytes + hd.path_bytes;
	if (len != need)
		return "truncated or corrupt (size)";
	if (file_checksum(data, len) != hd.checksum)
		return "corrupt (checksum)";
	if (hd.path_bytes != strlen(c->real) ||
	    memcmp(data + len - hd.path_bytes, c->real, (size_t)hd.path_bytes))
		return "foreign (another repository)";
	if (memcmp(&hd.key, &c->key, sizeof(hd.key)))
		return ""; /* stale: rules, build, advisories or mailmap changed */
	c->hd = hd;
	c->count = (size_t)hd.count;
	c->nhist = (size_t)hd.nhist;
	c->recs = (const gv_commit *)(const void *)(data + off);
	off += c->count * sizeof(gv_commit);
	c->blob_at = (const uint32_t *)(const void *)(data + off);
	off += (c->count + 1) * 4;
	c->parents = (const uint32_t *)(const void *)(data + off);
	off += (size_t)hd.nparents * 4;
	c->htable = (const uint32_t *)(const void *)(data + off);
	off += (size_t)hd.table_size * 4;
	c->ids = data + off;
	off += c->count * GV_OID_RAWSZ;
	if ((why = read_tags(c, data + off, (size_t)hd.tag_bytes)))
		goto bad;
	off += (size_t)hd.tag_bytes;
	c->blob = data + off;
	/* parents in record order, naming records (those of the history
	 * among its own); blobs in order, in bounds; dates believable */
	why = "corrupt (records)";
	if (c->blob_at[0] != 0 || c->blob_at[c->count] != hd.blob_bytes ||
	    (hd.head[0] && !is_hex_id(hd.head)))
		goto bad;
	for (i = 0; i < c->count; i++) {
		const gv_commit *r = &c->recs[i];
		size_t lim = i < c->nhist ? c->nhist : c->count;
		if (r->parents_at != at || at + r->nparents > hd.nparents ||
		    c->blob_at[i] > c->blob_at[i + 1] ||
		    ((r->flags & GV_COMMIT_SHALLOW) && r->nparents) ||
		    r->author_time < GV_TIME_MIN || r->author_time > GV_TIME_MAX ||
		    r->commit_time < GV_TIME_MIN || r->commit_time > GV_TIME_MAX ||
		    r->author_tz < -MAX_TZ || r->author_tz > MAX_TZ ||
		    r->commit_tz < -MAX_TZ || r->commit_tz > MAX_TZ)
			goto bad;
		for (k = 0; k < r->nparents; k++)
			if (c->parents[at + k] >= lim)
				goto bad;
		at += r->nparents;
	}
	if (at != hd.nparents)
		goto bad;
	why = "corrupt (a commit is its own ancestor)";
	if (has_cycle(c))
		goto bad;
	why = "corrupt (id table)";
	if (!table_finds_history(c))
		goto bad;
	return NULL;
bad:
	free(c->tags);
	c->tags = NULL;
	c->count = c->nhist = 0;
	return why;
}

/* Builds the id table of every record; GV_EINPUT when two records share an
 * id (a forged file: the walk could meet a commit twice, or loop). */
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
		const unsigned char *id = c->ids + i * GV_OID_RAWSZ;
		size_t s = slot(c, id);
		while (c->table[s] != UINT32_MAX) {
			if (!memcmp(c->ids + (size_t)c->table[s] * GV_OID_RAWSZ,
				    id, GV_OID_RAWSZ))
				return GV_EINPUT;
			s = (s + 1) & (n - 1);
		}
		c->table[s] = (uint32_t)i;
	}
	return 0;
}

const char *gv_cache_check(const unsigned char *data, size_t len,
			   const char *real, const gv_cache_key *key)
{
	gv_cache c;
	const char *why;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.real = (char *)(uintptr_t)real;
	c.key = *key;
	if (!(why = validate(&c, (unsigned char *)(uintptr_t)data, len))) {
		/* what a walk would do with it: every id found at its record */
		if (build_table(&c))
			why = "corrupt (ids)";
		for (i = 0; !why && i < c.count; i++)
			if (find(&c, c.ids + i * GV_OID_RAWSZ) != i)
				why = "corrupt (ids)";
	}
	free(c.tags);
	free(c.table);
	return why;
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
	c->warnings = warnings;
	{
		unsigned char *data = NULL;
		/* mapped, not copied: the history may borrow it; never through
		 * a symlink, never a FIFO or device */
		r = gv_map_file(c->file, GV_OPEN_NOFOLLOW, &data, &len);
		if (r == 0 && data && !(c->map = calloc(1, sizeof(*c->map)))) {
			gv_unmap_file(data, len);
			gv_cache_free(c);
			return gv_error_set(err, GV_ENOMEM, "out of memory");
		}
		if (c->map) {
			c->map->data = data;
			c->map->size = len;
			c->map->refs = 1;
		}
	}
	if (r == 0) {
		why = validate(c, c->map ? c->map->data : NULL, len);
		if (why && *why)
			gv_warnings_add(warnings, "cache-ignored",
					"the cache file %s is %s; it is ignored and "
					"rewritten", c->file, why);
	} else if (r == GV_EINPUT) {
		gv_warnings_add(warnings, "cache-ignored",
				"the cache file %s is not a regular file; it is "
				"ignored", c->file);
	} else if (r != GV_ENOTFOUND) {
		gv_warnings_add(warnings, "cache-ignored",
				"the cache file %s could not be read (%s); it is "
				"ignored", c->file, strerror(errno));
	}
	*out = c;
	return 0;
}

void gv_cache_free(gv_cache *c)
{
	if (!c)
		return;
	mapping_release(c->map);
	free(c->tags);
	free(c->table);
	free(c->file);
	free(c->real);
	free(c);
}

size_t gv_cache_count(const gv_cache *c) { return c->count; }

/* All zero is no state: a history that may not be handed back. */
static int has_state(const gv_history_state *s)
{
	return s->a || s->b;
}

static int same_state(const gv_history_state *x, const gv_history_state *y)
{
	return has_state(x) && x->a == y->a && x->b == y->b;
}

int gv_cache_holds(const gv_cache *c, const gv_history *h)
{
	return c->count && c->nhist == gv_history_count(h) &&
	       same_state(&c->hd.state, gv_history_state_of(h));
}

int gv_cache_needs_save(const gv_cache *c, const gv_history *h)
{
	if (gv_history_objects_read(h))
		return 1;
	/* nothing new, but the refs moved (a new tag on a known commit, a
	 * deleted branch): saved, the next run gets the whole history back.
	 * A history of no state (refs moved during the load) is not. */
	return has_state(gv_history_state_of(h)) && !gv_cache_holds(c, h);
}

/* The whole-history fast path; on a miss, the table the walk's lookups
 * need. */
static int seed_snapshot(void *payload, const gv_history_state *state,
			 gv_history_snapshot *sn)
{
	gv_cache *c = payload;
	size_t i;
	int rc;

	if (c->count && same_state(&c->hd.state, state)) {
		/* last index first: the classifier's table grows to its full
		 * size on the first call instead of doubling its way there */
		for (i = c->nhist; c->restore && i-- > 0;)
			if ((rc = c->restore(c->payload, (gv_idx)i,
					     c->blob + c->blob_at[i],
					     c->blob_at[i + 1] - c->blob_at[i])))
				return rc;
		sn->count = c->nhist;
		sn->commits = c->recs;
		sn->ids = c->ids;
		sn->parents = c->parents;
		sn->nparents = c->nhist ? c->recs[c->nhist - 1].parents_at +
						  c->recs[c->nhist - 1].nparents
					: 0;
		sn->tags = c->tags;
		sn->ntags = (size_t)c->hd.ntags;
		sn->head = c->hd.head[0] ? c->hd.head : NULL;
		sn->skipped_refs = c->hd.skipped_refs;
		sn->skipped_tags = c->hd.skipped_tags;
		sn->table = c->htable;
		sn->table_size = (size_t)c->hd.table_size;
		__atomic_add_fetch(&c->map->refs, 1, __ATOMIC_ACQ_REL);
		sn->release = mapping_release;
		sn->hold = c->map;
		return 1;
	}
	if (c->count && !c->table && (rc = build_table(c))) {
		if (rc != GV_EINPUT)
			return rc;
		/* served nothing, kept nothing: the walk reads every object */
		free(c->table);
		c->table = NULL;
		c->table_size = 0;
		c->count = c->nhist = 0;
		gv_warnings_add(c->warnings, "cache-ignored",
				"the cache file %s is corrupt (ids); it is "
				"ignored and rewritten", c->file);
	}
	return 0;
}

static int seed_lookup(void *payload, const unsigned char *id, gv_commit *out,
		       unsigned char *parents, uint32_t cap, uint32_t *nparents)
{
	const gv_cache *c = payload;
	uint32_t i = find(c, id), k;
	const gv_commit *r;

	if (i == UINT32_MAX || (c->recs[i].flags & GV_COMMIT_SHALLOW))
		return 0;
	r = &c->recs[i];
	out->author_time = r->author_time;
	out->commit_time = r->commit_time;
	out->author_tz = r->author_tz;
	out->commit_tz = r->commit_tz;
	out->flags = r->flags & GV_COMMIT_BAD_DATE;
	*nparents = r->nparents;
	for (k = 0; k < r->nparents && k < cap; k++)
		memcpy(parents + (size_t)k * GV_OID_RAWSZ,
		       c->ids + (size_t)c->parents[r->parents_at + k] * GV_OID_RAWSZ,
		       GV_OID_RAWSZ);
	return 1;
}

static int seed_known(void *payload, gv_idx commit, const unsigned char *id)
{
	const gv_cache *c = payload;
	uint32_t i = find(c, id);

	if (i == UINT32_MAX || !c->restore)
		return 0;
	return c->restore(c->payload, commit, c->blob + c->blob_at[i],
			  c->blob_at[i + 1] - c->blob_at[i]);
}

void gv_cache_seed(gv_cache *c, gv_history_seed *seed,
		   gv_cache_restore_cb restore, void *payload)
{
	c->restore = restore;
	c->payload = payload;
	seed->snapshot = seed_snapshot;
	seed->lookup = seed_lookup;
	seed->on_known = seed_known;
	seed->payload = c;
}

/* The new file's sections, built in memory then written in one go. */
typedef struct writer {
	gv_buf recs, blob_at, parents, table, ids, tags, blob;
	uint32_t count, nparents;
} writer;

/* Appends a record; parent record numbers are given, parents_at is set. */
static int put_rec(writer *w, const unsigned char *id, const gv_commit *c0,
		   const uint32_t *parents, const void *blob, size_t blob_len)
{
	gv_commit c = *c0;
	uint32_t at = (uint32_t)w->blob.len;

	c.parents_at = w->nparents;
	if (w->blob.len + blob_len > UINT32_MAX ||
	    (uint64_t)w->nparents + c.nparents > UINT32_MAX ||
	    gv_buf_put(&w->recs, (const char *)&c, sizeof(c)) ||
	    gv_buf_put(&w->blob_at, (const char *)&at, 4) ||
	    gv_buf_put(&w->parents, (const char *)parents,
		       (size_t)c.nparents * 4) ||
	    gv_buf_put(&w->ids, (const char *)id, GV_OID_RAWSZ) ||
	    gv_buf_put(&w->blob, blob, blob_len))
		return GV_ENOMEM;
	w->count++;
	w->nparents += c.nparents;
	return 0;
}

static int write_file(const gv_cache *c, writer *w, header *hd, gv_error *err)
{
	gv_buf all = {0}, tmp = {0};
	FILE *f = NULL;
	int fd = -1, error = 0;
	size_t plen = strlen(c->real);
	uint32_t end = (uint32_t)w->blob.len;

	memcpy(hd->magic, CACHE_MAGIC, 8);
	hd->version = CACHE_VERSION;
	hd->endian = CACHE_ENDIAN;
	hd->key = c->key;
	hd->count = w->count;
	hd->nparents = w->nparents;
	hd->tag_bytes = w->tags.len;
	hd->blob_bytes = w->blob.len;
	hd->path_bytes = plen;
	if (gv_buf_put(&w->blob_at, (const char *)&end, 4) ||
	    gv_buf_put(&all, (const char *)hd, sizeof(*hd)) ||
	    gv_buf_put(&all, w->recs.ptr, w->recs.len) ||
	    gv_buf_put(&all, w->blob_at.ptr, w->blob_at.len) ||
	    gv_buf_put(&all, w->parents.ptr, w->parents.len) ||
	    gv_buf_put(&all, w->table.ptr, w->table.len) ||
	    gv_buf_put(&all, w->ids.ptr, w->ids.len) ||
	    gv_buf_put(&all, w->tags.ptr, w->tags.len) ||
	    gv_buf_put(&all, w->blob.ptr, w->blob.len) ||
	    gv_buf_put(&all, c->real, plen)) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	hd->checksum = file_checksum((unsigned char *)all.ptr, all.len);
	memcpy(all.ptr, hd, sizeof(*hd));
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

/* Removes the temporaries of this cache file ("<file>.tmp.XXXXXX", regular
 * files, not symlinks) that a killed run left: those older than
 * STALE_TMP_AGE, so that a concurrent run's write in progress is spared.
 * Never fails the save: what cannot be removed stays. */
static int remove_stale_tmps(const gv_cache *c, const char *dir)
{
	const char *base = strrchr(c->file, '/');
	size_t blen;
	DIR *d;
	struct dirent *e;
	time_t now = time(NULL);
	gv_buf path = {0};
	int error = 0;

	base = base ? base + 1 : c->file;
	blen = strlen(base);
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d))) {
		struct stat st;
		if (strncmp(e->d_name, base, blen) ||
		    strncmp(e->d_name + blen, ".tmp.", 5))
			continue;
		path.len = 0;
		if (gv_buf_printf(&path, "%s/%s", dir, e->d_name)) {
			error = GV_ENOMEM;
			break;
		}
		if (!lstat(path.ptr, &st) && S_ISREG(st.st_mode) &&
		    now - st.st_mtime >= STALE_TMP_AGE)
			unlink(path.ptr);
	}
	closedir(d);
	gv_buf_free(&path);
	return error;
}

int gv_cache_save(gv_cache *c, const gv_history *h, gv_cache_blob_cb blob,
		  void *payload, gv_error *err)
{
	const gv_commit *commits = gv_history_commits(h);
	const gv_idx *hp = gv_history_parents(h);
	const gv_tag *tags;
	size_t n = gv_history_count(h), ntags, i, stale = 0;
	uint32_t *renum = NULL;
	const char *head = gv_history_head(h);
	writer w;
	header hd;
	gv_history_snapshot sn;
	gv_buf cls = {0};
	uint32_t pbuf[64], *pv;
	char *dir = NULL, *slash;
	gv_error io = {0};
	int error = 0;

	memset(&w, 0, sizeof(w));
	memset(&hd, 0, sizeof(hd));
	/* the history first, in its index order: record i is commit i, so a
	 * parent's index is its record number */
	for (i = 0; i < n; i++) {
		cls.len = 0;
		if ((blob && blob(payload, (gv_idx)i, &cls)) ||
		    put_rec(&w, gv_history_id(h, (gv_idx)i), &commits[i],
			    hp + commits[i].parents_at, cls.ptr, cls.len))
			goto nomem;
	}
	hd.nhist = n;
	hd.state = *gv_history_state_of(h);
	gv_history_snapshot_of(h, &sn);
	if (gv_buf_put(&w.table, (const char *)sn.table,
		       sn.table_size * sizeof(*sn.table)))
		goto nomem;
	hd.table_size = sn.table_size;
	tags = gv_history_tags(h, &ntags);
	for (i = 0; i < ntags; i++)
		if (put_tag(&w.tags, &tags[i]))
			goto nomem;
	hd.ntags = ntags;
	gv_history_skipped(h, &hd.skipped_refs, &hd.skipped_tags);
	if (head)
		snprintf(hd.head, sizeof(hd.head), "%s", head);
	/* entries the history no longer reaches stay (a rewritten branch may
	 * come back) until they pass a quarter of the file; their record
	 * numbers change, so their parents are renumbered */
	if (c->count && !(renum = malloc(c->count * sizeof(*renum))))
		goto nomem;
	for (i = 0; i < c->count; i++) {
		gv_idx at = gv_history_find(h, c->ids + i * GV_OID_RAWSZ);
		renum[i] = at != GV_NONE ? at : (uint32_t)(n + stale++);
	}
	if (stale * 4 <= n + stale) {
		for (i = 0; i < c->count; i++) {
			const gv_commit *r = &c->recs[i];
			uint32_t k;
			if (renum[i] < n)
				continue;
			pv = r->nparents <= 64 ? pbuf : malloc(r->nparents * sizeof(*pv));
			if (!pv)
				goto nomem;
			for (k = 0; k < r->nparents; k++)
				pv[k] = renum[c->parents[r->parents_at + k]];
			error = put_rec(&w, c->ids + i * GV_OID_RAWSZ, r, pv,
					c->blob + c->blob_at[i],
					c->blob_at[i + 1] - c->blob_at[i]);
			if (pv != pbuf)
				free(pv);
			if (error)
				goto nomem;
		}
	}
	if (!(dir = strdup(c->file)))
		goto nomem;
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	if (slash && make_dirs(dir))
		error = gv_error_set(&io, GV_EIO, "cache directory %s: %s", dir,
				     strerror(errno));
	else if (!(error = remove_stale_tmps(c, slash ? dir : ".")))
		error = write_file(c, &w, &hd, &io);
	/* the cache can only help: a read-only or missing ~/.cache, a full
	 * disk, a directory where the file should be cost the next run its
	 * speed, not this run its report */
	if (error == GV_EIO) {
		error = 0;
		if (gv_warnings_add(c->warnings, "cache-unwritable",
				    "%s; the run goes on without saving the cache",
				    io.msg))
			goto nomem;
	} else if (error) {
		gv_error_set(err, error, "%s", io.msg);
	}
	goto done;
nomem:
	error = gv_error_set(err, GV_ENOMEM, "out of memory");
done:
	free(dir);
	free(renum);
	gv_buf_free(&cls);
	gv_buf_free(&w.recs);
	gv_buf_free(&w.blob_at);
	gv_buf_free(&w.parents);
	gv_buf_free(&w.table);
	gv_buf_free(&w.ids);
	gv_buf_free(&w.tags);
	gv_buf_free(&w.blob);
	return error;
}
