/*
 * advisories.c - security labels from OSV records (https://ossf.github.io/
 * osv-schema/): the exact source of truth when a project publishes them.
 *
 * For every range of type GIT of every affected package, each `fixed`
 * commit found in the history is labelled security with confidence
 * `advisory` and gets the record's id and aliases as ids; each `introduced`
 * commit of the same range (other than "0", which means "since the
 * beginning") becomes a ref of kind advisory on it. Commits are matched by
 * id only: the record's `repo` URL is ignored, since a clone or mirror has
 * the same ids. `last_affected` and `limit` events name no fix and are
 * skipped.
 *
 * Only a file that is not JSON at all is an error; a record that is
 * malformed, that names unknown commits or none in this history is counted
 * in a warning and skipped, so one bad record cannot hide the others.
 *
 * Work is bounded by the input, whatever a record holds: events are read
 * into (range, commit) pairs, sorted and made unique, and each fixed commit
 * is merged once per record with the introduced commits of its ranges (at
 * most MAX_INTRO_REFS of them: more are counted in a warning), so 40,000
 * events or 100,000 aliases cost a sort, not a product.
 */
#include "gv/classify.h"

#include <cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rules_classes.h"
#include "rules_files.h"

/* The introduced commits of one fix kept as its refs, at most. */
#define MAX_INTRO_REFS 256

/* An event naming a commit of the history, in the GIT range it belongs to. */
typedef struct event {
	uint64_t range;
	gv_idx commit;
} event;

/* What one record contributes, before it is merged. */
typedef struct record {
	const char **ids;
	size_t nids, aids;
	event *intro;       /* introduced commits found in the history */
	size_t nintro, aintro;
	event *fixed;       /* fixed commits found in the history */
	size_t nfixed, afixed;
	size_t range;       /* the GIT range being read */
	size_t unknown;     /* commits named but not in the history */
	size_t capped;      /* introduced commits over MAX_INTRO_REFS */
} record;

typedef struct adv_ctx {
	gv_classes *c;
	const gv_commit_lookup *find;
	gv_warnings *w;
	const char *file;
} adv_ctx;

static int is_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < GV_OID_HEXSZ; i++)
		if (!s[i] || !strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return s[GV_OID_HEXSZ] == '\0';
}

/* Appends an item, growing by doubling: linear in the items pushed. */
static int push(void **arr, size_t *n, size_t *alloc, size_t size,
		const void *item)
{
	if (gv_grow(arr, alloc, *n + 1, size))
		return GV_ENOMEM;
	memcpy((char *)*arr + *n * size, item, size);
	(*n)++;
	return 0;
}

static int cmp_range_commit(const void *x, const void *y)
{
	const event *a = x, *b = y;

	if (a->range != b->range)
		return a->range < b->range ? -1 : 1;
	return a->commit < b->commit ? -1 : a->commit > b->commit;
}

static int cmp_commit_range(const void *x, const void *y)
{
	const event *a = x, *b = y;

	if (a->commit != b->commit)
		return a->commit < b->commit ? -1 : 1;
	return a->range < b->range ? -1 : a->range > b->range;
}

static int cmp_idx(const void *x, const void *y)
{
	gv_idx a = *(const gv_idx *)x, b = *(const gv_idx *)y;

	return a < b ? -1 : a > b;
}

/* Sorts events with cmp and drops repeats; the new count. */
static size_t sort_unique(event *ev, size_t n,
			  int (*cmp)(const void *, const void *))
{
	size_t i, k = 0;

	if (n < 2)
		return n;
	qsort(ev, n, sizeof(*ev), cmp);
	for (i = 1; i < n; i++)
		if (cmp(&ev[k], &ev[i]))
			ev[++k] = ev[i];
	return k + 1;
}

static void malformed(adv_ctx *a, const char *id, const char *why)
{
	gv_warnings_add(a->w, "advisory-malformed", "an OSV record is "
			"malformed and was skipped, e.g. %s in %s: %s",
			id ? id : "(no id)", a->file, why);
}

/* Reads one GIT range's events into rec. 0, GV_EINPUT (malformed, with
 * *why set) or GV_ENOMEM. */
static int read_range(record *rec, const adv_ctx *a, const cJSON *range,
		      const char **why)
{
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(range,
							       "events");
	const cJSON *ev;
	gv_idx idx;
	event e;

	if (!cJSON_IsArray(events)) {
		*why = "a GIT range without an events array";
		return GV_EINPUT;
	}
	cJSON_ArrayForEach(ev, events) {
		const cJSON *in = cJSON_GetObjectItemCaseSensitive(ev,
							"introduced");
		const cJSON *fx = cJSON_GetObjectItemCaseSensitive(ev, "fixed");
		const cJSON *v = in ? in : fx;

		if (!cJSON_IsObject(ev)) {
			*why = "an event is not an object";
			return GV_EINPUT;
		}
		if (!v)
			continue;   /* last_affected, limit: no fix named */
		if (!cJSON_IsString(v)) {
			*why = "an event value is not a string";
			return GV_EINPUT;
		}
		if (in && !strcmp(v->valuestring, "0"))
			continue;
		if (!is_hex40(v->valuestring)) {
			*why = "a GIT event is not a 40-hex commit id";
			return GV_EINPUT;
		}
		if (a->find->find(a->find->payload, v->valuestring, &idx)) {
			rec->unknown++;
			continue;
		}
		e.range = rec->range;
		e.commit = idx;
		if (in ? push((void **)&rec->intro, &rec->nintro, &rec->aintro,
			      sizeof(e), &e)
		       : push((void **)&rec->fixed, &rec->nfixed, &rec->afixed,
			      sizeof(e), &e))
			return GV_ENOMEM;
	}
	return 0;
}

/* The introduced commits of `range`, a slice of rec->intro (sorted by
 * range, then commit). */
static const event *intro_of(const record *rec, uint64_t range, size_t *n)
{
	size_t lo = 0, hi = rec->nintro, end;

	*n = 0;
	if (!rec->nintro) /* and rec->intro NULL: no offset from it */
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rec->intro[mid].range < range)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < rec->nintro && rec->intro[end].range == range;)
		end++;
	*n = end - lo;
	return rec->intro + lo;
}

/* Merges each fixed commit of the record once, with the introduced commits
 * of its own ranges as refs (another range's introduction says nothing
 * about this fix), at most MAX_INTRO_REFS of them. */
static int merge_record(adv_ctx *a, record *rec)
{
	gv_idx *commits = NULL;
	gv_ref *refs = NULL;
	size_t i, j, k, n, nc, ac = 0;
	int rc = 0;

	rec->nintro = sort_unique(rec->intro, rec->nintro, cmp_range_commit);
	rec->nfixed = sort_unique(rec->fixed, rec->nfixed, cmp_commit_range);
	if (!(refs = malloc(MAX_INTRO_REFS * sizeof(*refs))))
		return GV_ENOMEM;
	for (i = 0; i < rec->nfixed && !rc; i = j) {
		gv_idx f = rec->fixed[i].commit;
		nc = 0;
		for (j = i; j < rec->nfixed && rec->fixed[j].commit == f; j++) {
			const event *in = intro_of(rec, rec->fixed[j].range, &n);
			if (gv_grow((void **)&commits, &ac, nc + n, sizeof(*commits))) {
				rc = GV_ENOMEM;
				goto done;
			}
			for (k = 0; k < n; k++)
				commits[nc++] = in[k].commit;
		}
		if (nc > 1)
			qsort(commits, nc, sizeof(*commits), cmp_idx);
		for (k = n = 0; k < nc; k++) {
			if (k && commits[k] == commits[k - 1])
				continue;
			if (n == MAX_INTRO_REFS) {
				rec->capped++;
				continue;
			}
			memset(&refs[n], 0, sizeof(refs[n]));
			refs[n].commit = commits[k];
			refs[n].kind = GV_REF_ADVISORY;
			refs[n].resolved = 1;
			a->find->hex(a->find->payload, commits[k], refs[n].text);
			n++;
		}
		rc = gv_classes_merge(a->c, f, GV_CAT_SECURITY, GV_CONF_ADVISORY,
				      rec->ids, rec->nids, refs, n);
	}
done:
	free(commits);
	free(refs);
	return rc;
}

/* Reads one record; merges it unless malformed. */
static int read_record(adv_ctx *a, const cJSON *obj)
{
	const cJSON *id, *aliases, *affected, *af, *ranges, *range, *type, *al;
	const char *why = NULL;
	record rec;
	size_t ngit = 0;
	int rc = 0;

	memset(&rec, 0, sizeof(rec));
	id = cJSON_GetObjectItemCaseSensitive(obj, "id");
	if (!cJSON_IsObject(obj)) {
		malformed(a, NULL, "not a JSON object");
		goto done;
	}
	if (!cJSON_IsString(id) || !id->valuestring[0]) {
		malformed(a, NULL, "no string 'id'");
		goto done;
	}
	if ((rc = push((void **)&rec.ids, &rec.nids, &rec.aids, sizeof(char *),
		       &id->valuestring)))
		goto done;
	aliases = cJSON_GetObjectItemCaseSensitive(obj, "aliases");
	if (aliases && !cJSON_IsArray(aliases) && !cJSON_IsNull(aliases)) {
		malformed(a, id->valuestring, "'aliases' is not an array");
		goto done;
	}
	cJSON_ArrayForEach(al, aliases) {
		if (!cJSON_IsString(al)) {
			malformed(a, id->valuestring, "an alias is not a "
				  "string");
			goto done;
		}
		if ((rc = push((void **)&rec.ids, &rec.nids, &rec.aids,
			       sizeof(char *), &al->valuestring)))
			goto done;
	}
	affected = cJSON_GetObjectItemCaseSensitive(obj, "affected");
	if (affected && !cJSON_IsArray(affected)) {
		malformed(a, id->valuestring, "'affected' is not an array");
		goto done;
	}
	cJSON_ArrayForEach(af, affected) {
		ranges = cJSON_GetObjectItemCaseSensitive(af, "ranges");
		if (ranges && !cJSON_IsArray(ranges)) {
			malformed(a, id->valuestring, "'ranges' is not an "
				  "array");
			goto done;
		}
		cJSON_ArrayForEach(range, ranges) {
			type = cJSON_GetObjectItemCaseSensitive(range, "type");
			if (!cJSON_IsString(type)) {
				malformed(a, id->valuestring, "a range "
					  "without a string 'type'");
				goto done;
			}
			if (strcmp(type->valuestring, "GIT"))
				continue;
			rec.range = ngit++;
			rc = read_range(&rec, a, range, &why);
			if (rc == GV_EINPUT) {
				malformed(a, id->valuestring, why);
				rc = 0;
				goto done;
			}
			if (rc)
				goto done;
		}
	}
	if (!ngit) {
		gv_warnings_add(a->w, "advisory-no-git-range", "an OSV record "
				"has no GIT range, so it names no commit, "
				"e.g. %s in %s", id->valuestring, a->file);
		goto done;
	}
	if (!rec.nfixed && !rec.nintro && rec.unknown) {
		gv_warnings_add(a->w, "advisory-not-in-history", "none of the "
				"commits an OSV record names is in this "
				"history (another repository, or not "
				"loaded), e.g. %s in %s", id->valuestring,
				a->file);
		goto done;
	}
	if (rec.unknown)
		gv_warnings_add_n(a->w, "advisory-unknown-commit", rec.unknown,
				  "a commit an OSV record names is not in "
				  "this history (the others were used)");
	if (!(rc = merge_record(a, &rec)) && rec.capped)
		gv_warnings_add_n(a->w, "advisory-refs-capped", rec.capped,
				  "an OSV fix names more introduced commits "
				  "than the 256 kept as its refs");
done:
	free(rec.ids);
	free(rec.intro);
	free(rec.fixed);
	return rc;
}

/* cJSON says NULL for a document that does not parse and for one it had
 * no memory for: its allocations are watched so the two are told apart. */
static _Thread_local int json_nomem;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void *json_malloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		json_nomem = 1;
	return p;
}

static void install_hooks(void)
{
	cJSON_Hooks hooks = { json_malloc, free };

	cJSON_InitHooks(&hooks);
}

int gv_classes_add_osv(gv_classes *c, const gv_commit_lookup *find,
		       const char *path, const char *data, size_t len,
		       gv_warnings *warnings, gv_error *err)
{
	adv_ctx ctx = { c, find, warnings, path }, *a = &ctx;
	gv_buf b = { 0 };
	const char *end = NULL;
	cJSON *root = NULL, *it;
	int rc = 0;

	/* cJSON wants the NUL after the text to accept trailing whitespace
	 * only, and stops at an inner NUL: a copy with one */
	if (gv_buf_put(&b, data, len) || gv_buf_put(&b, "", 0)) {
		rc = gv_error_set(err, GV_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	pthread_once(&hooks_once, install_hooks);
	json_nomem = 0;
	root = cJSON_ParseWithLengthOpts(b.ptr, len + 1, &end, 1);
	if (!root && json_nomem) {
		rc = gv_error_set(err, GV_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	if (!root) {
		rc = gv_error_set(err, GV_EINPUT, "%s: not a JSON document "
				  "(error at byte %zu)", path,
				  end ? (size_t)(end - b.ptr) : 0);
		goto done;
	}
	if (cJSON_IsArray(root)) {
		cJSON_ArrayForEach(it, root)
			if ((rc = read_record(a, it)))
				break;
	} else {
		rc = read_record(a, root);
	}
	if (rc)
		rc = gv_error_set(err, rc, "%s: out of memory", path);
done:
	cJSON_Delete(root);
	gv_buf_free(&b);
	return rc;
}

static int history_find(void *payload, const char *hex, gv_idx *out)
{
	return gv_history_find_hex(payload, hex, GV_OID_HEXSZ, out);
}

static void history_hex(void *payload, gv_idx i, char *hex)
{
	gv_history_hex(payload, i, hex);
}

typedef struct file_ctx {
	gv_classes *c;
	gv_commit_lookup find;
	gv_warnings *w;
} file_ctx;

static int read_osv_file(void *payload, const char *path, gv_error *err)
{
	file_ctx *f = payload;
	gv_buf b = { 0 };
	int rc;

	if (!(rc = gv_rules_read_file(&b, path, err)))
		rc = gv_classes_add_osv(f->c, &f->find, path, b.ptr ? b.ptr : "",
					b.len, f->w, err);
	gv_buf_free(&b);
	return rc;
}

int gv_classes_add_advisories(gv_classes *c, const gv_history *h,
			      const char *path, gv_warnings *warnings,
			      gv_error *err)
{
	file_ctx f;

	f.c = c;
	f.find.find = history_find;
	f.find.hex = history_hex;
	f.find.payload = (void *)(uintptr_t)h;
	f.w = warnings;
	return gv_rules_each_file(path, ".json", 0, read_osv_file, &f, err);
}
