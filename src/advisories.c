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
 */
#include "gv/classify.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "rules_classes.h"
#include "rules_files.h"

/* What one record contributes, before it is merged. */
typedef struct record {
	const char **ids;
	size_t nids;
	gv_ref *intro;      /* introduced commits found in the history */
	size_t *intro_range;
	size_t nintro, nintro_range;
	gv_idx *fixed;      /* fixed commits found in the history */
	size_t *fixed_range;
	size_t nfixed, nfixed_range;
	size_t range;       /* the GIT range being read */
	size_t unknown;     /* commits named but not in the history */
} record;

typedef struct adv_ctx {
	gv_classes *c;
	const gv_history *h;
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

static int push(void **arr, size_t *n, size_t size, const void *item)
{
	void *p = gv_reallocarray(*arr, *n + 1, size);

	if (!p)
		return GV_ENOMEM;
	*arr = p;
	memcpy((char *)p + *n * size, item, size);
	(*n)++;
	return 0;
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
		if (gv_history_find_hex(a->h, v->valuestring, GV_OID_HEXSZ,
					&idx)) {
			rec->unknown++;
			continue;
		}
		if (in) {
			gv_ref r;

			memset(&r, 0, sizeof(r));
			r.commit = idx;
			r.kind = GV_REF_ADVISORY;
			r.resolved = 1;
			gv_history_hex(a->h, idx, r.text);
			if (push((void **)&rec->intro, &rec->nintro,
				 sizeof(r), &r) ||
			    push((void **)&rec->intro_range,
				 &rec->nintro_range, sizeof(size_t),
				 &rec->range))
				return GV_ENOMEM;
		} else if (push((void **)&rec->fixed, &rec->nfixed,
				sizeof(idx), &idx) ||
			   push((void **)&rec->fixed_range, &rec->nfixed_range,
				sizeof(size_t), &rec->range)) {
			return GV_ENOMEM;
		}
	}
	return 0;
}

/* Merges every fixed commit of the record, with the introduced commits of
 * its own range as refs (another range's introduction says nothing about
 * this fix). */
static int merge_record(adv_ctx *a, const record *rec)
{
	gv_ref *refs = NULL;
	size_t i, j, n;
	int rc = 0;

	if (rec->nintro && !(refs = malloc(rec->nintro * sizeof(*refs))))
		return GV_ENOMEM;
	for (i = 0; i < rec->nfixed && !rc; i++) {
		for (j = n = 0; j < rec->nintro; j++)
			if (rec->intro_range[j] == rec->fixed_range[i])
				refs[n++] = rec->intro[j];
		rc = gv_classes_merge(a->c, rec->fixed[i], GV_CAT_SECURITY,
				      GV_CONF_ADVISORY, rec->ids, rec->nids,
				      refs, n);
	}
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
	if ((rc = push((void **)&rec.ids, &rec.nids, sizeof(char *),
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
		if ((rc = push((void **)&rec.ids, &rec.nids, sizeof(char *),
			       &al->valuestring)))
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
	rc = merge_record(a, &rec);
done:
	free(rec.ids);
	free(rec.intro);
	free(rec.intro_range);
	free(rec.fixed);
	free(rec.fixed_range);
	return rc;
}

static int read_osv_file(void *payload, const char *path, gv_error *err)
{
	adv_ctx *a = payload;
	gv_buf b = { 0 };
	const char *end = NULL;
	cJSON *root = NULL, *it;
	int rc;

	if ((rc = gv_rules_read_file(&b, path, err)))
		goto done;
	/* The length includes the NUL gv_buf keeps: cJSON wants to see it to
	 * accept trailing whitespace only. */
	root = cJSON_ParseWithLengthOpts(b.ptr ? b.ptr : "", b.len + 1, &end,
					 1);
	if (!root) {
		rc = gv_error_set(err, GV_EINPUT, "%s: not a JSON document "
				  "(error at byte %zu)", path,
				  end && b.ptr ? (size_t)(end - b.ptr) : 0);
		goto done;
	}
	a->file = path;
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

int gv_classes_add_advisories(gv_classes *c, const gv_history *h,
			      const char *path, gv_warnings *warnings,
			      gv_error *err)
{
	adv_ctx a = { c, h, warnings, path };

	return gv_rules_each_file(path, ".json", 0, read_osv_file, &a, err);
}
