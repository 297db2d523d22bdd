/*
 * test_advisories.c - OSV records as the exact source of security labels:
 * fixed commits labelled security (confidence advisory) with the record's
 * id and aliases, introduced commits as advisory refs, and every kind of
 * bad input (not JSON, malformed records, commits of another repository)
 * counted in a warning or, for a file that is not JSON, an input error.
 *
 * tests/data/osv/ holds two real OSS-Fuzz records (libxml2, jq: their
 * commits are not in the fixture repository) and malformed ones.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture.h"
#include "gv/classify.h"
#include "gv/history.h"
#include "gv/rules.h"

static gv_ruleset *rs;
static gv_classes *cls;
static gv_history *hist;
static fx_repo *repo;
static gv_warnings warns;
static gv_class_view v;
static char *dir;

static void teardown(void)
{
	gv_classes_free(cls);
	cls = NULL;
	gv_rules_free(rs);
	rs = NULL;
	gv_history_free(hist);
	hist = NULL;
	gv_warnings_free(&warns);
	fx_repo_free(repo);
	repo = NULL;
	free(dir);
	dir = NULL;
}

TestSuite(advisories, .fini = teardown, .timeout = 60);

/* Four commits: A (introduces the bug), B, C (fixes it, says so with a
 * CVE id), D. */
static void load(void)
{
	gv_history_opts o;
	gv_error err = { 0, "" };

	repo = fx_repo_new("c 'Add the reader' 2024-01-01T00:00:00Z\n"
			   "c 'Tidy' 2024-01-02T00:00:00Z\n"
			   "c 'Bound the copy (CVE-2024-0001)' "
			   "2024-01-03T00:00:00Z\n"
			   "c 'More' 2024-01-04T00:00:00Z\n");
	cr_assert_eq(gv_rules_new(&rs, &err), 0);
	cr_assert_eq(gv_rules_add_default(rs, &err), 0);
	cr_assert_eq(gv_rules_compile(rs, &err), 0);
	cr_assert_eq(gv_classes_new(&cls, rs, &err), 0);
	memset(&o, 0, sizeof(o));
	o.path = repo->path;
	o.on_message = gv_classify_cb;
	o.msg_payload = cls;
	cr_assert_eq(gv_history_load(&hist, &o, &warns, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(gv_classes_resolve(cls, hist, &warns, &err), 0);
	dir = fx_tmpdir(repo, "osv");
}

static gv_idx idx_of(const char *rev)
{
	char *hex = fx_rev(repo, rev);
	gv_idx i = GV_NONE;

	cr_assert_eq(gv_history_find_hex(hist, hex, strlen(hex), &i), 0);
	free(hex);
	return i;
}

/* Writes dir/name with the text, "%A" .. "%D" replaced by the full ids of
 * HEAD~3 .. HEAD. Returns the path (static). */
static const char *write_osv(const char *name, const char *text)
{
	static char path[4096];
	char *ids[4];
	const char *revs[4] = { "HEAD~3", "HEAD~2", "HEAD~1", "HEAD" };
	FILE *f;
	int k;

	for (k = 0; k < 4; k++)
		ids[k] = fx_rev(repo, revs[k]);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (; *text; text++) {
		if (text[0] == '%' && text[1] >= 'A' && text[1] <= 'D') {
			fputs(ids[text[1] - 'A'], f);
			text++;
		} else {
			fputc(*text, f);
		}
	}
	fclose(f);
	for (k = 0; k < 4; k++)
		free(ids[k]);
	return path;
}

static uint64_t warning_count(const char *code)
{
	size_t i;

	for (i = 0; i < warns.count; i++)
		if (!strcmp(warns.items[i].code, code))
			return warns.items[i].count;
	return 0;
}

static const char *data(const char *name)
{
	static char path[4096];
	const char *src = getenv("GV_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/data/osv/%s",
		 src && *src ? src : ".", name);
	return path;
}

Test(advisories, fixed_commit_is_labelled_with_id_aliases_and_introduced_ref)
{
	gv_error err = { 0, "" };
	const char *p;

	load();
	p = write_osv("a.json", "{\"id\": \"OSV-2024-7\", \"aliases\": "
		      "[\"ghsa-qwmp-x8mv-3c6j\", \"CVE-2024-0001\"], "
		      "\"affected\": [{\"ranges\": [{\"type\": \"GIT\", "
		      "\"repo\": \"https://example.org/mirror.git\", "
		      "\"events\": [{\"introduced\": \"0\"}, {\"introduced\": "
		      "\"%A\"}, {\"fixed\": \"%C\"}]}]}]}");
	cr_assert_eq(gv_classes_add_advisories(cls, hist, p, &warns, &err), 0,
		     "%s", err.msg);
	gv_classes_get(cls, idx_of("HEAD~1"), &v);
	cr_assert_eq(v.labels, GV_LABEL(GV_CAT_SECURITY));
	cr_assert_eq(v.conf[GV_CAT_SECURITY], GV_CONF_ADVISORY);
	/* CVE-2024-0001 was in the message too: distinct, sorted, upper. */
	cr_assert_eq(v.nids, 3, "%zu ids", v.nids);
	cr_assert_str_eq(v.ids[0], "CVE-2024-0001");
	cr_assert_str_eq(v.ids[1], "GHSA-QWMP-X8MV-3C6J");
	cr_assert_str_eq(v.ids[2], "OSV-2024-7");
	cr_assert_eq(v.nrefs, 1);
	cr_assert_eq(v.refs[0].kind, GV_REF_ADVISORY);
	cr_assert_eq(v.refs[0].resolved, 1);
	cr_assert_eq(v.refs[0].commit, idx_of("HEAD~3"));
	/* The rule that fired on the message is still listed. */
	cr_assert_eq(v.nrules, 1);
	cr_assert_str_eq(v.rules[0], "sec-cve");
	/* The introducing commit itself is not labelled. */
	cr_assert_eq(gv_classes_labels(cls, idx_of("HEAD~3")), 0);
	cr_assert_eq(warns.count, 0);
}

Test(advisories, fix_of_an_unlabelled_commit_gets_the_label)
{
	gv_error err = { 0, "" };
	const char *p;

	load();
	p = write_osv("b.json", "{\"id\": \"OSV-2024-8\", \"affected\": [{"
		      "\"ranges\": [{\"type\": \"GIT\", \"events\": [{"
		      "\"introduced\": \"0\"}, {\"fixed\": \"%D\"}, "
		      "{\"last_affected\": \"%B\"}]}]}]}");
	cr_assert_eq(gv_classes_add_advisories(cls, hist, p, &warns, &err), 0);
	gv_classes_get(cls, idx_of("HEAD"), &v);
	cr_assert_eq(v.labels, GV_LABEL(GV_CAT_SECURITY));
	cr_assert_eq(v.nids, 1);
	cr_assert_str_eq(v.ids[0], "OSV-2024-8");
	cr_assert_eq(v.nrefs, 0);
	/* last_affected names no fix. */
	cr_assert_eq(gv_classes_labels(cls, idx_of("HEAD~2")), 0);
}

Test(advisories, records_of_another_repository_are_a_warning)
{
	gv_error err = { 0, "" };

	load();
	cr_assert_eq(gv_classes_add_advisories(cls, hist,
					       data("OSV-2020-1623.json"),
					       &warns, &err), 0, "%s", err.msg);
	cr_assert_eq(warning_count("advisory-not-in-history"), 1);
}

Test(advisories, some_unknown_commits_are_counted_the_rest_used)
{
	gv_error err = { 0, "" };
	const char *p;

	load();
	p = write_osv("c.json", "{\"id\": \"OSV-2024-9\", \"affected\": [{"
		      "\"ranges\": [{\"type\": \"GIT\", \"events\": [{"
		      "\"introduced\": \"1111111111111111111111111111111111111111"
		      "\"}, {\"fixed\": \"%B\"}, {\"fixed\": \"2222222222222222"
		      "222222222222222222222222\"}]}]}]}");
	cr_assert_eq(gv_classes_add_advisories(cls, hist, p, &warns, &err), 0);
	cr_assert_eq(gv_classes_labels(cls, idx_of("HEAD~2")),
		     GV_LABEL(GV_CAT_SECURITY));
	cr_assert_eq(warning_count("advisory-unknown-commit"), 2);
}

Test(advisories, malformed_records_are_warnings_and_good_ones_still_count)
{
	gv_error err = { 0, "" };
	const char *p;

	load();
	p = write_osv("d.json", "[{\"id\": 5}, {\"id\": \"OSV-2024-10\", "
		      "\"affected\": [{\"ranges\": [{\"type\": \"GIT\", "
		      "\"events\": [{\"fixed\": \"%A\"}]}]}]}]");
	cr_assert_eq(gv_classes_add_advisories(cls, hist, p, &warns, &err), 0);
	cr_assert_eq(gv_classes_labels(cls, idx_of("HEAD~3")),
		     GV_LABEL(GV_CAT_SECURITY));
	cr_assert_eq(warning_count("advisory-malformed"), 1);
	/* tests/data/osv/malformed.json: no id; events not an array; aliases
	 * not an array; a fixed value that is not 40 hex: 4 malformed. One
	 * SEMVER-only record: no GIT range. */
	cr_assert_eq(gv_classes_add_advisories(cls, hist, data("malformed.json"),
					       &warns, &err), 0, "%s", err.msg);
	cr_assert_eq(warning_count("advisory-malformed"), 5);
	cr_assert_eq(warning_count("advisory-no-git-range"), 1);
}

Test(advisories, a_file_that_is_not_json_is_an_input_error_naming_it)
{
	gv_error err = { 0, "" };

	load();
	cr_assert_eq(gv_classes_add_advisories(cls, hist, data("not-json.txt"),
					       &warns, &err), GV_EINPUT);
	cr_assert_not_null(strstr(err.msg, "not-json.txt: not a JSON document"),
			   "%s", err.msg);
}

Test(advisories, a_directory_reads_every_json_file)
{
	gv_error err = { 0, "" };

	load();
	write_osv("1.json", "{\"id\": \"OSV-1\", \"affected\": [{\"ranges\": "
		  "[{\"type\": \"GIT\", \"events\": [{\"fixed\": \"%A\"}]}]}]}");
	write_osv("2.json", "{\"id\": \"OSV-2\", \"affected\": [{\"ranges\": "
		  "[{\"type\": \"GIT\", \"events\": [{\"fixed\": \"%B\"}]}]}]}");
	write_osv("notes.txt", "not an advisory");
	cr_assert_eq(gv_classes_add_advisories(cls, hist, dir, &warns, &err),
		     0, "%s", err.msg);
	cr_assert(gv_classes_labels(cls, idx_of("HEAD~3")) &
		  GV_LABEL(GV_CAT_SECURITY));
	cr_assert(gv_classes_labels(cls, idx_of("HEAD~2")) &
		  GV_LABEL(GV_CAT_SECURITY));
	/* A broken *.json in the directory stops the run and is named. */
	write_osv("3.json", "{ oops");
	cr_assert_eq(gv_classes_add_advisories(cls, hist, dir, &warns, &err),
		     GV_EINPUT);
	cr_assert_not_null(strstr(err.msg, "3.json"), "%s", err.msg);
}

Test(advisories, missing_path_is_an_io_error)
{
	gv_error err = { 0, "" };

	load();
	cr_assert_eq(gv_classes_add_advisories(cls, hist, "/nonexistent.json",
					       &warns, &err), GV_EIO);
}

/* CPU seconds spent since `start`. */
static double cpu_since(clock_t start)
{
	return (double)(clock() - start) / CLOCKS_PER_SEC;
}

/* One record, 40,000 events: 20,000 introduced A and 20,000 fixed C, in
 * one range. It took 27 s (a merge per fixed event, each with every
 * introduced event of the record); now the events are made unique first:
 * one merge, one ref. The bound is loose (the sanitizer build is 10x
 * slower), the old cost far past it. */
Test(advisories, forty_thousand_events_cost_a_sort_not_a_product)
{
	gv_error err = { 0, "" };
	char *a, *c, path[4096];
	clock_t start;
	FILE *f;
	int i;

	load();
	a = fx_rev(repo, "HEAD~3");
	c = fx_rev(repo, "HEAD~1");
	snprintf(path, sizeof(path), "%s/events.json", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("{\"id\": \"OSV-E\", \"affected\": [{\"ranges\": [{\"type\": "
	      "\"GIT\", \"events\": [", f);
	for (i = 0; i < 20000; i++)
		fprintf(f, "%s{\"introduced\": \"%s\"}, {\"fixed\": \"%s\"}",
			i ? ", " : "", a, c);
	fputs("]}]}]}", f);
	fclose(f);
	start = clock();
	cr_assert_eq(gv_classes_add_advisories(cls, hist, path, &warns, &err),
		     0, "%s", err.msg);
	cr_expect_lt(cpu_since(start), 5.0);
	gv_classes_get(cls, idx_of("HEAD~1"), &v);
	cr_expect_eq(v.nrefs, 1);
	cr_expect_eq(v.refs[0].commit, idx_of("HEAD~3"));
	free(a);
	free(c);
}

/* 100,000 aliases: each used to be compared with every other (11 s). */
Test(advisories, a_hundred_thousand_aliases_cost_a_sort)
{
	gv_error err = { 0, "" };
	char *c, path[4096];
	clock_t start;
	FILE *f;
	int i;

	load();
	c = fx_rev(repo, "HEAD");
	snprintf(path, sizeof(path), "%s/aliases.json", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("{\"id\": \"OSV-A\", \"aliases\": [", f);
	for (i = 0; i < 100000; i++)
		fprintf(f, "%s\"CVE-%d\"", i ? ", " : "", i % 50000);
	fprintf(f, "], \"affected\": [{\"ranges\": [{\"type\": \"GIT\", "
		"\"events\": [{\"fixed\": \"%s\"}]}]}]}", c);
	fclose(f);
	start = clock();
	cr_assert_eq(gv_classes_add_advisories(cls, hist, path, &warns, &err),
		     0, "%s", err.msg);
	cr_expect_lt(cpu_since(start), 5.0);
	gv_classes_get(cls, idx_of("HEAD"), &v);
	/* 50,000 distinct aliases (each twice) and the id */
	cr_expect_eq(v.nids, 50001);
	free(c);
}

/* A fix named in several ranges gets the introduced commits of each of
 * them as refs, each commit once; another range's introductions are not
 * its refs. (The cap of 256 needs a history of more commits than this.) */
Test(advisories, refs_of_one_fix_are_distinct_commits)
{
	gv_error err = { 0, "" };
	const char *p;

	load();
	p = write_osv("r.json", "{\"id\": \"OSV-R\", \"affected\": [{"
		      "\"ranges\": [{\"type\": \"GIT\", \"events\": ["
		      "{\"introduced\": \"%A\"}, {\"introduced\": \"%B\"}, "
		      "{\"fixed\": \"%D\"}]}, {\"type\": \"GIT\", \"events\": ["
		      "{\"introduced\": \"%B\"}, {\"introduced\": \"%C\"}, "
		      "{\"fixed\": \"%D\"}]}, {\"type\": \"GIT\", \"events\": ["
		      "{\"introduced\": \"%C\"}, {\"fixed\": \"%B\"}]}]}]}");
	cr_assert_eq(gv_classes_add_advisories(cls, hist, p, &warns, &err), 0,
		     "%s", err.msg);
	/* D: A and B of range 0, B and C of range 1: A, B, C once each */
	gv_classes_get(cls, idx_of("HEAD"), &v);
	cr_expect_eq(v.nrefs, 3);
	/* B: only C, of its own range 2 */
	gv_classes_get(cls, idx_of("HEAD~2"), &v);
	cr_expect_eq(v.nrefs, 1);
	cr_expect_eq(v.refs[0].commit, idx_of("HEAD~1"));
	cr_expect_eq(warning_count("advisory-refs-capped"), 0);
}

/* A FIFO named *.json in the directory is skipped, never opened: opening
 * it used to block the run forever. Named directly, it is an input error. */
Test(advisories, a_fifo_in_the_directory_is_skipped)
{
	gv_error err = { 0, "" };
	char fifo[4096];

	load();
	write_osv("1.json", "{\"id\": \"OSV-1\", \"affected\": [{\"ranges\": "
		  "[{\"type\": \"GIT\", \"events\": [{\"fixed\": \"%A\"}]}]}]}");
	snprintf(fifo, sizeof(fifo), "%s/2.json", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(gv_classes_add_advisories(cls, hist, dir, &warns, &err),
		     0, "%s", err.msg);
	cr_expect(gv_classes_labels(cls, idx_of("HEAD~3")) &
		  GV_LABEL(GV_CAT_SECURITY));
	cr_expect_eq(gv_classes_add_advisories(cls, hist, fifo, &warns, &err),
		     GV_EINPUT);
	cr_expect_not_null(strstr(err.msg, "not a regular file"), "%s", err.msg);
}

/* An OSV id is bytes from a file nobody checked: on stderr its escape
 * sequences are shown, never sent to the terminal. */
Test(advisories, an_id_with_terminal_escapes_is_escaped_on_stderr)
{
	fx_run run;
	const char *p;

	load();
	p = write_osv("esc.json", "{\"id\": \"OSV-\\u001b]0;owned\\u0007"
		      "\\u001b[2J\", \"affected\": 7}");
	fx_gv(&run, NULL, "--advisories", p, repo->path, NULL);
	cr_expect_eq(run.status, 0, "%s", run.err);
	cr_expect_null(memchr(run.err, 0x1b, run.err_len), "%s", run.err);
	cr_expect_null(memchr(run.err, 0x07, run.err_len));
	cr_expect_not_null(strstr(run.err, "OSV-\\x1b]0;owned\\x07\\x1b[2J"),
			   "%s", run.err);
	fx_run_free(&run);
}

/* cJSON says NULL for no memory as for bad JSON: out of memory is now
 * reported as such (it said "not a JSON document"). 5 M numbers take
 * about 300 MB as cJSON nodes; the run gets 250 MB of address space. The
 * sanitizer build maps terabytes of shadow memory, so it cannot run
 * under a limit: it does not build this test (criterion's skip leaks). */
#if !defined(__SANITIZE_ADDRESS__)
Test(advisories, out_of_memory_is_reported_as_such)
{
	char path[4096], *out = NULL;
	FILE *f;
	int i;

	load();
	snprintf(path, sizeof(path), "%s/big.json", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputc('[', f);
	for (i = 0; i < 5000000; i++)
		fputs(i ? ",0" : "0", f);
	fputc(']', f);
	fclose(f);
	cr_assert_eq(fx_sh(&out, dir, "ulimit -v 250000; rc=0; '%s' "
			   "--advisories '%s' '%s' 2>&1 >/dev/null || rc=$?; "
			   "echo \" $rc\"", fx_bin(), path, repo->path), 0);
	cr_expect_not_null(strstr(out, "big.json: out of memory\n 2"), "%s", out);
	free(out);
}
#endif
