/*
 * metrics.c - every number of the report, from plain arrays: the history's
 * commits and parents, the releases and first releases, and a view of the
 * classification. docs/METRICS.md is the definition; this file follows it.
 *
 * Scope (the core issue): release-level numbers (failures, rework,
 * deployment frequency) use every commit walked, since failure evidence may
 * sit on any branch; commit-level numbers use only commits reachable from
 * the analysed revs whose committer time is in the window (and no bots under
 * exclude_bots). The window is [since, until) in UTC; a release is in it by
 * its release time. Without --until the window ends at the newest commit
 * time that is not in the future, since real histories hold commits dated
 * 2099.
 *
 * Cost: linear in the history, sorts included (commits, changes and
 * durations are radix-sorted; qsort only sees the few failure candidates
 * and security fixes), except the ancestry checks "does release R ship
 * remediation F" for an F first released before R (diverged branches): one
 * walk per such release, pruned by generation number, shared by all its
 * checks.
 */
#include "gv/metrics.h"
#include "metrics_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY INT64_C(86400)

/* Labels that make a release's new commits rework. */
#define REWORK_LABELS                                                    \
	(GV_LABEL(GV_CAT_FIX) | GV_LABEL(GV_CAT_REVERT) |                \
	 GV_LABEL(GV_CAT_ROLLBACK) | GV_LABEL(GV_CAT_SECURITY))
#define UNDO_LABELS (GV_LABEL(GV_CAT_REVERT) | GV_LABEL(GV_CAT_ROLLBACK))
#define TIERED_LABELS REWORK_LABELS

/* ---- statistics and levels ---- */

void gv_stats_from(gv_stats *s, int64_t *v, size_t n)
{
	int64_t sum = 0;
	size_t i;
	int overflow = 0;

	memset(s, 0, sizeof(*s));
	s->samples = n;
	if (!n)
		return;
	gv_sort_i64(v, n);
	s->median_s = gv_percentile(v, n, 50);
	s->p75_s = gv_percentile(v, n, 75);
	s->p90_s = gv_percentile(v, n, 90);
	for (i = 0; i < n; i++) {
		if ((v[i] > 0 && sum > INT64_MAX - v[i]) ||
		    (v[i] < 0 && sum < INT64_MIN - v[i]))
			overflow = 1;
		else
			sum += v[i];
	}
	if (overflow) {
		double d = 0;
		for (i = 0; i < n; i++)
			d += (double)v[i];
		s->mean_s = (int64_t)(d / (double)n + 0.5);
	} else {
		/* round half up: floor((2 sum + n) / 2n) for sum >= 0 */
		int64_t q = sum / (int64_t)n, r = sum % (int64_t)n;
		if (r < 0) {
			q--;
			r += (int64_t)n;
		}
		s->mean_s = q + (2 * r >= (int64_t)n ? 1 : 0);
	}
}

static const char *const level_names[] = {"low", "medium", "high", "elite"};

const char *gv_level_name(int level)
{
	return level >= GV_LEVEL_LOW && level <= GV_LEVEL_ELITE ? level_names[level]
								 : NULL;
}

int gv_level_from_name(const char *name, size_t len)
{
	int i;

	for (i = GV_LEVEL_LOW; i <= GV_LEVEL_ELITE; i++)
		if (strlen(level_names[i]) == len && !memcmp(name, level_names[i], len))
			return i;
	return GV_LEVEL_NONE;
}

static gv_level_of level_of(uint64_t samples, int level)
{
	gv_level_of l;

	l.insufficient = samples < GV_LEVEL_MIN_SAMPLES;
	l.level = l.insufficient ? GV_LEVEL_NONE : level;
	return l;
}

/* Releases per week >= 7 elite, >= 1 high, >= 1 per 30 days medium; in
 * integers: n / (w / DAY) >= 7 / 7  <=>  n * DAY >= w, and so on. */
gv_level_of gv_level_deployment(uint64_t n, int has_days, int64_t w)
{
	double dn = (double)n;
	int level;

	if (!has_days)
		return level_of(n, GV_LEVEL_NONE);
	if (dn * (double)DAY >= (double)w)
		level = GV_LEVEL_ELITE;
	else if (dn * 7.0 * (double)DAY >= (double)w)
		level = GV_LEVEL_HIGH;
	else if (dn * 30.0 * (double)DAY >= (double)w)
		level = GV_LEVEL_MEDIUM;
	else
		level = GV_LEVEL_LOW;
	return level_of(n, level);
}

static int level_below(const gv_stats *s, int64_t elite, int64_t high,
		       int64_t medium)
{
	if (!s->samples)
		return GV_LEVEL_NONE;
	if (s->median_s < elite)
		return GV_LEVEL_ELITE;
	if (s->median_s < high)
		return GV_LEVEL_HIGH;
	if (s->median_s < medium)
		return GV_LEVEL_MEDIUM;
	return GV_LEVEL_LOW;
}

gv_level_of gv_level_lead_time(const gv_stats *s)
{
	return level_of(s->samples, level_below(s, DAY, 7 * DAY, 30 * DAY));
}

gv_level_of gv_level_restore(const gv_stats *s)
{
	return level_of(s->samples, level_below(s, 3600, DAY, 7 * DAY));
}

/* <= 5%, <= 10%, <= 15%: compared in integers, failed * 100 <= 5 * n. */
gv_level_of gv_level_change_failure(uint64_t n, uint64_t failed)
{
	int level;

	if (failed * 100 <= 5 * n)
		level = GV_LEVEL_ELITE;
	else if (failed * 100 <= 10 * n)
		level = GV_LEVEL_HIGH;
	else if (failed * 100 <= 15 * n)
		level = GV_LEVEL_MEDIUM;
	else
		level = GV_LEVEL_LOW;
	return level_of(n, level);
}

/* ---- calendar (proleptic Gregorian, UTC; H. Hinnant's algorithms) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t gv_period_start(int kind, int64_t t, char *name, size_t size)
{
	int64_t days = floor_div(t, DAY), y, mo, d, monday, thu, week;

	if (kind == GV_PERIOD_WEEK) {
		/* 1970-01-01 was a Thursday; ISO weeks start on Monday and
		 * belong to the year of their Thursday */
		monday = days - (((days + 3) % 7) + 7) % 7;
		thu = monday + 3;
		civil_from_days(thu, &y, &mo, &d);
		week = (thu - days_from_civil(y, 1, 1)) / 7 + 1;
		if (name)
			snprintf(name, size, "%04lld-W%02lld", (long long)y,
				 (long long)week);
		return monday * DAY;
	}
	civil_from_days(days, &y, &mo, &d);
	if (kind == GV_PERIOD_QUARTER) {
		mo = (mo - 1) / 3 * 3 + 1;
		if (name)
			snprintf(name, size, "%04lld-Q%lld", (long long)y,
				 (long long)((mo - 1) / 3 + 1));
	} else if (name) {
		snprintf(name, size, "%04lld-%02lld", (long long)y, (long long)mo);
	}
	return days_from_civil(y, mo, 1) * DAY;
}

int64_t gv_period_next(int kind, int64_t start)
{
	int64_t y, mo, d, step = kind == GV_PERIOD_QUARTER ? 3 : 1;

	if (kind == GV_PERIOD_WEEK)
		return start + 7 * DAY;
	civil_from_days(floor_div(start, DAY), &y, &mo, &d);
	mo += step;
	if (mo > 12) {
		mo -= 12;
		y++;
	}
	return days_from_civil(y, mo, 1) * DAY;
}

/* ---- the working state of one computation ---- */

typedef struct calc {
	const gv_metrics_input *in;
	const gv_metrics_opts *o;
	gv_metrics *m;
	uint32_t *labels;    /* per commit, the counted tier only */
	uint32_t *possible;  /* per commit, labels below the counted tier */
	/* per commit: 1 when its view has refs. view() is not free, and most
	 * commits have none: the loops that only read refs skip the rest. */
	uint8_t *has_refs;
	uint32_t *gen;       /* generation numbers, computed on demand */
	/* changes (commits, or first-parent merges under --changes merges)
	 * reachable from the revs, bots left out under exclude_bots */
	gv_idx *chg;
	int64_t *chg_start;
	size_t nchg;
	/* with opts.evidence: the rule ids of every commit in scope */
	const char **hits;
	size_t nhits, hits_alloc;
	/* the copies of each change; in->first is their change's first
	 * release (gv_metrics_compute_input swaps it in) */
	gv_copies cp;
	uint8_t *seen;       /* per commit, scratch: a change already counted */
} calc;

uint32_t gv_metrics_counted(const gv_class_view *v, int min_conf)
{
	static const int tiered[] = { GV_CAT_FIX, GV_CAT_REVERT,
				      GV_CAT_ROLLBACK, GV_CAT_SECURITY };
	uint32_t l = v->labels;
	size_t t;

	for (t = 0; t < sizeof(tiered) / sizeof(*tiered); t++)
		if (v->conf[tiered[t]] < min_conf)
			l &= ~GV_LABEL(tiered[t]);
	return l;
}

static void view(const calc *k, gv_idx i, gv_class_view *v)
{
	if (k->in->classes)
		k->in->classes(k->in->ctx, i, v);
	else
		memset(v, 0, sizeof(*v));
}

static int in_window(const gv_metrics *m, int64_t t)
{
	return (!m->has_since || t >= m->since) && (!m->has_until || t < m->until);
}

static int is_bot(const calc *k, gv_idx i)
{
	return (k->labels[i] & GV_LABEL(GV_CAT_BOT)) != 0;
}

/* A commit counted by the commit-level numbers. */
static int in_scope(const calc *k, gv_idx i)
{
	const gv_commit *c = &k->in->commits[i];

	return (c->flags & GV_COMMIT_IN_REVS) && in_window(k->m, c->commit_time) &&
	       !(k->o->exclude_bots && is_bot(k, i));
}

static gv_idx parent(const calc *k, gv_idx i, uint32_t p)
{
	return k->in->parents[k->in->commits[i].parents_at + p];
}

static void resolve_window(gv_metrics *m, const gv_metrics_opts *o)
{
	int64_t anchor;

	if (o->until.kind == GV_BOUND_TIME) {
		m->has_until = 1;
		m->until = o->until.value;
	} else if (o->until.kind == GV_BOUND_SPAN) {
		/* a span for --until counts back from the newest commit */
		m->has_until = 1;
		m->until = m->newest - o->until.value;
	}
	anchor = m->has_until ? m->until : m->newest;
	if (o->since.kind == GV_BOUND_TIME) {
		m->has_since = 1;
		m->since = o->since.value;
	} else if (o->since.kind == GV_BOUND_SPAN) {
		m->has_since = 1;
		m->since = anchor - o->since.value;
	}
	/* a span reaches back at most to 1970 (common.h's date range): the
	 * bound stays a 4-digit year, and nothing believable is older */
	if (o->until.kind == GV_BOUND_SPAN && m->until < GV_TIME_MIN)
		m->until = GV_TIME_MIN;
	if (o->since.kind == GV_BOUND_SPAN && m->since < GV_TIME_MIN)
		m->since = GV_TIME_MIN;
}

/* Generation numbers: 1 + the largest of the parents' (1 for a root), so
 * an ancestor always has a smaller one. Iterative: histories are deep. */
static int compute_gen(calc *k)
{
	size_t n = k->in->ncommits, i, sp = 0, cap = n + 16, pushes = 0, edges = 0;
	gv_idx *stack = NULL;
	uint32_t p, g;
	int error = 0;

	if (k->gen)
		return 0;
	for (i = 0; i < n; i++)
		edges += k->in->commits[i].nparents;
	if (!(k->gen = calloc(n ? n : 1, sizeof(*k->gen))) ||
	    !(stack = malloc(cap * sizeof(*stack)))) {
		error = GV_ENOMEM;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (k->gen[i])
			continue;
		stack[sp++] = (gv_idx)i;
		while (sp) {
			gv_idx t = stack[sp - 1];
			int ready = 1;
			if (k->gen[t]) {
				sp--;
				continue;
			}
			g = 1;
			for (p = 0; p < k->in->commits[t].nparents; p++) {
				gv_idx q = parent(k, t, p);
				if (q >= n)
					continue;
				if (!k->gen[q]) {
					ready = 0;
					if (sp == cap &&
					    gv_grow((void **)&stack, &cap, sp + 1,
						    sizeof(*stack))) {
						error = GV_ENOMEM;
						goto done;
					}
					stack[sp++] = q;
					/* acyclic, a commit is pushed at most once
					 * per child and once as a root: more is a
					 * cycle (a forged cache), never a hang */
					if (++pushes > n + edges) {
						error = GV_EREPO;
						goto done;
					}
				} else if (k->gen[q] + 1 > g) {
					g = k->gen[q] + 1;
				}
			}
			if (ready) {
				k->gen[t] = g;
				sp--;
			}
		}
	}
done:
	free(stack);
	return error;
}

/* ---- commit ordering ---- */

/* Committer time as a uint64 whose ascending order is the wanted one: the
 * sign bit flipped maps int64 order onto uint64 order, and inverting every
 * bit then gives newest first. */
static uint64_t time_key(int64_t t, int newest_first)
{
	uint64_t u = (uint64_t)t ^ (UINT64_C(1) << 63);

	return newest_first ? ~u : u;
}

/* The first 8 bytes of an id read big-endian: uint64 order is memcmp
 * order. */
static uint64_t id_prefix(const unsigned char *id)
{
	/* spelled out: compilers turn this into one load and a byte swap */
	return (uint64_t)id[0] << 56 | (uint64_t)id[1] << 48 |
	       (uint64_t)id[2] << 40 | (uint64_t)id[3] << 32 |
	       (uint64_t)id[4] << 24 | (uint64_t)id[5] << 16 |
	       (uint64_t)id[6] << 8 | (uint64_t)id[7];
}

/* Orders v[0..n) by id; key[] is scratch. By the ids' first 8 bytes, then
 * by whole ids among the (in practice never more than one) that share
 * them. Without ids every id is equal and the order stays as it is. */
static int sort_by_id(const calc *k, uint64_t *key, gv_idx *v, size_t n)
{
	unsigned char id[GV_OID_RAWSZ];
	size_t i, j, a, t;

	if (!k->in->id)
		return 0;
	for (i = 0; i < n; i++)
		key[i] = id_prefix(k->in->id(k->in->ctx, v[i]));
	if (gv_sort_u64(key, v, n))
		return GV_ENOMEM;
	for (a = 0; a < n; a = j) {
		for (j = a + 1; j < n && key[j] == key[a]; j++)
			;
		for (i = a + 1; i < j; i++) {
			gv_idx x = v[i];
			memcpy(id, k->in->id(k->in->ctx, x), GV_OID_RAWSZ);
			for (t = i; t > a && memcmp(k->in->id(k->in->ctx, v[t - 1]),
						    id, GV_OID_RAWSZ) > 0; t--)
				v[t] = v[t - 1];
			v[t] = x;
		}
	}
	return 0;
}

/* Sorts commit indexes by committer time (then id): a radix sort on the
 * time, then each run of equal times by id. Runs are short (a rebased
 * series shares a second), so the ids are read for few commits. */
static int sort_commits(const calc *k, gv_idx *v, size_t n, int newest_first)
{
	uint64_t *key = malloc((n ? n : 1) * sizeof(*key));
	size_t i, j;
	int error = 0;

	if (!key)
		return GV_ENOMEM;
	for (i = 0; i < n; i++)
		key[i] = time_key(k->in->commits[v[i]].commit_time, newest_first);
	if ((error = gv_sort_u64(key, v, n)))
		goto done;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && key[j] == key[i]; j++)
			;
		if (j - i > 1 && (error = sort_by_id(k, key + i, v + i, j - i)))
			goto done;
	}
done:
	free(key);
	return error;
}

/* ---- lead time ---- */

int gv_metrics_lead_time(const gv_metrics *m, const gv_history *h,
			 const gv_releases *rel, gv_idx commit, int64_t *out)
{
	const gv_commit *c = &gv_history_commits(h)[commit];
	uint32_t r = m->first[commit];
	size_t nrel;
	const gv_release *list = gv_releases_list(rel, &nrel);

	if ((c->flags & GV_COMMIT_MERGE) || r == GV_NONE || r >= nrel)
		return GV_ENOTFOUND;
	*out = list[r].time - m->start[commit];
	return 0;
}

static int64_t start_of(const calc *k, gv_idx i)
{
	const gv_commit *c = &k->in->commits[i];
	return k->o->lead_from_commit ? c->commit_time : c->author_time;
}

/* m->start: per commit, the earliest start among the non-merge copies of
 * its change with a good date (a copy keeps the author time, so this is
 * the original's), else its own. */
static void change_starts(calc *k)
{
	const gv_copies *cp = &k->cp;
	size_t n = k->in->ncommits, i;
	uint32_t j;
	gv_idx c;
	int have;

	for (i = 0; i < n; i++) {
		k->m->start[i] = start_of(k, (gv_idx)i);
		if (cp->at[i + 1] - cp->at[i] < 2)
			continue;
		have = 0;
		for (j = cp->at[i]; j < cp->at[i + 1]; j++) {
			c = cp->mem[j];
			if (k->in->commits[c].flags &
			    (GV_COMMIT_MERGE | GV_COMMIT_BAD_DATE))
				continue;
			if (!have || start_of(k, c) < k->m->start[i])
				k->m->start[i] = start_of(k, c);
			have = 1;
		}
	}
	for (i = 0; i < n; i++)
		if (cp->root[i] != i &&
		    !(k->in->commits[i].flags & GV_COMMIT_MERGE) &&
		    cp->at[cp->root[i] + 1] - cp->at[cp->root[i]] > 1)
			k->m->start[i] = k->m->start[cp->root[i]];
}

/* --changes commits: every non-merge commit of the revs is a change. */
static int changes_commits(calc *k)
{
	size_t n = k->in->ncommits, i;

	for (i = 0; i < n; i++) {
		const gv_commit *c = &k->in->commits[i];
		/* a bad date (history.c: missing, or outside 1970..9999) is
		 * kept out of every lead time */
		if (!(c->flags & GV_COMMIT_IN_REVS) ||
		    (c->flags & (GV_COMMIT_MERGE | GV_COMMIT_BAD_DATE)) ||
		    (k->o->exclude_bots && is_bot(k, (gv_idx)i)))
			continue;
		k->chg[k->nchg] = (gv_idx)i;
		k->chg_start[k->nchg++] = k->m->start[i];
	}
	return 0;
}

/* --changes merges: the commits on the first-parent chains of the revs'
 * tips are the changes; a merge among them starts at the earliest start of
 * the commits it brought in (those it reaches through its other parents and
 * no older mainline commit brought in already). Mainline commits are
 * visited in generation order, so an older merge claims its commits first. */
static int changes_merges(calc *k)
{
	size_t n = k->in->ncommits, i, nmain = 0, sp;
	uint8_t *state = calloc(n ? n : 1, 1); /* 1 has a child, 2 mainline,
						 4 claimed */
	uint64_t *order = NULL;
	gv_idx *stack = NULL;
	uint32_t p;
	int error = 0;

	if (!state || (error = compute_gen(k)) ||
	    !(order = malloc((n ? n : 1) * sizeof(*order))) ||
	    !(stack = malloc((n ? n : 1) * sizeof(*stack)))) {
		error = GV_ENOMEM;
		goto done;
	}
	for (i = 0; i < n; i++)
		if (k->in->commits[i].flags & GV_COMMIT_IN_REVS)
			for (p = 0; p < k->in->commits[i].nparents; p++)
				if (parent(k, (gv_idx)i, p) < n)
					state[parent(k, (gv_idx)i, p)] |= 1;
	for (i = 0; i < n; i++) {
		gv_idx t = (gv_idx)i;
		if (!(k->in->commits[i].flags & GV_COMMIT_IN_REVS) || (state[i] & 1))
			continue;
		/* a tip: follow its first parents */
		while (t < n && !(state[t] & 2)) {
			state[t] |= 6;
			order[nmain++] = (uint64_t)k->gen[t] << 32 | t;
			if (!k->in->commits[t].nparents)
				break;
			t = parent(k, t, 0);
		}
	}
	if ((error = gv_sort_u64(order, NULL, nmain)))
		goto done;
	for (i = 0; i < nmain; i++) {
		gv_idx mc = (gv_idx)(order[i] & 0xffffffffu);
		int64_t start = 0;
		int have = 0;

		sp = 0;
		for (p = 1; p < k->in->commits[mc].nparents; p++) {
			gv_idx q = parent(k, mc, p);
			if (q < n && !(state[q] & 4)) {
				state[q] |= 4;
				stack[sp++] = q;
			}
		}
		while (sp) {
			gv_idx t = stack[--sp];
			int64_t s = start_of(k, t);
			/* a bad date is no start to believe */
			if (!(k->in->commits[t].flags & GV_COMMIT_BAD_DATE) &&
			    (!have || s < start)) {
				start = s;
				have = 1;
			}
			for (p = 0; p < k->in->commits[t].nparents; p++) {
				gv_idx q = parent(k, t, p);
				if (q < n && !(state[q] & 4)) {
					state[q] |= 4;
					stack[sp++] = q;
				}
			}
		}
		if ((k->o->exclude_bots && is_bot(k, mc)) ||
		    (!have && (k->in->commits[mc].flags & GV_COMMIT_BAD_DATE)))
			continue;
		k->chg[k->nchg] = mc;
		k->chg_start[k->nchg++] = have ? start : start_of(k, mc);
	}
done:
	free(state);
	free(order);
	free(stack);
	return error;
}

/* The copies of a change among the changes start when the earliest of
 * them does (under --changes merges their starts differ), so that every
 * copy's sample is the change's and which one is counted does not matter. */
static int changes_once(calc *k)
{
	const gv_idx *root = k->cp.root;
	int64_t *rs = malloc((k->in->ncommits ? k->in->ncommits : 1) *
			     sizeof(*rs));
	size_t i;

	if (!rs)
		return GV_ENOMEM;
	memset(k->seen, 0, k->in->ncommits);
	for (i = 0; i < k->nchg; i++) {
		gv_idx r = root[k->chg[i]];
		if (!k->seen[r] || k->chg_start[i] < rs[r])
			rs[r] = k->chg_start[i];
		k->seen[r] = 1;
	}
	for (i = 0; i < k->nchg; i++)
		k->chg_start[i] = rs[root[k->chg[i]]];
	free(rs);
	return 0;
}

/* Whether change c (of k->chg) is the first of its copies seen since
 * k->seen was cleared: one sample per change. */
static int first_copy(calc *k, size_t c)
{
	gv_idx r = k->cp.root[k->chg[c]];

	if (k->seen[r])
		return 0;
	k->seen[r] = 1;
	return 1;
}

static int64_t lead_of(const calc *k, size_t c)
{
	uint32_t r = k->in->first[k->chg[c]];
	int64_t d = k->in->releases[r].time - k->chg_start[c];
	return d < 0 ? 0 : d;
}

static int lead_time(calc *k)
{
	gv_metrics *m = k->m;
	size_t i, nlead = 0;
	int64_t *lead = malloc((k->nchg ? k->nchg : 1) * sizeof(*lead));

	if (!lead)
		return GV_ENOMEM;
	memset(k->seen, 0, k->in->ncommits);
	for (i = 0; i < k->nchg; i++) {
		gv_idx c = k->chg[i];
		uint32_t r = k->in->first[c];
		if (!in_window(m, k->in->commits[c].commit_time) ||
		    !first_copy(k, i))
			continue;
		if (r == GV_NONE) {
			m->lead_time.unreleased++;
			continue;
		}
		if (k->in->releases[r].time - k->chg_start[i] < 0)
			m->lead_time.clamped++;
		lead[nlead++] = lead_of(k, i);
	}
	for (i = 0; i < nlead; i++) {
		size_t b = 0;
		while (b < GV_LEAD_BINS - 1 && lead[i] >= gv_lead_bins[b])
			b++;
		m->lead_hist[b]++;
	}
	gv_stats_from(&m->lead_time.stats, lead, nlead);
	m->lead_time.level = gv_level_lead_time(&m->lead_time.stats);
	free(lead);
	return 0;
}

/* ---- commit-level numbers: counts, rollbacks, fix latency ---- */

static int64_t clamp0(int64_t d)
{
	return d < 0 ? 0 : d;
}

/* A fix latency or time-to-revert sample: of the change `rem` for the
 * change `cul`. */
typedef struct pair_sample {
	gv_idx rem, cul;
	uint8_t kind;
	int64_t d;
} pair_sample;

static int cmp_pair_sample(const void *a, const void *b)
{
	const pair_sample *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem < y->rem ? -1 : 1;
	if (x->cul != y->cul)
		return x->cul < y->cul ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->d > y->d) - (x->d < y->d);
}

/* One sample per (remediating change, culprit change, kind): the copies
 * of a fix each carry its Fixes: trailer, and the earliest (shortest) is
 * the change's. */
static int pair_samples(gv_metrics *m, pair_sample *ps, size_t np)
{
	int64_t *fix = malloc((np ? np : 1) * sizeof(*fix)), *rev;
	size_t i, nfix = 0, nrev = 0;

	if (!fix)
		return GV_ENOMEM;
	rev = fix + np;  /* reverts fill the array from its end */
	if (np > 1)
		qsort(ps, np, sizeof(*ps), cmp_pair_sample);
	for (i = 0; i < np; i++) {
		if (i && ps[i].rem == ps[i - 1].rem &&
		    ps[i].cul == ps[i - 1].cul && ps[i].kind == ps[i - 1].kind)
			continue;
		if (ps[i].kind == GV_REF_FIXES) {
			fix[nfix++] = ps[i].d;
		} else {
			*--rev = ps[i].d;
			nrev++;
		}
	}
	gv_stats_from(&m->fix_latency, fix, nfix);
	gv_stats_from(&m->time_to_revert, rev, nrev);
	free(fix);
	return 0;
}

static int commit_numbers(calc *k)
{
	gv_metrics *m = k->m;
	const gv_commit *cs = k->in->commits;
	size_t n = k->in->ncommits, i, j, np = 0, pcap = 0;
	pair_sample *ps = NULL;
	int error = 0;

	for (i = 0; i < n; i++) {
		const gv_commit *c = &cs[i];
		gv_class_view v;
		uint32_t l = k->labels[i];

		if (!(c->flags & GV_COMMIT_IN_REVS) || !in_window(m, c->commit_time))
			continue;
		if (k->o->list_commits)
			m->commits[m->ncommits++] = (gv_idx)i;
		if (l & GV_LABEL(GV_CAT_BOT))
			m->counts.bots++;
		/* in_scope(), given the two checks above */
		if (k->o->exclude_bots && (l & GV_LABEL(GV_CAT_BOT)))
			continue;
		m->counts.commits++;
		m->counts.copies += k->cp.root[i] != i;
		m->counts.fixes += !!(l & GV_LABEL(GV_CAT_FIX));
		m->counts.reverts += !!(l & GV_LABEL(GV_CAT_REVERT));
		m->counts.rollbacks += !!(l & GV_LABEL(GV_CAT_ROLLBACK));
		m->counts.security += !!(l & GV_LABEL(GV_CAT_SECURITY));
		if (k->possible[i]) {
			uint32_t p = k->possible[i];

			m->counts.possible.fixes += !!(p & GV_LABEL(GV_CAT_FIX));
			m->counts.possible.reverts += !!(p & GV_LABEL(GV_CAT_REVERT));
			m->counts.possible.rollbacks += !!(p & GV_LABEL(GV_CAT_ROLLBACK));
			m->counts.possible.security += !!(p & GV_LABEL(GV_CAT_SECURITY));
		}
		if (c->flags & GV_COMMIT_MERGE) {
			m->counts.merges++;
		} else {
			m->rollback_rate.changes++;
			m->rollback_rate.rollbacks += !!(l & UNDO_LABELS);
		}
		if (k->o->evidence) {
			view(k, (gv_idx)i, &v);
			if (gv_grow((void **)&k->hits, &k->hits_alloc,
				    k->nhits + v.nrules, sizeof(*k->hits))) {
				error = GV_ENOMEM;
				goto done;
			}
			for (j = 0; j < v.nrules; j++)
				k->hits[k->nhits++] = v.rules[j];
		}
		if (!k->has_refs[i])
			continue;
		view(k, (gv_idx)i, &v);
		for (j = 0; j < v.nrefs; j++) {
			const gv_ref *r = &v.refs[j];
			int64_t d;
			/* a bad date (history.c) is no end of a duration */
			if (!r->resolved || r->commit >= n || r->commit == i ||
			    ((c->flags | cs[r->commit].flags) & GV_COMMIT_BAD_DATE))
				continue;
			d = clamp0(c->commit_time - cs[r->commit].author_time);
			if (!(r->kind == GV_REF_FIXES && (l & GV_LABEL(GV_CAT_FIX))) &&
			    r->kind != GV_REF_REVERT)
				continue;
			if (gv_grow((void **)&ps, &pcap, np + 1, sizeof(*ps))) {
				error = GV_ENOMEM;
				goto done;
			}
			ps[np].rem = k->cp.root[i];
			ps[np].cul = k->cp.root[r->commit];
			ps[np].kind = r->kind;
			ps[np++].d = d;
		}
	}
	if ((error = pair_samples(m, ps, np)))
		goto done;
	error = sort_commits(k, m->commits, m->ncommits, 1);
done:
	free(ps);
	return error;
}

/* ---- releases: deployment frequency, rework ---- */

static int releases_numbers(calc *k)
{
	gv_metrics *m = k->m;
	const gv_release *list = k->in->releases;
	size_t nrel = k->in->nreleases, n = k->in->ncommits, i;
	uint32_t *nnew; /* two counters per release: new, rework among them */
	int64_t start, end;

	if (!(nnew = calloc(nrel ? 2 * nrel : 1, sizeof(*nnew))))
		return GV_ENOMEM;

	for (i = 0; i < nrel; i++)
		if (in_window(m, list[i].time))
			m->releases[m->nreleases++] = (uint32_t)i;
	m->counts.releases = m->nreleases;
	m->deployment_frequency.releases = m->nreleases;

	/* The window starts at --since or at the first release; it ends at
	 * --until or at the newest commit time not in the future. */
	start = end = 0;
	if (m->has_since || nrel) {
		end = m->has_until ? m->until : m->newest;
		start = m->has_since ? m->since : list[0].time;
		if (end > start) {
			m->deployment_frequency.has_days = 1;
			m->deployment_frequency.days = (double)(end - start) / 86400.0;
			m->deployment_frequency.per_week =
				(double)m->nreleases * 7.0 / m->deployment_frequency.days;
		}
	}
	m->deployment_frequency.level =
		gv_level_deployment(m->nreleases, m->deployment_frequency.has_days,
				    end - start);

	/* rework: count new non-merge commits, and the rework among them */
	for (i = 0; i < n; i++) {
		uint32_t r = k->in->first[i];
		if (r == GV_NONE || r >= nrel ||
		    (k->in->commits[i].flags & GV_COMMIT_MERGE))
			continue;
		nnew[2 * r]++;
		if (k->labels[i] & REWORK_LABELS)
			nnew[2 * r + 1]++;
	}
	for (i = 0; i < nrel; i++)
		m->rework[i] = nnew[2 * i] > 0 && nnew[2 * i] == nnew[2 * i + 1];
	for (i = 0; i < m->nreleases; i++)
		m->rework_rate.rework += m->rework[m->releases[i]];
	m->rework_rate.releases = m->nreleases;
	free(nnew);
	return 0;
}

/* ---- failures ---- */

typedef struct cand {
	gv_failure f;
	uint32_t rel;       /* the release that first shipped the culprit */
	uint8_t pending;    /* shipped? needs an ancestry check */
	uint8_t shipped;
	int64_t time;       /* sort keys: remediation committer time, ids */
	unsigned char rid[GV_OID_RAWSZ], cid[GV_OID_RAWSZ];
} cand;

static int cmp_cand_rel(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	int c;

	if (x->rel != y->rel)
		return x->rel < y->rel ? -1 : 1;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if ((c = memcmp(x->rid, y->rid, GV_OID_RAWSZ)))
		return c;
	return memcmp(x->cid, y->cid, GV_OID_RAWSZ);
}

static int remediation_kind(int kind)
{
	return kind == GV_REF_REVERT || kind == GV_REF_FIXES ||
	       kind == GV_REF_ADVISORY;
}

/* Collects every (culprit, remediation) pair whose culprit has a first
 * release R and whose remediation R may not ship. */
static int collect_candidates(calc *k, cand **out, size_t *nout)
{
	size_t n = k->in->ncommits, i, j, t, cap = 0, nc = 0;
	cand *c = NULL;

	for (i = 0; i < n; i++) {
		gv_class_view v;
		uint32_t fr = k->in->first[i];
		if (!k->has_refs[i])
			continue;
		view(k, (gv_idx)i, &v);
		for (j = 0; j < v.nrefs; j++) {
			const gv_ref *r = &v.refs[j];
			uint32_t R;
			int dup = 0;
			/* a change does not remediate itself */
			if (!r->resolved || r->commit >= n ||
			    k->cp.root[r->commit] == k->cp.root[i] ||
			    !remediation_kind(r->kind))
				continue;
			R = k->in->first[r->commit];
			if (R == GV_NONE || fr == R)
				continue;
			for (t = 0; t < j && !dup; t++)
				dup = v.refs[t].resolved &&
				      v.refs[t].commit == r->commit &&
				      remediation_kind(v.refs[t].kind);
			if (dup)
				continue;
			if (gv_grow((void **)&c, &cap, nc + 1, sizeof(*c))) {
				free(c);
				return GV_ENOMEM;
			}
			memset(&c[nc], 0, sizeof(c[nc]));
			c[nc].f.culprit = r->commit;
			c[nc].f.remediation = (gv_idx)i;
			c[nc].f.kind = r->kind;
			c[nc].rel = R;
			/* the first release is the earliest that ships a
			 * commit: one before R may or may not be in R */
			c[nc].pending = fr != GV_NONE && fr < R;
			c[nc].time = k->in->commits[i].commit_time;
			if (k->in->id) {
				memcpy(c[nc].rid, k->in->id(k->in->ctx, (gv_idx)i),
				       GV_OID_RAWSZ);
				memcpy(c[nc].cid, k->in->id(k->in->ctx, r->commit),
				       GV_OID_RAWSZ);
			}
			nc++;
		}
	}
	*out = c;
	*nout = nc;
	return 0;
}

static void mark_ancestors(calc *k, gv_idx from, uint32_t mingen,
			   uint32_t *stamp, gv_idx *queue, uint32_t mark);

/* For the candidates of one release (c[0..nc), sorted together), marks
 * those a copy of whose remediation is an ancestor of the release commit:
 * one walk from it, pruned below the smallest generation among them. */
static int check_ancestry(calc *k, cand *c, size_t nc, uint32_t *stamp,
			  gv_idx *queue, uint32_t mark)
{
	const gv_copies *cp = &k->cp;
	size_t n = k->in->ncommits, i;
	uint32_t mingen = UINT32_MAX, j;
	gv_idx start = k->in->releases[c[0].rel].commit, r;

	for (i = 0; i < nc; i++) {
		r = cp->root[c[i].f.remediation];
		for (j = cp->at[r]; c[i].pending && j < cp->at[r + 1]; j++)
			if (k->gen[cp->mem[j]] < mingen)
				mingen = k->gen[cp->mem[j]];
	}
	if (mingen == UINT32_MAX || start >= n)
		return 0;
	mark_ancestors(k, start, mingen, stamp, queue, mark);
	for (i = 0; i < nc; i++) {
		r = cp->root[c[i].f.remediation];
		for (j = cp->at[r]; c[i].pending && j < cp->at[r + 1]; j++)
			if (stamp[cp->mem[j]] == mark)
				c[i].shipped = 1;
	}
	return 0;
}

/* Keeps one failure per (culprit change, remediating change) of a release:
 * the first in c's order (c[0..nc) share the release). The rest are marked
 * shipped, so no list shows them. Copies of a change are few: the scan
 * back stops at the release's first candidate. */
static void drop_copied_failures(const calc *k, cand *c, size_t nc)
{
	const gv_idx *root = k->cp.root;
	size_t i, j;

	for (i = 1; i < nc; i++)
		for (j = 0; j < i; j++)
			if (!c[j].shipped &&
			    root[c[j].f.culprit] == root[c[i].f.culprit] &&
			    root[c[j].f.remediation] == root[c[i].f.remediation]) {
				c[i].shipped = 1;
				break;
			}
}

static int urgent(const calc *k, const cand *c)
{
	const gv_release *list = k->in->releases;
	uint32_t fr = k->in->first[c->f.remediation];
	int64_t w = k->m->hotfix_window, d;

	if (c->f.kind == GV_REF_REVERT || (k->labels[c->f.remediation] & UNDO_LABELS))
		return 1;
	/* "within the window after the release": [0, w] */
	if (fr != GV_NONE) {
		d = list[fr].time - list[c->rel].time;
		return k->m->rework[fr] || (d >= 0 && d <= w);
	}
	d = k->in->commits[c->f.remediation].commit_time - list[c->rel].time;
	return d >= 0 && d <= w;
}

static int failures(calc *k)
{
	gv_metrics *m = k->m;
	size_t nrel = k->in->nreleases, n = k->in->ncommits, nc = 0, i, j, nf = 0;
	cand *c = NULL;
	uint32_t *stamp = NULL;
	gv_idx *queue = NULL;
	int error, any_pending = 0;

	if ((error = collect_candidates(k, &c, &nc)))
		return error;
	if (nc > 1)
		qsort(c, nc, sizeof(*c), cmp_cand_rel);
	for (i = 0; i < nc; i++)
		any_pending |= c[i].pending;
	if (any_pending) {
		if ((error = compute_gen(k)) ||
		    !(stamp = calloc(n, sizeof(*stamp))) ||
		    !(queue = malloc(n * sizeof(*queue)))) {
			error = GV_ENOMEM;
			goto done;
		}
		for (i = 0; i < nc; i = j) {
			for (j = i; j < nc && c[j].rel == c[i].rel; j++)
				;
			check_ancestry(k, c + i, j - i, stamp, queue, c[i].rel + 1);
		}
	}
	for (i = 0; !k->o->no_copies && i < nc; i = j) {
		for (j = i; j < nc && c[j].rel == c[i].rel; j++)
			;
		drop_copied_failures(k, c + i, j - i);
	}
	for (i = 0; i < nc; i++)
		nf += !c[i].shipped;
	if (!(m->failures = malloc((nf ? nf : 1) * sizeof(*m->failures)))) {
		error = GV_ENOMEM;
		goto done;
	}
	memset(m->failures_at, 0, (nrel + 1) * sizeof(*m->failures_at));
	for (i = j = 0; i < nc; i++) {
		if (c[i].shipped)
			continue;
		c[i].f.urgent = (uint8_t)urgent(k, &c[i]);
		m->failures[j++] = c[i].f;
		m->failures_at[c[i].rel + 1]++;
	}
	for (i = 0; i < nrel; i++)
		m->failures_at[i + 1] += m->failures_at[i];
done:
	free(c);
	free(stamp);
	free(queue);
	return error;
}

/* A release fails with an urgent failure; any failure is an escaped
 * defect. */
static int release_failed(const gv_metrics *m, uint32_t r)
{
	uint32_t f;

	for (f = m->failures_at[r]; f < m->failures_at[r + 1]; f++)
		if (m->failures[f].urgent)
			return 1;
	return 0;
}

static int release_escaped(const gv_metrics *m, uint32_t r)
{
	return m->failures_at[r + 1] > m->failures_at[r];
}

/* Change failure rate, escaped defects and time to restore. */
static int failure_numbers(calc *k)
{
	gv_metrics *m = k->m;
	const gv_release *list = k->in->releases;
	size_t nrel = k->in->nreleases, i, ns = 0;
	uint32_t f, r;
	int64_t *restore = malloc((nrel ? nrel : 1) * sizeof(*restore));

	if (!restore)
		return GV_ENOMEM;
	for (r = 0; r < nrel; r++) {
		int64_t best = -1;
		for (f = m->failures_at[r]; f < m->failures_at[r + 1]; f++) {
			uint32_t fr = k->in->first[m->failures[f].remediation];
			int64_t d;
			if (!m->failures[f].urgent || fr == GV_NONE)
				continue;
			d = clamp0(list[fr].time - list[r].time);
			if (best < 0 || d < best)
				best = d;
		}
		m->restore_s[r] = best;
	}
	for (i = 0; i < m->nreleases; i++) {
		r = m->releases[i];
		m->escaped_defect_rate.escaped += (uint64_t)release_escaped(m, r);
		if (!release_failed(m, r))
			continue;
		m->change_failure_rate.failed++;
		if (m->restore_s[r] < 0)
			m->time_to_restore.unrestored++;
		else
			restore[ns++] = m->restore_s[r];
	}
	m->change_failure_rate.releases = m->nreleases;
	m->escaped_defect_rate.releases = m->nreleases;
	m->change_failure_rate.level =
		gv_level_change_failure(m->nreleases, m->change_failure_rate.failed);
	gv_stats_from(&m->time_to_restore.stats, restore, ns);
	m->time_to_restore.level = gv_level_restore(&m->time_to_restore.stats);
	free(restore);
	return 0;
}

/* ---- security ---- */

typedef struct id_patch {
	const char *id;
	size_t patch;   /* position in the patch list, then its group root */
} id_patch;

static int cmp_id_patch(const void *a, const void *b)
{
	const id_patch *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->patch > y->patch) - (x->patch < y->patch);
}

static int cmp_root_id(const void *a, const void *b)
{
	const id_patch *x = a, *y = b;

	if (x->patch != y->patch)
		return x->patch < y->patch ? -1 : 1;
	return strcmp(x->id, y->id);
}

static size_t uf_find(size_t *up, size_t x)
{
	while (up[x] != x) {
		up[x] = up[up[x]];
		x = up[x];
	}
	return x;
}

typedef struct grp {
	size_t root, pos;  /* union-find root; position in patch order */
} grp;

static int cmp_grp(const void *a, const void *b)
{
	const grp *x = a, *y = b;

	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int push_commit(gv_metrics *m, size_t *n, size_t *cap, gv_idx c)
{
	if (gv_grow((void **)&m->vuln_commits, cap, *n + 1, sizeof(gv_idx)))
		return GV_ENOMEM;
	m->vuln_commits[(*n)++] = c;
	return 0;
}

/* Which links between security fixes hold (computed once, before the
 * fixes are grouped): a culprit must be an ancestor of its fix and not
 * newer than it, and a fix is not a fix of an id that a fix among its
 * ancestors already names (a merge of the fixes, release notes, a revert
 * or follow-up that cites them): such ids neither join vulnerabilities
 * nor make the later commit a fix. */
typedef struct vlinks {
	size_t *cul_at;     /* per patch position, into cul; np + 1 entries */
	gv_idx *cul;        /* the culprits that hold, per patch */
	size_t ncul, culcap;
	uint8_t *gone;      /* per patch position: every id it named is
	                       fixed in its history, so it fixes nothing */
} vlinks;

/* Marks with `mark` every ancestor of `from` (and itself) whose
 * generation is at least mingen: the ancestors that can be of interest
 * and, pruned so, not the whole history. */
static void mark_ancestors(calc *k, gv_idx from, uint32_t mingen,
			   uint32_t *stamp, gv_idx *queue, uint32_t mark)
{
	size_t n = k->in->ncommits, head = 0, tail = 0;
	uint32_t p;

	queue[tail++] = from;
	stamp[from] = mark;
	while (head < tail) {
		gv_idx t = queue[head++];
		for (p = 0; p < k->in->commits[t].nparents; p++) {
			gv_idx q = parent(k, t, p);
			if (q >= n || stamp[q] == mark || k->gen[q] < mingen)
				continue;
			stamp[q] = mark;
			queue[tail++] = q;
		}
	}
}

static int is_culprit_ref(const calc *k, const gv_ref *r, gv_idx fix)
{
	return r->resolved && r->commit < k->in->ncommits && r->commit != fix &&
	       remediation_kind(r->kind);
}

/* The smallest generation among what patch i may be linked to: its
 * culprits and the other fixes of its ids (run[t]..end[t] of ip). */
static uint32_t link_mingen(calc *k, const gv_idx *patch, size_t i,
			    const id_patch *ip, const size_t *by, size_t nby,
			    const size_t *run, const size_t *end)
{
	uint32_t mg = UINT32_MAX;
	gv_class_view v;
	size_t t, u, r;

	for (t = 0; t < nby; t++)
		for (u = run[by[t]]; u < end[by[t]]; u++)
			if (ip[u].patch != i && k->gen[patch[ip[u].patch]] < mg)
				mg = k->gen[patch[ip[u].patch]];
	view(k, patch[i], &v);
	for (r = 0; r < v.nrefs; r++)
		if (is_culprit_ref(k, &v.refs[r], patch[i]) &&
		    k->gen[v.refs[r].commit] < mg)
			mg = k->gen[v.refs[r].commit];
	return mg;
}

/* Whether fix P, naming ip[mine[t]].id that a fix in its history names
 * too, only cites it: P is a merge (of that fix, or a sync with a
 * maintenance branch), or it names another id of the same kind (two CVE
 * ids are two issues: release notes, a revert that lists what it undoes,
 * a fix of a new issue that recalls an old one). A CVE and a GHSA id on
 * one commit are more likely aliases of one issue, and stay joined. */
static int summary(const calc *k, gv_idx P, const id_patch *ip,
		   const size_t *mine, size_t nmine, size_t t)
{
	const char *x = ip[mine[t]].id, *dash = strchr(x, '-');
	size_t len = dash ? (size_t)(dash - x) : strlen(x), u;

	if (k->in->commits[P].nparents > 1)
		return 1;
	for (u = 0; u < nmine; u++)
		if (u != t && !strncmp(ip[mine[u]].id, x, len) &&
		    ip[mine[u]].id[len] == (dash ? '-' : '\0'))
			return 1;
	return 0;
}

/* Fills L and drops from ip[0..*nip) (sorted by id) the ids a fix's
 * history already fixes. One pruned walk per fix that has culprits or
 * shares an id: a few hundred walks on the largest histories. */
static int vuln_links(calc *k, const gv_idx *patch, size_t np, id_patch *ip,
		      size_t *nip, vlinks *L)
{
	size_t n = k->in->ncommits, i, t, u, o, r, *run = NULL, *end = NULL;
	size_t *by_at = NULL, *by = NULL, *fill = NULL;
	uint32_t *stamp = NULL, mark;
	gv_idx *queue = NULL;
	uint8_t *drop = NULL;
	int error = GV_ENOMEM;

	if (compute_gen(k) ||
	    !(stamp = calloc(n ? n : 1, sizeof(*stamp))) ||
	    !(queue = malloc((n ? n : 1) * sizeof(*queue))) ||
	    !(run = malloc((*nip ? *nip : 1) * sizeof(*run))) ||
	    !(end = malloc((*nip ? *nip : 1) * sizeof(*end))) ||
	    !(by = malloc((*nip ? *nip : 1) * sizeof(*by))) ||
	    !(drop = calloc(*nip ? *nip : 1, 1)) ||
	    !(by_at = calloc(np + 1, sizeof(*by_at))) ||
	    !(fill = calloc(np + 1, sizeof(*fill))) ||
	    !(L->cul_at = calloc(np + 1, sizeof(*L->cul_at))) ||
	    !(L->gone = calloc(np ? np : 1, 1)))
		goto done;
	/* run[t], end[t]: the entries of ip[t]'s id; by: entries per patch */
	for (t = 0; t < *nip; t++) {
		run[t] = t && !strcmp(ip[t].id, ip[t - 1].id) ? run[t - 1] : t;
		by_at[ip[t].patch + 1]++;
	}
	for (t = *nip; t-- > 0;)
		end[t] = t + 1 < *nip && run[t + 1] == run[t] ? end[t + 1] : t + 1;
	for (i = 0; i < np; i++)
		fill[i + 1] = by_at[i + 1] += by_at[i];
	for (t = 0; t < *nip; t++)
		by[fill[ip[t].patch]++] = t;
	for (i = 0; i < np; i++) {
		gv_idx P = patch[i];
		const size_t *mine = by + by_at[i];
		size_t nmine = by_at[i + 1] - by_at[i], kept = 0;
		uint32_t mg = link_mingen(k, patch, i, ip, mine, nmine, run, end);
		gv_class_view v;

		mark = (uint32_t)i + 1;
		if (mg < k->gen[P])
			mark_ancestors(k, P, mg, stamp, queue, mark);
		L->cul_at[i] = L->ncul;
		view(k, P, &v);
		for (r = 0; r < v.nrefs; r++) {
			gv_idx c = v.refs[r].commit;
			if (!is_culprit_ref(k, &v.refs[r], P))
				continue;
			if (stamp[c] == mark && k->in->commits[c].commit_time <=
						    k->in->commits[P].commit_time) {
				if (gv_grow((void **)&L->cul, &L->culcap,
					    L->ncul + 1, sizeof(*L->cul)))
					goto done;
				L->cul[L->ncul++] = c;
				continue;
			}
			if (!k->m->security.dropped_culprits++) {
				k->m->security.dropped_fix = P;
				k->m->security.dropped_culprit = c;
			}
		}
		for (t = 0; t < nmine; t++)
			for (u = run[mine[t]]; u < end[mine[t]]; u++)
				if (ip[u].patch != i &&
				    stamp[patch[ip[u].patch]] == mark)
					drop[mine[t]] = 1;
		for (t = 0; t < nmine; t++) {
			if (drop[mine[t]] && !summary(k, P, ip, mine, nmine, t))
				drop[mine[t]] = 0;
			kept += !drop[mine[t]];
		}
		L->gone[i] = nmine && !kept;
	}
	L->cul_at[np] = L->ncul;
	for (t = o = 0; t < *nip; t++)
		if (!drop[t])
			ip[o++] = ip[t];
	*nip = o;
	error = 0;
done:
	free(stamp);
	free(queue);
	free(run);
	free(end);
	free(by);
	free(drop);
	free(by_at);
	free(fill);
	return error;
}

/* Fills one vulnerability from its fixes patch[g[0..ng)], whose ids are
 * ids[0..nids) (sorted, duplicates allowed), with the culprits that hold
 * (L). */
static int vulnerability(calc *k, gv_vuln *vu, const gv_idx *patch,
			 const grp *g, size_t ng, const id_patch *ids,
			 size_t nids, const vlinks *L, size_t *nvid,
			 size_t *ncom, size_t *comcap)
{
	gv_metrics *m = k->m;
	const gv_release *list = k->in->releases;
	size_t t, r, o;
	gv_idx *cu;

	vu->introduced = vu->fixed = GV_NONE;
	vu->ids_at = *nvid;
	for (t = 0; t < nids; t++)
		if (!t || strcmp(ids[t].id, ids[t - 1].id))
			m->vuln_ids[(*nvid)++] = ids[t].id;
	vu->nids = *nvid - vu->ids_at;
	vu->fixes_at = *ncom;
	for (t = 0; t < ng; t++) {
		uint32_t fr = k->in->first[patch[g[t].pos]];
		if (push_commit(m, ncom, comcap, patch[g[t].pos]))
			return GV_ENOMEM;
		if (fr != GV_NONE && (vu->fixed == GV_NONE || fr < vu->fixed))
			vu->fixed = fr;
	}
	vu->nfixes = *ncom - vu->fixes_at;
	vu->culprits_at = *ncom;
	for (t = 0; t < ng; t++)
		for (r = L->cul_at[g[t].pos]; r < L->cul_at[g[t].pos + 1]; r++)
			if (push_commit(m, ncom, comcap, L->cul[r]))
				return GV_ENOMEM;
	cu = m->vuln_commits + vu->culprits_at;
	if (*ncom - vu->culprits_at > 1)
		qsort(cu, *ncom - vu->culprits_at, sizeof(gv_idx), cmp_u32);
	for (t = o = 0; t < *ncom - vu->culprits_at; t++)
		if (!o || cu[o - 1] != cu[t])
			cu[o++] = cu[t];
	vu->nculprits = o;
	*ncom = vu->culprits_at + o;
	if (sort_commits(k, cu, o, 0))
		return GV_ENOMEM;
	for (t = 0; t < o; t++) {
		uint32_t cr = k->in->first[cu[t]];
		if (cr != GV_NONE && (vu->introduced == GV_NONE || cr < vu->introduced))
			vu->introduced = cr;
	}
	/* Each culprit is an ancestor of its own fix, but another fix of the
	 * same vulnerability (a backport) may ship first: a vulnerability
	 * fixed before it was introduced is no exposure to report. */
	if (vu->introduced != GV_NONE && vu->fixed != GV_NONE &&
	    list[vu->introduced].time > list[vu->fixed].time) {
		if (!m->security.late_introduced++)
			m->security.late_fix = m->vuln_commits[vu->fixes_at];
		vu->introduced = GV_NONE;
	}
	if (vu->introduced != GV_NONE && vu->fixed != GV_NONE) {
		vu->has_exposure = 1;
		vu->exposure_s = clamp0(list[vu->fixed].time - list[vu->introduced].time);
	}
	return 0;
}

/* Security fixes in scope: counts, fix to release, and vulnerabilities:
 * fixes that share an id are one vulnerability (an OSV record puts its id
 * and aliases on each of its fixes, a message names its ids together), a
 * fix without an id is its own; ids a fix's history already fixes do not
 * count (vuln_links). */
static int security(calc *k)
{
	gv_metrics *m = k->m;
	const gv_release *list = k->in->releases;
	size_t n = k->in->ncommits, np = 0, i, j, t, nip = 0, ipcap = 0;
	size_t nids = 0, ncom = 0, comcap = 0, nexp = 0, nvid = 0;
	gv_idx *patch = NULL;
	id_patch *ip = NULL;
	size_t *up = NULL;
	grp *g = NULL;
	int64_t *ftr = NULL, *exp = NULL;
	vlinks L;
	int error = GV_ENOMEM;

	memset(&L, 0, sizeof(L));
	m->security.dropped_fix = m->security.dropped_culprit = GV_NONE;
	m->security.late_fix = GV_NONE;
	if (!(patch = malloc((n ? n : 1) * sizeof(*patch))))
		goto done;
	for (i = 0; i < n; i++)
		if ((k->labels[i] & GV_LABEL(GV_CAT_SECURITY)) && in_scope(k, (gv_idx)i))
			patch[np++] = (gv_idx)i;
	if (sort_commits(k, patch, np, 0))
		goto done;
	/* one patch per change: its oldest copy in scope */
	memset(k->seen, 0, n);
	for (i = j = 0; i < np; i++)
		if (!k->seen[k->cp.root[patch[i]]]) {
			k->seen[k->cp.root[patch[i]]] = 1;
			patch[j++] = patch[i];
		}
	np = j;
	if (!(ftr = malloc((np ? np : 1) * sizeof(*ftr))) ||
	    !(exp = malloc((np ? np : 1) * sizeof(*exp))) ||
	    !(up = malloc((np ? np : 1) * sizeof(*up))) ||
	    !(g = malloc((np ? np : 1) * sizeof(*g))) ||
	    !(m->security.vulns = calloc(np ? np : 1, sizeof(*m->security.vulns))))
		goto done;
	for (i = 0; i < np; i++) {
		gv_class_view v;
		uint32_t fr = k->in->first[patch[i]];
		view(k, patch[i], &v);
		m->security.patches++;
		m->security.high_confidence += v.conf[GV_CAT_SECURITY] >= GV_CONF_HIGH;
		if (fr == GV_NONE)
			m->security.unreleased_fixes++;
		else if (!(k->in->commits[patch[i]].flags & GV_COMMIT_BAD_DATE))
			ftr[m->security.fix_to_release.samples++] =
				clamp0(list[fr].time - k->in->commits[patch[i]].commit_time);
		up[i] = i;
		for (j = 0; j < v.nids; j++) {
			if (gv_grow((void **)&ip, &ipcap, nip + 1, sizeof(*ip)))
				goto done;
			ip[nip].id = v.ids[j];
			ip[nip++].patch = i;
		}
	}
	gv_stats_from(&m->security.fix_to_release, ftr,
		      (size_t)m->security.fix_to_release.samples);

	if (nip > 1)
		qsort(ip, nip, sizeof(*ip), cmp_id_patch);
	if (!(m->security.ids = malloc((nip ? nip : 1) * sizeof(char *))) ||
	    !(m->vuln_ids = malloc((nip ? nip : 1) * sizeof(char *))))
		goto done;
	/* every id seen, also those vuln_links drops from a later fix */
	for (i = 0; i < nip; i++)
		if (!i || strcmp(ip[i].id, ip[i - 1].id))
			m->security.ids[nids++] = ip[i].id;
	m->security.nids = nids;
	if (vuln_links(k, patch, np, ip, &nip, &L))
		goto done;
	for (i = 1; i < nip; i++) {
		if (!strcmp(ip[i].id, ip[i - 1].id)) {
			/* the smaller root wins: a group's root is its oldest
			 * fix */
			size_t a = uf_find(up, ip[i].patch),
			       b = uf_find(up, ip[i - 1].patch);
			if (a != b)
				up[a > b ? a : b] = a > b ? b : a;
		}
	}
	for (i = 0; i < nip; i++)
		ip[i].patch = uf_find(up, ip[i].patch);
	if (nip > 1)
		qsort(ip, nip, sizeof(*ip), cmp_root_id);
	for (i = 0; i < np; i++) {
		g[i].root = uf_find(up, i);
		g[i].pos = i;
	}
	/* groups by root, i.e. by their oldest fix */
	if (np > 1)
		qsort(g, np, sizeof(*g), cmp_grp);
	for (i = t = 0; i < np; i = j) {
		size_t t0;
		for (j = i; j < np && g[j].root == g[i].root; j++)
			;
		/* a fix of nothing has no ids left, so it is alone */
		if (j - i == 1 && L.gone[g[i].pos])
			continue;
		while (t < nip && ip[t].patch < g[i].root)
			t++;
		for (t0 = t; t < nip && ip[t].patch == g[i].root; t++)
			;
		if (vulnerability(k, &m->security.vulns[m->security.nvulns], patch,
				  g + i, j - i, ip + t0, t - t0, &L, &nvid, &ncom,
				  &comcap))
			goto done;
		if (m->security.vulns[m->security.nvulns].has_exposure)
			exp[nexp++] = m->security.vulns[m->security.nvulns].exposure_s;
		m->security.nvulns++;
	}
	gv_stats_from(&m->security.exposure, exp, nexp);
	error = 0;
done:
	free(patch);
	free(ip);
	free(up);
	free(g);
	free(ftr);
	free(exp);
	free(L.cul_at);
	free(L.cul);
	free(L.gone);
	return error;
}

/* ---- trends ---- */

static size_t period_of(const gv_metrics *m, int64_t t)
{
	size_t lo = 0, hi = m->nseries;

	if (!m->nseries || t < m->series[0].start)
		return SIZE_MAX;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->series[mid].start <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* At most this many periods: a weekly series of 200 years. A longer span
 * keeps its newest periods (series_cut says from when), so no data lands
 * in a period it does not belong to. */
#define MAX_PERIODS 10500

static int series_restore(calc *k)
{
	gv_metrics *m = k->m;
	size_t p, i, n, nr = m->nreleases ? m->nreleases : 1;
	int64_t *v = malloc(nr * sizeof(*v));
	size_t *at = malloc(nr * sizeof(*at));

	if (!v || !at) {
		free(v);
		free(at);
		return GV_ENOMEM;
	}
	for (i = 0; i < m->nreleases; i++)
		at[i] = period_of(m, k->in->releases[m->releases[i]].time);
	for (p = 0; p < m->nseries; p++) {
		for (i = n = 0; i < m->nreleases; i++)
			if (at[i] == p && m->restore_s[m->releases[i]] >= 0)
				v[n++] = m->restore_s[m->releases[i]];
		gv_stats_from(&m->series[p].time_to_restore, v, n);
	}
	free(v);
	free(at);
	return 0;
}

/* The shortest period of a kind, in seconds. */
static int64_t shortest_period(int kind)
{
	return (kind == GV_PERIOD_WEEK ? 7 : kind == GV_PERIOD_QUARTER ? 89 : 28) *
	       DAY;
}

static int series(calc *k, int64_t now)
{
	gv_metrics *m = k->m;
	const gv_release *list = k->in->releases;
	size_t n = k->in->ncommits, i, p, cap = 0;
	int64_t lo = 0, hi = 0, t, **lead = NULL;
	size_t *nlead = NULL;
	int have = 0, kind = k->o->period, error = GV_ENOMEM;

	/* The span: the window's bounds, or else the data in it (commits
	 * and releases not in the future), up to the newest commit time not
	 * in the future, where the deployment-frequency window ends too. */
	for (i = 0; i < n; i++) {
		t = k->in->commits[i].commit_time;
		if (!in_scope(k, (gv_idx)i) || t > now ||
		    (k->in->commits[i].flags & GV_COMMIT_BAD_DATE))
			continue;
		if (!have || t < lo)
			lo = t;
		if (!have || t > hi)
			hi = t;
		have = 1;
	}
	for (i = 0; i < m->nreleases; i++) {
		t = list[m->releases[i]].time;
		if (t > now)
			continue;
		if (!have || t < lo)
			lo = t;
		if (!have || t > hi)
			hi = t;
		have = 1;
	}
	if (have && m->newest > hi)
		hi = m->newest;
	if (m->has_since)
		lo = m->since;
	if (m->has_until)
		hi = m->until - 1;
	if ((!have && !(m->has_since && m->has_until)) || hi < lo)
		return 0;
	/* (hi - lo) cannot overflow: both are dates or bounds of at most
	 * GV_SPAN_MAX from one (common.h) */
	if (hi - lo > (MAX_PERIODS - 2) * shortest_period(kind)) {
		lo = hi - (MAX_PERIODS - 2) * shortest_period(kind);
		m->series_cut = gv_period_start(kind, lo, NULL, 0);
	}
	for (t = gv_period_start(kind, lo, NULL, 0); t <= hi && m->nseries < MAX_PERIODS;
	     t = gv_period_next(kind, t)) {
		gv_period *pe;
		if (gv_grow((void **)&m->series, &cap, m->nseries + 1, sizeof(*pe)))
			return GV_ENOMEM;
		pe = &m->series[m->nseries++];
		memset(pe, 0, sizeof(*pe));
		pe->start = gv_period_start(kind, t, pe->name, sizeof(pe->name));
	}
	for (i = 0; i < n; i++) {
		uint32_t l = k->labels[i];
		if (!in_scope(k, (gv_idx)i) ||
		    (p = period_of(m, k->in->commits[i].commit_time)) == SIZE_MAX)
			continue;
		m->series[p].commits++;
		m->series[p].reverts += !!(l & GV_LABEL(GV_CAT_REVERT));
		m->series[p].fixes += !!(l & GV_LABEL(GV_CAT_FIX));
		m->series[p].security += !!(l & GV_LABEL(GV_CAT_SECURITY));
	}
	for (i = 0; i < m->nreleases; i++) {
		uint32_t r = m->releases[i];
		if ((p = period_of(m, list[r].time)) == SIZE_MAX)
			continue;
		m->series[p].releases++;
		m->series[p].failed += (uint64_t)release_failed(m, r);
		m->series[p].escaped += (uint64_t)release_escaped(m, r);
	}
	/* lead times by the release time of the change's first release */
	if (!(nlead = calloc(m->nseries ? m->nseries : 1, sizeof(*nlead))) ||
	    !(lead = calloc(m->nseries ? m->nseries : 1, sizeof(*lead))))
		goto done;
	memset(k->seen, 0, n);
	for (i = 0; i < k->nchg; i++) {
		uint32_t r = k->in->first[k->chg[i]];
		if (r == GV_NONE || !in_window(m, list[r].time) ||
		    (p = period_of(m, list[r].time)) == SIZE_MAX ||
		    !first_copy(k, i))
			continue;
		nlead[p]++;
	}
	for (p = 0; p < m->nseries; p++) {
		if (!(lead[p] = malloc((nlead[p] ? nlead[p] : 1) * sizeof(int64_t))))
			goto done;
		nlead[p] = 0;
	}
	memset(k->seen, 0, n);
	for (i = 0; i < k->nchg; i++) {
		uint32_t r = k->in->first[k->chg[i]];
		if (r == GV_NONE || !in_window(m, list[r].time) ||
		    (p = period_of(m, list[r].time)) == SIZE_MAX ||
		    !first_copy(k, i))
			continue;
		lead[p][nlead[p]++] = lead_of(k, i);
	}
	for (p = 0; p < m->nseries; p++)
		gv_stats_from(&m->series[p].lead_time, lead[p], nlead[p]);
	/* time to restore of the failed releases released in each period */
	if ((error = series_restore(k)))
		goto done;
	error = 0;
done:
	for (p = 0; lead && p < m->nseries; p++)
		free(lead[p]);
	free(lead);
	free(nlead);
	return error;
}

/* ---- the whole computation ---- */

int gv_metrics_compute_input(gv_metrics **out, const gv_metrics_input *in,
			     const gv_metrics_opts *opts, gv_error *err)
{
	size_t n = in->ncommits, nrel = in->nreleases, i;
	int64_t now = opts->now ? opts->now : (int64_t)time(NULL);
	int min_conf = opts->min_confidence == GV_CONF_LOW ? GV_CONF_LOW
							   : GV_CONF_HIGH;
	gv_metrics_input cin; /* in, with each commit's change's first release */
	uint64_t *ident = NULL;
	gv_metrics *m;
	calc k;
	int have_newest = 0, error = GV_ENOMEM;

	*out = NULL;
	memset(&k, 0, sizeof(k));
	k.in = in;
	k.o = opts;
	if (!(k.m = m = calloc(1, sizeof(*m))) ||
	    !(m->releases = malloc((nrel ? nrel : 1) * sizeof(*m->releases))) ||
	    !(m->commits = malloc((n ? n : 1) * sizeof(*m->commits))) ||
	    !(m->failures_at = calloc(nrel + 1, sizeof(*m->failures_at))) ||
	    !(m->rework = calloc(nrel ? nrel : 1, 1)) ||
	    !(m->restore_s = calloc(nrel ? nrel : 1, sizeof(*m->restore_s))) ||
	    !(k.labels = calloc(n ? n : 1, sizeof(*k.labels))) ||
	    !(k.possible = calloc(n ? n : 1, sizeof(*k.possible))) ||
	    !(k.has_refs = calloc(n ? n : 1, 1)) ||
	    !(k.chg = malloc((n ? n : 1) * sizeof(*k.chg))) ||
	    !(k.chg_start = malloc((n ? n : 1) * sizeof(*k.chg_start))) ||
	    !(k.seen = malloc(n ? n : 1)) ||
	    !(ident = malloc((n ? n : 1) * sizeof(*ident))) ||
	    !(m->start = malloc((n ? n : 1) * sizeof(*m->start))))
		goto done;
	m->hotfix_window = opts->has_hotfix_window ? opts->hotfix_window
						   : GV_HOTFIX_WINDOW_DEFAULT;
	m->counts.min_confidence = min_conf;
	for (i = 0; i < n; i++) {
		gv_class_view v;
		if (in->commits[i].commit_time <= now &&
		    (!have_newest || in->commits[i].commit_time > m->newest)) {
			m->newest = in->commits[i].commit_time;
			have_newest = 1;
		}
		if (!i || in->commits[i].commit_time < m->oldest)
			m->oldest = in->commits[i].commit_time;
		view(&k, (gv_idx)i, &v);
		k.labels[i] = gv_metrics_counted(&v, min_conf);
		k.possible[i] = v.labels & ~k.labels[i] & TIERED_LABELS;
		k.has_refs[i] = v.nrefs > 0;
		ident[i] = v.identity;
	}
	if ((error = gv_copies_compute(&k.cp, in, ident, k.has_refs,
				       opts->no_copies)))
		goto done;
	cin = *in;
	cin.first = k.cp.first;
	k.in = &cin;
	change_starts(&k);
	resolve_window(m, opts);
	if ((error = commit_numbers(&k)) ||
	    (error = opts->merges ? changes_merges(&k) : changes_commits(&k)) ||
	    (error = changes_once(&k)) || (error = lead_time(&k)))
		goto done;
	if ((error = releases_numbers(&k)) || (error = failures(&k)) || (error = failure_numbers(&k)) ||
	    (error = security(&k)) ||
	    (opts->period && (error = series(&k, now))) ||
	    (error = gv_evidence_compute(m, k.in, k.hits, k.nhits)))
		goto done;
	/* the copies, handed over: root becomes copy_of */
	for (i = 0; i < n; i++)
		if (k.cp.root[i] == i)
			k.cp.root[i] = GV_NONE;
	m->copy_of = k.cp.root;
	m->first = k.cp.first;
	k.cp.root = NULL;
	k.cp.first = NULL;
	*out = m;
	m = NULL;
done:
	free(ident);
	free(k.seen);
	gv_copies_free(&k.cp);
	free(k.labels);
	free(k.possible);
	free(k.has_refs);
	free(k.gen);
	free(k.chg);
	free(k.chg_start);
	free(k.hits);
	gv_metrics_free(m);
	if (error)
		return gv_error_set(err, error, error == GV_EREPO ?
				    "metrics: the history has a cycle" :
				    "metrics: out of memory");
	return 0;
}

typedef struct real_ctx {
	const gv_history *h;
	const gv_classes *classes;
} real_ctx;

static void real_classes(const void *ctx, gv_idx i, gv_class_view *out)
{
	gv_classes_get(((const real_ctx *)ctx)->classes, i, out);
}

static const unsigned char *real_id(const void *ctx, gv_idx i)
{
	return gv_history_id(((const real_ctx *)ctx)->h, i);
}

int gv_metrics_compute(gv_metrics **out, const gv_history *h,
		       const gv_classes *classes, const gv_releases *rel,
		       const gv_metrics_opts *opts, gv_error *err)
{
	gv_metrics_input in;
	real_ctx ctx;

	ctx.h = h;
	ctx.classes = classes;
	memset(&in, 0, sizeof(in));
	in.commits = gv_history_commits(h);
	in.ncommits = gv_history_count(h);
	in.parents = gv_history_parents(h);
	in.releases = gv_releases_list(rel, &in.nreleases);
	in.first = gv_releases_first(rel);
	in.classes = classes ? real_classes : NULL;
	in.id = real_id;
	in.ctx = &ctx;
	return gv_metrics_compute_input(out, &in, opts, err);
}

void gv_metrics_free(gv_metrics *m)
{
	if (!m)
		return;
	free(m->releases);
	free(m->commits);
	free(m->failures_at);
	free(m->failures);
	free(m->rework);
	free(m->restore_s);
	free(m->series);
	free(m->security.ids);
	free(m->security.vulns);
	free(m->vuln_ids);
	free(m->vuln_commits);
	free(m->copy_of);
	free(m->first);
	free(m->start);
	gv_evidence_free(m);
	free(m);
}
