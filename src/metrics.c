/*
 * metrics.c - lead time for changes and deployment frequency over a window.
 *
 * Scope (the core issue): release-level numbers use every commit walked;
 * commit-level numbers (lead time, counts, the commits list) use only commits
 * reachable from the analysed revs. A commit is in the window by its
 * committer time, a release by its release time; the window is [since,
 * until) in UTC. Without --until the deployment-frequency window ends at the
 * newest commit time that is not in the future, since real histories hold
 * commits dated 2099.
 */
#include "gv/metrics.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int gv_metrics_lead_time(const gv_history *h, const gv_releases *rel,
			 const gv_metrics_opts *opts, gv_idx commit,
			 int64_t *out)
{
	const gv_commit *c = &gv_history_commits(h)[commit];
	uint32_t r = gv_releases_first(rel)[commit];
	size_t nrel;
	const gv_release *list = gv_releases_list(rel, &nrel);
	int64_t start, d;

	if ((c->flags & GV_COMMIT_MERGE) || r == GV_NONE)
		return GV_ENOTFOUND;
	start = opts->lead_from_commit ? c->commit_time : c->author_time;
	d = list[r].time - start;
	*out = d;
	return 0;
}

static int in_window(const gv_metrics *m, int64_t t)
{
	return (!m->has_since || t >= m->since) && (!m->has_until || t < m->until);
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
}

/* Sort records carry their keys: qsort has no context argument, and a
 * global would break concurrent runs in one process (batch). */
typedef struct commit_key {
	int64_t time;
	unsigned char id[GV_OID_RAWSZ];
	gv_idx idx;
} commit_key;

static int cmp_newest_first(const void *a, const void *b)
{
	const commit_key *x = a, *y = b;

	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return memcmp(x->id, y->id, GV_OID_RAWSZ);
}

static int sort_newest_first(gv_idx *v, size_t n, const gv_history *h)
{
	const gv_commit *c = gv_history_commits(h);
	commit_key *k = malloc((n ? n : 1) * sizeof(*k));
	size_t i;

	if (!k)
		return GV_ENOMEM;
	for (i = 0; i < n; i++) {
		k[i].time = c[v[i]].commit_time;
		memcpy(k[i].id, gv_history_id(h, v[i]), GV_OID_RAWSZ);
		k[i].idx = v[i];
	}
	qsort(k, n, sizeof(*k), cmp_newest_first);
	for (i = 0; i < n; i++)
		v[i] = k[i].idx;
	free(k);
	return 0;
}

int gv_metrics_compute(gv_metrics **out, const gv_history *h,
		       const gv_classes *classes, const gv_releases *rel,
		       const gv_metrics_opts *opts, gv_error *err)
{
	const gv_commit *commits = gv_history_commits(h);
	size_t n = gv_history_count(h), i, nrel, nlead = 0;
	const gv_release *list = gv_releases_list(rel, &nrel);
	int64_t now = opts->now ? opts->now : (int64_t)time(NULL), start;
	int64_t *lead = NULL;
	gv_metrics *m;
	int have_newest = 0;

	*out = NULL;
	if (!(m = calloc(1, sizeof(*m))) ||
	    !(m->releases = malloc((nrel ? nrel : 1) * sizeof(*m->releases))) ||
	    !(m->commits = malloc((n ? n : 1) * sizeof(*m->commits))) ||
	    !(lead = malloc((n ? n : 1) * sizeof(*lead)))) {
		gv_metrics_free(m);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if (commits[i].commit_time <= now &&
		    (!have_newest || commits[i].commit_time > m->newest)) {
			m->newest = commits[i].commit_time;
			have_newest = 1;
		}
	}
	resolve_window(m, opts);

	for (i = 0; i < n; i++) {
		const gv_commit *c = &commits[i];
		uint32_t labels;
		int64_t d;
		if (!(c->flags & GV_COMMIT_IN_REVS) || !in_window(m, c->commit_time))
			continue;
		m->commits[m->ncommits++] = (gv_idx)i;
		m->counts.commits++;
		labels = classes ? gv_classes_labels(classes, (gv_idx)i) : 0;
		m->counts.fixes += !!(labels & GV_LABEL(GV_CAT_FIX));
		m->counts.reverts += !!(labels & GV_LABEL(GV_CAT_REVERT));
		m->counts.rollbacks += !!(labels & GV_LABEL(GV_CAT_ROLLBACK));
		m->counts.security += !!(labels & GV_LABEL(GV_CAT_SECURITY));
		if (c->flags & GV_COMMIT_MERGE) {
			m->counts.merges++;
			continue;
		}
		if (gv_metrics_lead_time(h, rel, opts, (gv_idx)i, &d)) {
			m->lead_time.unreleased++;
			continue;
		}
		if (d < 0) {
			d = 0;
			m->lead_time.clamped++;
		}
		lead[nlead++] = d;
	}
	gv_stats_from(&m->lead_time.stats, lead, nlead);
	free(lead);
	if (sort_newest_first(m->commits, m->ncommits, h)) {
		gv_metrics_free(m);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}

	for (i = 0; i < nrel; i++)
		if (in_window(m, list[i].time))
			m->releases[m->nreleases++] = (uint32_t)i;
	m->counts.releases = m->nreleases;
	m->deployment_frequency.releases = m->nreleases;

	/* The window starts at --since or at the first release; it ends at
	 * --until or at the newest commit time not in the future. */
	if (m->has_since || nrel) {
		int64_t end = m->has_until ? m->until : m->newest;
		start = m->has_since ? m->since : list[0].time;
		if (end > start) {
			m->deployment_frequency.has_days = 1;
			m->deployment_frequency.days = (double)(end - start) / 86400.0;
			m->deployment_frequency.per_week =
				(double)m->nreleases * 7.0 / m->deployment_frequency.days;
		}
	}
	*out = m;
	return 0;
}

void gv_metrics_free(gv_metrics *m)
{
	if (!m)
		return;
	free(m->releases);
	free(m->commits);
	free(m);
}
