/*
 * test_metrics.c - the metrics on hand-built histories: plain arrays of
 * commits, parents, releases and labels fed to gv_metrics_compute_input(),
 * no repository and no classifier. Each expected number is worked out in a
 * comment. Times are days after T0 = 2024-01-01T00:00:00Z (a Monday).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "gv/metrics.h"

#define DAY INT64_C(86400)
#define T0 INT64_C(1704067200)
#define MAXC 96

static gv_commit C[MAXC];
static gv_idx P[MAXC * 2];
static size_t nc, np;
static uint32_t L[MAXC];
static uint32_t LOW[MAXC];    /* labels of L classified at low confidence */
static gv_ref R[MAXC][4];
static size_t NR[MAXC];
static const char *IDS[MAXC][8];
static size_t NI[MAXC];
static const char *RULES[MAXC][4];
static size_t NRULES[MAXC];
static unsigned char ID[MAXC][GV_OID_RAWSZ];
static gv_tag T[8];
static gv_release REL[8];
static size_t nrel;
static uint32_t FIRST[MAXC];
static gv_metrics *M;

static void reset(void)
{
	memset(C, 0, sizeof(C));
	memset(L, 0, sizeof(L));
	memset(LOW, 0, sizeof(LOW));
	memset(NR, 0, sizeof(NR));
	memset(NI, 0, sizeof(NI));
	memset(NRULES, 0, sizeof(NRULES));
	nc = np = nrel = 0;
	M = NULL;
}

static void done(void)
{
	gv_metrics_free(M);
	M = NULL;
}

TestSuite(metrics, .init = reset, .fini = done);

/* A commit authored and committed at T0 + days, with 0..2 parents. */
static gv_idx commit(double days, uint32_t labels, gv_idx p0, gv_idx p1)
{
	gv_commit *c = &C[nc];

	c->author_time = c->commit_time = T0 + (int64_t)(days * (double)DAY);
	c->flags = GV_COMMIT_IN_REVS;
	c->parents_at = (uint32_t)np;
	if (p0 != GV_NONE)
		P[np++] = p0;
	if (p1 != GV_NONE) {
		P[np++] = p1;
		c->flags |= GV_COMMIT_MERGE;
	}
	c->nparents = (uint32_t)np - c->parents_at;
	L[nc] = labels;
	memset(ID[nc], 0, GV_OID_RAWSZ);
	ID[nc][0] = (unsigned char)nc;
	return (gv_idx)nc++;
}

static void ref(gv_idx from, gv_idx to, int kind)
{
	gv_ref *r = &R[from][NR[from]++];

	memset(r, 0, sizeof(*r));
	r->commit = to;
	r->kind = (uint8_t)kind;
	r->resolved = 1;
}

static void vid(gv_idx c, const char *id)
{
	IDS[c][NI[c]++] = id;
}

/* Releases must be added oldest first. */
static void release(const char *name, gv_idx c, double days)
{
	T[nrel].name = (char *)name;
	T[nrel].commit = c;
	REL[nrel].tag = &T[nrel];
	REL[nrel].commit = c;
	REL[nrel].time = T0 + (int64_t)(days * (double)DAY);
	nrel++;
}

/* First releases as releases.c computes them: releases oldest first, each
 * marks its unmarked ancestors. */
static void mark(gv_idx c, uint32_t r)
{
	uint32_t p;

	if (FIRST[c] != GV_NONE)
		return;
	FIRST[c] = r;
	for (p = 0; p < C[c].nparents; p++)
		mark(P[C[c].parents_at + p], r);
}

static void view(const void *ctx, gv_idx i, gv_class_view *v)
{
	int c;

	(void)ctx;
	memset(v, 0, sizeof(*v));
	v->labels = L[i];
	for (c = 0; c < GV_CAT__COUNT; c++)
		if (L[i] & GV_LABEL(c))
			v->conf[c] = LOW[i] & GV_LABEL(c) ? GV_CONF_LOW
							  : GV_CONF_HIGH;
	v->refs = R[i];
	v->nrefs = NR[i];
	v->ids = IDS[i];
	v->nids = NI[i];
	v->rules = RULES[i];
	v->nrules = NRULES[i];
}

static const unsigned char *idof(const void *ctx, gv_idx i)
{
	(void)ctx;
	return ID[i];
}

static void opts_init(gv_metrics_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->now = T0 + 1000 * DAY;
	o->list_commits = 1;
}

static const gv_metrics *run(const gv_metrics_opts *o)
{
	gv_metrics_input in;
	gv_error err = {0};
	size_t i;

	for (i = 0; i < nc; i++)
		FIRST[i] = GV_NONE;
	for (i = 0; i < nrel; i++)
		mark(REL[i].commit, (uint32_t)i);
	memset(&in, 0, sizeof(in));
	in.commits = C;
	in.ncommits = nc;
	in.parents = P;
	in.releases = REL;
	in.nreleases = nrel;
	in.first = FIRST;
	in.classes = view;
	in.id = idof;
	gv_metrics_free(M);
	M = NULL;
	cr_assert_eq(gv_metrics_compute_input(&M, &in, o, &err), 0, "%s", err.msg);
	return M;
}

static size_t nfail(const gv_metrics *m, uint32_t r)
{
	return m->failures_at[r + 1] - m->failures_at[r];
}

#define FIX GV_LABEL(GV_CAT_FIX)
#define REV GV_LABEL(GV_CAT_REVERT)
#define SEC GV_LABEL(GV_CAT_SECURITY)
#define BOT GV_LABEL(GV_CAT_BOT)
#define N GV_NONE

/* ---- levels ---- */

Test(metrics, change_failure_levels_in_integers)
{
	/* 1/20 = 5% elite, 2/20 = 10% high, 3/20 = 15% medium, 4/20 low */
	cr_expect_eq(gv_level_change_failure(20, 1).level, GV_LEVEL_ELITE);
	cr_expect_eq(gv_level_change_failure(20, 2).level, GV_LEVEL_HIGH);
	cr_expect_eq(gv_level_change_failure(20, 3).level, GV_LEVEL_MEDIUM);
	cr_expect_eq(gv_level_change_failure(20, 4).level, GV_LEVEL_LOW);
	/* 5/100 elite but 6/100 high; 0 failures elite */
	cr_expect_eq(gv_level_change_failure(100, 5).level, GV_LEVEL_ELITE);
	cr_expect_eq(gv_level_change_failure(100, 6).level, GV_LEVEL_HIGH);
	cr_expect_eq(gv_level_change_failure(5, 0).level, GV_LEVEL_ELITE);
	/* 1 of 7 is 14.3%: 100 <= 15 * 7 = 105, medium; 3 of 7 low */
	cr_expect_eq(gv_level_change_failure(7, 1).level, GV_LEVEL_MEDIUM);
	cr_expect_eq(gv_level_change_failure(7, 3).level, GV_LEVEL_LOW);
	/* fewer than 5 releases: no level, insufficient */
	cr_expect_eq(gv_level_change_failure(4, 0).level, GV_LEVEL_NONE);
	cr_expect(gv_level_change_failure(4, 0).insufficient);
	cr_expect_not(gv_level_change_failure(5, 0).insufficient);
}

static gv_stats same(int64_t v, size_t n)
{
	int64_t s[8];
	gv_stats st;
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = v;
	gv_stats_from(&st, s, n);
	return st;
}

Test(metrics, lead_time_and_restore_levels)
{
	gv_stats s;

	/* lead time: < 1 day elite, < 1 week high, < 30 days medium */
	s = same(DAY - 1, 5);
	cr_expect_eq(gv_level_lead_time(&s).level, GV_LEVEL_ELITE);
	s = same(DAY, 5);
	cr_expect_eq(gv_level_lead_time(&s).level, GV_LEVEL_HIGH);
	s = same(7 * DAY - 1, 5);
	cr_expect_eq(gv_level_lead_time(&s).level, GV_LEVEL_HIGH);
	s = same(7 * DAY, 5);
	cr_expect_eq(gv_level_lead_time(&s).level, GV_LEVEL_MEDIUM);
	s = same(30 * DAY - 1, 5);
	cr_expect_eq(gv_level_lead_time(&s).level, GV_LEVEL_MEDIUM);
	s = same(30 * DAY, 5);
	cr_expect_eq(gv_level_lead_time(&s).level, GV_LEVEL_LOW);
	s = same(0, 4);
	cr_expect_eq(gv_level_lead_time(&s).level, GV_LEVEL_NONE);
	cr_expect(gv_level_lead_time(&s).insufficient);

	/* restore: < 1 hour elite, < 1 day high, < 1 week medium */
	s = same(3599, 5);
	cr_expect_eq(gv_level_restore(&s).level, GV_LEVEL_ELITE);
	s = same(3600, 5);
	cr_expect_eq(gv_level_restore(&s).level, GV_LEVEL_HIGH);
	s = same(DAY - 1, 5);
	cr_expect_eq(gv_level_restore(&s).level, GV_LEVEL_HIGH);
	s = same(DAY, 5);
	cr_expect_eq(gv_level_restore(&s).level, GV_LEVEL_MEDIUM);
	s = same(7 * DAY - 1, 5);
	cr_expect_eq(gv_level_restore(&s).level, GV_LEVEL_MEDIUM);
	s = same(7 * DAY, 5);
	cr_expect_eq(gv_level_restore(&s).level, GV_LEVEL_LOW);
	s = same(0, 0);
	cr_expect_eq(gv_level_restore(&s).level, GV_LEVEL_NONE);
	cr_expect(gv_level_restore(&s).insufficient);
}

Test(metrics, deployment_levels)
{
	/* 7 releases in 7 days: 7/week elite; 6 in 7 days: high */
	cr_expect_eq(gv_level_deployment(7, 1, 7 * DAY).level, GV_LEVEL_ELITE);
	cr_expect_eq(gv_level_deployment(6, 1, 7 * DAY).level, GV_LEVEL_HIGH);
	/* 5 in 35 days: exactly 1/week, high; one second more: medium */
	cr_expect_eq(gv_level_deployment(5, 1, 35 * DAY).level, GV_LEVEL_HIGH);
	cr_expect_eq(gv_level_deployment(5, 1, 35 * DAY + 1).level,
		     GV_LEVEL_MEDIUM);
	/* 5 in 150 days: exactly 1 per 30 days, medium; a second more: low */
	cr_expect_eq(gv_level_deployment(5, 1, 150 * DAY).level, GV_LEVEL_MEDIUM);
	cr_expect_eq(gv_level_deployment(5, 1, 150 * DAY + 1).level, GV_LEVEL_LOW);
	/* 4 releases: insufficient */
	cr_expect_eq(gv_level_deployment(4, 1, DAY).level, GV_LEVEL_NONE);
	cr_expect(gv_level_deployment(4, 1, DAY).insufficient);
	cr_expect_str_eq(gv_level_name(GV_LEVEL_ELITE), "elite");
	cr_expect_null(gv_level_name(GV_LEVEL_NONE));
	cr_expect_eq(gv_level_from_name("medium", 6), GV_LEVEL_MEDIUM);
}

/* ---- periods ---- */

static void expect_period(int kind, const char *iso_t, int64_t t,
			  const char *name, int64_t start)
{
	char buf[16];

	cr_expect_eq(gv_period_start(kind, t, buf, sizeof(buf)), start,
		     "start of %s", iso_t);
	cr_expect_str_eq(buf, name, "period of %s", iso_t);
}

Test(metrics, period_names_and_starts)
{
	/* 2021-01-03 is a Sunday: ISO week 2020-W53, from Monday 2020-12-28
	 * (1609113600) */
	expect_period(GV_PERIOD_WEEK, "2021-01-03", 1609632000, "2020-W53",
		      1609113600);
	/* 2024-12-30 is a Monday in 2025-W01 */
	expect_period(GV_PERIOD_WEEK, "2024-12-30", 1735516800, "2025-W01",
		      1735516800);
	/* 2024-05-08T12:00Z: week 19 from Monday 2024-05-06 (1714953600) */
	expect_period(GV_PERIOD_WEEK, "2024-05-08", 1715169600, "2024-W19",
		      1714953600);
	expect_period(GV_PERIOD_MONTH, "2024-05-08", 1715169600, "2024-05",
		      1714521600);
	/* Q2 starts 2024-04-01 (1711929600) */
	expect_period(GV_PERIOD_QUARTER, "2024-05-08", 1715169600, "2024-Q2",
		      1711929600);
	/* before 1970 */
	expect_period(GV_PERIOD_MONTH, "1969-12-31", -DAY, "1969-12", -31 * DAY);
	/* the month after December 2024 is January 2025 (1735689600); the
	 * quarter after Q4 2024 is Q1 2025 */
	cr_expect_eq(gv_period_next(GV_PERIOD_MONTH, 1733011200), 1735689600);
	cr_expect_eq(gv_period_next(GV_PERIOD_QUARTER, 1727740800), 1735689600);
	cr_expect_eq(gv_period_next(GV_PERIOD_WEEK, 1714953600),
		     1714953600 + 7 * DAY);
}

/* ---- failures ---- */

/* c0 -- c1 [v1 @2] -- c2 revert c1 [v2 @4] -- c3 Fixes c0 -- c4 [v3 @60]
 *    -- c5 -- c6 Fixes c5 [v4 @63] */
Test(metrics, failures_urgent_escaped_and_fixed_before_release)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, c1, c2, c3, c4, c5, c6;

	c0 = commit(0, 0, N, N);
	c1 = commit(1, 0, c0, N);
	release("v1", c1, 2);
	c2 = commit(3, REV, c1, N);
	ref(c2, c1, GV_REF_REVERT);
	release("v2", c2, 4);
	c3 = commit(5, FIX, c2, N);
	ref(c3, c0, GV_REF_FIXES);
	c4 = commit(6, 0, c3, N);
	release("v3", c4, 60);
	c5 = commit(61, 0, c4, N);
	c6 = commit(62, FIX, c5, N);
	ref(c6, c5, GV_REF_FIXES);
	release("v4", c6, 63);
	opts_init(&o);
	m = run(&o);

	/* v1 first shipped c0 and c1: the revert c2 (urgent) and the fix c3,
	 * first released in v3, 58 days after v1 and not a hotfix release
	 * (c4 is not a fix): escaped, not urgent. Sorted by remediation
	 * time: c2 then c3. */
	cr_assert_eq(nfail(m, 0), 2);
	cr_expect_eq(m->failures[0].culprit, c1);
	cr_expect_eq(m->failures[0].remediation, c2);
	cr_expect_eq(m->failures[0].kind, GV_REF_REVERT);
	cr_expect(m->failures[0].urgent);
	cr_expect_eq(m->failures[1].culprit, c0);
	cr_expect_eq(m->failures[1].remediation, c3);
	cr_expect_not(m->failures[1].urgent);
	/* v4 ships both c5 and its fix c6: no failure */
	cr_expect_eq(nfail(m, 1), 0);
	cr_expect_eq(nfail(m, 2), 0);
	cr_expect_eq(nfail(m, 3), 0);
	/* 4 releases, 1 failed (v1), 1 escaped; insufficient for a level */
	cr_expect_eq(m->change_failure_rate.releases, 4);
	cr_expect_eq(m->change_failure_rate.failed, 1);
	cr_expect_eq(m->escaped_defect_rate.escaped, 1);
	cr_expect(m->change_failure_rate.level.insufficient);
	/* restored by v2 (first release of c2): 4 - 2 = 2 days */
	cr_expect_eq(m->time_to_restore.stats.samples, 1);
	cr_expect_eq(m->time_to_restore.stats.median_s, 2 * DAY);
	cr_expect_eq(m->restore_s[0], 2 * DAY);
	/* rework: v2's only new commit is a revert; v4's new commits are c5
	 * (not a fix) and c6: not rework */
	cr_expect_eq(m->rework_rate.rework, 1);
	cr_expect(m->rework[1]);
	/* fix latency: c3 - c0 = 5 d, c6 - c5 = 1 d: median rank ceil(1) =
	 * 1 d, p90 rank 2 = 5 d; time to revert c2 - c1 = 2 d */
	cr_expect_eq(m->fix_latency.samples, 2);
	cr_expect_eq(m->fix_latency.median_s, 1 * DAY);
	cr_expect_eq(m->fix_latency.p90_s, 5 * DAY);
	cr_expect_eq(m->time_to_revert.samples, 1);
	cr_expect_eq(m->time_to_revert.median_s, 2 * DAY);
	/* rollbacks: 1 revert among 7 non-merge commits */
	cr_expect_eq(m->rollback_rate.changes, 7);
	cr_expect_eq(m->rollback_rate.rollbacks, 1);

	/* a 60-day hotfix window makes c3 (58 days after v1) urgent */
	o.has_hotfix_window = 1;
	o.hotfix_window = 60 * DAY;
	m = run(&o);
	cr_expect(m->failures[1].urgent);
	/* restore is still the earliest: v2 at 2 days */
	cr_expect_eq(m->restore_s[0], 2 * DAY);
}

/* Branches diverge: the fix's first release is older than the culprit's.
 *
 *   c0 [v1.0 @1] -- c1 culprit (main) ------------- [v2.0 @5 at c1]
 *     \-- c2 Fixes c1 (maint) [m1.1 @3]
 * v2.0 first ships c1 and does not contain c2: a failure, found by the
 * ancestry walk (first[c2] = m1.1 < v2.0). m1.1's only new commit is a fix:
 * a hotfix release, so urgent. Then main merges maint (c3) and v2.1 @7; a
 * second culprit c4 on main is fixed on maint by c5 [m1.2 @9], and main
 * merges maint (c6) before v2.2 @10: v2.2 ships c5, so c4 is no failure of
 * v2.2 although first[c5] = m1.2 comes before v2.2. */
Test(metrics, failures_across_diverged_branches)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, c1, c2, c3, c4, c5, c6;

	c0 = commit(0, 0, N, N);
	release("v1.0", c0, 1);
	c1 = commit(2, 0, c0, N);
	c2 = commit(2.5, FIX, c0, N);
	ref(c2, c1, GV_REF_FIXES);
	release("m1.1", c2, 3);
	release("v2.0", c1, 5);
	c3 = commit(6, 0, c1, c2);
	release("v2.1", c3, 7);
	c4 = commit(7.5, 0, c3, N);
	c5 = commit(8, FIX, c2, N);
	ref(c5, c4, GV_REF_FIXES);
	release("m1.2", c5, 9);
	c6 = commit(9.5, 0, c4, c5);
	release("v2.2", c6, 10);
	opts_init(&o);
	m = run(&o);

	/* releases: 0 v1.0, 1 m1.1, 2 v2.0, 3 v2.1, 4 m1.2, 5 v2.2 */
	cr_assert_eq(nfail(m, 2), 1);
	cr_expect_eq(m->failures[m->failures_at[2]].culprit, c1);
	cr_expect_eq(m->failures[m->failures_at[2]].remediation, c2);
	cr_expect(m->failures[m->failures_at[2]].urgent);
	/* c4's first release is v2.2 (c3's merge does not contain it), and
	 * v2.2 ships c5 through the merge c6 */
	cr_expect_eq(FIRST[c4], 5);
	cr_expect_eq(FIRST[c5], 4);
	cr_expect_eq(nfail(m, 5), 0);
	cr_expect_eq(m->change_failure_rate.failed, 1);
	/* restore: m1.1 (3) is before v2.0 (5): clamped to 0 */
	cr_expect_eq(m->restore_s[2], 0);
}

/* A revert of a revert: c2 reverts c1, c3 reverts c2 (the revert is the
 * culprit). An unreleased remediation leaves its release unrestored. */
Test(metrics, revert_of_revert_and_unrestored)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, c1, c2, c3, c4;

	c0 = commit(0, 0, N, N);
	c1 = commit(1, 0, c0, N);
	release("v1", c1, 2);
	c2 = commit(3, REV, c1, N);
	ref(c2, c1, GV_REF_REVERT);
	c4 = commit(3.5, 0, c2, N);
	release("v2", c4, 4);
	c3 = commit(5, REV, c4, N);
	ref(c3, c2, GV_REF_REVERT);
	opts_init(&o);
	m = run(&o);

	/* v1: c1 reverted by c2, released in v2 (restored in 2 days); v2
	 * first shipped c2, reverted by c3, never released: unrestored */
	cr_assert_eq(nfail(m, 0), 1);
	cr_assert_eq(nfail(m, 1), 1);
	cr_expect_eq(m->failures[1].culprit, c2);
	cr_expect_eq(m->failures[1].remediation, c3);
	cr_expect_eq(m->change_failure_rate.failed, 2);
	cr_expect_eq(m->time_to_restore.stats.samples, 1);
	cr_expect_eq(m->time_to_restore.unrestored, 1);
	cr_expect_eq(m->restore_s[1], -1);
	/* time to revert: c2 - c1 = 2 d, c3 - c2 = 2 d */
	cr_expect_eq(m->time_to_revert.samples, 2);
	cr_expect_eq(m->time_to_revert.median_s, 2 * DAY);
	/* rework: v2's new commits are c2 (revert) and c4 (not): no */
	cr_expect_eq(m->rework_rate.rework, 0);
}

/* ---- security ---- */

Test(metrics, vulnerabilities_merge_through_shared_ids)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, c1, c2, c3, c4, c5;

	c0 = commit(0, 0, N, N);             /* culprit of the GHSA */
	release("v1", c0, 1);
	c1 = commit(10, SEC, c0, N);         /* GHSA-x and its CVE alias */
	vid(c1, "CVE-2024-0001");
	vid(c1, "GHSA-2222-3333-4444");
	ref(c1, c0, GV_REF_ADVISORY);
	c2 = commit(11, SEC, c1, N);         /* the same CVE, a second fix */
	vid(c2, "CVE-2024-0001");
	c3 = commit(12, SEC, c2, N);         /* no id: its own vulnerability */
	release("v2", c3, 21);
	c4 = commit(30, SEC, c3, N);         /* another CVE, never released */
	vid(c4, "CVE-2024-0002");
	c5 = commit(31, 0, c4, N);
	(void)c5;
	opts_init(&o);
	m = run(&o);

	cr_expect_eq(m->security.patches, 4);
	/* every patch counted is high confidence by default */
	cr_expect_eq(m->security.high_confidence, 4);
	cr_assert_eq(m->security.nids, 3);
	cr_expect_str_eq(m->security.ids[0], "CVE-2024-0001");
	cr_expect_str_eq(m->security.ids[1], "CVE-2024-0002");
	cr_expect_str_eq(m->security.ids[2], "GHSA-2222-3333-4444");
	/* fix to release: c1 21-10 = 11 d, c2 10 d, c3 9 d; c4 unreleased.
	 * sorted 9, 10, 11: median rank 2 = 10 d */
	cr_expect_eq(m->security.unreleased_fixes, 1);
	cr_expect_eq(m->security.fix_to_release.samples, 3);
	cr_expect_eq(m->security.fix_to_release.median_s, 10 * DAY);
	/* vulnerabilities, by earliest fix: {CVE-1, GHSA} fixed by c1 and
	 * c2, culprit c0; {c3}; {CVE-2} */
	cr_assert_eq(m->security.nvulns, 3);
	cr_expect_eq(m->security.vulns[0].nids, 2);
	cr_expect_eq(m->security.vulns[0].nfixes, 2);
	cr_expect_eq(m->security.vulns[0].nculprits, 1);
	cr_expect_eq(m->vuln_commits[m->security.vulns[0].culprits_at], c0);
	/* exposure: introduced v1 (1), fixed v2 (21): 20 days */
	cr_expect_eq(m->security.vulns[0].introduced, 0);
	cr_expect_eq(m->security.vulns[0].fixed, 1);
	cr_expect_eq(m->security.vulns[0].exposure_s, 20 * DAY);
	cr_expect_eq(m->security.vulns[1].nids, 0);
	cr_expect_eq(m->vuln_commits[m->security.vulns[1].fixes_at], c3);
	cr_expect_not(m->security.vulns[1].has_exposure);
	cr_expect_eq(m->security.vulns[2].fixed, GV_NONE);
	cr_expect_eq(m->security.exposure.samples, 1);
	cr_expect_eq(m->security.exposure.median_s, 20 * DAY);
	/* v1 failed? c0 has an advisory remediation c1 first released in v2,
	 * 20 days later, and v2 is all security fixes: a hotfix release */
	cr_expect_eq(nfail(m, 0), 1);
	cr_expect(m->failures[0].urgent);
	cr_expect_eq(m->failures[0].kind, GV_REF_ADVISORY);
}

/* git's case: fixes of seven CVEs on a topic branch, each naming its own,
 * and the merge of the topic naming all seven. The merge is no fix of
 * them (its second parent's history fixes them) and joins nothing. */
Test(metrics, vulnerabilities_a_merge_naming_seven_cves_joins_none)
{
	static const char *const cve[7] = {
		"CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003",
		"CVE-2024-0004", "CVE-2024-0005", "CVE-2024-0006",
		"CVE-2024-0007"
	};
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, u, w, f[7], mg, prev;
	size_t i, j;

	c0 = commit(0, 0, N, N);
	release("v1", c0, 1);                /* release 0 */
	u = commit(2, 0, c0, N);             /* the culprit of CVE-1 */
	release("v2", u, 4);                 /* release 1 */
	w = commit(5, 0, u, N);              /* main goes on */
	for (i = 0, prev = u; i < 7; i++) {  /* the topic: days 10..16 */
		f[i] = prev = commit(10 + (double)i, SEC, prev, N);
		vid(f[i], cve[i]);
	}
	ref(f[0], u, GV_REF_FIXES);
	mg = commit(20, SEC, w, f[6]);       /* "Merge ... fixes CVE-1..7" */
	for (i = 0; i < 7; i++)
		vid(mg, cve[i]);
	ref(mg, u, GV_REF_FIXES);            /* its culprits do not count */
	release("v3", mg, 21);               /* release 2 */
	opts_init(&o);
	m = run(&o);

	/* 8 patches: the seven fixes and the merge; 7 distinct ids */
	cr_expect_eq(m->security.patches, 8);
	cr_expect_eq(m->security.nids, 7);
	/* seven vulnerabilities, one per CVE, oldest fix first, each fixed
	 * by its own commit only */
	cr_assert_eq(m->security.nvulns, 7);
	for (i = 0; i < 7; i++) {
		const gv_vuln *v = &m->security.vulns[i];
		cr_assert_eq(v->nids, 1);
		cr_expect_str_eq(m->vuln_ids[v->ids_at], cve[i]);
		cr_assert_eq(v->nfixes, 1);
		cr_expect_eq(m->vuln_commits[v->fixes_at], f[i]);
		for (j = 0; j < v->nfixes; j++)
			cr_expect_neq(m->vuln_commits[v->fixes_at + j], mg);
		cr_expect_eq(v->fixed, 2);
		cr_expect(v->introduced == N || v->introduced <= v->fixed);
	}
	/* CVE-1: culprit u, introduced v2 (day 4), fixed v3 (day 21):
	 * 17 days; the others have no culprit: no exposure */
	cr_expect_eq(m->security.vulns[0].nculprits, 1);
	cr_expect_eq(m->security.vulns[0].introduced, 1);
	cr_expect_eq(m->security.vulns[0].exposure_s, 17 * DAY);
	for (i = 1; i < 7; i++)
		cr_expect_not(m->security.vulns[i].has_exposure);
	cr_expect_eq(m->security.exposure.samples, 1);
	cr_expect_eq(m->security.exposure.median_s, 17 * DAY);
	cr_expect_eq(m->security.dropped_culprits, 0);
}

/* A culprit must be an older ancestor of its fix: one on another branch
 * and one that descends from the fix are dropped, counted, never used. */
Test(metrics, vulnerability_culprit_not_an_older_ancestor_is_dropped)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, y, a, fx, d;

	c0 = commit(0, 0, N, N);
	release("v1", c0, 1);                /* release 0 */
	y = commit(2, 0, c0, N);             /* a side branch */
	release("v1.1", y, 2.5);             /* release 1 */
	a = commit(3, 0, c0, N);             /* the real culprit */
	fx = commit(4, SEC, a, N);
	vid(fx, "CVE-2024-0100");
	d = commit(5, 0, fx, N);             /* after the fix */
	ref(fx, y, GV_REF_FIXES);
	ref(fx, d, GV_REF_FIXES);
	ref(fx, a, GV_REF_FIXES);
	release("v2", d, 6);                 /* release 2 */
	opts_init(&o);
	m = run(&o);

	cr_assert_eq(m->security.nvulns, 1);
	/* y (not an ancestor) and d (newer, a descendant) dropped */
	cr_expect_eq(m->security.dropped_culprits, 2);
	cr_expect_eq(m->security.dropped_fix, fx);
	cr_expect_eq(m->security.dropped_culprit, y);
	cr_assert_eq(m->security.vulns[0].nculprits, 1);
	cr_expect_eq(m->vuln_commits[m->security.vulns[0].culprits_at], a);
	/* a and fx both first ship in v2: introduced = fixed = 2, 0 s (with
	 * y it would have been v1.1 .. v2, 3.5 days) */
	cr_expect_eq(m->security.vulns[0].introduced, 2);
	cr_expect_eq(m->security.vulns[0].fixed, 2);
	cr_expect_eq(m->security.vulns[0].exposure_s, 0);
}

/* A backport ships before the main line's culprit is released: the
 * vulnerability would be fixed before it was introduced, so introduced
 * and exposure are unknown, and that is counted. */
Test(metrics, vulnerability_fixed_before_its_culprit_shipped_has_no_exposure)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, b, cu, fx;

	c0 = commit(0, 0, N, N);
	release("v1", c0, 1);                /* release 0 */
	b = commit(5, SEC, c0, N);           /* the backport on maint */
	vid(b, "CVE-2024-0200");
	release("v1.1", b, 7);               /* release 1 */
	cu = commit(3, 0, c0, N);            /* main: the culprit */
	fx = commit(6, SEC, cu, N);
	vid(fx, "CVE-2024-0200");
	ref(fx, cu, GV_REF_FIXES);
	release("v2", fx, 10);               /* release 2 */
	opts_init(&o);
	m = run(&o);

	/* one vulnerability (one id) fixed first in v1.1 (1); its culprit
	 * first ships in v2 (2) > 1: introduced unknown */
	cr_assert_eq(m->security.nvulns, 1);
	cr_expect_eq(m->security.vulns[0].nfixes, 2);
	cr_expect_eq(m->security.vulns[0].fixed, 1);
	cr_expect_eq(m->security.vulns[0].introduced, N);
	cr_expect_not(m->security.vulns[0].has_exposure);
	cr_expect_eq(m->security.late_introduced, 1);
	cr_expect_eq(m->security.exposure.samples, 0);
}

/* A later commit that fixes a new CVE and recalls an old one fixed in its
 * history names two issues, not one: they stay apart. A CVE with its GHSA
 * on one commit are aliases and join. */
Test(metrics, vulnerabilities_an_old_cve_recalled_by_a_new_fix_joins_nothing)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, a, b, c;

	c0 = commit(0, 0, N, N);
	a = commit(1, SEC, c0, N);
	vid(a, "CVE-2019-0001");
	b = commit(2, SEC, a, N);            /* "extends the fix of -0001" */
	vid(b, "CVE-2019-0001");
	vid(b, "CVE-2021-0002");
	c = commit(3, SEC, b, N);            /* "addresses CVE-2021-0002" */
	vid(c, "CVE-2021-0002");
	vid(c, "GHSA-aaaa-bbbb-cccc");
	opts_init(&o);
	m = run(&o);

	/* {CVE-2019-0001: a}, {CVE-2021-0002, GHSA: b, c}: c's CVE is
	 * fixed in its history by b but it names no other CVE */
	cr_assert_eq(m->security.nvulns, 2);
	cr_expect_eq(m->security.vulns[0].nids, 1);
	cr_expect_eq(m->security.vulns[0].nfixes, 1);
	cr_expect_eq(m->security.vulns[1].nids, 2);
	cr_expect_eq(m->security.vulns[1].nfixes, 2);
}

/* ---- whose changes ---- */

Test(metrics, bots_excluded_and_merges_mode)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, b1, f1, f2, mg;

	/* main: c0 @0; branch: f1 @1, f2 @2 (authored); bot b1 @3 on main;
	 * merge mg @4 (first parent b1, second f2); v1 @5 at mg */
	c0 = commit(0, 0, N, N);
	f1 = commit(1, 0, c0, N);
	f2 = commit(2, 0, f1, N);
	b1 = commit(3, BOT, c0, N);
	mg = commit(4, 0, b1, f2);
	release("v1", mg, 5);
	opts_init(&o);
	m = run(&o);
	/* commits: 4 non-merge; lead times 5, 4, 3, 2 d: median rank 2 = 3 d */
	cr_expect_eq(m->counts.commits, 5);
	cr_expect_eq(m->counts.bots, 1);
	cr_expect_eq(m->lead_time.stats.samples, 4);
	cr_expect_eq(m->lead_time.stats.median_s, 3 * DAY);
	cr_expect_eq(m->rollback_rate.changes, 4);

	/* without bots: 3 samples 5, 4, 3: median 4 d; counts drop b1 but
	 * counts.bots stays; the commits list keeps it */
	o.exclude_bots = 1;
	m = run(&o);
	cr_expect_eq(m->counts.commits, 4);
	cr_expect_eq(m->counts.bots, 1);
	cr_expect_eq(m->lead_time.stats.samples, 3);
	cr_expect_eq(m->lead_time.stats.median_s, 4 * DAY);
	cr_expect_eq(m->rollback_rate.changes, 3);
	cr_expect_eq(m->ncommits, 5);

	/* the list is made only when asked for; the numbers do not change */
	o.list_commits = 0;
	m = run(&o);
	cr_expect_eq(m->ncommits, 0);
	cr_expect_eq(m->counts.commits, 4);
	cr_expect_eq(m->counts.bots, 1);
	cr_expect_eq(m->lead_time.stats.median_s, 4 * DAY);
	o.list_commits = 1;

	/* merges: the first-parent chain mg, b1, c0 holds the changes; mg
	 * brought in f1 and f2 and starts at f1 (1): 5 - 1 = 4 d; b1 2 d;
	 * c0 5 d. sorted 2, 4, 5: median 4 d */
	o.exclude_bots = 0;
	o.merges = 1;
	m = run(&o);
	cr_expect_eq(m->lead_time.stats.samples, 3);
	cr_expect_eq(m->lead_time.stats.median_s, 4 * DAY);
	cr_expect_eq(m->lead_time.stats.p90_s, 5 * DAY);
}

/* ---- commit order ---- */

Test(metrics, commits_newest_first_ties_by_whole_id)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx old, a0, b0, fresh, i;

	/* 70 commits share day 2 (more than an insertion sort takes, so the
	 * radix path orders them): commit a0 + i has id byte 7 = 3i mod 70,
	 * all other bytes 0. Position p holds the id byte p, i.e. the i with
	 * 3i = p (mod 70): i = 47p mod 70, since 3 * 47 = 141 = 2 * 70 + 1. */
	old = commit(1, 0, N, N);
	C[old].commit_time = -DAY; /* 1969-12-31: before the epoch, last */
	a0 = (gv_idx)nc;
	for (i = 0; i < 70; i++) {
		commit(2, 0, N, N);
		memset(ID[a0 + i], 0, GV_OID_RAWSZ);
		ID[a0 + i][7] = (unsigned char)(3 * i % 70);
	}
	/* 5 commits share day 3 and their first 8 id bytes (0xff): only byte
	 * 19 tells them apart, 4 - j for b0 + j, so they come reversed */
	b0 = (gv_idx)nc;
	for (i = 0; i < 5; i++) {
		commit(3, 0, N, N);
		memset(ID[b0 + i], 0xff, 8);
		memset(ID[b0 + i] + 8, 0, GV_OID_RAWSZ - 8);
		ID[b0 + i][19] = (unsigned char)(4 - i);
	}
	fresh = commit(4, 0, N, N);
	opts_init(&o);
	m = run(&o);
	/* fresh (day 4), b0+4 .. b0 (day 3), the 70 of day 2, old */
	cr_assert_eq(m->ncommits, 77);
	cr_expect_eq(m->commits[0], fresh);
	for (i = 0; i < 5; i++)
		cr_expect_eq(m->commits[1 + i], b0 + 4 - i, "position %u", 1 + i);
	for (i = 0; i < 70; i++)
		cr_expect_eq(m->commits[6 + i], a0 + 47 * i % 70, "position %u",
			     6 + i);
	cr_expect_eq(m->commits[76], old);
}

Test(metrics, vulnerabilities_of_one_time_oldest_first_ties_by_id)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx s0, s1;

	/* two security fixes without ids at the same time are two
	 * vulnerabilities, ordered by their fix's id: s1's 0x01.. before
	 * s0's 0x02.. */
	s0 = commit(1, SEC, N, N);
	s1 = commit(1, SEC, N, N);
	ID[s0][0] = 2;
	ID[s1][0] = 1;
	opts_init(&o);
	m = run(&o);
	cr_assert_eq(m->security.nvulns, 2);
	cr_expect_eq(m->vuln_commits[m->security.vulns[0].fixes_at], s1);
	cr_expect_eq(m->vuln_commits[m->security.vulns[1].fixes_at], s0);
}

/* ---- series ---- */

Test(metrics, series_spans_the_window_with_empty_periods)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, c1, c2;

	/* c0 2024-01-01, c1 2024-01-20 revert of c0 [v1 2024-01-21];
	 * c2 2024-04-10 [v2 2024-04-11] */
	c0 = commit(0, 0, N, N);
	release("v0", c0, 0.5);
	c1 = commit(19, REV, c0, N);
	ref(c1, c0, GV_REF_REVERT);
	release("v1", c1, 20);
	c2 = commit(100, FIX, c1, N);
	release("v2", c2, 101);
	opts_init(&o);
	o.period = GV_PERIOD_MONTH;
	m = run(&o);
	/* January .. April: 4 months, February and March empty */
	cr_assert_eq(m->nseries, 4);
	cr_expect_str_eq(m->series[0].name, "2024-01");
	cr_expect_str_eq(m->series[3].name, "2024-04");
	cr_expect_eq(m->series[0].commits, 2);
	cr_expect_eq(m->series[0].releases, 2);
	cr_expect_eq(m->series[0].reverts, 1);
	cr_expect_eq(m->series[0].failed, 1);   /* v0 */
	/* lead times by release: v0 ships c0 (0.5 d = 43200 s), v1 c1 (1 d) */
	cr_expect_eq(m->series[0].lead_time.samples, 2);
	cr_expect_eq(m->series[0].lead_time.median_s, DAY / 2);
	cr_expect_eq(m->series[1].commits, 0);
	cr_expect_eq(m->series[1].releases, 0);
	cr_expect_eq(m->series[1].lead_time.samples, 0);
	cr_expect_eq(m->series[3].fixes, 1);

	/* quarters: v0 and v1 in Q1, v2 in Q2 */
	o.period = GV_PERIOD_QUARTER;
	m = run(&o);
	cr_assert_eq(m->nseries, 2);
	cr_expect_str_eq(m->series[0].name, "2024-Q1");
	cr_expect_eq(m->series[0].releases, 2);
	cr_expect_eq(m->series[1].releases, 1);

	/* weeks with a window: [2024-01-08, 2024-01-29): W02, W03, W04 */
	o.period = GV_PERIOD_WEEK;
	o.since.kind = GV_BOUND_TIME;
	o.since.value = T0 + 7 * DAY;
	o.until.kind = GV_BOUND_TIME;
	o.until.value = T0 + 28 * DAY;
	m = run(&o);
	cr_assert_eq(m->nseries, 3);
	cr_expect_str_eq(m->series[0].name, "2024-W02");
	cr_expect_str_eq(m->series[2].name, "2024-W04");
	/* c1 on 2024-01-20 (Saturday, W03), v1 on 2024-01-21 (Sunday, W03) */
	cr_expect_eq(m->series[1].commits, 1);
	cr_expect_eq(m->series[1].releases, 1);
	cr_expect_eq(m->series[0].commits, 0);
}

/* ---- evidence: the worst-N lists every reporter shows ---- */

Test(metrics, evidence_lists_are_worst_first)
{
	gv_metrics_opts o;
	const gv_metrics *m;
	gv_idx c0, c1, c2, c3, c4, *want = NULL;
	size_t n = 0;

	/* the vulnerabilities of vulnerabilities_merge_through_shared_ids,
	 * with the rules that labelled them */
	c0 = commit(0, 0, N, N);
	release("v1", c0, 1);
	c1 = commit(10, SEC, c0, N);
	vid(c1, "CVE-2024-0001");
	vid(c1, "GHSA-2222-3333-4444");
	ref(c1, c0, GV_REF_ADVISORY);
	RULES[c1][NRULES[c1]++] = "sec-cve";
	RULES[c1][NRULES[c1]++] = "sec-ghsa";
	c2 = commit(11, SEC, c1, N);
	vid(c2, "CVE-2024-0001");
	RULES[c2][NRULES[c2]++] = "sec-cve";
	c3 = commit(12, SEC, c2, N);
	RULES[c3][NRULES[c3]++] = "sec-keyword";
	release("v2", c3, 21);
	c4 = commit(30, SEC, c3, N);
	vid(c4, "CVE-2024-0002");
	RULES[c4][NRULES[c4]++] = "sec-cve";
	opts_init(&o);
	m = run(&o);
	/* without opts.evidence the rules are not read */
	cr_expect_eq(m->evidence.nrules, 0);
	o.evidence = 1;
	m = run(&o);

	/* failed releases, newest first: only v1 (the advisory, urgent) */
	cr_assert_eq(m->evidence.nfailed, 1);
	cr_expect_eq(m->evidence.failed[0], 0);
	/* exposed: only {CVE-1, GHSA} has both releases (20 d) */
	cr_assert_eq(m->evidence.nexposed, 1);
	cr_expect_eq(m->evidence.exposed[0], 0);
	/* slow fixes, slowest first: c1 21-10 = 11 d, c2 10 d, c3 9 d, all
	 * shipped in v2; c4 was never released */
	cr_assert_eq(m->evidence.nslow, 3);
	cr_expect_eq(m->evidence.slow[0].commit, c1);
	cr_expect_eq(m->evidence.slow[0].delay_s, 11 * DAY);
	cr_expect_eq(m->evidence.slow[0].release, 1);
	cr_expect_eq(m->evidence.slow[1].commit, c2);
	cr_expect_eq(m->evidence.slow[2].commit, c3);
	cr_expect_eq(m->evidence.slow[2].delay_s, 9 * DAY);
	/* rules: sec-cve on c1 c2 c4 (3), then 1 each, ties by name */
	cr_assert_eq(m->evidence.nrules, 3);
	cr_expect_str_eq(m->evidence.rules[0].rule, "sec-cve");
	cr_expect_eq(m->evidence.rules[0].commits, 3);
	cr_expect_str_eq(m->evidence.rules[1].rule, "sec-ghsa");
	cr_expect_str_eq(m->evidence.rules[2].rule, "sec-keyword");
	/* lead times: c0 1 d (bin 1-3d), c1 11 d, c2 10 d, c3 9 d (bin
	 * 1-2w); c4 unreleased */
	cr_expect_eq(m->lead_hist[3], 1);
	cr_expect_eq(m->lead_hist[5], 3);
	cr_expect_str_eq(gv_lead_bin_names[5], "1-2w");

	/* the subjects the lists need: v1's culprit c0 and remediation c1,
	 * the exposed vulnerability's fixes c1 c2, the slow fixes c1 c2 c3:
	 * each once, ascending */
	cr_assert_eq(gv_metrics_subjects_wanted(&want, &n, m, 50), 0);
	cr_assert_eq(n, 4);
	cr_expect(want[0] == c0 && want[1] == c1 && want[2] == c2 && want[3] == c3);
	free(want);
	cr_assert_eq(gv_metrics_subject_set(M, c1, "fix it\n\nbody", 12), 0);
	cr_expect_str_eq(gv_metrics_subject(M, c1), "fix it");
	cr_expect_null(gv_metrics_subject(M, c2));
}
