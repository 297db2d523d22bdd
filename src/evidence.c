/*
 * evidence.c - the "worst N" lists behind the headline numbers (metrics.h:
 * gv_metrics.evidence), computed once here so that no reporter sorts or
 * picks anything itself, and the subjects of the commits they name.
 *
 * Invariants: every list is complete (the reporters cap what they show and
 * say how many rows they left out); sorts are stable on the order the
 * metrics hold the items in (oldest first), so ties show the older item
 * first and the output is the same on every run.
 */
#include "metrics_int.h"

#include <stdlib.h>
#include <string.h>

const int64_t gv_lead_bins[GV_LEAD_BINS - 1] = {
	3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
	90 * 86400,
};
const char *const gv_lead_bin_names[GV_LEAD_BINS] = {
	"< 1h", "1-6h", "6-24h", "1-3d", "3-7d", "1-2w", "2-4w", "1-3mo", "> 3mo",
};

/* Sorts idx[0..n) by key descending, ties by idx ascending. */
typedef struct keyed {
	int64_t key;
	size_t at;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
	const keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static int failed_list(gv_metrics *m)
{
	size_t i;

	if (!(m->evidence.failed = malloc((m->nreleases ? m->nreleases : 1) *
					  sizeof(*m->evidence.failed))))
		return GV_ENOMEM;
	for (i = m->nreleases; i-- > 0;) {
		uint32_t r = m->releases[i], f;
		for (f = m->failures_at[r]; f < m->failures_at[r + 1]; f++)
			if (m->failures[f].urgent)
				break;
		if (f < m->failures_at[r + 1])
			m->evidence.failed[m->evidence.nfailed++] = r;
	}
	return 0;
}

static int exposed_list(gv_metrics *m)
{
	size_t n = m->security.nvulns, i, k = 0;
	keyed *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v || !(m->evidence.exposed = malloc((n ? n : 1) * sizeof(size_t)))) {
		free(v);
		return GV_ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (m->security.vulns[i].has_exposure) {
			v[k].key = m->security.vulns[i].exposure_s;
			v[k++].at = i;
		}
	qsort(v, k, sizeof(*v), cmp_keyed);
	for (i = 0; i < k; i++)
		m->evidence.exposed[i] = v[i].at;
	m->evidence.nexposed = k;
	free(v);
	return 0;
}

/* Every security fix is the fix of exactly one vulnerability. */
static int slow_list(gv_metrics *m, const gv_metrics_input *in)
{
	size_t n = 0, i, j, k = 0;
	keyed *v;
	gv_slow_fix *s;

	for (i = 0; i < m->security.nvulns; i++)
		n += m->security.vulns[i].nfixes;
	v = malloc((n ? n : 1) * sizeof(*v));
	s = malloc((n ? n : 1) * sizeof(*s));
	if (!v || !s) {
		free(v);
		free(s);
		return GV_ENOMEM;
	}
	for (i = 0; i < m->security.nvulns; i++) {
		const gv_vuln *vu = &m->security.vulns[i];
		for (j = 0; j < vu->nfixes; j++) {
			gv_idx c = m->vuln_commits[vu->fixes_at + j];
			uint32_t r = in->first[c];
			int64_t d;
			if (r == GV_NONE)
				continue;
			d = in->releases[r].time - in->commits[c].commit_time;
			s[k].commit = c;
			s[k].release = r;
			s[k].delay_s = d < 0 ? 0 : d;
			v[k].key = s[k].delay_s;
			v[k].at = k;
			k++;
		}
	}
	qsort(v, k, sizeof(*v), cmp_keyed);
	if (!(m->evidence.slow = malloc((k ? k : 1) * sizeof(*s)))) {
		free(v);
		free(s);
		return GV_ENOMEM;
	}
	for (i = 0; i < k; i++)
		m->evidence.slow[i] = s[v[i].at];
	m->evidence.nslow = k;
	free(v);
	free(s);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_rule_count(const void *a, const void *b)
{
	const gv_rule_count *x = a, *y = b;

	if (x->commits != y->commits)
		return x->commits > y->commits ? -1 : 1;
	return strcmp(x->rule, y->rule);
}

static int rules_list(gv_metrics *m, const char **hits, size_t n)
{
	size_t i, k = 0;

	if (!n)
		return 0;
	qsort(hits, n, sizeof(*hits), cmp_str);
	if (!(m->evidence.rules = malloc(n * sizeof(*m->evidence.rules))))
		return GV_ENOMEM;
	for (i = 0; i < n; i++) {
		if (k && !strcmp(m->evidence.rules[k - 1].rule, hits[i])) {
			m->evidence.rules[k - 1].commits++;
			continue;
		}
		m->evidence.rules[k].rule = hits[i];
		m->evidence.rules[k++].commits = 1;
	}
	qsort(m->evidence.rules, k, sizeof(*m->evidence.rules), cmp_rule_count);
	m->evidence.nrules = k;
	return 0;
}

int gv_evidence_compute(gv_metrics *m, const gv_metrics_input *in,
			const char **hits, size_t nhits)
{
	int error;

	if ((error = failed_list(m)) || (error = exposed_list(m)) ||
	    (error = slow_list(m, in)) || (error = rules_list(m, hits, nhits)))
		return error;
	return 0;
}

void gv_evidence_free(gv_metrics *m)
{
	size_t i;

	free(m->evidence.failed);
	free(m->evidence.exposed);
	free(m->evidence.slow);
	free(m->evidence.rules);
	for (i = 0; i < m->nsubjects; i++)
		free(m->subjects[i]);
	free(m->subjects);
	free(m->subject_commits);
}

/* ---- subjects ---- */

static int push_idx(gv_idx **v, size_t *n, size_t *alloc, gv_idx c)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == c)
			return 0;
	if (gv_grow((void **)v, alloc, *n + 1, sizeof(**v)))
		return GV_ENOMEM;
	(*v)[(*n)++] = c;
	return 0;
}

static int cmp_idx(const void *a, const void *b)
{
	gv_idx x = *(const gv_idx *)a, y = *(const gv_idx *)b;
	return x < y ? -1 : x > y;
}

int gv_metrics_subjects_wanted(gv_idx **out, size_t *n, const gv_metrics *m,
			       size_t max)
{
	gv_idx *v = NULL;
	size_t k = 0, alloc = 0, i, j;
	int error = 0;

	for (i = 0; !error && i < m->evidence.nfailed && i < max; i++) {
		uint32_t r = m->evidence.failed[i], f;
		for (f = m->failures_at[r]; !error && f < m->failures_at[r + 1]; f++)
			if (!(error = push_idx(&v, &k, &alloc, m->failures[f].culprit)))
				error = push_idx(&v, &k, &alloc,
						 m->failures[f].remediation);
	}
	for (i = 0; !error && i < m->evidence.nexposed && i < max; i++) {
		const gv_vuln *vu = &m->security.vulns[m->evidence.exposed[i]];
		for (j = 0; !error && j < vu->nfixes; j++)
			error = push_idx(&v, &k, &alloc,
					 m->vuln_commits[vu->fixes_at + j]);
	}
	for (i = 0; !error && i < m->evidence.nslow && i < max; i++)
		error = push_idx(&v, &k, &alloc, m->evidence.slow[i].commit);
	if (error) {
		free(v);
		*out = NULL;
		*n = 0;
		return error;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_idx);
	*out = v;
	*n = k;
	return 0;
}

int gv_metrics_subject_set(gv_metrics *m, gv_idx c, const char *message,
			   size_t len)
{
	size_t n = 0, alloc = m->subjects_alloc;
	char *s;

	while (n < len && message[n] != '\n' && message[n] != '\0')
		n++;
	if (!(s = malloc(n + 1)))
		return GV_ENOMEM;
	memcpy(s, message, n);
	s[n] = '\0';
	if (gv_grow((void **)&m->subjects, &alloc, m->nsubjects + 1,
		    sizeof(*m->subjects)) ||
	    gv_grow((void **)&m->subject_commits, &m->subjects_alloc,
		    m->nsubjects + 1, sizeof(*m->subject_commits))) {
		free(s);
		return GV_ENOMEM;
	}
	m->subjects[m->nsubjects] = s;
	m->subject_commits[m->nsubjects++] = c;
	return 0;
}

const char *gv_metrics_subject(const gv_metrics *m, gv_idx c)
{
	size_t i;

	for (i = 0; i < m->nsubjects; i++)
		if (m->subject_commits[i] == c)
			return m->subjects[i];
	return NULL;
}
