/*
 * test_batch.c - `git-vitals batch` (issue 6, without the cache): the
 * manifest parser, shard selection, the ordered pool and the summary as
 * library units, then whole-program batches over a fleet of fixture
 * repositories.
 *
 * The fleet is built once per test run (fx_repo_shared) in one directory,
 * which every e2e test uses as its working directory, so manifests hold
 * relative paths and `repository.path` is predictable:
 *   repo          a, b, c, d on D0, D1, D2, D4; annotated v1.0.0 at b tagged
 *                 D3, annotated v1.1.0 at d tagged D7
 *   with space    a on D0 tagged v1.0.0, b on D10 tagged v2.0.0 (lightweight)
 *   empty         `git init`, no commit
 *   notrepo       a plain directory
 *   missing       does not exist
 *   corrupt       3 commits; the object of HEAD~1 overwritten with junk
 *   configured    a on D0 tagged v1, b on D1; git config vitals.rev v1
 * Dn means 2024-01-(n+1)T00:00:00Z, so Dn - Dm = (n - m) days.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "gv/batch.h"

#define DAY INT64_C(86400)

/* --- manifest ----------------------------------------------------------- */

static gv_manifest man;

static void manifest_fini(void)
{
	gv_manifest_free(&man);
}

static void parse(const char *text, size_t len)
{
	gv_error err = {0};

	gv_manifest_free(&man);
	cr_assert_eq(gv_manifest_parse(&man, text, len, &err), 0, "%s", err.msg);
}

#define PARSE(lit) parse(lit, sizeof(lit) - 1)

TestSuite(manifest, .fini = manifest_fini);

Test(manifest, fields_quotes_and_escapes)
{
	PARSE("\"a b\\\\c\\\"d\" name=\"x\\ty\" rev=main rev=\"v 1\" all=1 "
	      "release-pattern=^v since=90d until=2024-01-01\n");
	cr_assert_eq(man.count, 1);
	cr_assert_eq(man.nproblems, 0, "%s", man.problems[0].message);
	const gv_manifest_entry *e = &man.entries[0];
	cr_expect_eq(e->line, 1);
	cr_expect_str_eq(e->path, "a b\\c\"d");
	cr_expect_str_eq(e->name, "x\ty");
	cr_assert_eq(e->nrevs, 2);
	cr_expect_str_eq(e->revs[0], "main");
	cr_expect_str_eq(e->revs[1], "v 1");
	cr_expect_eq(e->all, 1);
	cr_expect_str_eq(e->release_pattern, "^v");
	cr_expect_str_eq(e->since, "90d");
	cr_expect_str_eq(e->until, "2024-01-01");
}

Test(manifest, unset_keys_stay_unset)
{
	PARSE("repo\n");
	cr_assert_eq(man.count, 1);
	const gv_manifest_entry *e = &man.entries[0];
	cr_expect_eq(e->nrevs, 0);
	cr_expect_eq(e->all, -1);
	cr_expect_null(e->release_pattern);
	cr_expect_null(e->since);
	cr_expect_null(e->until);
}

Test(manifest, equals_splits_only_outside_quotes)
{
	/* the first field is always the path, '=' or not; a quoted "k=v"
	 * after it is a value without a key */
	PARSE("a=b since=\"2024-01-01\" release-pattern=\"^v[0-9]+=x\"\n"
	      "\"c=d\"\n"
	      "repo \"name=x\"\n");
	cr_assert_eq(man.count, 2);
	cr_expect_str_eq(man.entries[0].path, "a=b");
	cr_expect_str_eq(man.entries[0].since, "2024-01-01");
	cr_expect_str_eq(man.entries[0].release_pattern, "^v[0-9]+=x");
	cr_expect_str_eq(man.entries[1].path, "c=d");
	cr_assert_eq(man.nproblems, 1);
	cr_expect_eq(man.problems[0].line, 3);
	cr_expect(strstr(man.problems[0].message, "expected key=value"),
		  "%s", man.problems[0].message);
}

Test(manifest, comments_blank_lines_and_crlf)
{
	PARSE("# fleet\n"
	      "\n"
	      "   \t \n"
	      "  repo   # the main one\n"
	      "repo#1\n"
	      "\trepo2\tname=n\r\n"
	      "last all=0");
	cr_assert_eq(man.nproblems, 0, "%s", man.problems[0].message);
	cr_assert_eq(man.count, 4);
	cr_expect_str_eq(man.entries[0].path, "repo");
	cr_expect_eq(man.entries[0].line, 4);
	/* '#' starts a comment only at the start of a field */
	cr_expect_str_eq(man.entries[1].path, "repo#1");
	cr_expect_eq(man.entries[1].line, 5);
	cr_expect_str_eq(man.entries[2].path, "repo2");
	cr_expect_str_eq(man.entries[2].name, "n");
	cr_expect_str_eq(man.entries[3].path, "last");
	cr_expect_eq(man.entries[3].line, 7);
	cr_expect_eq(man.entries[3].all, 0);
}

Test(manifest, empty_manifest_has_no_entries)
{
	PARSE("");
	cr_expect_eq(man.count, 0);
	cr_expect_eq(man.nproblems, 0);
	PARSE("\n\n# nothing\n");
	cr_expect_eq(man.count, 0);
	cr_expect_eq(man.nproblems, 0);
}

Test(manifest, default_name_is_the_last_path_component)
{
	PARSE("a/b/c\n/x/y/\n/\nrepo\n./r//\n\"with space/\"\n");
	cr_assert_eq(man.count, 6);
	static const char *const names[] = { "c", "y", "/", "repo", "r",
					     "with space" };
	for (size_t i = 0; i < 6; i++)
		cr_expect_str_eq(man.entries[i].name, names[i], "line %zu", i + 1);
}

Test(manifest, malformed_lines_are_skipped_with_their_line_numbers)
{
	static const char text[] =
		"good1\n"                    /* 1 */
		"\"unterminated\n"           /* 2 */
		"repo extra\n"               /* 3 */
		"repo colour=red\n"          /* 4 */
		"repo name=\n"               /* 5 */
		"repo name=a name=b\n"       /* 6 */
		"repo all=2\n"               /* 7 */
		"\"a\\qb\"\n"                /* 8 */
		"\"\"\n"                     /* 9 */
		"repo\0nul\n"                /* 10 */
		"repo rev=\"x\n"             /* 11 */
		"good2 rev=a\n";             /* 12 */
	static const struct {
		size_t line;
		const char *path, *needle;
	} want[] = {
		{ 2, NULL, "unterminated quote" },
		{ 3, "repo", "field 'extra': expected key=value" },
		{ 4, "repo", "key 'colour': unknown key" },
		{ 5, "repo", "key 'name': empty value" },
		{ 6, "repo", "key 'name': key given twice" },
		{ 7, "repo", "key 'all': all= takes 1 or 0" },
		{ 8, NULL, "unknown escape" },
		{ 9, NULL, "empty path" },
		{ 10, NULL, "NUL byte" },
		{ 11, "repo", "unterminated quote" },
	};
	parse(text, sizeof(text) - 1);
	cr_assert_eq(man.count, 2);
	cr_expect_str_eq(man.entries[0].path, "good1");
	cr_expect_str_eq(man.entries[1].path, "good2");
	cr_expect_eq(man.entries[1].line, 12);
	cr_assert_eq(man.nproblems, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < man.nproblems; i++) {
		const gv_manifest_problem *p = &man.problems[i];
		cr_expect_eq(p->line, want[i].line, "problem %zu", i);
		cr_expect(strstr(p->message, want[i].needle),
			  "line %zu: '%s' lacks '%s'", p->line, p->message,
			  want[i].needle);
		if (want[i].path)
			cr_expect_str_eq(p->path, want[i].path, "line %zu", p->line);
		else
			cr_expect_null(p->path, "line %zu", p->line);
	}
}

/* --- shards ------------------------------------------------------------- */

Test(shard, parse_accepts_k_of_n_only)
{
	uint32_t k = 0, n = 0;
	gv_error err = {0};

	cr_assert_eq(gv_shard_parse(&k, &n, "2/3", &err), 0);
	cr_expect_eq(k, 2);
	cr_expect_eq(n, 3);
	cr_assert_eq(gv_shard_parse(&k, &n, "1/1", &err), 0);
	cr_assert_eq(gv_shard_parse(&k, &n, "4294967295/4294967295", &err), 0);
	static const char *const bad[] = { "0/3", "4/3", "1/0", "a/b", "1/",
					   "/3", "1/3x", "-1/3", " 1/3", "1",
					   "1/4294967296", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(gv_shard_parse(&k, &n, bad[i], &err), GV_EUSAGE,
			     "accepted '%s'", bad[i]);
}

Test(shard, of_is_fnv1a64_of_the_path_mod_n_plus_one)
{
	/* FNV-1a 64: "a" -> 0xaf63dc4c8601ec8c, "repo" -> 0x4cac581fbfac663d,
	 * "" -> the offset basis 0xcbf29ce484222325. Pinned: a later version
	 * that moved a path to another shard would break every split fleet. */
	cr_expect_eq(gv_shard_of("a", 1, 2), 0xaf63dc4c8601ec8cu % 2 + 1);
	cr_expect_eq(gv_shard_of("a", 1, 3), 2);
	cr_expect_eq(gv_shard_of("a", 1, 7), 6);
	cr_expect_eq(gv_shard_of("repo", 4, 3), 3);
	cr_expect_eq(gv_shard_of("repo", 4, 1000), 54);
	cr_expect_eq(gv_shard_of("", 0, 3), 3);
	cr_expect_eq(gv_shard_of("anything", 8, 1), 1);
}

Test(shard, keeps_entries_and_problems_of_one_shard, .fini = manifest_fini)
{
	/* shards of 3: "repo" 3, "repo/" 1, "./repo/" 2; a problem with no
	 * path goes to shard 1 only */
	static const char text[] = "repo\nrepo/\n./repo/\nrepo junk\n\"x\n";
	for (uint32_t k = 1; k <= 3; k++) {
		parse(text, sizeof(text) - 1);
		gv_manifest_shard(&man, k, 3);
		cr_assert_eq(man.count, 1, "shard %u", k);
		cr_expect_str_eq(man.entries[0].path,
				 k == 1 ? "repo/" : k == 2 ? "./repo/" : "repo");
		cr_expect_eq(man.nproblems, k == 2 ? 0u : 1u, "shard %u", k);
		if (k == 1)
			cr_expect_eq(man.problems[0].line, 5);
		if (k == 3)
			cr_expect_eq(man.problems[0].line, 4);
	}
}

/* --- the ordered pool ---------------------------------------------------- */

typedef struct pool_test {
	unsigned threads;
	size_t fail_at, emit_fail_at;  /* SIZE_MAX: never */
	atomic_size_t emitted;
	atomic_size_t max_ahead;
	size_t order[200];
	size_t progress_calls, last_done;
	int bad_output;
} pool_test;

static int pt_run(void *payload, size_t i, gv_buf *out, gv_error *err)
{
	pool_test *t = payload;
	size_t ahead = i - atomic_load(&t->emitted), m;

	m = atomic_load(&t->max_ahead);
	while (ahead > m && !atomic_compare_exchange_weak(&t->max_ahead, &m, ahead))
		;
	/* finish out of order: later jobs are often quicker */
	usleep((useconds_t)((i * 7919u) % 13u) * 150u);
	if (i == t->fail_at)
		return gv_error_set(err, GV_ENOMEM, "job %zu failed", i);
	return gv_buf_printf(out, "job %zu\n", i);
}

static int pt_emit(void *payload, size_t i, const gv_buf *out, gv_error *err)
{
	pool_test *t = payload;
	char want[32];
	size_t n = atomic_load(&t->emitted);

	snprintf(want, sizeof(want), "job %zu\n", i);
	if (out->len != strlen(want) || memcmp(out->ptr, want, out->len))
		t->bad_output = 1;
	t->order[n] = i;
	atomic_store(&t->emitted, n + 1);
	if (i == t->emit_fail_at)
		return gv_error_set(err, GV_EIO, "emit %zu failed", i);
	return 0;
}

static void pt_progress(void *payload, size_t done, size_t total)
{
	pool_test *t = payload;

	(void)total;
	if (done < t->last_done)
		t->bad_output = 1; /* progress never goes back */
	t->last_done = done;
	t->progress_calls++;
}

static int pt_go(pool_test *t, size_t njobs, gv_error *err)
{
	gv_batch_opts o;

	memset(&o, 0, sizeof(o));
	o.njobs = njobs;
	o.threads = t->threads;
	o.run = pt_run;
	o.emit = pt_emit;
	o.progress = pt_progress;
	o.payload = t;
	return gv_batch_run(&o, err);
}

static void pt_init(pool_test *t, unsigned threads)
{
	memset(t, 0, sizeof(*t));
	t->threads = threads;
	t->fail_at = t->emit_fail_at = SIZE_MAX;
	atomic_init(&t->emitted, 0);
	atomic_init(&t->max_ahead, 0);
}

Test(pool, emits_in_index_order_whatever_the_completion_order)
{
	static pool_test t;
	gv_error err = {0};

	for (unsigned threads = 1; threads <= 8; threads *= 2) {
		pt_init(&t, threads);
		cr_assert_eq(pt_go(&t, 200, &err), 0, "%s", err.msg);
		cr_assert_eq(atomic_load(&t.emitted), 200);
		for (size_t i = 0; i < 200; i++)
			cr_assert_eq(t.order[i], i, "threads %u: slot %zu holds %zu",
				     threads, i, t.order[i]);
		cr_expect_not(t.bad_output, "threads %u", threads);
		cr_expect_eq(t.last_done, 200, "the last progress says all done");
		/* memory is bounded: a job starts only within the window of
		 * 4 per thread past the oldest output not yet emitted. The
		 * test's own count of emitted outputs can lag the pool's by the
		 * one emit in flight, so it may see exactly the window. */
		cr_expect_leq(atomic_load(&t.max_ahead), 4u * threads,
			     "threads %u: a job ran %zu ahead", threads,
			     atomic_load(&t.max_ahead));
	}
}

Test(pool, a_fatal_job_error_stops_the_batch)
{
	static pool_test t;
	gv_error err = {0};

	pt_init(&t, 4);
	t.fail_at = 10;
	cr_assert_eq(pt_go(&t, 100, &err), GV_ENOMEM);
	cr_expect_str_eq(err.msg, "job 10 failed");
	/* job 10's output is never emitted, so neither is any later one */
	cr_expect_leq(atomic_load(&t.emitted), 10);
	for (size_t i = 0; i < atomic_load(&t.emitted); i++)
		cr_expect_eq(t.order[i], i);
}

Test(pool, an_emit_error_stops_the_batch)
{
	static pool_test t;
	gv_error err = {0};

	pt_init(&t, 3);
	t.emit_fail_at = 3;
	cr_assert_eq(pt_go(&t, 50, &err), GV_EIO);
	cr_expect_str_eq(err.msg, "emit 3 failed");
	cr_expect_eq(atomic_load(&t.emitted), 4, "0..3 emitted, then stopped");
}

Test(pool, no_jobs_is_nothing_to_do)
{
	static pool_test t;
	gv_error err = {0};

	pt_init(&t, 4);
	cr_expect_eq(pt_go(&t, 0, &err), 0);
	cr_expect_eq(atomic_load(&t.emitted), 0);
	cr_expect_eq(t.progress_calls, 0);
}

/* --- the summary document ------------------------------------------------- */

static gv_summary_row rows[5];

static void rows_fini(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		gv_summary_row_clear(&rows[i]);
	gv_manifest_free(&man);
}

/* A repository that ran, with the headline numbers given (lead, fix < 0:
 * no samples; per_week < 0: no deployment frequency; cfr_releases 0: no
 * change failure rate). */
static void ran_full(gv_summary_row *r, const char *name, uint64_t commits,
		     int64_t lead, double per_week, uint64_t cfr_releases,
		     uint64_t cfr_failed, int64_t fix)
{
	gv_metrics m;
	gv_analysis a;
	gv_error err = {0};

	memset(&m, 0, sizeof(m));
	memset(&a, 0, sizeof(a));
	m.counts.commits = commits;
	m.counts.releases = 2;
	m.lead_time.stats.samples = lead >= 0 ? 3 : 0;
	m.lead_time.stats.median_s = lead;
	m.deployment_frequency.has_days = per_week >= 0;
	m.deployment_frequency.per_week = per_week;
	m.change_failure_rate.releases = cfr_releases;
	m.change_failure_rate.failed = cfr_failed;
	m.fix_latency.samples = fix >= 0 ? 1 : 0;
	m.fix_latency.median_s = fix;
	a.metrics = &m;
	cr_assert_eq(gv_summary_row_set(r, name, name, &a, 0, NULL, &err), 0);
}

#define ran(r, name, commits, lead, per_week) \
	ran_full(r, name, commits, lead, per_week, 0, 0, -1)

static cJSON *summary_of(size_t n)
{
	gv_buf out = {0};
	gv_error err = {0};

	cr_assert_eq(gv_summary_json(&out, rows, n, &man, &err), 0, "%s", err.msg);
	cr_assert(out.len && out.ptr[out.len - 1] == '\n');
	cJSON *doc = cJSON_ParseWithLength(out.ptr, out.len);
	cr_assert_not_null(doc, "not JSON: %s", out.ptr);
	gv_buf_free(&out);
	return doc;
}

TestSuite(summary, .fini = rows_fini);

Test(summary, fleet_medians_are_nearest_rank_over_repositories_with_a_value)
{
	gv_error err = {0};

	/* lead medians 300, 100, 200 and one without samples: sorted
	 * 100, 200, 300, rank ceil(0.5 * 3) = 2 -> 200. per_week 1.5, 0.25,
	 * 3, 0.5: sorted 0.25, 0.5, 1.5, 3, rank ceil(0.5 * 4) = 2 -> 0.5.
	 * Change failure rates 1/4, none, 1/2, 0/10: sorted 0, 0.25, 0.5,
	 * rank 2 -> 0.25. Fix latency medians 100, none, none, 50: sorted
	 * 50, 100, rank 1 -> 50. The failed row has none of them. */
	ran_full(&rows[0], "a", 10, 300, 1.5, 4, 1, 100);
	ran_full(&rows[1], "b", 20, 100, 0.25, 0, 0, -1);
	ran_full(&rows[2], "c", 30, 200, 3.0, 2, 1, -1);
	ran_full(&rows[3], "d", 40, -1, 0.5, 10, 0, 50);
	cr_assert_eq(gv_summary_row_set(&rows[4], "e", "/x/e", NULL, GV_EREPO,
					"/x/e: not a git repository", &err), 0);
	PARSE("a\nb junk\n");
	cJSON *doc = summary_of(5);
	cr_expect_str_eq(fx_str(doc, "schema"), "git-vitals/batch-summary/1");
	cr_expect_eq(fx_int(doc, "counts.repositories"), 5);
	cr_expect_eq(fx_int(doc, "counts.ok"), 4);
	cr_expect_eq(fx_int(doc, "counts.failed"), 1);
	cr_expect_eq(fx_int(doc, "counts.malformed_lines"), 1);
	cr_expect_eq(fx_int(doc, "malformed_lines.0.line"), 2);
	cr_expect_eq(fx_int(doc, "fleet.metrics.lead_time.median_s"), 200);
	cr_expect_eq(fx_num(doc, "fleet.metrics.deployment_frequency.per_week"), 0.5);
	cr_expect_eq(fx_num(doc, "fleet.metrics.change_failure_rate.rate"), 0.25);
	cr_expect_eq(fx_int(doc, "fleet.metrics.fix_latency.median_s"), 50);

	cr_expect_str_eq(fx_str(doc, "repositories.0.name"), "a");
	cr_expect_str_eq(fx_str(doc, "repositories.0.status"), "ok");
	cr_expect(fx_is_null(doc, "repositories.0.error"));
	cr_expect_eq(fx_int(doc, "repositories.0.counts.commits"), 10);
	cr_expect_eq(fx_int(doc, "repositories.0.counts.releases"), 2);
	cr_expect_eq(fx_int(doc, "repositories.0.metrics.lead_time.median_s"), 300);
	cr_expect_eq(fx_num(doc, "repositories.0.metrics.deployment_frequency.per_week"),
		     1.5);
	cr_expect_eq(fx_num(doc, "repositories.0.metrics.change_failure_rate.rate"),
		     0.25);
	cr_expect(fx_is_null(doc, "repositories.1.metrics.change_failure_rate.rate"));
	cr_expect_eq(fx_int(doc, "repositories.3.metrics.fix_latency.median_s"), 50);
	cr_expect(fx_is_null(doc, "repositories.3.metrics.lead_time.median_s"));
	cr_expect_str_eq(fx_str(doc, "repositories.4.path"), "/x/e");
	cr_expect_str_eq(fx_str(doc, "repositories.4.status"), "error");
	cr_expect_eq(fx_int(doc, "repositories.4.error.code"), GV_EREPO);
	cr_expect_str_eq(fx_str(doc, "repositories.4.error.message"),
			 "/x/e: not a git repository");
	cr_expect(fx_is_null(doc, "repositories.4.counts.commits"));
	cr_expect(fx_is_null(doc, "repositories.4.metrics.lead_time.median_s"));
	cJSON_Delete(doc);
}

Test(summary, every_row_has_the_same_columns)
{
	gv_error err = {0};

	ran(&rows[0], "a", 1, 5, 1);
	cr_assert_eq(gv_summary_row_set(&rows[1], "b", "b", NULL, GV_EREPO, "x",
					&err), 0);
	/* a cell per catalogue entry, the failed row's all null */
	cr_assert_eq(rows[0].ncells, rows[1].ncells);
	cr_assert_gt(rows[0].ncells, 40);
	cr_assert_lt(rows[0].ncells, GV_CATALOGUE_MAX, "raise GV_CATALOGUE_MAX");
	for (size_t i = 0; i < rows[1].ncells; i++)
		cr_expect_eq(rows[1].cells[i].has, 0);
}

Test(summary, no_values_give_null_fleet_medians)
{
	cJSON *doc = summary_of(0);

	cr_expect_eq(fx_int(doc, "counts.repositories"), 0);
	cr_expect_eq(cJSON_GetArraySize(fx_get(doc, "repositories")), 0);
	cr_expect(fx_is_null(doc, "fleet.metrics.lead_time.median_s"));
	cr_expect(fx_is_null(doc, "fleet.metrics.deployment_frequency.per_week"));
	cJSON_Delete(doc);
}

Test(summary, strings_are_valid_utf8)
{
	gv_error err = {0};

	cr_assert_eq(gv_summary_row_set(&rows[0], "caf\xe9", "dir/caf\xe9", NULL,
					GV_EREPO, "caf\xe9: not a git repository",
					&err), 0);
	cJSON *doc = summary_of(1);
	cr_expect_str_eq(fx_str(doc, "repositories.0.name"), "caf\xef\xbf\xbd");
	cr_expect_str_eq(fx_str(doc, "repositories.0.path"), "dir/caf\xef\xbf\xbd");
	cJSON_Delete(doc);
}

/* --- whole-program batches ------------------------------------------------ */

static const char fleet_script[] =
	"c a 2024-01-01T00:00:00Z\n"
	"c b 2024-01-02T00:00:00Z\n"
	"at v1.0.0 2024-01-04T00:00:00Z\n"
	"c c 2024-01-03T00:00:00Z\n"
	"c d 2024-01-05T00:00:00Z\n"
	"at v1.1.0 2024-01-08T00:00:00Z\n"
	"cd ..\n"
	"mkdir 'with space'\n"
	"(cd 'with space' && git init -q -b main && c a 2024-01-01T00:00:00Z &&"
	" lt v1.0.0 && c b 2024-01-11T00:00:00Z && lt v2.0.0)\n"
	"git init -q -b main empty\n"
	"mkdir notrepo && echo text > notrepo/README\n"
	/* junk over a loose object: git's own `git fsck` calls it corrupt */
	"corrupt() {\n"
	"  f=\"$1/.git/objects/$(echo \"$2\" | cut -c1-2)/$(echo \"$2\" | cut -c3-)\"\n"
	"  chmod u+w \"$f\" && printf 'not a zlib stream' > \"$f\"\n"
	"}\n"
	"git init -q -b main corrupt\n"
	"(cd corrupt && c a 2024-01-01T00:00:00Z && c b 2024-01-02T00:00:00Z &&"
	" c c 2024-01-03T00:00:00Z && git rev-parse HEAD~1 > ../corrupt.id)\n"
	"corrupt corrupt \"$(cat corrupt.id)\"\n"
	"git init -q -b main corrupt-head\n"
	"(cd corrupt-head && c a 2024-01-01T00:00:00Z && lt v1 &&"
	" c b 2024-01-02T00:00:00Z && lt v2 && git rev-parse HEAD > ../corrupt-head.id)\n"
	"corrupt corrupt-head \"$(cat corrupt-head.id)\"\n"
	"git init -q -b main configured\n"
	"(cd configured && c a 2024-01-01T00:00:00Z && lt v1 &&"
	" c b 2024-01-02T00:00:00Z && git config vitals.rev v1)\n"
	"cat > mixed.manifest <<'EOF'\n"
	"# nightly fleet\n"
	"repo name=core\n"
	"\"with space\"\n"
	"\n"
	"missing\n"
	"notrepo\n"
	"empty\n"
	"corrupt\n"
	"repo since=2024-01-02 bogus\n"
	"repo rev=v1.0.0 name=\"core old\"  # v1.0.0 only\n"
	"EOF\n"
	"cat > good.manifest <<'EOF'\n"
	"repo\n"
	"\"with space\"\n"
	"EOF\n"
	"cat > shard.manifest <<'EOF'\n"
	"repo\n./repo\nrepo/\n./repo/\nrepo/.\n./repo/.\n.//repo\nrepo//\n"
	"\"with space\"\n\"./with space\"\n\"with space/\"\n"
	"empty\n./empty\nempty/\n./empty/\n"
	"./repo junk\n"
	"\"unterminated\n"
	"EOF\n"
	"cat > config.manifest <<'EOF'\n"
	"configured\n"
	"configured/ rev=HEAD\n"
	"EOF\n";

static fx_repo *fleet;
static const char *root;
static fx_run run, run2;

static void fleet_init(void)
{
	fleet = fx_repo_shared("batch-fleet", fleet_script);
	root = fleet->root;
}

static void fleet_fini(void)
{
	fx_run_free(&run);
	fx_run_free(&run2);
	fx_repo_free(fleet);
	fleet = NULL;
}

TestSuite(batch, .init = fleet_init, .fini = fleet_fini);

/* Runs git-vitals in the fleet directory; r is freed first, so reusable. */
#define gv(r, ...) \
	(fx_run_free(r), fx_gv_argv(r, root, (const char *const[]){ __VA_ARGS__, NULL }))

/* Splits output into lines (each without its "\n"); every line must end
 * with "\n". Caller frees the array and each line. */
static size_t split_lines(char ***out, const char *s, size_t len)
{
	size_t n = 0, cap = 16;
	char **v = malloc(cap * sizeof(*v));
	const char *p = s, *end = s + len;

	cr_assert_not_null(v);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		cr_assert_not_null(nl, "output does not end with a newline");
		if (n == cap)
			cr_assert_not_null(v = realloc(v, (cap *= 2) * sizeof(*v)));
		v[n] = strndup(p, (size_t)(nl - p));
		cr_assert_not_null(v[n]);
		n++;
		p = nl + 1;
	}
	*out = v;
	return n;
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The single-run report of `path` (exit 0) with "name" after "schema":
 * what a batch line must be, byte for byte. Caller frees. */
static char *single_with_name(const char *name, const char *const *args)
{
	const char *argv[32] = { "--format", "json" };
	size_t n = 2;
	static const char head[] = "{\"schema\":\"git-vitals/report/1\",";

	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	fx_run_free(&run2);
	fx_gv_argv(&run2, root, argv);
	cr_assert_eq(run2.status, 0, "single run: exit %d: %s", run2.status,
		     run2.err);
	cr_assert(run2.out_len > sizeof(head) &&
		  !strncmp(run2.out, head, sizeof(head) - 1),
		  "single run: unexpected start: %.80s", run2.out);
	char *q = malloc(run2.out_len + strlen(name) + 32);
	cr_assert_not_null(q);
	/* names here need no JSON escaping */
	sprintf(q, "%s\"name\":\"%s\",%.*s", head, name,
		(int)(run2.out_len - (sizeof(head) - 1) - 1),
		run2.out + sizeof(head) - 1);
	return q;
}

#define single(name, ...) \
	single_with_name(name, (const char *const[]){ __VA_ARGS__, NULL })

static cJSON *parse_line(const char *line)
{
	cJSON *j = cJSON_Parse(line);
	cr_assert_not_null(j, "not JSON: %s", line);
	return j;
}

/* An error line: exactly schema, name, generator, repository{path},
 * error{code, message}, in that order. */
static void expect_error_line(const char *line, const char *name,
			      const char *path, const char *needle)
{
	static const char *const keys[] = { "schema", "name", "generator",
					    "repository", "error" };
	cJSON *j = parse_line(line), *it;
	size_t k = 0;

	cJSON_ArrayForEach(it, j)
	{
		cr_assert_lt(k, 5, "extra key %s in %s", it->string, line);
		cr_expect_str_eq(it->string, keys[k], "key %zu of %s", k, line);
		k++;
	}
	cr_expect_eq(k, 5, "%s", line);
	cr_expect_str_eq(fx_str(j, "schema"), "git-vitals/report/1");
	cr_expect_str_eq(fx_str(j, "name"), name);
	cr_expect_str_eq(fx_str(j, "generator.name"), "git-vitals");
	cr_expect_str_eq(fx_str(j, "repository.path"), path);
	cr_expect_eq(cJSON_GetArraySize(fx_get(j, "repository")), 1);
	cr_expect_eq(fx_int(j, "error.code"), GV_EREPO, "%s", line);
	cr_expect(strstr(fx_str(j, "error.message"), needle),
		  "error of %s lacks '%s': %s", path, needle, line);
	cr_expect_eq(cJSON_GetArraySize(fx_get(j, "error")), 2);
	cJSON_Delete(j);
}

Test(batch, every_line_of_a_mixed_batch)
{
	char **l;

	gv(&run, "batch", "-j3", "mixed.manifest");
	cr_assert_eq(run.status, 3, "exit %d: %s", run.status, run.err);
	size_t n = split_lines(&l, run.out, run.out_len);
	/* 10 lines: a comment, a blank line and a malformed line give none */
	cr_assert_eq(n, 7, "%zu lines:\n%s", n, run.out);

	char *want = single("core", "repo");
	cr_expect_str_eq(l[0], want, "the good repository's line is its "
				     "single-run report plus its name");
	free(want);
	want = single("with space", "with space");
	cr_expect_str_eq(l[1], want);
	free(want);
	expect_error_line(l[2], "missing", "missing", "missing");
	expect_error_line(l[3], "notrepo", "notrepo", "notrepo");
	/* an empty repository is not an error: a report of nothing */
	want = single("empty", "empty");
	cr_expect_str_eq(l[4], want);
	free(want);
	char *idpath = malloc(strlen(root) + 16);
	cr_assert_not_null(idpath);
	sprintf(idpath, "%s/corrupt.id", root);
	char *id = fx_read_file(idpath, NULL);
	free(idpath);
	cr_assert_not_null(id);
	id[40] = '\0';
	expect_error_line(l[5], "corrupt", "corrupt", id);
	free(id);
	want = single("core old", "--rev", "v1.0.0", "repo");
	cr_expect_str_eq(l[6], want);
	free(want);

	/* and the numbers of the good lines, by hand: core's lead times are
	 * a 3d (D0 -> v1.0.0 tagged D3), b 2d, c 5d (D2 -> v1.1.0 tagged D7),
	 * d 3d: sorted 2, 3, 3, 5 days, median rank 2 -> 3 days; core old
	 * walks v1.0.0 only: 2, 3 days -> rank 1 -> 2 days */
	static const int good[] = { 0, 1, 4, 6 };
	for (size_t i = 0; i < 4; i++) {
		cJSON *j = parse_line(l[good[i]]);
		if (good[i] == 0) {
			cr_expect_eq(fx_int(j, "counts.commits"), 4);
			cr_expect_eq(fx_int(j, "metrics.lead_time.median_s"), 3 * DAY);
		} else if (good[i] == 4) {
			cr_expect_eq(fx_int(j, "counts.commits"), 0);
		} else if (good[i] == 6) {
			cr_expect_eq(fx_int(j, "counts.commits"), 2);
			cr_expect_eq(fx_int(j, "metrics.lead_time.median_s"), 2 * DAY);
		}
		cJSON_Delete(j);
	}
	free_lines(l, n);

	/* stderr: the malformed line with its number, and each failure */
	cr_expect(strstr(run.err, "git-vitals: mixed.manifest:9: field 'bogus': "
				  "expected key=value"), "stderr: %s", run.err);
	cr_expect(strstr(run.err, "git-vitals: missing: "), "stderr: %s", run.err);
	cr_expect(strstr(run.err, "git-vitals: notrepo: "), "stderr: %s", run.err);
	cr_expect(strstr(run.err, "git-vitals: corrupt: "), "stderr: %s", run.err);
}

Test(batch, output_is_byte_identical_for_every_j)
{
	gv(&run, "batch", "-j1", "mixed.manifest");
	cr_assert_eq(run.status, 3);
	for (int j = 2; j <= 16; j *= 2) {
		char opt[16];
		snprintf(opt, sizeof(opt), "-j%d", j);
		gv(&run2, "batch", opt, "mixed.manifest");
		cr_assert_eq(run2.status, 3, "%s: exit %d", opt, run2.status);
		cr_expect(run.out_len == run2.out_len &&
			  !memcmp(run.out, run2.out, run.out_len),
			  "%s differs from -j1:\n%s\n---\n%s", opt, run2.out, run.out);
		/* diagnostics come in manifest order too */
		cr_expect_str_eq(run2.err, run.err, "%s stderr", opt);
	}
	gv(&run2, "batch", "--jobs", "4", "mixed.manifest");
	cr_expect_str_eq(run2.out, run.out, "--jobs 4");
}

Test(batch, all_good_is_exit_0)
{
	gv(&run, "batch", "good.manifest");
	cr_expect_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_expect_str_eq(run.err, "", "nothing on stderr when not a terminal");
	char **l;
	size_t n = split_lines(&l, run.out, run.out_len);
	cr_expect_eq(n, 2);
	free_lines(l, n);
}

Test(batch, analysis_options_reach_every_repository)
{
	char **l;

	gv(&run, "batch", "-j2", "--since", "2024-01-02", "--until", "30d",
	   "--lead-time-from", "commit", "--period", "week", "--exclude-bots",
	   "--hotfix-window", "3d", "--changes", "merges", "--commits",
	   "--release-pattern", "^v[0-9.]+$", "good.manifest");
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	size_t n = split_lines(&l, run.out, run.out_len);
	cr_assert_eq(n, 2);
	static const char *const paths[] = { "repo", "with space" };
	for (size_t i = 0; i < 2; i++) {
		char *want = single(paths[i], "--since", "2024-01-02", "--until",
				    "30d", "--lead-time-from", "commit", "--period",
				    "week", "--exclude-bots", "--hotfix-window", "3d",
				    "--changes", "merges", "--commits",
				    "--release-pattern", "^v[0-9.]+$", paths[i]);
		cr_expect_str_eq(l[i], want, "%s", paths[i]);
		free(want);
	}
	free_lines(l, n);
}

Test(batch, manifest_from_stdin_is_the_same_batch)
{
	const char *bin = getenv("GV_BIN");
	char *abs = realpath(bin && *bin ? bin : "./git-vitals", NULL);
	char *out = NULL;

	cr_assert_not_null(abs, "set GV_BIN");
	gv(&run, "batch", "-j2", "mixed.manifest");
	/* fx_sh trims the final newline of stdout */
	int rc = fx_sh(&out, root, "'%s' batch -j2 - < mixed.manifest 2>err", abs);
	cr_expect_eq(rc, 3);
	cr_expect_eq(strlen(out), run.out_len - 1);
	cr_expect(!strncmp(out, run.out, run.out_len - 1), "stdin:\n%s", out);
	free(out);
	rc = fx_sh(&out, root, "cat err");
	cr_expect(strstr(out, "<stdin>:9: field 'bogus'"), "stderr: %s", out);
	free(out);
	free(abs);
}

/* The shard of a line: from its repository.path. */
static uint32_t shard_of_line(const char *line, uint32_t n)
{
	cJSON *j = parse_line(line);
	const char *p = fx_str(j, "repository.path");
	uint32_t k = gv_shard_of(p, strlen(p), n);
	cJSON_Delete(j);
	return k;
}

Test(batch, shards_are_disjoint_and_their_union_is_the_manifest)
{
	char **all, **part[3];
	size_t nall, npart[3], at[3] = { 0, 0, 0 };
	char *errs[3];
	int status[3];

	gv(&run, "batch", "-j2", "shard.manifest");
	cr_assert_eq(run.status, 3, "two malformed lines: exit %d", run.status);
	nall = split_lines(&all, run.out, run.out_len);
	cr_assert_eq(nall, 15);
	for (uint32_t k = 1; k <= 3; k++) {
		char spec[8];
		snprintf(spec, sizeof(spec), "%u/3", k);
		gv(&run2, "batch", "--shard", spec, "-j2", "shard.manifest");
		status[k - 1] = run2.status;
		npart[k - 1] = split_lines(&part[k - 1], run2.out, run2.out_len);
		errs[k - 1] = strdup(run2.err);
	}
	/* Every line of the whole batch is, in order, the next line of the
	 * shard its path hashes to: shards are disjoint, ordered, and their
	 * union is the manifest. Paths "repo/", "repo/." ... are shard 1,
	 * "./repo/", ".//repo" ... shard 2, "repo", "./repo" ... shard 3. */
	for (size_t i = 0; i < nall; i++) {
		uint32_t k = shard_of_line(all[i], 3);
		cr_assert_lt(at[k - 1], npart[k - 1], "shard %u is short", k);
		cr_expect_str_eq(part[k - 1][at[k - 1]], all[i], "shard %u", k);
		at[k - 1]++;
	}
	for (int k = 0; k < 3; k++) {
		cr_expect_eq(at[k], npart[k], "shard %d has extra lines", k + 1);
		cr_expect_gt(npart[k], 0, "shard %d is empty: weak test", k + 1);
	}
	cr_expect_eq(npart[0] + npart[1] + npart[2], nall);
	/* each malformed line once: "./repo junk" (line 16) in the shard of
	 * "./repo" (3); the unreadable line 17 in shard 1 */
	cr_expect(strstr(errs[0], "shard.manifest:17:"), "%s", errs[0]);
	cr_expect_not(strstr(errs[0], "shard.manifest:16:"), "%s", errs[0]);
	cr_expect_str_eq(errs[1], "");
	cr_expect(strstr(errs[2], "shard.manifest:16:"), "%s", errs[2]);
	cr_expect_not(strstr(errs[2], "shard.manifest:17:"), "%s", errs[2]);
	cr_expect_eq(status[0], 3);
	cr_expect_eq(status[1], 0);
	cr_expect_eq(status[2], 3);
	free_lines(all, nall);
	for (int k = 0; k < 3; k++) {
		free_lines(part[k], npart[k]);
		free(errs[k]);
	}
}

Test(batch, config_beats_the_command_line_and_the_manifest_beats_both)
{
	gv(&run, "batch", "--rev", "HEAD", "config.manifest");
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	char **l;
	size_t n = split_lines(&l, run.out, run.out_len);
	cr_assert_eq(n, 2);
	cJSON *a = parse_line(l[0]), *b = parse_line(l[1]);
	/* vitals.rev=v1 over --rev HEAD: only a */
	cr_expect_str_eq(fx_str(a, "repository.revs.0"), "v1");
	cr_expect_eq(fx_int(a, "counts.commits"), 1);
	cr_expect_str_eq(fx_str(a, "name"), "configured");
	/* rev=HEAD on the line over vitals.rev: a and b */
	cr_expect_str_eq(fx_str(b, "repository.revs.0"), "HEAD");
	cr_expect_eq(fx_int(b, "counts.commits"), 2);
	cr_expect_str_eq(fx_str(b, "name"), "configured");
	cJSON_Delete(a);
	cJSON_Delete(b);
	free_lines(l, n);
}

/* The index of the summary row named `name`. */
static size_t row_named(const cJSON *doc, const char *name)
{
	const cJSON *list = fx_get(doc, "repositories");
	int i;

	for (i = 0; i < cJSON_GetArraySize(list); i++)
		if (!strcmp(fx_str(cJSON_GetArrayItem(list, i), "name"), name))
			return (size_t)i;
	cr_assert_fail("no summary row named %s", name);
	return 0;
}

Test(batch, summary_aggregates_the_batch)
{
	char *dir = fx_tmpdir(NULL, "summary");
	char *file = malloc(strlen(dir) + 16);
	char **l;

	cr_assert_not_null(file);
	sprintf(file, "%s/sum.json", dir);
	gv(&run, "batch", "-j4", "--summary", file, "mixed.manifest");
	cr_assert_eq(run.status, 3);
	size_t n = split_lines(&l, run.out, run.out_len);
	char *text = fx_read_file(file, NULL);
	cr_assert_not_null(text, "no summary written");
	cJSON *doc = cJSON_Parse(text);
	cr_assert_not_null(doc, "summary is not JSON: %s", text);
	free(text);

	cr_expect_str_eq(fx_str(doc, "schema"), "git-vitals/batch-summary/1");
	cr_expect_eq(fx_int(doc, "counts.repositories"), 7);
	cr_expect_eq(fx_int(doc, "counts.ok"), 4);
	cr_expect_eq(fx_int(doc, "counts.failed"), 3);
	cr_expect_eq(fx_int(doc, "counts.malformed_lines"), 1);
	cr_expect_eq(fx_int(doc, "malformed_lines.0.line"), 9);
	cr_assert_eq(cJSON_GetArraySize(fx_get(doc, "repositories")), (int)n);

	/* Rows are sorted by name (so shards merge in any order): Each row
	 * repeats its report's headline numbers; each fleet value is the
	 * nearest-rank median of the rows' values (null when none). */
	for (size_t i = 1; i < n; i++) {
		char a[64], b[64];
		snprintf(a, sizeof(a), "repositories.%zu.name", i - 1);
		snprintf(b, sizeof(b), "repositories.%zu.name", i);
		cr_expect_lt(strcmp(fx_str(doc, a), fx_str(doc, b)), 0);
	}
	static const struct {
		const char *key;
		int fleet;
	} cols[] = {
		{ "counts.commits", 0 },
		{ "counts.releases", 0 },
		{ "metrics.lead_time.median_s", 1 },
		{ "metrics.deployment_frequency.per_week", 1 },
		{ "metrics.change_failure_rate.rate", 1 },
		{ "metrics.fix_latency.median_s", 1 },
	};
	char key[128];
#define ROW(i, k) (snprintf(key, sizeof(key), "repositories.%zu.%s", \
			  row_named(doc, fx_str(j, "name")), k), key)
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		double v[8];
		size_t nv = 0;
		for (size_t i = 0; i < n; i++) {
			cJSON *j = parse_line(l[i]);
			int failed = fx_get(j, "error") != NULL;
			const cJSON *want = fx_get(j, cols[c].key);
			const cJSON *got = fx_get(doc, ROW(i, cols[c].key));
			cr_assert_not_null(got, "%s missing", key);
			if (c == 0) {
				cr_expect_str_eq(fx_str(doc, ROW(i, "name")),
						 fx_str(j, "name"));
				cr_expect_str_eq(fx_str(doc, ROW(i, "path")),
						 fx_str(j, "repository.path"));
				cr_expect_str_eq(fx_str(doc, ROW(i, "status")),
						 failed ? "error" : "ok");
				if (failed)
					cr_expect_eq(fx_int(doc, ROW(i, "error.code")),
						     fx_int(j, "error.code"));
			}
			if (failed || !want || cJSON_IsNull(want))
				cr_expect(cJSON_IsNull(got), "%s", key);
			else
				cr_expect_eq(got->valuedouble, want->valuedouble,
					     "%s", key);
			if (cJSON_IsNumber(got))
				v[nv++] = got->valuedouble;
			cJSON_Delete(j);
		}
		if (!cols[c].fleet)
			continue;
		snprintf(key, sizeof(key), "fleet.%s", cols[c].key);
		if (!nv) {
			cr_expect(fx_is_null(doc, key), "%s", key);
			continue;
		}
		for (size_t i = 1; i < nv; i++)
			for (size_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
				double t = v[k];
				v[k] = v[k - 1];
				v[k - 1] = t;
			}
		cr_expect_eq(fx_num(doc, key), v[(nv + 1) / 2 - 1], "%s", key);
	}
#undef ROW
	/* by hand: lead time medians 3d (core), 0 (with space: v1.0.0 and
	 * v2.0.0 tag their own commits), none (empty), 2d (core old): sorted
	 * 0, 2d, 3d, rank ceil(1.5) = 2 -> 2 days */
	cr_expect_eq(fx_int(doc, "fleet.metrics.lead_time.median_s"), 2 * DAY);
	cJSON_Delete(doc);
	free_lines(l, n);
	free(file);
	free(dir);
}

Test(batch, usage_errors_are_exit_1)
{
	const char *const *const cases[] = {
		(const char *const[]){ "batch", NULL },
		(const char *const[]){ "batch", "-j", "0", "good.manifest", NULL },
		(const char *const[]){ "batch", "-jx", "good.manifest", NULL },
		(const char *const[]){ "batch", "--shard", "4/3", "good.manifest", NULL },
		(const char *const[]){ "batch", "--shard", "1", "good.manifest", NULL },
		(const char *const[]){ "batch", "--frobnicate", "good.manifest", NULL },
		(const char *const[]){ "batch", "--since", "yesterday", "good.manifest", NULL },
		(const char *const[]){ "batch", "good.manifest", "mixed.manifest", NULL },
		(const char *const[]){ "batch", "good.manifest", "--summary", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx_gv_argv(&run, root, cases[i]);
		cr_expect_eq(run.status, 1, "case %zu: exit %d", i, run.status);
		cr_expect_str_eq(run.out, "", "case %zu: stdout", i);
		cr_expect(strstr(run.err, "git-vitals"), "case %zu: %s", i, run.err);
		fx_run_free(&run);
	}
}

Test(batch, unreadable_manifest_is_exit_2)
{
	gv(&run, "batch", "no-such.manifest");
	cr_expect_eq(run.status, 2);
	cr_expect(strstr(run.err, "no-such.manifest"), "%s", run.err);
}

Test(batch, cache_options_are_accepted)
{
	char *dir = fx_tmpdir(NULL, "cache");

	gv(&run, "batch", "--cache", dir, "good.manifest");
	cr_expect_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	gv(&run2, "batch", "--no-cache", "-q", "good.manifest");
	cr_expect_eq(run2.status, 0, "exit %d: %s", run2.status, run2.err);
	cr_expect_str_eq(run.out, run2.out);
	free(dir);
}

Test(batch, help_is_exit_0)
{
	gv(&run, "batch", "--help");
	cr_expect_eq(run.status, 0);
	cr_expect(strstr(run.out, "usage: git-vitals batch"), "%s", run.out);
}

/* A corrupt HEAD commit must fail like any corrupt object, not pass for an
 * unborn HEAD with an empty report. */
Test(batch, corrupt_head_commit_is_an_error_line)
{
	const char *bin = getenv("GV_BIN");
	char *abs = realpath(bin && *bin ? bin : "./git-vitals", NULL);
	char *out = NULL;

	cr_assert_not_null(abs, "set GV_BIN");
	int rc = fx_sh(&out, root, "echo corrupt-head | '%s' batch -q - 2>/dev/null",
		       abs);
	cr_expect_eq(rc, 3);
	expect_error_line(out, "corrupt-head", "corrupt-head", "");
	free(out);
	free(abs);
}

/* --- the fleet summary of shards (issue 13) -------------------------------- */

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* Seven repositories (three fail) named in a manifest of absolute paths:
 * its path in `dir`. Caller frees. */
static char *fleet_manifest(const char *dir)
{
	char *path = malloc(strlen(dir) + 32), text[8192];

	cr_assert_not_null(path);
	sprintf(path, "%s/fleet.manifest", dir);
	snprintf(text, sizeof(text),
		 "%s/repo name=core\n\"%s/with space\"\n%s/missing\n%s/notrepo\n"
		 "%s/empty\n%s/corrupt\n%s/repo rev=v1.0.0 name=\"core old\"\n",
		 root, root, root, root, root, root, root);
	write_file(path, text, strlen(text));
	return path;
}

Test(batch, four_shards_merged_are_the_unsharded_summary)
{
	static const char *const formats[] = {"json", "text", "html",
					      "openmetrics"};
	char *dir = fx_tmpdir(NULL, "shards"), *mf = fleet_manifest(dir);
	char full[4096], all[4096], shard[4][4096], spec[8];
	size_t k, f;

	/* one unsharded batch with --summary, and its NDJSON */
	snprintf(full, sizeof(full), "%s/full.json", dir);
	gv(&run, "batch", "--no-cache", "-q", "--summary", full, mf);
	cr_assert_eq(run.status, 3, "exit %d: %s", run.status, run.err);
	snprintf(all, sizeof(all), "%s/all.ndjson", dir);
	write_file(all, run.out, run.out_len);
	/* four shards, each its own NDJSON file */
	for (k = 0; k < 4; k++) {
		snprintf(spec, sizeof(spec), "%zu/4", k + 1);
		snprintf(shard[k], sizeof(shard[k]), "%s/shard%zu.ndjson", dir, k + 1);
		gv(&run, "batch", "--no-cache", "-q", "--shard", spec, mf);
		cr_assert(run.status == 0 || run.status == 3, "%s", run.err);
		write_file(shard[k], run.out, run.out_len);
	}
	/* merged in another order: byte for byte the unsharded summary */
	gv(&run, "summary", "--format", "json", shard[2], shard[0], shard[3],
	   shard[1]);
	cr_assert_eq(run.status, 0, "%s", run.err);
	char *want = fx_read_file(full, NULL);
	cr_assert_not_null(want);
	cr_expect_str_eq(run.out, want);
	cr_expect_eq(fx_int(run.json, "counts.repositories"), 7);
	cr_expect_eq(fx_int(run.json, "counts.failed"), 3);
	/* rows by name: core, core old, corrupt, empty, missing, notrepo,
	 * with space */
	cr_expect_str_eq(fx_str(run.json, "repositories.0.name"), "core");
	cr_expect_str_eq(fx_str(run.json, "repositories.1.name"), "core old");
	cr_expect_str_eq(fx_str(run.json, "repositories.4.status"), "error");
	/* core: a, b ship in v1.0.0 (Jan 4) after 3 d and 2 d, c, d in
	 * v1.1.0 (Jan 8) after 5 d and 3 d: median (rank 2 of 2 3 3 5) 3 d;
	 * 4 samples are too few for a level */
	cr_expect_eq(fx_int(run.json, "repositories.0.metrics.lead_time.median_s"),
		     3 * DAY);
	cr_expect(fx_is_null(run.json, "repositories.0.metrics.lead_time.level"));
	free(want);
	/* every format: the shards' summary is the whole batch's */
	for (f = 0; f < 4; f++) {
		gv(&run2, "summary", "--format", formats[f], all);
		cr_assert_eq(run2.status, 0, "%s", run2.err);
		gv(&run, "summary", "--format", formats[f], shard[3], shard[1],
		   shard[0], shard[2]);
		cr_assert_eq(run.status, 0, "%s", run.err);
		cr_expect_str_eq(run.out, run2.out, "%s differs", formats[f]);
	}
	/* the fleet page and text name the failed repositories */
	cr_expect_not_null(strstr(run2.out, "gitvitals_up{repository=\"missing\"} 0\n"));
	gv(&run, "summary", "--format", "text", all);
	cr_expect_not_null(strstr(run.out, "7 repositories, 4 ran, 3 failed"));
	cr_expect_not_null(strstr(run.out, "    missing: "), "%s", run.out);
	free(mf);
	free(dir);
}

Test(batch, summary_openmetrics_passes_promtool)
{
	char *dir = fx_tmpdir(NULL, "omfleet"), *mf = fleet_manifest(dir);
	char nd[4096], *out = NULL;

	gv(&run, "batch", "--no-cache", "-q", mf);
	snprintf(nd, sizeof(nd), "%s/all.ndjson", dir);
	write_file(nd, run.out, run.out_len);
	cr_assert_eq(fx_sh(&out, dir, "'%s' summary --format openmetrics "
			   "all.ndjson > fleet.prom && promtool check metrics "
			   "< fleet.prom 2>&1", fx_bin()), 0, "%s", out);
	free(out);
	free(mf);
	free(dir);
}

Test(batch, summary_of_a_line_that_is_not_batch_output_is_exit_2)
{
	char *dir = fx_tmpdir(NULL, "badsum"), path[4096];

	snprintf(path, sizeof(path), "%s/bad.ndjson", dir);
	write_file(path, "\n{\"x\":1}\n", 9);
	gv(&run, "summary", path);
	cr_expect_eq(run.status, 2);
	cr_expect_not_null(strstr(run.err, "bad.ndjson:2: not a git-vitals report"),
			   "%s", run.err);
	gv(&run, "summary");
	cr_expect_eq(run.status, 1);
	gv(&run, "summary", "--format", "xml", path);
	cr_expect_eq(run.status, 1);
	free(dir);
}

/* docs/BATCH.md's GNU parallel block, run as written: four shards at once,
 * then `git-vitals summary`; the merged summary is the unsharded one. */
Test(batch, parallel_example_in_the_docs_runs)
{
	const char *srcdir = getenv("GV_SRCDIR");
	char path[4096], full[4096], *dir = fx_tmpdir(NULL, "parallel"), *mf;
	char *doc, *start, *end, *bin = strdup(fx_bin()), *out = NULL;

	cr_assert_not_null(bin);
	snprintf(path, sizeof(path), "%s/docs/BATCH.md",
		 srcdir && *srcdir ? srcdir : ".");
	cr_assert_not_null(doc = fx_read_file(path, NULL));
	cr_assert_not_null(start = strstr(doc, "<!-- test: parallel -->\n```sh\n"));
	start += strlen("<!-- test: parallel -->\n```sh\n");
	cr_assert_not_null(end = strstr(start, "```"));
	*end = '\0';
	mf = fleet_manifest(dir);
	cr_assert_eq(fx_sh(&out, dir, "mv fleet.manifest manifest.txt && "
			   "PATH=\"$(dirname '%s'):$PATH\" && export PATH && "
			   "command -v parallel >/dev/null && %s", bin, start),
		     0, "%s", out ? out : "");
	free(out);
	snprintf(full, sizeof(full), "%s/full.json", dir);
	snprintf(path, sizeof(path), "%s/manifest.txt", dir);
	gv(&run, "batch", "--no-cache", "-q", "--summary", full, path);
	char *want = fx_read_file(full, NULL), *got;
	snprintf(path, sizeof(path), "%s/fleet.json", dir);
	got = fx_read_file(path, NULL);
	cr_assert_not_null(want);
	cr_assert_not_null(got, "the example wrote no fleet.json");
	cr_expect_str_eq(got, want);
	snprintf(path, sizeof(path), "%s/fleet.html", dir);
	free(got);
	cr_assert_not_null(got = fx_read_file(path, NULL));
	cr_expect_not_null(strstr(got, "<h1>git-vitals fleet</h1>"));
	free(got);
	free(want);
	free(mf);
	free(doc);
	free(bin);
	free(dir);
}
