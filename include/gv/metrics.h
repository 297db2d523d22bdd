/*
 * metrics.h - the numbers: derived from the history, the classification and
 * the releases, in memory, with no I/O. docs/METRICS.md defines each one.
 *
 * Conventions for every duration summary: samples are integer seconds;
 * percentiles use the nearest-rank method (the value at 1-based rank
 * ceil(q*n) of the sorted samples); with no samples every statistic is absent
 * (reported as null, never 0). Rates are in [0, 1] and absent when their
 * denominator is 0. A DORA level is absent, and `insufficient` set, when its
 * metric has fewer than GV_LEVEL_MIN_SAMPLES samples.
 *
 * Scope (the core issue): release-level numbers (releases, failures, rework,
 * deployment frequency) use every commit walked; commit-level numbers (lead
 * time, counts, rollbacks, fix latency, security) use the commits reachable
 * from the analysed revs whose committer time is in the window, without bots
 * under exclude_bots.
 */
#ifndef GV_METRICS_H
#define GV_METRICS_H

#include "gv/classify.h"
#include "gv/common.h"
#include "gv/history.h"
#include "gv/releases.h"

/* A window bound as given: absent, an absolute time, or a span counted back
 * from --until (or else from the newest commit time not in the future). */
typedef struct gv_bound {
	enum { GV_BOUND_NONE = 0, GV_BOUND_TIME, GV_BOUND_SPAN } kind;
	int64_t value; /* UTC seconds, or a span in seconds */
} gv_bound;

enum gv_period_kind {
	GV_PERIOD_NONE = 0,
	GV_PERIOD_WEEK,     /* ISO 8601 weeks: "2024-W19", Monday 00:00Z */
	GV_PERIOD_MONTH,    /* "2024-05" */
	GV_PERIOD_QUARTER   /* "2024-Q2" */
};

#define GV_HOTFIX_WINDOW_DEFAULT (14 * INT64_C(86400))

typedef struct gv_metrics_opts {
	gv_bound since, until;
	int lead_from_commit; /* --lead-time-from commit */
	int64_t now;          /* "the future" starts after this; 0: time(NULL) */
	int has_hotfix_window;/* else the default, 14 days */
	int64_t hotfix_window;/* seconds */
	int exclude_bots;     /* --exclude-bots */
	int merges;           /* --changes merges: first-parent merges */
	int period;           /* enum gv_period_kind: --period */
	int list_commits;     /* fill gv_metrics.commits (--commits): sorting
	                         every commit is a tenth of a warm run */
	int min_confidence;   /* --min-confidence: the lowest tier of a fix,
	                         revert, rollback or security label that the
	                         metrics count: GV_CONF_HIGH (also when 0;
	                         advisory ranks above it) or GV_CONF_LOW */
	int evidence;         /* fill gv_metrics.evidence.rules: it reads the
	                         classification of every commit in scope */
	int no_copies;        /* --no-copies: every commit is its own change,
	                         cherry-picks and backports included */
} gv_metrics_opts;

/* The labels the metrics count: a fix, revert, rollback or security label
 * only at min_conf or above (the default counts high and advisory); the
 * kinds of work (bot, feature, docs ...) as they are. Every number and
 * list is made from these, so a low-confidence hit appears nowhere but in
 * counts.possible unless asked for. */
uint32_t gv_metrics_counted(const gv_class_view *v, int min_conf);

typedef struct gv_stats {
	uint64_t samples;
	int64_t median_s, p75_s, p90_s, mean_s; /* valid when samples > 0 */
} gv_stats;

/* DORA performance levels (DORA State of DevOps 2023, as DevLake uses). */
enum gv_level {
	GV_LEVEL_NONE = -1,  /* insufficient data, or no value */
	GV_LEVEL_LOW = 0,
	GV_LEVEL_MEDIUM,
	GV_LEVEL_HIGH,
	GV_LEVEL_ELITE
};
#define GV_LEVEL_MIN_SAMPLES 5
/* "low", "medium", "high", "elite"; NULL for GV_LEVEL_NONE. */
const char *gv_level_name(int level);
/* The level of a name, or GV_LEVEL_NONE. */
int gv_level_from_name(const char *name, size_t len);

typedef struct gv_level_of {
	int level;         /* enum gv_level */
	int insufficient;  /* fewer than GV_LEVEL_MIN_SAMPLES samples */
} gv_level_of;

/* One failure of a release: a remediation (a commit with a ref of kind
 * revert, fixes or advisory) of a commit the release first shipped that the
 * release does not ship itself. */
typedef struct gv_failure {
	gv_idx culprit, remediation;
	uint8_t kind;    /* enum gv_ref_kind: revert, fixes or advisory */
	uint8_t urgent;  /* a revert or rollback, or shipped as a hotfix */
} gv_failure;

/* One vulnerability: security fixes linked through shared ids (an OSV
 * record's id and aliases land on its fixes together), or one fix without
 * an id. Index ranges point into the gv_metrics pools. */
typedef struct gv_vuln {
	size_t ids_at, nids;            /* into vuln_ids: sorted, distinct */
	size_t fixes_at, nfixes;        /* into vuln_commits: oldest first */
	size_t culprits_at, nculprits;  /* into vuln_commits: oldest first */
	uint32_t introduced, fixed;     /* release indexes, or GV_NONE */
	int has_exposure;
	int64_t exposure_s;
} gv_vuln;

/* A released security fix and how long it took to ship. */
typedef struct gv_slow_fix {
	gv_idx commit;
	uint32_t release;   /* its first release */
	int64_t delay_s;    /* release time - commit time, at least 0 */
} gv_slow_fix;

/* A rule and the commits in scope it labelled. */
typedef struct gv_rule_count {
	const char *rule;   /* points into the classification */
	uint64_t commits;
} gv_rule_count;

/* The lead-time histogram: bin i holds lead times below
 * gv_lead_bins[i] (and at least the bound before it); the last bin is
 * open-ended. */
#define GV_LEAD_BINS 9
extern const int64_t gv_lead_bins[GV_LEAD_BINS - 1];
/* "< 1h", "1-6h", ..., "> 90d" */
extern const char *const gv_lead_bin_names[GV_LEAD_BINS];

/* One period of --period: [start, next start). */
typedef struct gv_period {
	int64_t start;
	char name[16];  /* "2024-05", "2024-W19", "2024-Q2" */
	uint64_t commits, releases, reverts, fixes, security;
	gv_stats lead_time;       /* changes whose first release is here */
	uint64_t failed, escaped; /* of `releases` */
	gv_stats time_to_restore; /* failed releases released here */
} gv_period;

typedef struct gv_metrics {
	/* The window actually used: [since, until), each present or not. */
	int has_since, has_until;
	int64_t since, until;
	/* The newest commit time that is not in the future (0 if none), and
	 * the oldest commit time (0 if none). */
	int64_t newest, oldest;
	int64_t hotfix_window;

	struct {
		uint64_t commits, merges, releases, fixes, reverts, rollbacks,
			security, bots;
		uint64_t copies;   /* commits with a copy_of */
		/* commits whose label is below the counted tier: not in any
		 * number or list of the report, but worth a look */
		struct {
			uint64_t fixes, reverts, rollbacks, security;
		} possible;
		int min_confidence;  /* the tier used, as in the options */
	} counts;

	struct {
		gv_stats stats;
		uint64_t unreleased, clamped;
		gv_level_of level;
	} lead_time;

	struct {
		uint64_t releases;
		int has_days;
		double days, per_week;
		gv_level_of level;
	} deployment_frequency;

	struct {
		uint64_t releases, failed;
		gv_level_of level;
	} change_failure_rate;
	struct { uint64_t releases, escaped; } escaped_defect_rate;
	struct {
		gv_stats stats;
		uint64_t unrestored;
		gv_level_of level;
	} time_to_restore;
	struct { uint64_t changes, rollbacks; } rollback_rate;
	struct { uint64_t releases, rework; } rework_rate;
	gv_stats fix_latency, time_to_revert;

	struct {
		uint64_t patches, high_confidence, unreleased_fixes;
		const char **ids;   /* sorted, distinct; point into the
		                       classification */
		size_t nids;
		gv_stats fix_to_release, exposure;
		gv_vuln *vulns;     /* by their earliest fix, oldest first */
		size_t nvulns;
		/* (fix, culprit) pairs left out because the culprit is not
		 * an older ancestor of the fix, and vulnerabilities whose
		 * culprits' first release came after the fix's (introduced
		 * left unknown); one example of each, else GV_NONE. */
		uint64_t dropped_culprits, late_introduced;
		gv_idx dropped_fix, dropped_culprit, late_fix;
	} security;
	const char **vuln_ids;
	gv_idx *vuln_commits;

	/* Per release (every release, indexed like gv_releases_list()): its
	 * failures are failures[failures_at[r] .. failures_at[r + 1]), by
	 * remediation committer time; rework[r] is 1 for a release whose new
	 * non-merge commits (at least one) are all fixes, reverts, rollbacks or
	 * security fixes; restore_s[r] the time to restore of a failed release,
	 * or -1 when it has none. */
	uint32_t *failures_at;
	gv_failure *failures;
	uint8_t *rework;
	int64_t *restore_s;

	/* --period: one entry per period spanning the window, oldest first. */
	gv_period *series;
	size_t nseries;
	int64_t series_cut;     /* when the span had more than the periods
	                           kept: data before this time is left out of
	                           the series (0: nothing was) */

	uint64_t lead_hist[GV_LEAD_BINS]; /* lead times of lead_time.stats */

	/* The evidence behind the worst numbers, the "worst N" lists every
	 * reporter shows (each reporter caps them): failed are the releases
	 * in the window with an urgent failure, newest first; exposed the
	 * vulnerabilities with an exposure (indexes into security.vulns),
	 * longest first; slow the released security fixes, slowest first;
	 * rules (only with opts.evidence) the rules that labelled commits in
	 * scope, most commits first. Ties keep the older item first. */
	struct {
		uint32_t *failed;
		size_t nfailed;
		size_t *exposed;
		size_t nexposed;
		gv_slow_fix *slow;
		size_t nslow;
		gv_rule_count *rules;
		size_t nrules;
	} evidence;
	/* Subjects of commits the evidence names, set by the caller (the
	 * metrics read no messages): see gv_metrics_subject_set(). */
	gv_idx *subject_commits;
	char **subjects;
	size_t nsubjects, subjects_alloc;

	/* Releases in the window, as indexes into gv_releases_list(). */
	uint32_t *releases;
	size_t nreleases;
	/* With list_commits: the commits reachable from the revs in the
	 * window, newest first (ties by id ascending): the `commits` list of
	 * the report. Bots stay in it. Empty otherwise. */
	gv_idx *commits;
	size_t ncommits;
	/* Per commit walked ("Changes, not copies" in docs/METRICS.md):
	 * copy_of[i], the earliest copy (by committer time, then id) of the
	 * change i is a later copy of, else GV_NONE; first[i], the change's
	 * first release (the earliest release that ships any copy), or
	 * GV_NONE; start[i], when the change started for its lead time (the
	 * earliest start among its non-merge copies with a good date, else
	 * i's own). Every copy has its change's. */
	gv_idx *copy_of;
	uint32_t *first;
	int64_t *start;
} gv_metrics;

/* What the metrics read, as plain arrays, so that they can be tested without
 * a repository. gv_metrics_compute() fills one from the real modules. */
typedef struct gv_metrics_input {
	const gv_commit *commits;
	size_t ncommits;
	const gv_idx *parents;        /* see gv_history_parents() */
	const gv_release *releases;   /* oldest first, ties by tag name */
	size_t nreleases;
	const uint32_t *first;        /* per commit: first release, or GV_NONE */
	/* The classification of commit i (NULL: nothing is classified). */
	void (*classes)(const void *ctx, gv_idx i, gv_class_view *out);
	/* GV_OID_RAWSZ bytes of commit i's id (for stable ordering). */
	const unsigned char *(*id)(const void *ctx, gv_idx i);
	const void *ctx;
} gv_metrics_input;

/* `classes` may be NULL (nothing classified). Caller frees with
 * gv_metrics_free(). The history, releases and classes must outlive the
 * result (it points into them). */
int gv_metrics_compute(gv_metrics **out, const gv_history *h,
		       const gv_classes *classes, const gv_releases *rel,
		       const gv_metrics_opts *opts, gv_error *err);
/* The same from plain arrays. */
int gv_metrics_compute_input(gv_metrics **out, const gv_metrics_input *in,
			     const gv_metrics_opts *opts, gv_error *err);
void gv_metrics_free(gv_metrics *m);

/* The commits whose subjects the evidence lists show: the culprits and
 * remediations of the first `max` failed releases, the fixes of the first
 * `max` exposed vulnerabilities and the first `max` slow fixes, each once
 * (ascending). Caller frees *out with free(). */
int gv_metrics_subjects_wanted(gv_idx **out, size_t *n, const gv_metrics *m,
			       size_t max);
/* Keeps a copy of the subject (the first line of `len` bytes) of commit c. */
int gv_metrics_subject_set(gv_metrics *m, gv_idx c, const char *message,
			   size_t len);
/* The subject of c (NUL-terminated raw bytes), or NULL when not set. */
const char *gv_metrics_subject(const gv_metrics *m, gv_idx c);

/* Lead time of one commit, as the commit list shows it: its change's
 * (copies share it), not clamped: 0 and *out set when it is a non-merge
 * commit whose change has a first release; GV_ENOTFOUND otherwise. */
int gv_metrics_lead_time(const gv_metrics *m, const gv_history *h,
			 const gv_releases *rel, gv_idx commit, int64_t *out);

/* Fills a summary from unsorted samples (sorts them in place). */
void gv_stats_from(gv_stats *s, int64_t *samples, size_t n);

/* DORA levels from the raw numbers (see docs/METRICS.md). */
gv_level_of gv_level_deployment(uint64_t releases, int has_days,
				int64_t window_s);
gv_level_of gv_level_lead_time(const gv_stats *s);
gv_level_of gv_level_change_failure(uint64_t releases, uint64_t failed);
gv_level_of gv_level_restore(const gv_stats *s);

/* The period containing t: its start and name (>= 16 bytes). */
int64_t gv_period_start(int kind, int64_t t, char *name, size_t size);
/* The start of the period after the one starting at `start`. */
int64_t gv_period_next(int kind, int64_t start);

#endif
