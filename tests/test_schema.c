/*
 * test_schema.c - real reports validate against docs/schema/report-1.schema.json,
 * and broken documents do not (so neither the schema nor the validator can
 * be a no-op).
 *
 * The schema is read from the source tree: $GV_SRCDIR (default: the current
 * directory, which is the repository root under `make check`).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "jsonschema.h"

static cJSON *schema;
static fx_repo *repo;
static fx_run run;

static void load_schema(void)
{
	const char *src = getenv("GV_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/schema/report-1.schema.json",
		 src && *src ? src : ".");
	size_t len = 0;
	char *text = fx_read_file(path, &len);
	cr_assert_not_null(text, "cannot read %s", path);
	schema = cJSON_ParseWithLength(text, len);
	free(text);
	cr_assert_not_null(schema, "%s is not JSON", path);
}

static void teardown(void)
{
	fx_run_free(&run);
	fx_repo_free(repo);
	repo = NULL;
	cJSON_Delete(schema);
	schema = NULL;
}

TestSuite(schema, .init = load_schema, .fini = teardown);

static void expect_valid(const cJSON *doc, const char *what)
{
	char err[512];
	int n = js_validate(schema, doc, err, sizeof(err));
	cr_expect_eq(n, 0, "%s: %d violation(s), first: %s", what, n, err);
}

static void expect_invalid(const char *json, const char *why)
{
	cJSON *doc = cJSON_Parse(json);
	cr_assert_not_null(doc, "bad test JSON: %s", json);
	char err[512];
	cr_expect_gt(js_validate(schema, doc, err, sizeof(err)), 0,
		     "accepted a document with %s", why);
	cJSON_Delete(doc);
}

/* Runs the binary; the report must validate. */
#define report_validates(what, ...) \
	report_validates_argv(what, (const char *const[]){ __VA_ARGS__, NULL })

static void report_validates_argv(const char *what, const char *const *argv)
{
	fx_run_free(&run);
	fx_gv_argv(&run, repo->path, argv);
	cr_assert_eq(run.status, 0, "%s: exit %d: %s", what, run.status,
		     run.err);
	cr_assert_not_null(run.json, "%s: not JSON: %.300s", what, run.out);
	expect_valid(run.json, what);
}

/* A hand-written report with every member, nulls and non-nulls. */
#define SHA "0123456789abcdef0123456789abcdef01234567"
static const char GOOD_HEAD[] =
	"{\"schema\":\"git-vitals/report/1\","
	"\"generator\":{\"name\":\"git-vitals\",\"version\":\"0.1.0\"},"
	"\"repository\":{\"path\":\".\",\"head\":\"" SHA "\","
	"\"revs\":[\"HEAD\"],\"shallow\":false},"
	"\"window\":{\"since\":\"2024-01-01T00:00:00Z\",\"until\":null},"
	"\"warnings\":[{\"code\":\"tag-not-commit\",\"message\":\"m\","
	"\"count\":2}],"
	"\"counts\":{\"commits\":3,\"merges\":1,\"releases\":1,\"fixes\":0,"
	"\"reverts\":0,\"rollbacks\":0,\"security\":0,\"copies\":1},"
	"\"releases\":[{\"tag\":\"v1.0\",\"commit\":\"" SHA "\","
	"\"time\":\"2024-01-02T00:00:00Z\",\"new_commits\":3}],"
	"\"metrics\":{\"lead_time\":{\"samples\":2,\"unreleased\":0,"
	"\"clamped\":0,\"median_s\":10,\"p75_s\":20,\"p90_s\":20,"
	"\"mean_s\":15},\"deployment_frequency\":{\"releases\":1,"
	"\"days\":7.5,\"per_week\":0.9333}},"
	"\"commits\":[{\"sha\":\"" SHA "\","
	"\"author_time\":\"2024-01-01T00:00:00Z\","
	"\"commit_time\":\"2024-01-01T00:00:00Z\",\"merge\":false,"
	"\"labels\":[],\"rules\":[],\"refs\":[{\"sha\":\"abc1234\","
	"\"kind\":\"fixes\",\"resolved\":false}],\"ids\":[],\"issues\":[],"
	"\"confidence\":{},\"release\":\"v1.0\",\"lead_time_s\":10,"
	"\"copy_of\":\"" SHA "\"}]";

static char *good_with(const char *tail)
{
	size_t n = strlen(GOOD_HEAD) + strlen(tail) + 2;
	char *s = malloc(n);
	cr_assert_not_null(s);
	snprintf(s, n, "%s%s}", GOOD_HEAD, tail);
	return s;
}

Test(schema, hand_written_complete_report_is_valid)
{
	char *json = good_with("");
	cJSON *doc = cJSON_Parse(json);
	cr_assert_not_null(doc);
	expect_valid(doc, "hand-written report");
	cJSON_Delete(doc);
	free(json);
}

Test(schema, broken_documents_fail_validation)
{
	static const char *const bad[][2] = {
		{ ",\"schema\":\"git-vitals/report/2\"", "a wrong schema id" },
		{ ",\"releases\":[{\"tag\":\"v1\",\"commit\":\"abc\","
		  "\"time\":\"2024-01-02T00:00:00Z\",\"new_commits\":1}]",
		  "a short sha" },
		{ ",\"releases\":[{\"tag\":\"v1\",\"commit\":\"" SHA "\","
		  "\"time\":\"2024-01-02 00:00:00\",\"new_commits\":1}]",
		  "a time that is not ISO UTC" },
		{ ",\"releases\":[{\"tag\":\"v1\",\"commit\":\"" SHA "\","
		  "\"time\":\"2024-01-02T00:00:00Z\"}]",
		  "a release without new_commits" },
		{ ",\"counts\":{\"commits\":-1,\"merges\":0,\"releases\":0,"
		  "\"fixes\":0,\"reverts\":0,\"rollbacks\":0,\"security\":0}",
		  "a negative count" },
		{ ",\"counts\":{\"commits\":1,\"merges\":0,\"releases\":0,"
		  "\"fixes\":0,\"reverts\":0,\"rollbacks\":0,\"security\":0,"
		  "\"copies\":-1}",
		  "a negative count of copies" },
		{ ",\"commits\":[{\"sha\":\"" SHA "\","
		  "\"author_time\":\"2024-01-01T00:00:00Z\","
		  "\"commit_time\":\"2024-01-01T00:00:00Z\",\"merge\":false,"
		  "\"labels\":[],\"rules\":[],\"refs\":[],\"ids\":[],"
		  "\"issues\":[],\"confidence\":{},\"release\":null,"
		  "\"lead_time_s\":null,\"copy_of\":\"abc1234\"}]",
		  "a copy_of that is no full sha" },
		{ ",\"metrics\":{\"lead_time\":{\"samples\":1,\"unreleased\":0,"
		  "\"clamped\":0,\"median_s\":1.5,\"p75_s\":2,\"p90_s\":2,"
		  "\"mean_s\":2},\"deployment_frequency\":{\"releases\":0,"
		  "\"days\":null,\"per_week\":null}}",
		  "a fractional duration" },
		{ ",\"metrics\":{\"lead_time\":{\"samples\":0,\"unreleased\":0,"
		  "\"clamped\":0,\"median_s\":null,\"p75_s\":null,"
		  "\"p90_s\":null},"
		  "\"deployment_frequency\":{\"releases\":0,\"days\":null,"
		  "\"per_week\":null}}",
		  "a lead_time without mean_s" },
		{ ",\"repository\":{\"path\":\".\",\"head\":null,\"revs\":[],"
		  "\"shallow\":false,\"branch\":\"main\"}",
		  "an unknown repository member" },
		{ ",\"releases\":[{\"tag\":\"v1\",\"commit\":\"" SHA "\","
		  "\"time\":\"2024-01-02T00:00:00Z\",\"new_commits\":1,"
		  "\"failures\":[{\"culprit\":\"x\",\"remediation\":\"" SHA "\","
		  "\"kind\":\"fixes\"}]}]",
		  "a failure whose culprit is not a sha" },
		{ ",\"repository\":{\"path\":\".\",\"head\":0,\"revs\":[],"
		  "\"shallow\":false}",
		  "a numeric head" },
		{ ",\"window\":{\"since\":null}", "a window without until" },
		{ ",\"warnings\":[{\"code\":\"shallow\",\"message\":\"m\"}]",
		  "a warning without a count" },
		{ ",\"commits\":[{\"sha\":\"" SHA "\"}]",
		  "a commit without its members" },
	};
	/* Each broken member is appended after the good one of the same name;
	 * the good one (the first) is then detached, so the document differs
	 * from the valid one in that member only. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *json = good_with(bad[i][0]);
		cJSON *doc = cJSON_Parse(json);
		cr_assert_not_null(doc, "bad test JSON: %s", json);
		const char *name = strchr(bad[i][0], '"') + 1;
		size_t len = (size_t)(strchr(name, '"') - name);
		char key[32];
		memcpy(key, name, len);
		key[len] = '\0';
		cJSON *good = cJSON_DetachItemFromObjectCaseSensitive(doc, key);
		cr_assert_not_null(good, "%s: no member %s", bad[i][1], key);
		cJSON_Delete(good);
		cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(doc, key),
				   "%s: the broken member is gone", bad[i][1]);
		char *again = cJSON_PrintUnformatted(doc);
		cr_assert_not_null(again);
		expect_invalid(again, bad[i][1]);
		free(again);
		cJSON_Delete(doc);
		free(json);
	}
	expect_invalid("[]", "an array at the top");
	expect_invalid("{}", "no members at all");
}

Test(schema, validator_rejects_keywords_it_does_not_know)
{
	cJSON *s = cJSON_Parse("{\"type\":\"object\",\"maxProperties\":1}");
	cJSON *doc = cJSON_Parse("{\"a\":1,\"b\":2}");
	cr_assert(s && doc);
	char err[256];
	cr_expect_gt(js_validate(s, doc, err, sizeof(err)), 0);
	cr_expect_not_null(strstr(err, "maxProperties"), "%s", err);
	cJSON_Delete(s);
	cJSON_Delete(doc);
}

/* Tags of every kind, a merge, a maintenance tag off HEAD, an unreleased
 * commit, a tag at a blob. */
static const char REPO[] =
	"c alpha 2024-01-02T00:00:00Z\n"
	"lt v1.0\n"
	"c bravo 2024-01-04T00:00:00Z 2024-01-09T00:00:00Z\n"
	"at v1.1 2024-01-05T00:00:00Z\n"
	"git checkout -q -b maint\n"
	"c charlie 2024-01-06T00:00:00Z\n"
	"at v1.1.1 2024-01-07T00:00:00Z\n"
	"git checkout -q main\n"
	"c delta 2024-01-08T00:00:00Z\n"
	"m maint 2024-01-09T00:00:00Z merge\n"
	"git tag v9.9 \"$(echo blob | git hash-object -w --stdin)\"\n"
	"c echo 2024-01-10T00:00:00Z\n";

Test(schema, real_reports_validate)
{
	repo = fx_repo_shared("schema", REPO);
	report_validates("default", "--format", "json", ".");
	/* the blob tag gave a warning, so warnings are checked too */
	cr_expect_gt(cJSON_GetArraySize(cJSON_GetObjectItem(run.json,
							    "warnings")),
		     0);
	report_validates("--commits --pretty", "--format", "json",
			 "--commits", "--pretty", ".");
	report_validates("window", "--format", "json", "--commits", "--since",
			 "2024-01-05", "--until", "2024-01-09T12:00:00Z", ".");
	report_validates("--all", "--format", "json", "--all", "--commits",
			 ".");
	report_validates("no samples", "--format", "json", "--since", "1d",
			 "--commits", ".");
}

Test(schema, empty_repository_report_validates)
{
	repo = fx_repo_new("");
	report_validates("empty", "--format", "json", "--commits", ".");
}

/* The demo repository has labels, references and vulnerability ids, so its
 * commits exercise every member of a commit entry. */
Test(schema, demo_report_with_commits_validates)
{
	const char *srcdir = getenv("GV_SRCDIR");
	char *src = realpath(srcdir && *srcdir ? srcdir : ".", NULL);
	cr_assert_not_null(src);
	repo = fx_repo_new("");
	int rc = fx_sh(NULL, repo->root,
		       "sh '%s/samples/make-demo-repo.sh' repo >/dev/null", src);
	free(src);
	cr_assert_eq(rc, 0, "the demo script failed");
	report_validates("demo", "--format", "json", "--commits", "--all",
			 "--include-prereleases", ".");
}

/* ---- the batch error line and the fleet summary (issue 13) ---- */

static cJSON *load(const char *name)
{
	const char *src = getenv("GV_SRCDIR");
	char path[4096];
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/docs/schema/%s", src && *src ? src : ".",
		 name);
	char *text = fx_read_file(path, &len);
	cr_assert_not_null(text, "cannot read %s", path);
	cJSON *s = cJSON_ParseWithLength(text, len);
	free(text);
	cr_assert_not_null(s, "%s is not JSON", path);
	return s;
}

static int violations(const cJSON *s, const char *json, char *err, size_t n)
{
	cJSON *doc = cJSON_Parse(json);
	cr_assert_not_null(doc, "not JSON: %s", json);
	int v = js_validate(s, doc, err, n);
	cJSON_Delete(doc);
	return v;
}

Test(schema, batch_error_lines_and_summaries_validate)
{
	cJSON *es = load("batch-error-1.schema.json");
	cJSON *ss = load("batch-summary-1.schema.json");
	char err[512], *dir, man[4096], sum[4096];
	const char *line;
	size_t lines = 0, errors = 0;
	FILE *f;

	repo = fx_repo_new("c 'add a' 2024-01-01T00:00:00Z\n"
			   "git tag v1.0\n"
			   "c 'fix b' 2024-01-05T00:00:00Z\n"
			   "git tag v1.1\n");
	dir = fx_tmpdir(repo, "fleet");
	snprintf(man, sizeof(man), "%s/m.txt", dir);
	snprintf(sum, sizeof(sum), "%s/sum.json", dir);
	cr_assert_not_null(f = fopen(man, "w"));
	fprintf(f, "%s name=ok\n%s/missing name=gone\n%s bogus\n", repo->path,
		repo->root, repo->path);
	cr_assert_eq(fclose(f), 0);
	fx_gv(&run, repo->root, "batch", "--no-cache", "-q", "--summary", sum,
	      man, NULL);
	cr_assert_eq(run.status, 3, "%s", run.err);
	/* each line: a report (the report schema) or an error line */
	for (line = run.out; *line;) {
		const char *nl = strchr(line, '\n');
		char *one = strndup(line, (size_t)(nl - line));
		cJSON *doc = cJSON_Parse(one);
		cr_assert_not_null(doc);
		if (fx_get(doc, "error")) {
			errors++;
			cr_expect_eq(js_validate(es, doc, err, sizeof(err)), 0,
				     "error line: %s: %s", err, one);
			cr_expect_gt(js_validate(schema, doc, err, sizeof(err)), 0,
				     "an error line passes as a report");
		} else {
			cr_expect_eq(js_validate(schema, doc, err, sizeof(err)), 0,
				     "report line: %s", err);
			cr_expect_gt(js_validate(es, doc, err, sizeof(err)), 0,
				     "a report passes as an error line");
		}
		cJSON_Delete(doc);
		free(one);
		lines++;
		line = nl + 1;
	}
	cr_expect_eq(lines, 2);
	cr_expect_eq(errors, 1);
	/* the summary file, and the same from `git-vitals summary` */
	char *text = fx_read_file(sum, NULL);
	cr_assert_not_null(text);
	cr_expect_eq(violations(ss, text, err, sizeof(err)), 0, "summary: %s", err);
	cJSON *doc = cJSON_Parse(text);
	cr_expect_eq(fx_int(doc, "counts.malformed_lines"), 1);
	cJSON_Delete(doc);
	free(text);
	/* broken documents fail */
	cr_expect_gt(violations(es, "{\"schema\":\"git-vitals/report/1\","
				"\"generator\":{\"name\":\"git-vitals\",\"version\":"
				"\"0.1.0\"},\"repository\":{\"path\":\"x\"},\"error\":"
				"{\"code\":-2,\"message\":\"m\",\"extra\":1}}",
				err, sizeof(err)), 0);
	cr_expect_gt(violations(ss, "{\"schema\":\"git-vitals/batch-summary/1\","
				"\"generator\":{\"name\":\"git-vitals\",\"version\":"
				"\"0.1.0\"},\"counts\":{\"repositories\":1,\"ok\":1,"
				"\"failed\":0,\"malformed_lines\":0},\"repositories\":"
				"[{\"name\":\"a\",\"path\":\"a\",\"status\":\"fine\"}],"
				"\"fleet\":{\"metrics\":{}},\"malformed_lines\":[]}",
				err, sizeof(err)), 0);
	cJSON_Delete(es);
	cJSON_Delete(ss);
	free(dir);
}

/* Commits written with hostile dates (git hash-object --literally takes
 * what git commit would refuse): a 20-digit author date, INT64_MAX,
 * INT64_MIN, year 1 (before 1970, as a negative date) and no author line at
 * all, between two sane commits. Each used to overflow (a sanitizer abort)
 * or print a year like -292277022657 that broke the schema. Now each is a
 * bad date: counted in the warning, kept out of lead times, and the report,
 * --period week over it included, validates. */
#define HOSTILE(author, msg) \
	"printf 'tree %s\\nparent %s\\n" author "committer A <a@x> 1704153600 " \
	"+0000\\n\\n" msg "\\n' $(git rev-parse HEAD^{tree}) " \
	"$(git rev-parse HEAD) >../c\n" \
	"git update-ref refs/heads/main " \
	"$(git hash-object --literally -t commit -w ../c)\n"

static const char HOSTILE_DATES[] =
	"c 'one' 2024-01-01T00:00:00Z\n"
	HOSTILE("author A <a@x> 99999999999999999999 +0000\\n", "twenty digits")
	HOSTILE("author A <a@x> 9223372036854775807 +0000\\n", "int64 max")
	HOSTILE("author A <a@x> -9223372036854775808 +0000\\n", "int64 min")
	HOSTILE("author A <a@x> -62135596800 +0000\\n", "year 1")
	HOSTILE("", "no author")
	"c 'last' 2024-01-05T00:00:00Z\n"
	"lt v1.0\n"
	"printf 'object %s\\ntype commit\\ntag v2.0\\n"
	"tagger T <t@x> 99999999999999999999 +0000\\n\\nhuge\\n' "
	"$(git rev-parse HEAD) >../t\n"
	"git update-ref refs/tags/v2.0 $(git hash-object --literally -t tag -w ../t)\n";

Test(schema, hostile_dates_are_bad_dates_and_the_report_validates)
{
	cJSON *w;

	repo = fx_repo_new(HOSTILE_DATES);
	report_validates("hostile dates", "--period", "week");
	w = fx_find(run.json, "warnings", "code", "bad-date");
	cr_assert_not_null(w);
	cr_expect_eq(fx_int(w, "count"), 5);
	cr_expect_eq(fx_int(run.json, "counts.commits"), 7);
	/* v2.0's tagger date has 20 digits: timed by its commit, 'last' */
	w = fx_find(run.json, "warnings", "code", "tag-bad-date");
	cr_assert_not_null(w);
	cr_expect_eq(fx_int(w, "count"), 1);
	cr_expect_str_eq(fx_str(fx_find(run.json, "releases", "tag", "v2.0"),
				"time"), "2024-01-05T00:00:00Z");
	/* only 'one' and 'last' start a lead time, both first released by
	 * v1.0 at 2024-01-05: 4 days = 345600 s and 0 s */
	cr_expect_eq(fx_int(run.json, "metrics.lead_time.samples"), 2);
	cr_expect_eq(fx_int(run.json, "metrics.lead_time.p90_s"), 345600);
	cr_expect_eq(fx_int(run.json, "metrics.lead_time.median_s"), 0);
	/* the week of every commit date: no year-1 start, nothing lumped */
	cr_expect_eq(cJSON_GetArraySize(fx_get(run.json, "series")), 1);
	cr_expect_str_eq(fx_str(cJSON_GetArrayItem(fx_get(run.json, "series"), 0),
				"period"), "2024-W01");
	cr_expect_eq(fx_int(cJSON_GetArrayItem(fx_get(run.json, "series"), 0),
			    "commits"), 7);
	report_validates("hostile dates, --since 10000y", "--since", "10000y",
			 "--period", "month");
}

/* Spans longer than every believable date apart are usage errors, not an
 * overflow: --since 106751991167300d is 2^63 seconds. */
Test(schema, a_span_past_the_date_range_is_a_usage_error)
{
	repo = fx_repo_new("c 'one' 2024-01-01T00:00:00Z\n");
	fx_gv(&run, repo->path, "--since", "106751991167300d", NULL);
	cr_expect_eq(run.status, 1, "%s", run.err);
	fx_run_free(&run);
	fx_gv(&run, repo->path, "--until", "10001y", NULL);
	cr_expect_eq(run.status, 1, "%s", run.err);
}

/* A window of 8000 years by weeks is more than the 10500 periods kept: the
 * newest are kept, whole, and a warning says where the series starts
 * (it used to lump everything after the cap into its last period). */
Test(schema, a_period_series_past_its_cap_is_cut_with_a_warning)
{
	cJSON *series, *last;
	int n;

	repo = fx_repo_new("c 'one' 2024-01-03T00:00:00Z\n");
	report_validates("cut series", "--since", "1970-01-01", "--until",
			 "9999-01-01", "--period", "week");
	cr_expect_not_null(fx_find(run.json, "warnings", "code", "period-cut"));
	series = fx_get(run.json, "series");
	n = cJSON_GetArraySize(series);
	/* kept: the 10498 weeks before the last second of the window, and
	 * that week: 10499 periods, the last the week of 9998-12-31, which
	 * ISO dates 9998-W53 */
	cr_expect_eq(n, 10499);
	last = cJSON_GetArrayItem(series, n - 1);
	cr_expect_str_eq(fx_str(last, "period"), "9998-W53");
}

/* A fix of a commit with no author line: its latency would start at the
 * fallback date, 1970 (54 years); the bad date keeps it out, and the
 * sample count says so. */
Test(schema, a_bad_date_is_no_end_of_a_fix_latency)
{
	repo = fx_repo_new("c 'one' 2024-01-01T00:00:00Z\n"
			   HOSTILE("", "feat: no author")
			   "c \"$(printf 'fix: two\\n\\nFixes: %s' "
			   "$(git rev-parse HEAD))\" 2024-01-03T00:00:00Z\n"
			   "c \"$(printf 'fix: three\\n\\nFixes: %s' "
			   "$(git rev-parse HEAD~2))\" 2024-01-04T00:00:00Z\n");
	report_validates("bad-date fix", "--format", "json");
	/* only 'three' fixing 'one': 2024-01-04 - 2024-01-01 = 259200 s */
	cr_expect_eq(fx_int(run.json, "metrics.fix_latency.samples"), 1);
	cr_expect_eq(fx_int(run.json, "metrics.fix_latency.median_s"), 259200);
}
