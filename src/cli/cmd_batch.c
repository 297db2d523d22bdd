/*
 * cmd_batch.c - `git-vitals batch [OPTIONS] MANIFEST`: one analysis per
 * manifest line on -j threads, NDJSON on stdout in manifest order (see
 * docs/BATCH.md).
 *
 * Settings of one repository, weakest first: the command line, the
 * repository's vitals.* config, its manifest line. The rule set is compiled
 * once and shared read-only by every thread.
 *
 * Threads: a worker owns items[i] and rows[i] while it runs job i; the main
 * thread reads them only after the pool hands job i's output over (under the
 * pool's mutex), so they need no lock of their own. The commit counter for
 * the progress line is the one value both sides touch, hence atomic.
 */
#include "cli/batch_cli.h"
#include "gv/cache.h"
#include "gv/batch.h"
#include "gv/report.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 4096u

static const char usage_text[] =
	"usage: git-vitals batch [OPTIONS] MANIFEST\n"
	"\n"
	"Runs one analysis per repository listed in MANIFEST (- for stdin) and\n"
	"writes one JSON report per line (NDJSON), in manifest order. A manifest\n"
	"line is a path and optional settings: name= rev= (repeatable) all=1\n"
	"release-pattern= since= until=. See docs/BATCH.md.\n"
	"\n"
	"Batch:\n"
	"  -j, --jobs N             repositories analysed at once (default: cores)\n"
	"  --shard K/N              only the lines whose path falls in shard K of N\n"
	"  --summary FILE           write fleet-wide headline metrics to FILE (JSON)\n"
	"  -q, --quiet              no progress line and no warnings on stderr\n"
	"  --cache DIR              the incremental cache directory\n"
	"  --no-cache               do not use the incremental cache\n"
	"Analysis (every repository; its vitals.* config and the manifest win):\n"
	"  --rev REV                analyse REV (repeatable; default HEAD)\n"
	"  --all                    HEAD and every ref under refs/\n"
	"  --release-pattern REGEX  tags whose name matches are releases\n"
	"  --include-prereleases    admit rc/alpha/beta/pre tags as releases\n"
	"  --since DATE|SPAN        window start\n"
	"  --until DATE|SPAN        window end (exclusive)\n"
	"  --lead-time-from author|commit\n"
	"  --hotfix-window SPAN, --changes commits|merges,\n"
	"  --period week|month|quarter, --exclude-bots, --no-copies\n"
	"                           as for a single run\n"
	"  --rules PATH             rule files instead of the default set\n"
	"  --rules-add PATH         add rule files (repeatable)\n"
	"  --advisories PATH        OSV records (repeatable)\n"
	"  --commits                list every commit in each report\n"
	"  -h, --help               this text\n"
	"\n"
	"Exit status: 0 every repository ran, 3 some failed or a manifest line\n"
	"was malformed, 1 usage error, 2 the manifest or an output failed.\n";

typedef struct item {
	gv_buf diag;  /* stderr lines, printed when the item is emitted */
	int failed;
} item;

typedef struct batch {
	const gv_batch_settings *bs;
	const gv_manifest *m;
	gv_ruleset *rules;     /* compiled on first use, by any thread */
	const char *cache_dir; /* NULL: --no-cache */
	int threads;           /* reading threads per repository */
	item *items;
	gv_summary_row *rows;  /* NULL without --summary; main thread only */
	size_t failed;         /* main thread only */
	atomic_uint_fast64_t commits;
	int show_progress, drawn;
	size_t shown;          /* repositories done at the last draw */
	double start, last_draw;
} batch;

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "git-vitals batch: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'git-vitals batch --help' for more information.\n");
	return GV_EXIT_USAGE;
}

static int parse_jobs(unsigned *out, const char *s)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > MAX_JOBS)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Returns 0 to run, -1 after --help, or an exit code. */
static int parse_args(gv_batch_settings *bs, int argc, char **argv)
{
	static const char *const valued[] = {
		"--jobs", "-j", "--shard", "--summary", "--cache",
	};
	gv_settings *o = &bs->base;
	gv_error err = {0};
	int i, only_args = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *fmt, *farg;
		size_t k;
		int r = 0;

		if (only_args || a[0] != '-' || !a[1]) {
			if (bs->manifest)
				return usage_error("unexpected argument '%s'", a);
			bs->manifest = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return -1;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			bs->quiet = 1;
			continue;
		}
		if (!strcmp(a, "--no-cache")) {
			bs->no_cache = 1;
			continue;
		}
		r = gv_cli_next_option(o, argc, argv, &i, valued,
				       sizeof(valued) / sizeof(valued[0]), &k,
				       &val, &fmt, &farg);
		if (r < 0)
			return usage_error(fmt, farg);
		if (r == 1)
			continue;
		switch (k) {
		case 0:
		case 1:
			if (parse_jobs(&bs->jobs, val))
				return usage_error("-j '%s': expected a number of "
						   "threads from 1 to 4096", val);
			break;
		case 2:
			if (gv_shard_parse(&bs->shard_k, &bs->shard_n, val, &err))
				return usage_error("%s", err.msg);
			break;
		case 3: bs->summary = val; break;
		default: bs->cache_dir = val; break;
		}
	}
	if (!bs->manifest)
		return usage_error("%s", "a MANIFEST is required (- for stdin)");
	return 0;
}

/* The settings of entry e: a copy of the command line's, then the
 * repository's config over them, then the manifest over both. s is
 * initialised even on error (free it with gv_settings_free). */
static int entry_settings(gv_settings *s, const gv_settings *cl,
			  const gv_manifest_entry *e, gv_error *err)
{
	size_t k;
	int error;

	/* Every option as given, including any added to gv_settings later;
	 * then arrays of its own, since gv_settings_free frees them and
	 * apply_config may replace revs. Rules are compiled once, elsewhere;
	 * gates are not a batch option. */
	*s = *cl;
	memset(&s->revs, 0, sizeof(s->revs));
	memset(&s->rules, 0, sizeof(s->rules));
	memset(&s->rules_add, 0, sizeof(s->rules_add));
	memset(&s->advisories, 0, sizeof(s->advisories));
	memset(&s->fail_if, 0, sizeof(s->fail_if));
	memset(&s->disable_rules, 0, sizeof(s->disable_rules));
	s->config = NULL;
	s->path = e->path;
	for (k = 0; k < cl->revs.n; k++)
		if (gv_strv_push(&s->revs, cl->revs.v[k]))
			goto nomem;
	for (k = 0; k < cl->advisories.n; k++)
		if (gv_strv_push(&s->advisories, cl->advisories.v[k]))
			goto nomem;
	if ((error = gv_settings_apply_config(s, 1, err)))
		return error;
	if (e->nrevs) {
		s->revs.n = 0;
		for (k = 0; k < e->nrevs; k++)
			if (gv_strv_push(&s->revs, e->revs[k]))
				goto nomem;
		/* rev= chose what to walk; only all= on the line beats it */
		s->all = 0;
	}
	if (e->all >= 0)
		s->all = e->all;
	if (e->release_pattern)
		s->release_pattern = e->release_pattern;
	if (e->since)
		s->since = e->since;
	if (e->until)
		s->until = e->until;
	return 0;
nomem:
	return gv_error_set(err, GV_ENOMEM, "out of memory");
}

/* The shared rule set less the rules the repository's vitals.disableRules
 * names. Caller frees *out with gv_rules_free(). */
static int own_ruleset(gv_ruleset **out, const gv_batch_settings *bs,
		       const gv_settings *s, gv_error *err)
{
	int error;

	if ((error = gv_cli_load_rules(out, bs->base.rules.v, bs->base.rules.n,
				       bs->base.rules_add.v,
				       bs->base.rules_add.n, NULL, 0, err)) ||
	    (error = gv_settings_disable_rules(s, *out, err)) ||
	    (error = gv_rules_compile(*out, err)))
		return error;
	return 0;
}

/* A worker: analyses entry i. Only what breaks the batch itself (out of
 * memory while writing its output) is returned; a repository's failure is
 * its error line. */
static int run_one(void *payload, size_t i, gv_buf *out, gv_error *fatal)
{
	batch *b = payload;
	const gv_manifest_entry *e = &b->m->entries[i];
	item *it = &b->items[i];
	gv_settings s;
	gv_analysis_opts ao;
	gv_analysis *a = NULL;
	gv_ruleset *own_rules = NULL;
	gv_report_opts ro;
	gv_error err = {0};
	size_t k;
	int error;

	memset(&ro, 0, sizeof(ro));
	ro.path = e->path;
	ro.name = e->name;
	ro.with_commits = b->bs->base.commits;
	if (!(error = entry_settings(&s, &b->bs->base, e, &err)) &&
	    !(error = gv_settings_to_analysis(&s, &ao, &err)) &&
	    /* a repository whose config disables rules gets a set of its
	     * own; the others share the one compiled once */
	    !(error = s.disable_rules.n ? own_ruleset(&own_rules, b->bs, &s, &err) : 0)) {
		ao.rules = own_rules ? own_rules : b->rules;
		ao.cache_dir = b->cache_dir;
		ao.threads = b->threads;
		error = gv_analysis_run(&a, &ao, &err);
	}
	if (error) {
		const char *msg = err.msg[0] ? err.msg : "failed";
		size_t plen = strlen(e->path);
		int named = !strncmp(msg, e->path, plen) && msg[plen] == ':';

		it->failed = 1;
		if ((error = named ? gv_buf_printf(&it->diag, "git-vitals: %s\n", msg)
				   : gv_buf_printf(&it->diag, "git-vitals: %s: %s\n",
						   e->path, msg)) ||
		    (error = gv_report_json_error(out, &ro, err.code ? err.code
							       : GV_EINTERNAL,
						  msg, fatal)))
			goto done;
	} else {
		if ((error = gv_report_json(out, a, &ro, fatal)))
			goto done;
		for (k = 0; !b->bs->quiet && k < a->warnings.count; k++)
			if ((error = gv_buf_printf(&it->diag, "git-vitals: %s: warning: %s\n",
						   e->path, a->warnings.items[k].message)))
				goto done;
		atomic_fetch_add(&b->commits, (uint_fast64_t)gv_history_count(a->history));
	}
done:
	if (error == GV_ENOMEM && !fatal->msg[0])
		gv_error_set(fatal, GV_ENOMEM, "out of memory");
	gv_analysis_free(a);
	gv_rules_free(own_rules);
	gv_settings_free(&s);
	return error;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void format_duration(char *buf, size_t size, double s)
{
	unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;

	if (t >= 3600)
		snprintf(buf, size, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%lu:%02lu", t / 60, t % 60);
}

/* The progress line: redrawn in place at most ten times a second. */
static void progress(void *payload, size_t done, size_t total)
{
	batch *b = payload;
	double t = now_s(), elapsed = t - b->start;
	double commits = (double)atomic_load(&b->commits);
	char eta[32];

	if (!b->show_progress || (done < total && t - b->last_draw < 0.1) ||
	    (b->drawn && done == total && b->shown == total))
		return;
	b->shown = done;
	b->last_draw = t;
	b->drawn = 1;
	if (done == total)
		format_duration(eta, sizeof(eta), 0);
	else if (done)
		format_duration(eta, sizeof(eta),
				elapsed * (double)(total - done) / (double)done);
	else
		snprintf(eta, sizeof(eta), "?");
	fprintf(stderr, "\r\033[Kgit-vitals: %zu/%zu repositories, %.0f commits/s, "
		"ETA %s", done, total, elapsed > 0 ? commits / elapsed : 0.0, eta);
	fflush(stderr);
}

/* The main thread: the stderr lines of entry i, then its line on stdout. */
static int emit_one(void *payload, size_t i, const gv_buf *out, gv_error *err)
{
	batch *b = payload;
	item *it = &b->items[i];

	if (it->diag.len) {
		if (b->drawn)
			fputs("\r\033[K", stderr);
		fwrite(it->diag.ptr, 1, it->diag.len, stderr);
		b->last_draw = 0; /* redraw the progress line at once */
	}
	gv_buf_free(&it->diag);
	b->failed += (size_t)it->failed;
	/* the summary reads the line back, as `git-vitals summary` does */
	if (b->rows && gv_summary_row_parse(&b->rows[i], out->ptr, out->len, err))
		return err->code;
	if (fwrite(out->ptr, 1, out->len, stdout) != out->len || fflush(stdout))
		return gv_error_set(err, GV_EIO, "writing the output: %s",
				    strerror(errno));
	return 0;
}

int gv_cli_read_input(gv_buf *out, const char *path, gv_error *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char chunk[65536];
	size_t n;
	int error = 0;

	if (!f)
		return gv_error_set(err, GV_EIO, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (gv_buf_put(out, chunk, n)) {
			error = gv_error_set(err, GV_ENOMEM, "out of memory");
			break;
		}
	if (!error && ferror(f))
		error = gv_error_set(err, GV_EIO, "%s: %s", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	return error;
}

static unsigned online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : n > (long)MAX_JOBS ? MAX_JOBS : (unsigned)n;
}

static int run_batch(gv_batch_settings *bs)
{
	const char *mname = strcmp(bs->manifest, "-") ? bs->manifest : "<stdin>";
	gv_manifest m;
	gv_ruleset *rules = NULL;
	gv_analysis_opts check;
	gv_batch_opts po;
	gv_buf text = {0}, summary = {0};
	gv_error err = {0};
	batch b;
	char *default_cache = NULL;
	size_t i;
	int error, code = GV_EXIT_OK;

	memset(&m, 0, sizeof(m));
	memset(&b, 0, sizeof(b));
	/* a bad --since is a usage error, not one failure per repository */
	if ((error = gv_settings_to_analysis(&bs->base, &check, &err)))
		goto fail;
	if ((error = gv_cli_read_input(&text, bs->manifest, &err)) ||
	    (error = gv_manifest_parse(&m, text.ptr ? text.ptr : "", text.len, &err)))
		goto fail;
	if (bs->shard_n)
		gv_manifest_shard(&m, bs->shard_k, bs->shard_n);
	for (i = 0; i < m.nproblems; i++)
		gv_cli_eprintf("%s:%zu: %s (line skipped)", mname,
			       m.problems[i].line, m.problems[i].message);
	if ((error = gv_cli_load_rules(&rules, bs->base.rules.v, bs->base.rules.n,
				       bs->base.rules_add.v, bs->base.rules_add.n,
				       NULL, 0, &err)))
		goto fail;
	b.bs = bs;
	b.m = &m;
	b.rules = rules;
	atomic_init(&b.commits, 0);
	b.show_progress = !bs->quiet && isatty(STDERR_FILENO);
	b.start = now_s();
	if ((m.count && !(b.items = calloc(m.count, sizeof(*b.items)))) ||
	    (bs->summary && m.count &&
	     !(b.rows = calloc(m.count, sizeof(*b.rows))))) {
		error = gv_error_set(&err, GV_ENOMEM, "out of memory");
		goto fail;
	}
	memset(&po, 0, sizeof(po));
	po.njobs = m.count;
	po.threads = bs->jobs ? bs->jobs : online_cores();
	/* -j is the total: N repositories at once on one thread each, or fewer
	 * repositories sharing the threads among them */
	b.threads = (int)(po.threads / (m.count && m.count < po.threads ? m.count : po.threads));
	if (b.threads < 1)
		b.threads = 1;
	/* batch keeps a cache by default; a single run only when asked */
	if (!bs->no_cache)
		b.cache_dir = bs->cache_dir ? bs->cache_dir : (default_cache = gv_cache_default_dir());
	po.run = run_one;
	po.emit = emit_one;
	po.progress = progress;
	po.payload = &b;
	error = gv_batch_run(&po, &err);
	if (b.drawn)
		fputc('\n', stderr);
	if (error)
		goto fail;
	if (b.rows)
		gv_summary_sort(b.rows, m.count);
	if (bs->summary &&
	    ((error = gv_summary_json(&summary, b.rows, m.count, &m, &err)) ||
	     (error = gv_write_atomic(bs->summary, summary.ptr, summary.len, &err))))
		goto fail;
	code = b.failed || m.nproblems ? GV_EXIT_PARTIAL : GV_EXIT_OK;
	goto done;
fail:
	code = gv_cli_fail(NULL, &err);
done:
	for (i = 0; b.items && i < m.count; i++)
		gv_buf_free(&b.items[i].diag);
	for (i = 0; b.rows && i < m.count; i++)
		gv_summary_row_clear(&b.rows[i]);
	free(b.items);
	free(b.rows);
	free(default_cache);
	gv_rules_free(rules);
	gv_manifest_free(&m);
	gv_buf_free(&summary);
	gv_buf_free(&text);
	return code;
}

int gv_cmd_batch(int argc, char **argv)
{
	gv_batch_settings bs;
	int r;

	memset(&bs, 0, sizeof(bs));
	gv_settings_init(&bs.base);
	r = parse_args(&bs, argc, argv);
	if (r < 0)
		r = GV_EXIT_OK; /* --help */
	else if (!r)
		r = run_batch(&bs);
	gv_settings_free(&bs.base);
	return r;
}
