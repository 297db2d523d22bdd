/*
 * report_html.c - the HTML report of one repository and the fleet page of a
 * summary: one self-contained file each (inline CSS, inline SVG charts drawn
 * here, a dozen lines of script that sort tables, nothing fetched: it works
 * from file:// and as an e-mail attachment; a Content-Security-Policy forbids
 * every fetch and, by its hash, any script but that one).
 *
 * Only formats: the numbers, levels, series, histogram and "worst N" lists
 * come from the metric catalogue and the metrics module. Long tables show
 * GV_EVIDENCE_ROWS rows and say how many were left out, so the page stays
 * small whatever the history.
 *
 * Hostile text: every string from a repository (tags, subjects, ids, paths,
 * names, messages) goes through esc(), which sanitises UTF-8 and escapes
 * & < > " ' in text and (always double-quoted) attributes alike. No
 * repository data is written into the script.
 */
#include "gv/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GV_VERSION
#define GV_VERSION "0.0.0"
#endif

#define W 480   /* chart viewBox: 480 x 260, scaled to the column */
#define H 260
#define ML 64   /* plot margins */
#define MR 12
#define MT 16
#define MB 44
#define MAX_BARS 400
#define MAX_VULNS 25

typedef struct hw {
	gv_buf *out;
	int error;
	int charts;   /* ids of the charts written so far */
} hw;

static void put(hw *h, const char *s)
{
	h->error |= gv_buf_puts(h->out, s);
}

static void pf(hw *h, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void pf(hw *h, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		h->error = 1;
		return;
	}
	put(h, buf);
}

/* Repository bytes as HTML text or a double-quoted attribute value; at
 * most `max` characters (0: all) with an ellipsis when cut. */
static void esc_n(hw *h, const char *s, size_t max)
{
	gv_buf clean = {0};
	size_t i, chars = 0;

	if (gv_utf8_sanitize(&clean, s, strlen(s))) {
		h->error = 1;
		return;
	}
	for (i = 0; i < clean.len; i++) {
		unsigned char c = (unsigned char)clean.ptr[i];
		const char *e = NULL;
		char one[2] = {(char)c, 0};
		if ((c & 0xc0) != 0x80 && max && ++chars > max) {
			put(h, "\xe2\x80\xa6");
			break;
		}
		switch (c) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default:
			if (c < 0x20 || c == 0x7f)
				e = "\xef\xbf\xbd";
		}
		put(h, e ? e : one);
	}
	gv_buf_free(&clean);
}

static void esc(hw *h, const char *s)
{
	esc_n(h, s, 0);
}

static void date(char *buf, size_t size, int64_t t)
{
	gv_time_iso(buf, size, t);
	if (size > 10)
		buf[10] = '\0';
}

static const char *level_class(int level)
{
	return level == GV_LEVEL_NONE ? "none" : gv_level_name(level);
}

/* ---- the page around the content ---- */

static const char css[] =
	":root{--fg:#1b1f24;--mute:#57606a;--line:#d0d7de;--bg:#fff;"
	"--card:#f6f8fa;--bar:#0969da;--bar2:#8250df;--bad:#cf222e}"
	"*{box-sizing:border-box}"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
	"'Helvetica Neue',Arial,sans-serif;color:var(--fg);background:var(--bg);"
	"margin:0 auto;max-width:1240px;padding:16px}"
	"h1{font-size:1.5em;margin:.2em 0;overflow-wrap:anywhere}"
	"h2{font-size:1.2em;margin:1.4em 0 .5em;border-bottom:1px solid var(--line)}"
	"h3{font-size:1em;margin:.2em 0}"
	".meta{color:var(--mute);margin:0}"
	".tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));"
	"gap:10px}"
	".tile{background:var(--card);border:1px solid var(--line);border-radius:6px;"
	"padding:10px 12px}"
	".tile .v{font-size:1.45em;font-weight:600}"
	".tile .s{color:var(--mute);font-size:.85em}"
	".lv{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8em;"
	"font-weight:600;margin-left:6px;vertical-align:middle}"
	".lv-elite{background:#dafbe1;color:#116329}.lv-high{background:#ddf4ff;"
	"color:#0550ae}.lv-medium{background:#fff8c5;color:#7d4e00}"
	".lv-low{background:#ffebe9;color:#a40e26}.lv-none{background:#eaeef2;"
	"color:#57606a}"
	".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));"
	"gap:14px}"
	"figure{margin:0;background:var(--bg);border:1px solid var(--line);"
	"border-radius:6px;padding:10px;break-inside:avoid}"
	"figcaption{color:var(--mute);font-size:.85em}"
	"svg.chart{width:100%;height:auto;display:block}"
	"svg text{font:13px system-ui,sans-serif;fill:#1b1f24}"
	"svg .axis{stroke:#8c959f;stroke-width:1}"
	"svg .grid{stroke:#eaeef2;stroke-width:1}"
	"svg .mark{fill:var(--bar)}svg .mark.alt{fill:var(--bar2)}"
	"svg .mark.open{fill:#ffb3ad}"
	"svg .ref{stroke:var(--bad);stroke-width:2;stroke-dasharray:4 3}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;width:100%;font-size:.9em}"
	"th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);"
	"vertical-align:top}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"th{background:var(--card);white-space:nowrap}"
	"table.sortable th{cursor:pointer}"
	"code{font-size:.9em}"
	".subj{overflow-wrap:anywhere}"
	".more{color:var(--mute);font-style:italic}"
	"@media (max-width:600px){body{padding:8px;font-size:14px}"
	".tiles{grid-template-columns:1fr 1fr}.charts{grid-template-columns:1fr}"
	"svg text{font-size:15px}}"
	"@media print{body{max-width:none;padding:0}.charts{grid-template-columns:1fr 1fr}"
	"figure,.tile,tr{break-inside:avoid}a{color:inherit}}";

/* Sorts a table.sortable by the clicked column: by data-v (numbers) when
 * the cells have it, else by text. Marks <html data-script="ran"> at the
 * end, so a browser check sees it ran without an error. */
static const char script[] =
	"document.querySelectorAll('table.sortable').forEach(function(t){"
	"t.querySelectorAll('th').forEach(function(th,i){th.tabIndex=0;"
	"function go(){var b=t.tBodies[0],r=Array.prototype.slice.call(b.rows),"
	"d=th.getAttribute('aria-sort')==='ascending'?-1:1;"
	"t.querySelectorAll('th').forEach(function(x){x.removeAttribute('aria-sort')});"
	"th.setAttribute('aria-sort',d>0?'ascending':'descending');"
	"r.sort(function(x,y){var a=x.cells[i].getAttribute('data-v'),"
	"c=y.cells[i].getAttribute('data-v');if(a!==null&&c!==null){"
	"a=a===''?-Infinity:+a;c=c===''?-Infinity:+c;return d*(a-c)}"
	"return d*x.cells[i].textContent.localeCompare(y.cells[i].textContent)});"
	"r.forEach(function(x){b.appendChild(x)})}"
	"th.addEventListener('click',go);th.addEventListener('keydown',"
	"function(e){if(e.key==='Enter')go()})})});"
	"document.documentElement.setAttribute('data-script','ran');";

/* SHA-256 of script[], base64: the Content-Security-Policy lets this one
 * script run and no other, whatever a page holds. Change it with the
 * script (tests/browser/check.sh fails otherwise: the script is blocked). */
#define SCRIPT_SHA256 "5N/r9hOFrg7Sw0JMWCknuleNJnl4HjCF6hdtfEMWeA0="

static void page_start(hw *h, const char *title_prefix, const char *title)
{
	put(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
	       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	       "'none'; style-src 'unsafe-inline'; script-src 'sha256-"
	       SCRIPT_SHA256 "'\">\n"
	       "<meta name=\"generator\" content=\"git-vitals " GV_VERSION "\">\n<title>");
	put(h, title_prefix);
	esc(h, title);
	put(h, "</title>\n<style>");
	put(h, css);
	put(h, "</style>\n</head>\n<body>\n");
}

static void page_end(hw *h)
{
	put(h, "<p class=\"meta\">Generated by git-vitals " GV_VERSION
	       ". Definitions: docs/METRICS.md.</p>\n<script>");
	put(h, script);
	put(h, "</script>\n</body>\n</html>\n");
}

/* ---- charts ---- */

typedef struct bar {
	char label[24];   /* x label (plain ASCII: periods, bin names) */
	int has;          /* 0: no value (a gap, no mark) */
	double v;
} bar;

/* "12", "42%", "3d 4h" */
static void fmt_value(char *buf, size_t size, int unit, double v)
{
	if (unit == GV_UNIT_SECONDS)
		gv_duration_format(buf, size, (int64_t)v);
	else if (unit == GV_UNIT_RATIO)
		snprintf(buf, size, "%.0f%%", 100.0 * v);
	else
		snprintf(buf, size, "%.0f", v);
}

static void chart_open_h(hw *h, const char *title, const char *desc, int height)
{
	int id = ++h->charts;

	put(h, "<figure>\n<h3 id=\"c");
	pf(h, "%d\">", id);
	put(h, title);
	pf(h, "</h3>\n<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
	   "aria-labelledby=\"c%d c%dd\">\n<title>", W, height, id, id);
	put(h, title);
	pf(h, "</title>\n<desc id=\"c%dd\">", id);
	esc(h, desc);
	put(h, "</desc>\n");
}

static void chart_open(hw *h, const char *title, const char *desc)
{
	chart_open_h(h, title, desc, H);
}

static void chart_close(hw *h, const char *caption)
{
	put(h, "</svg>\n<figcaption>");
	esc(h, caption);
	put(h, "</figcaption>\n</figure>\n");
}

/* A y axis from 0 to max with three grid lines, labelled in `unit`. */
static void y_axis(hw *h, double max, int unit, const char *ylabel)
{
	char v[40];
	int i;

	for (i = 0; i <= 2; i++) {
		double y = MT + (H - MT - MB) * (1.0 - i / 2.0);
		fmt_value(v, sizeof(v), unit, max * i / 2.0);
		pf(h, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
		   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
		   ML, W - MR, y, y, ML - 4, y + 4, v);
	}
	pf(h, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n",
	   ML, W - MR, H - MB, H - MB);
	pf(h, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" "
	   "text-anchor=\"middle\">", (H - MB + MT) / 2, (H - MB + MT) / 2);
	put(h, ylabel);
	put(h, "</text>\n");
}

/* Rounds up to 1, 2 or 5 times a power of ten (durations: whole days). */
static double nice_max(double max, int unit)
{
	double p = 1;

	if (max <= 0)
		return 1;
	if (unit == GV_UNIT_RATIO)
		return max > 0.5 ? 1 : max > 0.2 ? 0.5 : max > 0.1 ? 0.2 : 0.1;
	if (unit == GV_UNIT_SECONDS && max > 86400) {
		double d = nice_max(max / 86400, GV_UNIT_COUNT);
		return d * 86400;
	}
	while (p * 10 <= max)
		p *= 10;
	return max <= p ? p : max <= 2 * p ? 2 * p : max <= 5 * p ? 5 * p : 10 * p;
}

/* A bar chart of n values; marks are <rect class="mark">, zero values a
 * 1-unit sliver so they can be seen. `lines` (may be NULL) mark up to two
 * positions (bar index + fraction) with a dashed rule and a label. */
typedef struct ref_line {
	double at;        /* in bars: 2.5 is the middle of the third */
	const char *text;
} ref_line;

static void bar_chart(hw *h, const char *title, const char *desc,
		      const char *caption, const char *ylabel, int unit,
		      const bar *b, size_t n, const ref_line *lines, size_t nlines)
{
	double max = 0, bw, x, y, top;
	size_t i, every;
	char v[40];

	for (i = 0; i < n; i++)
		if (b[i].has && b[i].v > max)
			max = b[i].v;
	max = nice_max(max, unit);
	chart_open(h, title, desc);
	y_axis(h, max, unit, ylabel);
	bw = (double)(W - ML - MR) / (double)(n ? n : 1);
	every = n / 8 + 1;
	for (i = 0; i < n; i++) {
		x = ML + bw * (double)i;
		if (b[i].has) {
			top = (H - MT - MB) * (b[i].v / max);
			if (top < 1)
				top = 1;
			y = H - MB - top;
			fmt_value(v, sizeof(v), unit, b[i].v);
			pf(h, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			   "height=\"%.1f\"><title>%s: %s</title></rect>\n",
			   x + bw * 0.1, y, bw * 0.8, top, b[i].label, v);
		}
		if (i % every == 0)
			pf(h, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			   x + bw / 2, H - MB + 16, b[i].label);
	}
	for (i = 0; i < nlines; i++) {
		x = ML + bw * lines[i].at;
		pf(h, "<line class=\"ref\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
		   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">", x, x, MT, H - MB,
		   x + (x > W / 2 ? -4.0 : 4.0), MT + 12 + 16 * (int)i,
		   x > W / 2 ? "end" : "start");
		put(h, lines[i].text);
		put(h, "</text>\n");
	}
	chart_close(h, caption);
}

static void series_chart(hw *h, const gv_metrics *m, int which)
{
	bar *b = calloc(m->nseries ? m->nseries : 1, sizeof(*b));
	size_t i, n = m->nseries > MAX_BARS ? MAX_BARS : m->nseries, any = 0;
	size_t from = m->nseries - n;
	char desc[256];

	if (!b) {
		h->error = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		const gv_period *p = &m->series[from + i];
		snprintf(b[i].label, sizeof(b[i].label), "%s", p->name);
		if (which == 0) {
			b[i].has = 1;
			b[i].v = (double)p->releases;
		} else if (which == 1) {
			b[i].has = gv_rate(&b[i].v, p->failed, p->releases);
		} else {
			b[i].has = p->time_to_restore.samples > 0;
			b[i].v = (double)p->time_to_restore.median_s;
		}
		any += b[i].has && (which != 0 || b[i].v > 0);
	}
	if (which == 0) {
		snprintf(desc, sizeof(desc), "Releases in each of %zu periods, "
			 "from %s to %s.", n, n ? b[0].label : "", n ? b[n - 1].label : "");
		bar_chart(h, "Releases per period", desc, "Release tags in the "
			  "window, by the period of their release time.",
			  "releases", GV_UNIT_COUNT, b, n, NULL, 0);
	} else if (which == 1 && any) {
		snprintf(desc, sizeof(desc), "Share of the releases of each period "
			 "that failed; periods without releases have no bar.");
		bar_chart(h, "Change failure rate per period", desc,
			  "Failed releases of the period, of its releases.",
			  "failed share", GV_UNIT_RATIO, b, n, NULL, 0);
	} else if (which == 2 && any) {
		snprintf(desc, sizeof(desc), "Median time to restore of the failed "
			 "releases of each period.");
		bar_chart(h, "Time to restore per period", desc,
			  "Median time from a failed release to the release that "
			  "restored it.", "median", GV_UNIT_SECONDS, b, n, NULL, 0);
	} else {
		pf(h, "<figure><h3>%s</h3><p class=\"meta\">%s</p></figure>\n",
		   which == 1 ? "Change failure rate per period"
			      : "Time to restore per period",
		   which == 1 ? "No period has a release." : "No failed release "
		   "was restored in the window.");
	}
	free(b);
}

/* Where value v falls in the histogram, in bars (linear within a bin). */
static double bin_pos(int64_t v)
{
	size_t b = 0;
	int64_t lo = 0, hi;

	while (b < GV_LEAD_BINS - 1 && v >= gv_lead_bins[b])
		lo = gv_lead_bins[b++];
	if (b == GV_LEAD_BINS - 1)
		return (double)b + 0.5;
	hi = gv_lead_bins[b];
	return (double)b + (double)(v - lo) / (double)(hi - lo);
}

static void lead_chart(hw *h, const gv_metrics *m)
{
	bar b[GV_LEAD_BINS];
	ref_line lines[2];
	char med[40], p90[40], t1[64], t2[64], desc[256];
	size_t i;

	if (!m->lead_time.stats.samples) {
		put(h, "<figure><h3>Lead time for changes</h3><p class=\"meta\">"
		       "No change was released in the window.</p></figure>\n");
		return;
	}
	for (i = 0; i < GV_LEAD_BINS; i++) {
		snprintf(b[i].label, sizeof(b[i].label), "%s", gv_lead_bin_names[i]);
		b[i].has = 1;
		b[i].v = (double)m->lead_hist[i];
	}
	gv_duration_format(med, sizeof(med), m->lead_time.stats.median_s);
	gv_duration_format(p90, sizeof(p90), m->lead_time.stats.p90_s);
	snprintf(t1, sizeof(t1), "median %s", med);
	snprintf(t2, sizeof(t2), "p90 %s", p90);
	lines[0].at = bin_pos(m->lead_time.stats.median_s);
	lines[0].text = t1;
	lines[1].at = bin_pos(m->lead_time.stats.p90_s);
	lines[1].text = t2;
	snprintf(desc, sizeof(desc), "Histogram of the lead times of %llu "
		 "changes; median %s, 90th percentile %s.",
		 (unsigned long long)m->lead_time.stats.samples, med, p90);
	bar_chart(h, "Lead time for changes", desc, "Changes by the time from "
		  "commit to their first release; dashed: median and p90.",
		  "changes", GV_UNIT_COUNT, b, GV_LEAD_BINS, lines, 2);
}

/* One bar per vulnerability, from the release that introduced it to the
 * release that fixed it (still open: to the newest commit, lighter): the
 * MAX_VULNS most recent ones (by their earliest fix), one 20-unit row
 * each, so the chart grows with them and its labels stay legible. */
static void vuln_chart(hw *h, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	size_t nrel, i, n = 0, from, k;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	int64_t lo = 0, hi = m->newest, t0, t1;
	double x0, x1, y;
	int height, left = ML + 76;
	char d0[16], d1[16], desc[256], cap[256];

	for (i = 0; i < m->security.nvulns; i++)
		n += m->security.vulns[i].introduced != GV_NONE;
	if (!n) {
		put(h, "<figure><h3>Vulnerability timeline</h3><p class=\"meta\">"
		       "No vulnerability was shipped in a release.</p></figure>\n");
		return;
	}
	from = n > MAX_VULNS ? n - MAX_VULNS : 0; /* skip the oldest */
	for (i = k = 0; i < m->security.nvulns; i++) {
		const gv_vuln *v = &m->security.vulns[i];
		if (v->introduced == GV_NONE || k++ < from)
			continue;
		if (k == from + 1 || list[v->introduced].time < lo)
			lo = list[v->introduced].time;
		if (v->fixed != GV_NONE && list[v->fixed].time > hi)
			hi = list[v->fixed].time;
	}
	if (hi <= lo)
		hi = lo + 86400;
	height = MT + MB + 20 * (int)(n - from);
	date(d0, sizeof(d0), lo);
	date(d1, sizeof(d1), hi);
	snprintf(desc, sizeof(desc), "%zu vulnerabilities, each from the release "
		 "that shipped it to the release that fixed it, %s to %s.",
		 n - from, d0, d1);
	chart_open_h(h, "Vulnerability timeline", desc, height);
	pf(h, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n"
	   "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" "
	   "text-anchor=\"end\">%s</text>\n", left, W - MR, height - MB,
	   height - MB, left, height - MB + 16, d0, W - MR, height - MB + 16, d1);
	pf(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">release date</text>\n",
	   (left + W - MR) / 2, height - MB + 34);
	for (i = k = 0, y = MT; i < m->security.nvulns; i++) {
		const gv_vuln *v = &m->security.vulns[i];
		if (v->introduced == GV_NONE || k++ < from)
			continue;
		t0 = list[v->introduced].time;
		t1 = v->fixed != GV_NONE ? list[v->fixed].time : hi;
		x0 = left + (double)(W - MR - left) * (double)(t0 - lo) / (double)(hi - lo);
		x1 = left + (double)(W - MR - left) * (double)(t1 - lo) / (double)(hi - lo);
		if (x1 - x0 < 3)
			x1 = x0 + 3;
		pf(h, "<rect class=\"mark%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		   "height=\"14\"><title>", v->fixed == GV_NONE ? " open" : "", x0,
		   y + 3, x1 - x0);
		if (v->nids)
			esc(h, m->vuln_ids[v->ids_at]);
		put(h, ": ");
		esc(h, list[v->introduced].tag->name);
		put(h, " .. ");
		if (v->fixed != GV_NONE)
			esc(h, list[v->fixed].tag->name);
		else
			put(h, "not fixed in a release");
		pf(h, "</title></rect>\n<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
		   left - 4, y + 15);
		if (v->nids)
			esc_n(h, m->vuln_ids[v->ids_at], 16);
		else
			put(h, "(no id)");
		put(h, "</text>\n");
		y += 20;
	}
	snprintf(cap, sizeof(cap), "Bars run from the release that first shipped "
		 "the vulnerable commit to the release that shipped the fix; light "
		 "bars are not fixed in a release yet.%s",
		 from ? " Only the most recent are shown (see the JSON report)." : "");
	chart_close(h, cap);
}

/* ---- tiles and tables ---- */

static void tiles(hw *h, const gv_catalogue *c)
{
	char v[64], p[40];
	size_t i;

	put(h, "<section class=\"tiles\">\n");
	for (i = 0; i < c->count; i++) {
		const gv_metric *e = &c->items[i];
		if (!(e->flags & GV_METRIC_HEADLINE))
			continue;
		gv_metric_format(v, sizeof(v), e);
		pf(h, "<div class=\"tile\"><div>%s", e->label);
		if (e->flags & GV_METRIC_DORA)
			pf(h, "<span class=\"lv lv-%s\">%s</span>",
			   e->level.insufficient ? "none" : level_class(e->level.level),
			   e->level.insufficient ? "too few"
			   : e->level.level == GV_LEVEL_NONE ? "n/a"
			   : gv_level_name(e->level.level));
		pf(h, "</div><div class=\"v\">%s</div><div class=\"s\">", v);
		if (e->has && e->unit == GV_UNIT_SECONDS) {
			gv_duration_format(p, sizeof(p), e->p90_s);
			pf(h, "median; p90 %s; ", p);
		} else if (e->has && e->unit == GV_UNIT_RATIO) {
			pf(h, "%llu of %llu; ", (unsigned long long)e->num,
			   (unsigned long long)e->den);
		}
		pf(h, "%llu %s</div></div>\n", (unsigned long long)e->samples,
		   e->samples_of ? e->samples_of : "");
	}
	put(h, "</section>\n");
}

static void sha_cell(hw *h, const gv_analysis *a, gv_idx c)
{
	char hex[GV_OID_HEXSZ + 1];
	const char *s = gv_metrics_subject(a->metrics, c);

	gv_history_hex(a->history, c, hex);
	pf(h, "<td><code title=\"%s\">%.12s</code>", hex, hex);
	if (s) {
		put(h, " <span class=\"subj\">");
		esc_n(h, s, 120);
		put(h, "</span>");
	}
	put(h, "</td>");
}

static void more(hw *h, size_t left, int cols, const char *what)
{
	if (left)
		pf(h, "<tr><td class=\"more\" colspan=\"%d\">%zu more %s not shown "
		   "(see the JSON report)</td></tr>\n", cols, left, what);
}

static void failed_table(hw *h, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	size_t nrel, i, rows = 0, left = 0;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	char d[40], r[40];

	put(h, "<h2>Failed releases</h2>\n");
	if (!m->evidence.nfailed) {
		put(h, "<p class=\"meta\">No release in the window failed.</p>\n");
		return;
	}
	put(h, "<div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
	       "<th>Release</th><th>Date</th><th class=\"n\">Restored in</th>"
	       "<th>Culprit</th><th>Remediation</th></tr></thead><tbody>\n");
	for (i = 0; i < m->evidence.nfailed; i++) {
		uint32_t rel = m->evidence.failed[i], f;
		for (f = m->failures_at[rel]; f < m->failures_at[rel + 1]; f++) {
			const gv_failure *x = &m->failures[f];
			if (!x->urgent)
				continue;
			if (rows >= GV_EVIDENCE_ROWS || i >= GV_EVIDENCE_ROWS) {
				left++;
				continue;
			}
			rows++;
			date(d, sizeof(d), list[rel].time);
			put(h, "<tr><td>");
			esc_n(h, list[rel].tag->name, 60);
			pf(h, "</td><td>%s</td>", d);
			if (m->restore_s[rel] >= 0) {
				gv_duration_format(r, sizeof(r), m->restore_s[rel]);
				pf(h, "<td class=\"n\" data-v=\"%lld\">%s</td>",
				   (long long)m->restore_s[rel], r);
			} else {
				put(h, "<td class=\"n\" data-v=\"\">not restored</td>");
			}
			sha_cell(h, a, x->culprit);
			sha_cell(h, a, x->remediation);
			put(h, "</tr>\n");
		}
	}
	more(h, left, 5, "failures");
	put(h, "</tbody></table></div>\n");
}

static void slow_table(hw *h, const gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	size_t nrel, i;
	const gv_release *list = gv_releases_list(a->releases, &nrel);
	char d[40];

	put(h, "<h2>Slowest security fixes to ship</h2>\n");
	if (!m->evidence.nslow) {
		put(h, "<p class=\"meta\">No security fix was released.</p>\n");
		return;
	}
	put(h, "<div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
	       "<th>Fix</th><th class=\"n\">Time to ship</th><th>Release</th>"
	       "</tr></thead><tbody>\n");
	for (i = 0; i < m->evidence.nslow && i < GV_EVIDENCE_ROWS; i++) {
		const gv_slow_fix *s = &m->evidence.slow[i];
		gv_duration_format(d, sizeof(d), s->delay_s);
		put(h, "<tr>");
		sha_cell(h, a, s->commit);
		pf(h, "<td class=\"n\" data-v=\"%lld\">%s</td><td>",
		   (long long)s->delay_s, d);
		esc_n(h, list[s->release].tag->name, 60);
		put(h, "</td></tr>\n");
	}
	more(h, m->evidence.nslow > GV_EVIDENCE_ROWS
		     ? m->evidence.nslow - GV_EVIDENCE_ROWS : 0, 3, "fixes");
	put(h, "</tbody></table></div>\n");
}

static void rules_table(hw *h, const gv_metrics *m)
{
	size_t i;

	put(h, "<h2>Rule hits</h2>\n");
	if (!m->evidence.nrules) {
		put(h, "<p class=\"meta\">No rule labelled a commit in the "
		       "window.</p>\n");
		return;
	}
	put(h, "<div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
	       "<th>Rule</th><th class=\"n\">Commits</th></tr></thead><tbody>\n");
	for (i = 0; i < m->evidence.nrules && i < GV_EVIDENCE_ROWS; i++) {
		put(h, "<tr><td><code>");
		esc(h, m->evidence.rules[i].rule);
		pf(h, "</code></td><td class=\"n\" data-v=\"%llu\">%llu</td></tr>\n",
		   (unsigned long long)m->evidence.rules[i].commits,
		   (unsigned long long)m->evidence.rules[i].commits);
	}
	more(h, m->evidence.nrules > GV_EVIDENCE_ROWS
		     ? m->evidence.nrules - GV_EVIDENCE_ROWS : 0, 2, "rules");
	put(h, "</tbody></table></div>\n");
}

static int finish(hw *h, gv_error *err)
{
	if (h->error)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	return 0;
}

int gv_report_html(gv_buf *out, const gv_analysis *a, const gv_report_opts *o,
		   gv_error *err)
{
	const gv_metrics *m = a->metrics;
	gv_catalogue *c = malloc(sizeof(*c));
	char d1[40], d2[40];
	hw h;

	if (!c)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	memset(&h, 0, sizeof(h));
	h.out = out;
	gv_catalogue_of(c, m);
	page_start(&h, "git-vitals: ", o->name ? o->name : o->path);
	put(&h, "<header><h1>git-vitals: ");
	esc(&h, o->name ? o->name : o->path);
	date(d1, sizeof(d1), m->has_since ? m->since : m->oldest);
	date(d2, sizeof(d2), m->has_until ? m->until : m->newest);
	pf(&h, "</h1>\n<p class=\"meta\">%s%s to %s%s; %llu commits, %llu "
	   "releases%s</p></header>\n", d1, m->has_since ? "" : " (oldest commit)",
	   d2, m->has_until ? "" : " (newest commit)",
	   (unsigned long long)m->counts.commits,
	   (unsigned long long)m->counts.releases,
	   gv_history_is_shallow(a->history) ? "; shallow clone: partial history"
					     : "");
	put(&h, "<h2>Headline</h2>\n");
	tiles(&h, c);
	put(&h, "<h2>Trends</h2>\n<section class=\"charts\">\n");
	series_chart(&h, m, 0);
	lead_chart(&h, m);
	series_chart(&h, m, 1);
	series_chart(&h, m, 2);
	vuln_chart(&h, a);
	put(&h, "</section>\n");
	failed_table(&h, a);
	slow_table(&h, a);
	rules_table(&h, m);
	page_end(&h);
	free(c);
	return finish(&h, err);
}

/* ---- the fleet page ---- */

/* A cell of the summary as text, through the catalogue's formatter. */
static void cell_text(char *buf, size_t size, const gv_metric *tmpl,
		      const gv_summary_cell *v)
{
	gv_metric e = *tmpl;

	e.has = v->has;
	e.value = v->value;
	gv_metric_format(buf, size, &e);
}

/* How many repositories are at each level, per DORA metric: stacked bars. */
static void level_chart(hw *h, const gv_catalogue *c, const gv_summary_row *rows,
			size_t n)
{
	static const char *const cls[] = {"lv-low", "lv-medium", "lv-high",
					  "lv-elite", "lv-none"};
	static const char *const fill[] = {"#cf222e", "#d4a72c", "#0969da",
					   "#1a7f37", "#afb8c1"};
	size_t i, r, k = 0, at;
	double row = (double)(H - MT - MB) / 4.0;

	chart_open(h, "DORA levels across the fleet", "For each DORA metric, "
		   "how many repositories are elite, high, medium, low or have "
		   "too few samples.");
	for (i = 0; i < c->count && k < 4; i++) {
		const gv_metric *e = &c->items[i];
		unsigned cnt[5] = {0, 0, 0, 0, 0};
		double x = 150, y = MT + row * (double)k + row * 0.15, wdt;
		size_t l;
		if (!(e->flags & GV_METRIC_HEADLINE) ||
		    (at = gv_catalogue_level_of(c, e)) == SIZE_MAX)
			continue;
		for (r = 0; r < n; r++) {
			const gv_summary_cell *v = &rows[r].cells[at];
			if (rows[r].error)
				continue;
			cnt[v->has ? (size_t)v->level : 4]++;
		}
		pf(h, "<text x=\"146\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
		   y + row * 0.35 + 4, e->label);
		for (l = 0; l < 5; l++) {
			size_t ok = 0;
			for (r = 0; r < n; r++)
				ok += !rows[r].error;
			if (!cnt[l] || !ok)
				continue;
			wdt = (double)(W - MR - 150) * cnt[l] / (double)ok;
			pf(h, "<rect class=\"mark %s\" style=\"fill:%s\" x=\"%.1f\" "
			   "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%s: %u</title>"
			   "</rect>\n", cls[l], fill[l], x, y, wdt, row * 0.7,
			   l < 4 ? gv_level_name((int)l) : "too few / n/a", cnt[l]);
			x += wdt;
		}
		k++;
	}
	/* the legend: a swatch and a name per level */
	for (k = 0; k < 5; k++)
		pf(h, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
		   "style=\"fill:%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
		   8 + 94 * (int)k, H - MB + 14, fill[k < 4 ? 3 - k : 4],
		   24 + 94 * (int)k, H - MB + 25,
		   k < 4 ? gv_level_name((int)(3 - k)) : "n/a");
	chart_close(h, "Each bar is all repositories that ran; segments are "
		    "levels.");
}

int gv_summary_html(gv_buf *out, const gv_summary_row *rows, size_t n,
		    gv_error *err)
{
	static const gv_metrics none;
	gv_catalogue *c = malloc(sizeof(*c));
	gv_summary_cell *med = malloc(GV_CATALOGUE_MAX * sizeof(*med));
	size_t i, r, failed = 0, at;
	char v[64];
	hw h;
	int error;

	if (!c || !med) {
		free(c);
		free(med);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	if ((error = gv_summary_fleet(med, rows, n, err))) {
		free(c);
		free(med);
		return error;
	}
	memset(&h, 0, sizeof(h));
	h.out = out;
	gv_catalogue_of(c, &none);
	for (r = 0; r < n; r++)
		failed += rows[r].error != 0;
	page_start(&h, "git-vitals fleet", "");
	pf(&h, "<header><h1>git-vitals fleet</h1>\n<p class=\"meta\">%zu "
	   "repositories, %zu ran, %zu failed</p></header>\n<h2>Fleet medians"
	   "</h2>\n<section class=\"tiles\">\n", n, n - failed, failed);
	for (i = 0; i < c->count; i++) {
		const gv_metric *e = &c->items[i];
		if (!(e->flags & GV_METRIC_FLEET) || e->unit == GV_UNIT_COUNT ||
		    e->unit == GV_UNIT_LEVEL)
			continue;
		cell_text(v, sizeof(v), e, &med[i]);
		pf(&h, "<div class=\"tile\"><div>%s</div><div class=\"v\">%s</div>"
		   "<div class=\"s\">median of the repositories</div></div>\n",
		   e->label, v);
	}
	put(&h, "</section>\n<h2>Levels</h2>\n<section class=\"charts\">\n");
	level_chart(&h, c, rows, n);
	put(&h, "</section>\n<h2>Repositories</h2>\n<p class=\"meta\">Click a "
		"column to sort.</p>\n<div class=\"scroll\"><table class=\"sortable\">"
		"<thead><tr><th>Repository</th>");
	for (i = 0; i < c->count; i++)
		if ((c->items[i].flags & GV_METRIC_FLEET) &&
		    c->items[i].unit != GV_UNIT_LEVEL)
			pf(&h, "<th class=\"n\">%s</th>", c->items[i].label);
	put(&h, "</tr></thead><tbody>\n");
	for (r = 0; r < n; r++) {
		if (rows[r].error)
			continue;
		put(&h, "<tr><td title=\"");
		esc(&h, rows[r].path);
		put(&h, "\">");
		esc_n(&h, rows[r].name, 60);
		put(&h, "</td>");
		for (i = 0; i < c->count; i++) {
			const gv_metric *e = &c->items[i];
			const gv_summary_cell *x = &rows[r].cells[i];
			if (!(e->flags & GV_METRIC_FLEET) || e->unit == GV_UNIT_LEVEL)
				continue;
			cell_text(v, sizeof(v), e, x);
			if (x->has)
				pf(&h, "<td class=\"n\" data-v=\"%.17g\">%s", x->value, v);
			else
				pf(&h, "<td class=\"n\" data-v=\"\">%s", v);
			if ((at = gv_catalogue_level_of(c, e)) != SIZE_MAX &&
			    rows[r].cells[at].has)
				pf(&h, "<span class=\"lv lv-%s\">%s</span>",
				   level_class(rows[r].cells[at].level),
				   gv_level_name(rows[r].cells[at].level));
			put(&h, "</td>");
		}
		put(&h, "</tr>\n");
	}
	put(&h, "</tbody></table></div>\n<h2>Failed repositories</h2>\n");
	if (!failed)
		put(&h, "<p class=\"meta\">None.</p>\n");
	else
		put(&h, "<div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
			"<th>Repository</th><th>Path</th><th>Error</th></tr></thead>"
			"<tbody>\n");
	for (r = 0; r < n; r++) {
		if (!rows[r].error)
			continue;
		put(&h, "<tr><td>");
		esc_n(&h, rows[r].name, 60);
		put(&h, "</td><td>");
		esc(&h, rows[r].path);
		put(&h, "</td><td>");
		esc(&h, rows[r].message ? rows[r].message : "failed");
		put(&h, "</td></tr>\n");
	}
	if (failed)
		put(&h, "</tbody></table></div>\n");
	page_end(&h);
	free(c);
	free(med);
	return finish(&h, err);
}
