/*
 * analysis.c - the pipeline of one repository: history (with the classifier
 * as its message callback) -> refs resolved -> advisories -> releases ->
 * metrics -> gates. Owns nothing beyond the gv_analysis it returns.
 *
 * With a cache directory, the history walk takes the cached commits as its
 * seed (their objects are not read, their classifications are restored) and
 * the cache is rewritten right after the load, before refs are resolved and
 * advisories applied: it holds what the messages said, nothing derived, so a
 * warm report is the cold one by construction.
 */
#include "gv/analysis.h"
#include "gv/regex.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t fold(uint64_t h, const void *p, size_t n)
{
	return (h ^ gv_fnv1a64(p, n)) * 0x100000001b3ULL;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Folds the bytes of an advisory file, or of every *.json of a directory in
 * name order (as they are read), into h. Unreadable paths fold as absent:
 * reading them later reports the error. */
static uint64_t hash_advisory_path(uint64_t h, const char *path)
{
	struct stat st;
	FILE *f;
	char buf[16384];
	size_t n;
	int fd;

	h = fold(h, path, strlen(path));
	if (stat(path, &st))
		return fold(h, "-", 1);
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		char **names = NULL;
		size_t count = 0, alloc = 0, i;
		if (!d)
			return h;
		while ((e = readdir(d))) {
			size_t len = strlen(e->d_name);
			if (len < 5 || strcmp(e->d_name + len - 5, ".json") ||
			    gv_grow((void **)&names, &alloc, count + 1, sizeof(*names)) ||
			    !(names[count] = malloc(strlen(path) + len + 2)))
				continue;
			sprintf(names[count++], "%s/%s", path, e->d_name);
		}
		closedir(d);
		if (count)
			qsort(names, count, sizeof(*names), cmp_name);
		for (i = 0; i < count; i++) {
			h = hash_advisory_path(h, names[i]);
			free(names[i]);
		}
		free(names);
		return h;
	}
	/* a regular file only, as the advisory reader: a FIFO would hang */
	if ((fd = gv_open_regular(path, 0)) < 0)
		return fold(h, "-", 1);
	if (!(f = fdopen(fd, "rb"))) {
		close(fd);
		return h;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		h = fold(h, buf, n);
	fclose(f);
	return h;
}

static int open_cache(gv_cache **out, const gv_analysis_opts *opts,
		      gv_warnings *w, gv_error *err)
{
	gv_cache_key key;
	size_t i;
	int error;

	memset(&key, 0, sizeof(key));
	key.build = opts->build_id;
	key.rules = opts->rules ? gv_rules_hash(opts->rules) : 0;
	key.advisories = 0xcbf29ce484222325ULL;
	for (i = 0; i < opts->nadvisories; i++)
		key.advisories = hash_advisory_path(key.advisories, opts->advisories[i]);
	if ((error = gv_repo_mailmap_hash(&key.mailmap, opts->path, err)))
		return error;
	return gv_cache_open(out, opts->cache_dir, opts->path, &key, w, err);
}

/* The message callback: compiles the rule set on the first message that
 * needs it (once, whichever thread comes first), then classifies. */
typedef struct lazy {
	gv_ruleset *rules;
	gv_classes *classes;
	gv_error err;   /* the compile error, written once under `failed` */
	int failed;
} lazy;

static int lazy_classify(const gv_message *msg, void *payload)
{
	lazy *l = payload;
	gv_error e = {0};
	int rc;

	if (l->rules && (rc = gv_rules_compile_once(l->rules, &e))) {
		if (!__atomic_exchange_n(&l->failed, 1, __ATOMIC_ACQ_REL))
			l->err = e;
		return rc;
	}
	return gv_classify_cb(msg, l->classes);
}

/* The security links metrics left out (see security() in metrics.c), as
 * warnings counted per pair or vulnerability, with an example a user can
 * check with git log. */
static int vuln_warnings(gv_analysis *a)
{
	const gv_metrics *m = a->metrics;
	char fix[GV_OID_HEXSZ + 1], cul[GV_OID_HEXSZ + 1], msg[256];

	if (m->security.dropped_culprits) {
		gv_history_hex(a->history, m->security.dropped_fix, fix);
		gv_history_hex(a->history, m->security.dropped_culprit, cul);
		snprintf(msg, sizeof(msg), "a security fix names a culprit "
			 "that is not an older ancestor of it; the pair is "
			 "not used, e.g. %.12s in %.12s", cul, fix);
		if (gv_warnings_add_n(&a->warnings, "vuln-culprit-dropped",
				      m->security.dropped_culprits, msg))
			return GV_ENOMEM;
	}
	if (m->security.late_introduced) {
		gv_history_hex(a->history, m->security.late_fix, fix);
		snprintf(msg, sizeof(msg), "a vulnerability's culprits were "
			 "first released after one of its fixes, so when it "
			 "was introduced is unknown, e.g. the one fixed by "
			 "%.12s", fix);
		if (gv_warnings_add_n(&a->warnings, "vuln-introduced-after-fix",
				      m->security.late_introduced, msg))
			return GV_ENOMEM;
	}
	return 0;
}

/* The release pattern, noting the shapes of the tags it leaves out, so a
 * report with no release can say which pattern would have found some. */
typedef struct tag_filter_ctx {
	gv_regex *pattern;
	gv_analysis *a;
} tag_filter_ctx;

static void shape_add(gv_analysis *a, const char *name, size_t len)
{
	char shape[sizeof(a->tag_shapes[0].shape)];
	size_t i, n = 0, at = SIZE_MAX;

	for (i = 0; i < len && n + 1 < sizeof(shape); i++) {
		if (name[i] >= '0' && name[i] <= '9') {
			if (at == SIZE_MAX)
				at = n;
			shape[n++] = 'N';
			while (i + 1 < len && name[i + 1] >= '0' && name[i + 1] <= '9')
				i++;
		} else {
			shape[n++] = name[i];
		}
	}
	shape[n] = '\0';
	for (i = 0; i < a->ntag_shapes; i++)
		if (!strcmp(a->tag_shapes[i].shape, shape)) {
			a->tag_shapes[i].count++;
			return;
		}
	if (a->ntag_shapes == GV_TAG_SHAPES)
		return; /* a rarer shape than the ones kept, most likely */
	memcpy(a->tag_shapes[i].shape, shape, n + 1);
	a->tag_shapes[i].digits_at = at == SIZE_MAX ? n : at;
	a->tag_shapes[i].count = 1;
	a->ntag_shapes++;
}

static int tag_filter(const char *name, size_t len, void *payload)
{
	tag_filter_ctx *tf = payload;
	int keep = gv_releases_tag_filter(name, len, tf->pattern);

	if (keep == 0)
		shape_add(tf->a, name, len);
	return keep;
}

static int cmp_shape(const void *x, const void *y)
{
	const gv_tag_shape *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->shape, b->shape);
}

/* Sorts the shapes, and writes each its pattern: its text up to the first
 * number, regex-escaped, anchored, then a digit ("^release-[0-9]"); a
 * shape without numbers is matched whole. */
static void shapes_finish(gv_analysis *a)
{
	size_t i, k;

	qsort(a->tag_shapes, a->ntag_shapes, sizeof(a->tag_shapes[0]), cmp_shape);
	for (i = 0; i < a->ntag_shapes; i++) {
		gv_tag_shape *t = &a->tag_shapes[i];
		char *p = t->pattern, *end = t->pattern + sizeof(t->pattern) - 8;
		*p++ = '^';
		for (k = 0; k < t->digits_at && p < end; k++) {
			if (strchr("\\^$.|?*+()[]{}", t->shape[k]))
				*p++ = '\\';
			*p++ = t->shape[k];
		}
		strcpy(p, t->shape[t->digits_at] ? "[0-9]" : "$");
	}
}

/* The subjects of the commits the evidence lists name: messages are not
 * kept by the walk, so the few shown are read again. */
static int read_subjects(gv_analysis *a, const char *path, gv_error *err)
{
	gv_buf msg = {0}, name = {0}, email = {0};
	gv_idx *want = NULL;
	char hex[GV_OID_HEXSZ + 1], got[GV_OID_HEXSZ + 1];
	size_t n = 0, i;
	int error;

	if ((error = gv_metrics_subjects_wanted(&want, &n, a->metrics,
						GV_EVIDENCE_ROWS))) {
		error = gv_error_set(err, error, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		gv_history_hex(a->history, want[i], hex);
		msg.len = name.len = email.len = 0;
		if ((error = gv_repo_read_commit(&msg, &name, &email, got, path,
						 hex, err)))
			goto done;
		if ((error = gv_metrics_subject_set(a->metrics, want[i],
						    msg.ptr ? msg.ptr : "", msg.len))) {
			error = gv_error_set(err, error, "out of memory");
			goto done;
		}
	}
done:
	free(want);
	gv_buf_free(&msg);
	gv_buf_free(&name);
	gv_buf_free(&email);
	return error;
}

int gv_analysis_run(gv_analysis **out, const gv_analysis_opts *opts,
		    gv_error *err)
{
	lazy lz;
	tag_filter_ctx tf;
	gv_cache *cache = NULL;
	gv_history_seed seed;
	gv_analysis *a;
	gv_regex *pattern = NULL;
	gv_history_opts ho;
	const char *pat = opts->release_pattern;
	size_t i;
	int error;

	*out = NULL;
	if (!(a = calloc(1, sizeof(*a))))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	a->metrics_opts = opts->metrics;
	/* gates first: a typo must not cost a whole analysis */
	if (opts->ngates &&
	    !(a->gates = calloc(opts->ngates, sizeof(*a->gates)))) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < opts->ngates; i++, a->ngates++)
		if ((error = gv_gate_parse(&a->gates[i], opts->gates[i], err)))
			goto done;
	if (!pat)
		pat = opts->include_prereleases ? GV_RELEASE_PATTERN_PRERELEASES
						: GV_RELEASE_PATTERN_DEFAULT;
	if ((error = gv_regex_compile(&pattern, pat, err))) {
		gv_error_prefix(err, "release pattern");
		goto done;
	}
	if ((error = gv_classes_new(&a->classes, opts->rules, err)))
		goto done;
	memset(&ho, 0, sizeof(ho));
	ho.path = opts->path;
	ho.revs = opts->revs;
	ho.nrevs = opts->nrevs;
	ho.all = opts->all;
	tf.pattern = pattern;
	tf.a = a;
	ho.tag_filter = tag_filter;
	ho.tag_payload = &tf;
	memset(&lz, 0, sizeof(lz));
	lz.rules = opts->rules;
	lz.classes = a->classes;
	ho.on_message = lazy_classify;
	ho.msg_payload = &lz;
	ho.threads = opts->threads;
	if (opts->cache_dir) {
		if ((error = open_cache(&cache, opts, &a->warnings, err)))
			goto done;
		gv_cache_seed(cache, &seed, gv_classes_restore, a->classes);
		ho.seed = &seed;
		/* a cached commit costs a lookup, not an inflate: with little
		 * left to read, a second thread only fights over the locks (a
		 * fifth of a warm run went to futex waits) */
		if (gv_cache_count(cache))
			ho.threads = 1;
	}
	if ((error = gv_history_load(&a->history, &ho, &a->warnings, err))) {
		if (lz.failed && err)
			*err = lz.err; /* say which rule, not which commit */
		goto done;
	}
	a->objects_read = gv_history_objects_read(a->history);
	if (cache && gv_cache_needs_save(cache, a->history) &&
	    (error = gv_cache_save(cache, a->history, gv_classes_blob, a->classes,
				   err)))
		goto done;
	if ((error = gv_classes_resolve(a->classes, a->history, &a->warnings, err)))
		goto done;
	for (i = 0; i < opts->nadvisories; i++)
		if ((error = gv_classes_add_advisories(a->classes, a->history,
						       opts->advisories[i],
						       &a->warnings, err)))
			goto done;
	if ((error = gv_releases_compute(&a->releases, a->history, err)) ||
	    (error = gv_metrics_compute(&a->metrics, a->history, a->classes,
					a->releases, &a->metrics_opts, err)))
		goto done;
	if (vuln_warnings(a)) {
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	if (opts->subjects && (error = read_subjects(a, opts->path, err)))
		goto done;
	shapes_finish(a);
	if (a->metrics->series_cut) {
		char from[32];
		gv_time_iso(from, sizeof(from), a->metrics->series_cut);
		if ((error = gv_warnings_add(&a->warnings, "period-cut",
					     "the --period series would be too long; "
					     "it starts at %s", from))) {
			gv_error_set(err, error, "out of memory");
			goto done;
		}
	}
	for (i = 0; i < a->ngates; i++)
		gv_gate_eval(&a->gates[i], a->metrics);
	*out = a;
	a = NULL;
done:
	gv_cache_free(cache);
	gv_regex_free(pattern);
	gv_analysis_free(a);
	return error;
}

void gv_analysis_free(gv_analysis *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->ngates; i++)
		gv_gate_free(&a->gates[i]);
	free(a->gates);
	gv_metrics_free(a->metrics);
	gv_releases_free(a->releases);
	gv_classes_free(a->classes);
	gv_history_free(a->history);
	gv_warnings_free(&a->warnings);
	free(a);
}
