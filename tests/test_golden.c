/*
 * test_golden.c - the JSON report does not change by accident: reports of
 * the demo repository and of tricky fixtures, saved before the metric
 * catalogue was introduced (issue 13), must come out byte for byte the
 * same. A report that only gains members (a new count, a new metric)
 * passes when every member of the golden one is still there, in the same
 * order, with the very same value. A deliberate change of the report
 * regenerates them:
 *
 *   GV_GOLDEN_UPDATE=1 make check
 *
 * and the diff of tests/data/golden/ is then reviewed like code.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

FX_SUITE(golden);

/* The messages of test_e2e_metrics.c: a Fixes: trailer and git revert's. */
#define HELPERS                                                              \
	"fixes() { c \"$(printf '%s\\n\\nFixes: %.12s (\"%s\")' \"$1\" \"$2\" " \
	"\"$3\")\" \"$4\"; }\n"                                              \
	"revert() { c \"$(printf 'Revert \"%s\"\\n\\nThis reverts commit %s.' " \
	"\"$1\" \"$2\")\" \"$3\"; }\n"

/* Failed, escaped, hotfix and unrestored releases, an empty release and a
 * revert of a revert (test_e2e_metrics.c's FAILURES), plus a CVE fix. */
static const char FAILURES[] = HELPERS
	"c 'add a' 2024-01-01T00:00:00Z; lt x-A\n"
	"c 'add b' 2024-01-02T00:00:00Z; lt x-B\n"
	"at v1.0 2024-01-03T00:00:00Z\n"
	"revert 'add b' $(git rev-parse x-B) 2024-01-04T00:00:00Z; lt x-RV\n"
	"c 'add c' 2024-01-04T12:00:00Z\n"
	"at v1.1 2024-01-05T00:00:00Z\n"
	"c 'add d' 2024-01-06T00:00:00Z; lt x-D\n"
	"at v1.2 2024-01-07T00:00:00Z\n"
	"fixes 'fix d' $(git rev-parse x-D) 'add d' 2024-02-10T00:00:00Z; lt x-FD\n"
	"at v1.2.1 2024-02-11T00:00:00Z\n"
	"c 'add e' 2024-02-12T00:00:00Z; lt x-E\n"
	"at v1.3 2024-02-13T00:00:00Z\n"
	"fixes 'fix e' $(git rev-parse x-E) 'add e' 2024-02-20T00:00:00Z; lt x-FE\n"
	"c 'add f' 2024-02-21T00:00:00Z\n"
	"at v1.4 2024-02-22T00:00:00Z\n"
	"c 'add g' 2024-03-01T00:00:00Z; lt x-G\n"
	"fixes 'fix g' $(git rev-parse x-G) 'add g' 2024-03-02T00:00:00Z; lt x-H\n"
	"at v1.5 2024-03-03T00:00:00Z\n"
	"c 'check length, CVE-2024-1234' 2024-03-04T00:00:00Z\n"
	"fixes 'fix a' $(git rev-parse x-A) 'add a' 2024-06-01T00:00:00Z; lt x-FA\n"
	"c 'add i' 2024-06-02T00:00:00Z; lt x-I\n"
	"at v1.6 2024-06-03T00:00:00Z\n"
	"at v1.7 2024-06-05T00:00:00Z x-I\n"
	"revert 'Revert \"add b\"' $(git rev-parse x-RV) 2024-06-10T00:00:00Z\n";

/* Names and messages a report must escape: invalid UTF-8, a quote, a
 * backslash, control bytes, markup. */
static const char HOSTILE[] =
	"c 'alpha' 2024-01-02T00:00:00Z\n"
	"git tag \"$(printf 'v\\377\\3761')\"\n"
	"c \"$(printf 'fix <script>alert(1)</script> \\\"q\\\" \\\\ \\001')\" "
	"2024-01-03T00:00:00Z\n"
	"git tag 'v\"2'\n";

static char *golden_path(const char *name)
{
	const char *src = getenv("GV_SRCDIR");
	size_t n = strlen(name) + (src ? strlen(src) : 0) + 64;
	char *p = malloc(n);

	cr_assert_not_null(p);
	snprintf(p, n, "%s/tests/data/golden/%s.json", src && *src ? src : ".",
		 name);
	return p;
}

/* Every member of `g` is in `got` at the same place (object members in
 * the same order, others may come between), with the same value: strings
 * and numbers exactly. */
static int contains(const cJSON *g, const cJSON *got, char *where, size_t size)
{
	const cJSON *a, *b;

	if ((g->type & 0xff) != (got->type & 0xff)) {
		snprintf(where, size, "%s (type)", g->string ? g->string : "[]");
		return 0;
	}
	if (cJSON_IsString(g) && strcmp(g->valuestring, got->valuestring)) {
		snprintf(where, size, "%s (%s, now %s)", g->string ? g->string : "[]",
			 g->valuestring, got->valuestring);
		return 0;
	}
	if (cJSON_IsNumber(g) && g->valuedouble != got->valuedouble) {
		snprintf(where, size, "%s (%.17g, now %.17g)",
			 g->string ? g->string : "[]", g->valuedouble,
			 got->valuedouble);
		return 0;
	}
	if (cJSON_IsArray(g) && cJSON_GetArraySize(g) != cJSON_GetArraySize(got)) {
		snprintf(where, size, "%s (length)", g->string ? g->string : "[]");
		return 0;
	}
	b = got->child;
	for (a = g->child; a; a = a->next) {
		if (cJSON_IsObject(g))
			while (b && strcmp(b->string, a->string))
				b = b->next;
		if (!b) {
			snprintf(where, size, "%s (missing or moved)", a->string);
			return 0;
		}
		if (!contains(a, b, where, size))
			return 0;
		b = b->next;
	}
	return 1;
}

/* Runs the binary in the repository (the path is "." so the report does not
 * name the temporary directory) and compares stdout with the golden file. */
static void expect_golden(const char *name, const char *const *args)
{
	const char *argv[24];
	char *path = golden_path(name), *want;
	size_t n = 0, len = 0;

	while (args[n]) {
		cr_assert_lt(n, 22);
		argv[n] = args[n];
		n++;
	}
	argv[n++] = ".";
	argv[n] = NULL;
	fx_run_free(&run);
	fx_gv_argv(&run, repo->path, argv);
	cr_assert(run.status == 0 || run.status == 4, "%s: exit %d: %s", name,
		  run.status, run.err);
	if (getenv("GV_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "wb");
		cr_assert_not_null(f, "%s", path);
		cr_assert_eq(fwrite(run.out, 1, run.out_len, f), run.out_len);
		cr_assert_eq(fclose(f), 0);
	}
	want = fx_read_file(path, &len);
	cr_assert_not_null(want, "no golden file %s", path);
	if (run.out_len != len || memcmp(run.out, want, len)) {
		cJSON *g = cJSON_ParseWithLength(want, len);
		char where[512] = "";
		cr_assert_not_null(g);
		cr_assert_not_null(run.json);
		cr_expect(contains(g, run.json, where, sizeof(where)),
			  "%s differs from %s at %s", name, path, where);
		cJSON_Delete(g);
	}
	free(want);
	free(path);
}

#define golden(name, ...) \
	expect_golden(name, (const char *const[]){ __VA_ARGS__, NULL })

Test(golden, demo_reports_are_unchanged)
{
	repo = fx_demo_repo();
	golden("demo", "--format", "json");
	golden("demo-pretty", "--format", "json", "--pretty");
	golden("demo-all", "--format", "json", "--all", "--include-prereleases",
	       "--commits", "--period", "month");
	golden("demo-gates", "--format", "json", "--period", "week",
	       "--since", "2024-04-01", "--exclude-bots",
	       "--fail-if", "change_failure_rate > 0.1",
	       "--fail-if", "lead_time.level >= high",
	       "--fail-if", "time_to_restore.median_s < 7d",
	       "--fail-if", "security.exposure > 1d");
}

Test(golden, failure_reports_are_unchanged)
{
	repo = fx_repo_new(FAILURES);
	golden("failures", "--format", "json", "--commits", "--period",
	       "quarter", "--fail-if", "rework_rate.rate > 0");
	golden("failures-pretty", "--format", "json", "--pretty",
	       "--changes", "merges", "--hotfix-window", "30d");
}

Test(golden, hostile_reports_are_unchanged)
{
	repo = fx_repo_new(HOSTILE);
	golden("hostile", "--format", "json", "--commits",
	       "--release-pattern", "^v");
	golden("hostile-pretty", "--format", "json", "--pretty",
	       "--release-pattern", "^v");
}

Test(golden, empty_report_is_unchanged)
{
	repo = fx_repo_new("");
	golden("empty", "--format", "json", "--commits", "--period", "month");
}
