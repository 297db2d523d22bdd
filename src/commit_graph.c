/*
 * commit_graph.c - git's commit-graph file, read through a private read-only
 * mapping: history.c maps it for as long as it expands one phase of the walk
 * and unmaps it before the objects are read, so its pages (5 MB for git/git)
 * do not sit in memory beside the pack's. git replaces the file by rename,
 * never in place, so a mapping stays valid while another process rewrites it.
 *
 * Invariants: every layer passed its size checks when opened, so lookups
 * index it without further bounds checks except for parent positions, which
 * come from the file and are checked on every use. Layers are kept base
 * first; layer k's positions start at base[k].
 */
#include "commit_graph.h"
#include "gv/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OID 20
#define PARENT_NONE 0x70000000u
#define OCTOPUS 0x80000000u

typedef struct layer {
	unsigned char *data;
	size_t size;
	const unsigned char *fanout, *oids, *cdat, *edge;
	size_t edge_len; /* in entries */
	uint32_t count, base;
} layer;

struct gv_cgraph {
	layer *layers;
	size_t nlayers;
	uint32_t total;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void unmap(layer *l)
{
	gv_unmap_file(l->data, l->size);
	l->data = NULL;
}

/* Parses one layer file; 0 when it is usable. */
static int parse_layer(layer *l)
{
	const unsigned char *d = l->data;
	size_t nchunks, i;

	if (l->size < 8 || memcmp(d, "CGPH", 4) || d[4] != 1 || d[5] != 1)
		return -1; /* not a version 1, SHA-1 commit graph */
	nchunks = d[6];
	if (8 + (nchunks + 1) * 12 > l->size)
		return -1;
	for (i = 0; i < nchunks; i++) {
		const unsigned char *c = d + 8 + i * 12;
		uint64_t off = be64(c + 4), end = be64(c + 16);
		if (off > end || end > l->size)
			return -1;
		if (!memcmp(c, "OIDF", 4) && end - off == 256 * 4)
			l->fanout = d + off;
		else if (!memcmp(c, "OIDL", 4))
			l->oids = d + off;
		else if (!memcmp(c, "CDAT", 4))
			l->cdat = d + off;
		else if (!memcmp(c, "EDGE", 4)) {
			l->edge = d + off;
			l->edge_len = (size_t)(end - off) / 4;
		}
		if (!memcmp(c, "OIDL", 4) && (end - off) % OID)
			return -1;
		if (!memcmp(c, "CDAT", 4) && (end - off) % (OID + 16))
			return -1;
	}
	if (!l->fanout || !l->oids || !l->cdat)
		return -1;
	l->count = be32(l->fanout + 255 * 4);
	/* the chunks must hold count entries */
	for (i = 0; i < nchunks; i++) {
		const unsigned char *c = d + 8 + i * 12;
		uint64_t len = be64(c + 16) - be64(c + 4);
		if ((!memcmp(c, "OIDL", 4) && len != (uint64_t)l->count * OID) ||
		    (!memcmp(c, "CDAT", 4) && len != (uint64_t)l->count * (OID + 16)))
			return -1;
	}
	return 0;
}

static int add_layer(gv_cgraph *g, const char *path)
{
	layer *ls, *l;

	if (!(ls = realloc(g->layers, (g->nlayers + 1) * sizeof(*ls))))
		return -1;
	g->layers = ls;
	l = &ls[g->nlayers];
	memset(l, 0, sizeof(*l));
	if (gv_map_file(path, 0, &l->data, &l->size) || l->size < 64 ||
	    parse_layer(l)) {
		unmap(l);
		return -1;
	}
	l->base = g->total;
	if (l->count > UINT32_MAX - 1 - g->total) {
		unmap(l);
		return -1;
	}
	g->total += l->count;
	g->nlayers++;
	return 0;
}

int gv_cgraph_open(gv_cgraph **out, const char *objects_dir)
{
	gv_cgraph *g = calloc(1, sizeof(*g));
	char path[4096], line[128];
	FILE *chain;
	int ok = 0;

	*out = NULL;
	if (!g)
		return 0;
	snprintf(path, sizeof(path), "%s/info/commit-graph", objects_dir);
	if (!add_layer(g, path)) {
		ok = 1;
	} else {
		/* a chain: base layer first, one hash a line */
		snprintf(path, sizeof(path), "%s/info/commit-graphs/commit-graph-chain",
			 objects_dir);
		if ((chain = fopen(path, "r"))) {
			ok = 1;
			while (ok && fgets(line, sizeof(line), chain)) {
				size_t n = strcspn(line, "\r\n");
				line[n] = '\0';
				if (n != 2 * OID)
					ok = 0;
				snprintf(path, sizeof(path),
					 "%s/info/commit-graphs/graph-%s.graph",
					 objects_dir, line);
				if (ok && add_layer(g, path))
					ok = 0;
			}
			fclose(chain);
			ok = ok && g->nlayers > 0;
		}
	}
	if (!ok) {
		gv_cgraph_free(g);
		return 0;
	}
	*out = g;
	return 0;
}

void gv_cgraph_free(gv_cgraph *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->nlayers; i++)
		unmap(&g->layers[i]);
	free(g->layers);
	free(g);
}

static const layer *layer_of(const gv_cgraph *g, uint32_t pos)
{
	size_t i = g->nlayers;

	while (i-- > 0)
		if (pos >= g->layers[i].base)
			return &g->layers[i];
	return NULL;
}

uint32_t gv_cgraph_count(const gv_cgraph *g)
{
	return g->total;
}

uint32_t gv_cgraph_find(const gv_cgraph *g, const unsigned char *id)
{
	size_t i;

	for (i = 0; i < g->nlayers; i++) {
		const layer *l = &g->layers[i];
		uint32_t lo = id[0] ? be32(l->fanout + (id[0] - 1) * 4) : 0;
		uint32_t hi = be32(l->fanout + id[0] * 4);
		if (hi > l->count || lo > hi)
			continue; /* a corrupt fanout: not here */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			int c = memcmp(l->oids + (size_t)mid * OID, id, OID);
			if (!c)
				return l->base + mid;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return UINT32_MAX;
}

const unsigned char *gv_cgraph_id(const gv_cgraph *g, uint32_t pos)
{
	const layer *l = layer_of(g, pos);
	return l->oids + (size_t)(pos - l->base) * OID;
}

int gv_cgraph_parents(const gv_cgraph *g, uint32_t pos, uint32_t *out,
		      size_t cap)
{
	const layer *l = layer_of(g, pos);
	const unsigned char *c = l->cdat + (size_t)(pos - l->base) * (OID + 16);
	uint32_t p1 = be32(c + OID), p2 = be32(c + OID + 4);
	int n = 0;

	if (p1 == PARENT_NONE)
		return 0;
	if (p1 >= g->total)
		return -1;
	if (cap > 0)
		out[0] = p1;
	n = 1;
	if (p2 == PARENT_NONE)
		return n;
	if (!(p2 & OCTOPUS)) {
		if (p2 >= g->total)
			return -1;
		if (cap > 1)
			out[1] = p2;
		return 2;
	}
	/* an octopus: the second and later parents are in EDGE, the last
	 * one flagged */
	for (size_t e = p2 & ~OCTOPUS; ; e++) {
		uint32_t v;
		if (!l->edge || e >= l->edge_len)
			return -1;
		v = be32(l->edge + e * 4);
		if ((v & ~OCTOPUS) >= g->total)
			return -1;
		if ((size_t)n < cap)
			out[n] = v & ~OCTOPUS;
		n++;
		if (v & OCTOPUS)
			return n;
	}
}
