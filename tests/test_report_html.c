/*
 * test_report_html.c - `--format html`: one self-contained page with the
 * sections of issue 13, charts with marks, capped tables, and hostile text
 * from the repository escaped everywhere. (tests/browser.sh renders the
 * same pages in Chromium.)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

FX_SUITE(html);

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void html_of(const char *const *argv)
{
	fx_run_free(&run);
	fx_gv_argv(&run, repo->path, argv);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_assert(fx_utf8_valid(run.out, run.out_len));
}

#define html(...) html_of((const char *const[]){ __VA_ARGS__, NULL })

/* Every chart's <svg> ... </svg> holds at least one mark. */
static size_t expect_charts_have_marks(const char *s)
{
	size_t n = 0;

	while ((s = strstr(s, "<svg class=\"chart\""))) {
		const char *end = strstr(s, "</svg>");
		cr_assert_not_null(end);
		const char *mark = strstr(s, "class=\"mark");
		cr_expect(mark && mark < end, "chart %zu has no marks", n);
		s = end;
		n++;
	}
	return n;
}

Test(html, demo_page_is_self_contained_with_every_section)
{
	static const char *const sections[] = {
		"<h2>Headline</h2>", "Releases per period</h3>",
		"Lead time for changes</h3>", "Change failure rate per period</h3>",
		"Time to restore per period</h3>", "Vulnerability timeline</h3>",
		"<h2>Failed releases</h2>", "<h2>Slowest security fixes to ship</h2>",
		"<h2>Rule hits</h2>",
	};
	size_t i;

	repo = fx_demo_repo();
	html("--format", "html", ".");
	cr_expect_eq(strncmp(run.out, "<!DOCTYPE html>\n", 16), 0);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		cr_expect_not_null(strstr(run.out, sections[i]), "no %s", sections[i]);
	/* nothing fetched: no URL, no external resource, one script: ours */
	cr_expect_null(strstr(run.out, "http://"));
	cr_expect_null(strstr(run.out, "https://"));
	cr_expect_null(strstr(run.out, " src="));
	cr_expect_null(strstr(run.out, "<link"));
	cr_expect_null(strstr(run.out, "url("));
	cr_expect_eq(count(run.out, "<script"), 1);
	cr_expect_not_null(strstr(run.out, "default-src 'none'"));
	/* only a script with the hash of ours may run */
	cr_expect_not_null(strstr(run.out, "script-src 'sha256-"));
	/* five charts, each with marks, each with a title and a text
	 * alternative */
	cr_expect_eq(expect_charts_have_marks(run.out), 5);
	cr_expect_eq(count(run.out, "<desc id="), 5);
	/* the lead-time tile: median 975600 s = 11 d (950400 s) + 7 h
	 * (25200 s), DORA medium (between a day and a week is high, up to
	 * a month medium); the idle-timeout fix counts from v0.2.1, which
	 * shipped its cherry-pick */
	cr_expect_not_null(strstr(run.out, "lead time for changes<span class=\"lv "
				  "lv-medium\">medium</span></div><div class=\"v\">"
				  "11d 7h</div>"), "%.2000s", run.out);
	/* the failed release v0.1.0 with its culprit's subject */
	cr_expect_not_null(strstr(run.out, "conn: idle timeout"));
	cr_expect_not_null(strstr(run.out, "parser: reject oversized "
				  "Content-Length (CVE-2024-31337)"));
	cr_expect_lt(run.out_len, 2u << 20);
}

/* Subject, author and tag names that would run script if not escaped. */
#define SCRIPT "<script>alert(1)</script>"
#define IMG "\"><img src=x onerror=alert(1)>"
static const char HOSTILE[] =
	"revert() { c \"$(printf 'Revert \"%s\"\\n\\nThis reverts commit %s.' "
	"\"$1\" \"$2\")\" \"$3\"; }\n"
	"export GIT_AUTHOR_NAME='" SCRIPT " " IMG "'\n"
	"c '" SCRIPT " add " IMG "' 2024-01-01T00:00:00Z; lt x-A\n"
	"at '" SCRIPT "' 2024-01-02T00:00:00Z\n"
	"revert '" SCRIPT " add " IMG "' $(git rev-parse x-A) 2024-01-03T00:00:00Z\n"
	"c 'fix CVE-2024-0001 " IMG "' 2024-01-03T12:00:00Z\n"
	"at '\"><img/src=x/onerror=alert(1)>' 2024-01-04T00:00:00Z\n";

Test(html, hostile_text_is_escaped_in_text_and_attributes)
{
	repo = fx_repo_new(HOSTILE);
	html("--format", "html", "--release-pattern", "[<\"]", ".");
	/* our script only; no markup from the repository */
	cr_expect_eq(count(run.out, "<script"), 1, "%s", run.out);
	cr_expect_null(strstr(run.out, "<img"));
	cr_expect_null(strstr(run.out, "onerror=alert(1)>"));
	/* the subject (failed release table), the tag names, the CVE fix */
	cr_expect_geq(count(run.out, "&lt;script&gt;alert(1)&lt;/script&gt;"), 2);
	cr_expect_not_null(strstr(run.out, "&lt;script&gt;alert(1)&lt;/script&gt; "
				  "add &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
	cr_expect_not_null(strstr(run.out, "&quot;&gt;&lt;img/src=x/onerror="
				  "alert(1)&gt;"));
	cr_expect_not_null(strstr(run.out, "fix CVE-2024-0001 &quot;&gt;"));
}

/* 60 released security fixes: the table shows 50 and says so. */
Test(html, long_tables_are_capped_and_say_how_many_rows_are_left_out)
{
	repo = fx_repo_new(
		"i=0; while [ $i -lt 60 ]; do\n"
		"  c \"fix CVE-2024-$((1000 + i))\" "
		"\"2024-01-$((10 + i / 30))T$(printf %02d $((i % 24))):00:00Z\"\n"
		"  i=$((i + 1)); done\n"
		"at v1.0 2024-02-01T00:00:00Z\n");
	html("--format", "html", ".");
	cr_expect_not_null(strstr(run.out, "10 more fixes not shown"), "%s",
			   run.out);
	const char *t = strstr(run.out, "<h2>Slowest security fixes to ship</h2>");
	cr_assert_not_null(t);
	const char *end = strstr(t, "</table>");
	size_t rows = 0;
	for (const char *p = t; (p = strstr(p, "<tr>")) && p < end; p++)
		rows++;
	/* 50 fixes and the "more" row (the header row is <tr> too) */
	cr_expect_eq(rows, 52);
}
