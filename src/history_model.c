/*
 * history_model.c - the loaded history as data: the id index (open
 * addressing over the ids' first bytes, see history.c's invariants), the
 * per-commit arrays' growth, lookups by id and by hex prefix, and the
 * accessors of gv/history.h. No libgit2: history.c fills the model.
 */
#include "history_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit_parse.h"

size_t gv_history_table_slot(const unsigned char *id, size_t table_size)
{
	size_t k = ((size_t)id[0] << 16) | ((size_t)id[1] << 8) | id[2];
	/* Ids are uniformly distributed, so the low bits of the first bytes are
	 * already a good hash; spread them when the table is small. */
	return (k * 0x9E3779B1u >> 8) & (table_size - 1);
}

static size_t home_slot(const gv_history *h, const unsigned char *id)
{
	return gv_history_table_slot(id, h->table_size);
}

/* Rebuilds the table with n slots (a power of two above the count). */
static int table_resize(gv_history *h, size_t n)
{
	size_t i;
	gv_idx *t = malloc(n * sizeof(*t));

	if (!t)
		return GV_ENOMEM;
	memset(t, 0xff, n * sizeof(*t));
	free(h->table);
	h->table = t;
	h->table_size = n;
	for (i = 0; i < h->count; i++) {
		size_t s = home_slot(h, h->ids + i * GV_OID_RAWSZ);
		while (t[s] != GV_NONE)
			s = (s + 1) & (n - 1);
		t[s] = (gv_idx)i;
	}
	return 0;
}

int gv_history_table_grow(gv_history *h)
{
	return table_resize(h, h->table_size ? h->table_size * 2 : 1024);
}

gv_idx gv_history_find(const gv_history *h, const unsigned char *id)
{
	size_t s;

	if (!h->table_size)
		return GV_NONE;
	for (s = home_slot(h, id); h->table[s] != GV_NONE;
	     s = (s + 1) & (h->table_size - 1)) {
		gv_idx i = h->table[s];
		if (!memcmp(h->ids + (size_t)i * GV_OID_RAWSZ, id, GV_OID_RAWSZ))
			return i;
	}
	return GV_NONE;
}

/* Makes room for n commits in the per-commit arrays. */
int gv_history_reserve(gv_history *h, size_t n)
{
	gv_commit *c;
	unsigned char *ids;

	if (n <= h->alloc)
		return 0;
	if (!(c = gv_reallocarray(h->commits, n, sizeof(*c))))
		return GV_ENOMEM;
	h->commits = c;
	if (!(ids = gv_reallocarray(h->ids, n, GV_OID_RAWSZ)))
		return GV_ENOMEM;
	h->ids = ids;
	h->alloc = n;
	return 0;
}

/* Returns the index of id, adding an unread commit when it is new (*added). */
int gv_history_intern(gv_history *h, const unsigned char *id, gv_idx *out,
		      int *added)
{
	size_t s;

	*added = 0;
	if ((*out = gv_history_find(h, id)) != GV_NONE)
		return 0;
	if (h->count >= GV_NONE - 1)
		return GV_ENOMEM;
	if ((h->count + 1) * 2 > h->table_size && gv_history_table_grow(h))
		return GV_ENOMEM;
	if (h->count == h->alloc &&
	    gv_history_reserve(h, h->alloc ? h->alloc * 2 : 1024))
		return GV_ENOMEM;
	memcpy(h->ids + h->count * GV_OID_RAWSZ, id, GV_OID_RAWSZ);
	memset(&h->commits[h->count], 0, sizeof(gv_commit));
	for (s = home_slot(h, id); h->table[s] != GV_NONE;
	     s = (s + 1) & (h->table_size - 1))
		;
	h->table[s] = (gv_idx)h->count;
	*out = (gv_idx)h->count++;
	*added = 1;
	return 0;
}

void gv_history_free(gv_history *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->ntags; i++)
		free(h->tags[i].name);
	for (i = 0; i < h->nrevs; i++)
		free(h->revs[i]);
	free(h->revs);
	free(h->tags);
	if (h->release) {
		h->release(h->hold);
	} else {
		free(h->commits);
		free(h->ids);
		free(h->parents);
		free(h->table);
	}
	free(h);
}

size_t gv_history_count(const gv_history *h) { return h->count; }
size_t gv_history_objects_read(const gv_history *h) { return h->objects_read; }
const gv_commit *gv_history_commits(const gv_history *h) { return h->commits; }
const gv_idx *gv_history_parents(const gv_history *h) { return h->parents; }

const unsigned char *gv_history_id(const gv_history *h, gv_idx i)
{
	return h->ids + (size_t)i * GV_OID_RAWSZ;
}

void gv_history_hex(const gv_history *h, gv_idx i, char *hex)
{
	/* two digits per byte from one table: reports write an id per line */
	static const char pairs[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
	const unsigned char *id = gv_history_id(h, i);
	int k;

	for (k = 0; k < GV_OID_RAWSZ; k++)
		memcpy(hex + 2 * k, pairs + 2 * id[k], 2);
	hex[GV_OID_HEXSZ] = '\0';
}

static int prefix_matches(const unsigned char *id, const unsigned char *pre,
			  size_t nhex)
{
	size_t full = nhex / 2;

	if (memcmp(id, pre, full))
		return 0;
	return !(nhex & 1) || (id[full] >> 4) == (pre[full] >> 4);
}

int gv_history_find_hex(const gv_history *h, const char *hex, size_t len,
			gv_idx *out)
{
	const signed char *hv = gv_hexval;
	unsigned char pre[GV_OID_RAWSZ] = {0};
	gv_idx found = GV_NONE;
	size_t k;

	if (len < 4 || len > GV_OID_HEXSZ)
		return GV_EINPUT;
	for (k = 0; k < len; k++) {
		int v = hv[(unsigned char)hex[k]];
		if (v < 0)
			return GV_EINPUT;
		pre[k / 2] |= (unsigned char)(k & 1 ? v : v << 4);
	}
	if (!h->count)
		return GV_ENOTFOUND;
	if (len >= 6) {
		/* every id starting with these 3 bytes is in this probe run */
		size_t s;
		for (s = home_slot(h, pre); h->table[s] != GV_NONE;
		     s = (s + 1) & (h->table_size - 1)) {
			gv_idx i = h->table[s];
			if (prefix_matches(gv_history_id(h, i), pre, len)) {
				if (found != GV_NONE && found != i)
					return GV_EAMBIGUOUS;
				found = i;
			}
		}
	} else {
		for (k = 0; k < h->count; k++) {
			if (prefix_matches(gv_history_id(h, (gv_idx)k), pre, len)) {
				if (found != GV_NONE)
					return GV_EAMBIGUOUS;
				found = (gv_idx)k;
			}
		}
	}
	if (found == GV_NONE)
		return GV_ENOTFOUND;
	*out = found;
	return 0;
}

const gv_tag *gv_history_tags(const gv_history *h, size_t *count)
{
	*count = h->ntags;
	return h->tags;
}

const char *gv_history_head(const gv_history *h)
{
	return h->has_head ? h->head : NULL;
}

int gv_history_is_shallow(const gv_history *h) { return h->shallow; }

void gv_history_snapshot_of(const gv_history *h, gv_history_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	out->count = h->count;
	out->commits = h->commits;
	out->ids = h->ids;
	out->parents = h->parents;
	out->nparents = h->nparents;
	out->tags = h->tags;
	out->ntags = h->ntags;
	out->head = h->has_head ? h->head : NULL;
	out->skipped_refs = h->skipped_refs;
	out->skipped_tags = h->skipped_tags;
	out->table = h->table;
	out->table_size = h->table_size;
}

const gv_history_state *gv_history_state_of(const gv_history *h)
{
	return &h->state;
}

void gv_history_skipped(const gv_history *h, uint64_t *refs, uint64_t *tags)
{
	*refs = h->skipped_refs;
	*tags = h->skipped_tags;
}

const char *const *gv_history_revs(const gv_history *h, size_t *count)
{
	*count = h->nrevs;
	return (const char *const *)h->revs;
}
