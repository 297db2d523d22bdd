/*
 * copies.c - which commits are copies of one change (docs/METRICS.md,
 * "Changes, not copies"), for the metrics: a cherry-pick is a new commit
 * of an old change, and counting it as its own change gives the original
 * a later first release than the copy and counts each backported fix twice.
 *
 * Two commits are copies of one change when one names the other in a
 * resolved ref of kind backport (`(cherry picked from commit X)`, `commit X
 * upstream.`, `backport of X`), or when both are non-merge commits with a
 * good date and the same identity (classify.c's identity_of(): author email
 * after the mailmap, author time, subject; 0, none, for an empty subject),
 * unless the later one was committed after a revert of an earlier one (the
 * change landed again). Copies of copies are copies: union-find over both
 * links.
 *
 * Invariants: root[i] is the earliest copy of i's change by committer time,
 * then id (then index, for inputs without ids), and root[root[i]] ==
 * root[i]; first[i] is the smallest (earliest) first release among the
 * copies, the same for all of them; the copies of root r are mem[at[r] ..
 * at[r + 1]), and at[i] == at[i + 1] for a commit that is no root. Linear
 * in the history (one hash table of identities, one pass over the refs)
 * but for a sort of the commits whose identity occurs twice.
 */
#include "metrics_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void gv_copies_free(gv_copies *cp)
{
	free(cp->root);
	free(cp->first);
	free(cp->mem);
	free(cp->at);
	memset(cp, 0, sizeof(*cp));
}

static gv_idx find(gv_idx *up, gv_idx x)
{
	while (up[x] != x) {
		up[x] = up[up[x]];
		x = up[x];
	}
	return x;
}

static void join(gv_idx *up, gv_idx a, gv_idx b)
{
	a = find(up, a);
	b = find(up, b);
	if (a != b)
		up[a > b ? a : b] = a > b ? b : a;
}

/* Whether a is an earlier copy than b: committer time, then id, then
 * index (inputs without ids). */
static int earlier(const gv_metrics_input *in, gv_idx a, gv_idx b)
{
	int64_t ta = in->commits[a].commit_time, tb = in->commits[b].commit_time;
	int c;

	if (ta != tb)
		return ta < tb;
	if (in->id && (c = memcmp(in->id(in->ctx, a), in->id(in->ctx, b),
				  GV_OID_RAWSZ)))
		return c < 0;
	return a < b;
}

/* For the identity sort: by identity, then committer time, then index. */
typedef struct {
	uint64_t ident;
	int64_t time;
	gv_idx i;
} ident_rec;

static int cmp_ident(const void *pa, const void *pb)
{
	const ident_rec *a = pa, *b = pb;

	if (a->ident != b->ident)
		return a->ident < b->ident ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Links the commits that share an identity. An open-addressed table of
 * the first commit seen with each (index + 1; 0 is empty) finds the
 * identities seen twice, which are few; those commits are then sorted by
 * identity and time, and each is joined to the copies before it unless
 * one of those was reverted before it was committed: then it is the
 * change landed again (`git cherry-pick` of a reverted commit keeps its
 * identity), a change of its own, whose failure is its own release's.
 * reverted_at[i]: the committer time of the first resolved revert of i,
 * or INT64_MAX. */
static int join_identities(gv_idx *up, const gv_metrics_input *in,
			   const uint64_t *ident, const int64_t *reverted_at)
{
	size_t n = in->ncommits, size = 16, i, s, nrec = 0;
	uint32_t *slot;
	uint8_t *twice = NULL;
	ident_rec *rec = NULL;
	int error = GV_ENOMEM;

	while (size < 2 * n)
		size <<= 1;
	if (!(slot = calloc(size, sizeof(*slot))) ||
	    !(twice = calloc(n ? n : 1, 1)))
		goto done;
	for (i = 0; i < n; i++) {
		if (!ident[i] || in->commits[i].flags &
				 (GV_COMMIT_MERGE | GV_COMMIT_BAD_DATE))
			continue;
		s = (size_t)(ident[i] ^ ident[i] >> 31) & (size - 1);
		while (slot[s] && ident[slot[s] - 1] != ident[i])
			s = (s + 1) & (size - 1);
		if (!slot[s]) {
			slot[s] = (uint32_t)i + 1;
			continue;
		}
		nrec += twice[slot[s] - 1] ? 1 : 2;
		twice[slot[s] - 1] = twice[i] = 1;
	}
	if (!(rec = malloc((nrec ? nrec : 1) * sizeof(*rec))))
		goto done;
	for (i = nrec = 0; i < n; i++)
		if (twice[i]) {
			rec[nrec].ident = ident[i];
			rec[nrec].time = in->commits[i].commit_time;
			rec[nrec++].i = (gv_idx)i;
		}
	if (nrec > 1)
		qsort(rec, nrec, sizeof(*rec), cmp_ident);
	for (i = 0; i < nrec; i++) {
		gv_idx first = rec[i].i;
		int64_t gone = reverted_at[first];

		for (s = i + 1; s < nrec && rec[s].ident == rec[i].ident; s++) {
			gv_idx c = rec[s].i;

			if (gone <= rec[s].time) {
				/* landed again after a revert */
				first = c;
				gone = reverted_at[c];
				continue;
			}
			join(up, first, c);
			if (reverted_at[c] < gone)
				gone = reverted_at[c];
		}
		i = s - 1;
	}
	error = 0;
done:
	free(slot);
	free(twice);
	free(rec);
	return error;
}

/* One pass over the resolved refs: links each commit to the commits its
 * backport refs name, and sets reverted_at[i] to the committer time of
 * the earliest commit with a revert ref to i (INT64_MAX: none). The
 * identity links do not depend on these, so the order of the joins does
 * not matter. */
static void scan_refs(gv_idx *up, int64_t *reverted_at,
		      const gv_metrics_input *in, const uint8_t *has_refs)
{
	size_t n = in->ncommits, i, j;
	gv_class_view v;

	for (i = 0; i < n; i++)
		reverted_at[i] = INT64_MAX;
	for (i = 0; i < n; i++) {
		if (!has_refs[i] || !in->classes)
			continue;
		in->classes(in->ctx, (gv_idx)i, &v);
		for (j = 0; j < v.nrefs; j++) {
			gv_idx t = v.refs[j].commit;

			if (!v.refs[j].resolved || t >= n)
				continue;
			if (v.refs[j].kind == GV_REF_BACKPORT)
				join(up, (gv_idx)i, t);
			else if (v.refs[j].kind == GV_REF_REVERT &&
				 in->commits[i].commit_time < reverted_at[t])
				reverted_at[t] = in->commits[i].commit_time;
		}
	}
}

int gv_copies_compute(gv_copies *cp, const gv_metrics_input *in,
		      const uint64_t *ident, const uint8_t *has_refs, int off)
{
	size_t n = in->ncommits, i, a = n ? n : 1;
	gv_idx *up = NULL, *best = NULL, r;
	int64_t *reverted_at = NULL;
	int error = GV_ENOMEM;

	memset(cp, 0, sizeof(*cp));
	if (!(cp->root = malloc(a * sizeof(*cp->root))) ||
	    !(cp->first = malloc(a * sizeof(*cp->first))) ||
	    !(cp->mem = malloc(a * sizeof(*cp->mem))) ||
	    !(cp->at = calloc(n + 2, sizeof(*cp->at))) ||
	    !(up = malloc(a * sizeof(*up))) ||
	    !(best = malloc(a * sizeof(*best))))
		goto done;
	for (i = 0; i < n; i++)
		up[i] = best[i] = (gv_idx)i;
	if (!off) {
		if (!(reverted_at = malloc(a * sizeof(*reverted_at))))
			goto done;
		scan_refs(up, reverted_at, in, has_refs);
		if ((error = join_identities(up, in, ident, reverted_at)))
			goto done;
		error = GV_ENOMEM;
	}
	/* the earliest copy and the earliest first release of each set */
	for (i = 0; i < n; i++)
		cp->first[i] = GV_NONE;
	for (i = 0; i < n; i++) {
		r = find(up, (gv_idx)i);
		if (earlier(in, (gv_idx)i, best[r]))
			best[r] = (gv_idx)i;
		if (in->first[i] < cp->first[r])
			cp->first[r] = in->first[i];
	}
	for (i = 0; i < n; i++) {
		r = find(up, (gv_idx)i);
		cp->root[i] = best[r];
		cp->first[i] = cp->first[r];
	}
	/* group by root: count, prefix sums, fill (index order) */
	for (i = 0; i < n; i++)
		cp->at[cp->root[i] + 2]++;
	for (i = 0; i < n; i++)
		cp->at[i + 2] += cp->at[i + 1];
	for (i = 0; i < n; i++)
		cp->mem[cp->at[cp->root[i] + 1]++] = (gv_idx)i;
	error = 0;
done:
	free(up);
	free(best);
	free(reverted_at);
	if (error)
		gv_copies_free(cp);
	return error;
}
