/*
 * releases.c - orders the release tags and gives every commit its first
 * release.
 *
 * First release: releases are visited oldest first; from each release commit
 * a depth-first walk marks every commit not yet marked and stops at marked
 * ones. A marked commit's ancestors were all marked by the same or an earlier
 * release (that release reaches them too), so stopping there is exact, and
 * each commit and parent edge is visited once: linear in the history.
 */
#include "gv/releases.h"
#include "gv/regex.h"

#include <stdlib.h>
#include <string.h>

struct gv_releases {
	gv_release *list;
	size_t count;
	uint32_t *first; /* per commit */
};

int gv_releases_tag_filter(const char *name, size_t len, void *payload)
{
	return gv_regex_search(payload, name, len);
}

static int cmp_release(const void *a, const void *b)
{
	const gv_release *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->tag->name, y->tag->name);
}

int gv_releases_compute(gv_releases **out, const gv_history *h, gv_error *err)
{
	const gv_commit *commits = gv_history_commits(h);
	const gv_idx *parents = gv_history_parents(h);
	size_t ntags, n = gv_history_count(h), i, nstack = 0;
	const gv_tag *tags = gv_history_tags(h, &ntags);
	gv_releases *r;
	gv_idx *stack = NULL;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))) ||
	    !(r->list = calloc(ntags ? ntags : 1, sizeof(*r->list))) ||
	    !(r->first = malloc((n ? n : 1) * sizeof(*r->first))) ||
	    !(stack = malloc((n ? n : 1) * sizeof(*stack)))) {
		gv_releases_free(r);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	memset(r->first, 0xff, n * sizeof(*r->first));
	for (i = 0; i < ntags; i++) {
		r->list[i].tag = &tags[i];
		r->list[i].commit = tags[i].commit;
		r->list[i].time = tags[i].time;
	}
	r->count = ntags;
	qsort(r->list, ntags, sizeof(*r->list), cmp_release);

	/* A commit is pushed only when it is marked, so the stack never holds
	 * more than n entries. */
	for (i = 0; i < ntags; i++) {
		gv_idx c = r->list[i].commit;
		uint32_t marked = 0;
		if (r->first[c] != GV_NONE)
			continue;
		r->first[c] = (uint32_t)i;
		stack[nstack++] = c;
		while (nstack) {
			const gv_commit *cm = &commits[stack[--nstack]];
			uint32_t k;
			marked++;
			for (k = 0; k < cm->nparents; k++) {
				gv_idx p = parents[cm->parents_at + k];
				if (r->first[p] == GV_NONE) {
					r->first[p] = (uint32_t)i;
					stack[nstack++] = p;
				}
			}
		}
		r->list[i].new_commits = marked;
	}
	free(stack);
	*out = r;
	return 0;
}

void gv_releases_free(gv_releases *r)
{
	if (!r)
		return;
	free(r->list);
	free(r->first);
	free(r);
}

const gv_release *gv_releases_list(const gv_releases *r, size_t *count)
{
	*count = r->count;
	return r->list;
}

const uint32_t *gv_releases_first(const gv_releases *r)
{
	return r->first;
}
