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

int gv_analysis_run(gv_analysis **out, const gv_analysis_opts *opts,
		    gv_error *err)
{
	lazy lz;
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
	ho.tag_filter = gv_releases_tag_filter;
	ho.tag_payload = pattern;
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
