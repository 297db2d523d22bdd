/*
 * report_text.c - the summary for people: a headline table that fits in 80
 * columns, then the latest releases and any warnings. Durations are shown
 * humanised ("3d 4h"); the exact numbers are in the JSON report.
 */
#include "gv/report.h"

#include <stdio.h>
#include <string.h>

static void human(char *buf, size_t size, int64_t s)
{
	if (s >= 86400)
		snprintf(buf, size, "%lldd %lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, size, "%lldh %lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, size, "%lldm %llds", (long long)(s / 60),
			 (long long)(s % 60));
	else
		snprintf(buf, size, "%llds", (long long)s);
}

/* Prints bytes that may be invalid UTF-8 or hold control characters. */
static int put_safe(gv_buf *out, const char *s)
{
	gv_buf clean = {0};
	size_t i;
	int error;

	if ((error = gv_utf8_sanitize(&clean, s, strlen(s))))
		return error;
	for (i = 0; i < clean.len; i++)
		if ((unsigned char)clean.ptr[i] < 0x20 || clean.ptr[i] == 0x7f)
			clean.ptr[i] = '?';
	error = gv_buf_put(out, clean.ptr ? clean.ptr : "", clean.len);
	gv_buf_free(&clean);
	return error;
}

static int row(gv_buf *out, const char *metric, const char *value,
	       const char *samples)
{
	return gv_buf_printf(out, "  %-22s %-34s %s\n", metric, value, samples);
}

int gv_report_text(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err)
{
	const gv_metrics *m = a->metrics;
	const gv_stats *lt = &m->lead_time.stats;
	size_t nrel, i, shown;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	char v[128], s[128], t1[40], t2[40], t3[40];
	int error = 0;

	(void)o->color;
	error |= gv_buf_puts(out, "git-vitals ");
	error |= put_safe(out, o->path);
	error |= gv_buf_printf(out, "%s\n", gv_history_is_shallow(a->history)
						    ? "  (shallow clone: partial history)"
						    : "");
	if (m->has_since)
		gv_time_iso(t1, sizeof(t1), m->since);
	if (m->has_until)
		gv_time_iso(t2, sizeof(t2), m->until);
	error |= gv_buf_printf(out, "  window   %s .. %s\n",
			       m->has_since ? t1 : "start", m->has_until ? t2 : "now");
	error |= gv_buf_printf(out,
			       "  commits  %llu (%llu merges); fixes %llu, reverts %llu, "
			       "rollbacks %llu, security %llu\n\n",
			       (unsigned long long)m->counts.commits,
			       (unsigned long long)m->counts.merges,
			       (unsigned long long)m->counts.fixes,
			       (unsigned long long)m->counts.reverts,
			       (unsigned long long)m->counts.rollbacks,
			       (unsigned long long)m->counts.security);
	error |= row(out, "METRIC", "VALUE", "SAMPLES");
	if (m->deployment_frequency.has_days)
		snprintf(v, sizeof(v), "%.2f/week (%llu in %.1f days)",
			 m->deployment_frequency.per_week,
			 (unsigned long long)m->deployment_frequency.releases,
			 m->deployment_frequency.days);
	else
		snprintf(v, sizeof(v), "n/a (no releases)");
	snprintf(s, sizeof(s), "%llu releases",
		 (unsigned long long)m->deployment_frequency.releases);
	error |= row(out, "deployment frequency", v, s);
	if (lt->samples) {
		human(t1, sizeof(t1), lt->median_s);
		human(t2, sizeof(t2), lt->p90_s);
		snprintf(v, sizeof(v), "median %s, p90 %s", t1, t2);
	} else {
		snprintf(v, sizeof(v), "n/a");
	}
	snprintf(s, sizeof(s), "%llu (%llu unreleased)",
		 (unsigned long long)lt->samples,
		 (unsigned long long)m->lead_time.unreleased);
	error |= row(out, "lead time for changes", v, s);

	if (m->nreleases) {
		error |= gv_buf_puts(out, "\n  latest releases\n");
		shown = m->nreleases > 5 ? 5 : m->nreleases;
		for (i = m->nreleases - shown; i < m->nreleases; i++) {
			const gv_release *r = &list[m->releases[i]];
			gv_time_iso(t3, sizeof(t3), r->time);
			t3[10] = '\0';
			error |= gv_buf_printf(out, "    %s  ", t3);
			error |= put_safe(out, r->tag->name);
			error |= gv_buf_printf(out, "  (%u new commits)\n", r->new_commits);
		}
	}
	if (a->warnings.count) {
		error |= gv_buf_puts(out, "\n  warnings\n");
		for (i = 0; i < a->warnings.count; i++)
			error |= gv_buf_printf(out, "    %s (%llu): %s\n",
					       a->warnings.items[i].code,
					       (unsigned long long)a->warnings.items[i].count,
					       a->warnings.items[i].message);
	}
	if (error)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	return 0;
}
