/*
 * batch_summary.c - the --summary document of a batch (schema
 * git-vitals/batch-summary/1, documented in docs/BATCH.md): one row of
 * headline metrics per repository, in manifest order, and fleet-wide
 * medians. Like report_json.c it includes cJSON, because it writes JSON.
 *
 * Invariants: every row holds the same keys in the same order, set by
 * headlines() below (a failed repository has them all null), so the rows
 * form a table; a key is a dotted path that is also the value's path in a
 * single-run report, so tools read both with the same code. Fleet medians
 * are nearest-rank (gv_percentile) over the repositories that have a value,
 * null when none has. Strings pass through gv_utf8_dup.
 */
#include "gv/batch.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#ifndef GV_VERSION
#define GV_VERSION "0.0.0"
#endif

#define GV_SUMMARY_SCHEMA "git-vitals/batch-summary/1"

enum { PER_REPO = 0, FLEET = 1 };  /* FLEET: a fleet-wide median too */

static void put(gv_summary_row *r, const char *key, int fleet, int has,
		double value)
{
	gv_summary_value *v;

	if (r->nvalues == GV_SUMMARY_MAX_VALUES)
		return; /* raise GV_SUMMARY_MAX_VALUES; test_batch catches it */
	v = &r->values[r->nvalues++];
	v->key = key;
	v->fleet = fleet;
	v->has = has && !r->error;
	v->value = v->has ? value : 0;
}

/*
 * The headline metrics, one put() each: adding one is adding a call. `m` is
 * all zeros for a failed repository (and put() nulls its values then).
 */
static void headlines(gv_summary_row *r, const gv_metrics *m)
{
	put(r, "counts.commits", PER_REPO, 1, (double)m->counts.commits);
	put(r, "counts.releases", PER_REPO, 1, (double)m->counts.releases);
	put(r, "metrics.lead_time.median_s", FLEET,
	    m->lead_time.stats.samples > 0, (double)m->lead_time.stats.median_s);
	put(r, "metrics.deployment_frequency.per_week", FLEET,
	    m->deployment_frequency.has_days, m->deployment_frequency.per_week);
	put(r, "metrics.change_failure_rate.rate", FLEET,
	    m->change_failure_rate.releases > 0,
	    m->change_failure_rate.releases
		    ? (double)m->change_failure_rate.failed /
			      (double)m->change_failure_rate.releases
		    : 0);
	put(r, "metrics.fix_latency.median_s", FLEET,
	    m->fix_latency.samples > 0, (double)m->fix_latency.median_s);
}

void gv_summary_row_clear(gv_summary_row *row)
{
	free(row->name);
	free(row->path);
	free(row->message);
	memset(row, 0, sizeof(*row));
}

int gv_summary_row_set(gv_summary_row *row, const char *name, const char *path,
		       const gv_analysis *a, int error, const char *message,
		       gv_error *err)
{
	static const gv_metrics none;
	const char *msg = message && *message ? message : "failed";

	gv_summary_row_clear(row);
	row->error = a ? 0 : (error ? error : GV_EINTERNAL);
	if (!(row->name = gv_utf8_dup(name, strlen(name))) ||
	    !(row->path = gv_utf8_dup(path, strlen(path))) ||
	    (!a && !(row->message = gv_utf8_dup(msg, strlen(msg))))) {
		gv_summary_row_clear(row);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	headlines(row, a ? a->metrics : &none);
	return 0;
}

/* Adds item at the dotted path under obj, creating the objects on the way.
 * Takes ownership of item. */
static int add_at(cJSON *obj, const char *key, cJSON *item)
{
	const char *dot;

	if (!item)
		return -1;
	while ((dot = strchr(key, '.'))) {
		char part[64];
		size_t n = (size_t)(dot - key);
		cJSON *sub;

		if (n >= sizeof(part))
			goto fail;
		memcpy(part, key, n);
		part[n] = '\0';
		if (!(sub = cJSON_GetObjectItemCaseSensitive(obj, part)) &&
		    !(sub = cJSON_AddObjectToObject(obj, part)))
			goto fail;
		obj = sub;
		key = dot + 1;
	}
	if (cJSON_AddItemToObject(obj, key, item))
		return 0;
fail:
	cJSON_Delete(item);
	return -1;
}

static cJSON *number(int has, double v)
{
	return has ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static int add_row(cJSON *arr, const gv_summary_row *r)
{
	cJSON *o = cJSON_CreateObject(), *e = NULL;
	size_t i;
	int bad = 0;

	if (!o || !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return -1;
	}
	bad |= !cJSON_AddStringToObject(o, "name", r->name);
	bad |= !cJSON_AddStringToObject(o, "path", r->path);
	bad |= !cJSON_AddStringToObject(o, "status", r->error ? "error" : "ok");
	if (r->error) {
		bad |= !(e = cJSON_AddObjectToObject(o, "error"));
		bad |= !e || !cJSON_AddNumberToObject(e, "code", r->error);
		bad |= !e || !cJSON_AddStringToObject(e, "message", r->message);
	} else {
		bad |= !cJSON_AddNullToObject(o, "error");
	}
	for (i = 0; i < r->nvalues; i++)
		bad |= add_at(o, r->values[i].key,
			      number(r->values[i].has, r->values[i].value));
	return bad ? -1 : 0;
}

/* A total order on doubles as int64 keys (sign-magnitude flipped to two's
 * complement order), so nearest-rank medians of rates reuse gv_percentile
 * and the median is one of the samples, bit for bit. */
static int64_t order_key(double d)
{
	int64_t k;

	memcpy(&k, &d, sizeof(k));
	return k < 0 ? k ^ INT64_MAX : k;
}

static double from_key(int64_t k)
{
	double d;

	if (k < 0)
		k ^= INT64_MAX;
	memcpy(&d, &k, sizeof(d));
	return d;
}

/* The fleet medians, with the keys and flags of headlines(). */
static int add_fleet(cJSON *fleet, const gv_summary_row *rows, size_t n)
{
	static const gv_metrics none;
	gv_summary_row keys;
	int64_t *v = NULL;
	size_t i, j, k;
	int bad = 0;

	memset(&keys, 0, sizeof(keys));
	headlines(&keys, &none);
	if (n && !(v = calloc(n, sizeof(*v))))
		return -1;
	for (j = 0; j < keys.nvalues; j++) {
		if (!keys.values[j].fleet)
			continue;
		for (i = 0, k = 0; i < n; i++)
			if (j < rows[i].nvalues && rows[i].values[j].has)
				v[k++] = order_key(rows[i].values[j].value);
		if (k)
			gv_sort_i64(v, k);
		bad |= add_at(fleet, keys.values[j].key,
			      number(k > 0, k ? from_key(gv_percentile(v, k, 50)) : 0));
	}
	free(v);
	return bad ? -1 : 0;
}

int gv_summary_json(gv_buf *out, const gv_summary_row *rows, size_t n,
		    const gv_manifest *m, gv_error *err)
{
	cJSON *root = cJSON_CreateObject(), *gen, *counts, *arr, *fleet, *probs;
	size_t i, failed = 0;
	char *s = NULL;
	int bad = !root, error = 0;

	for (i = 0; i < n; i++)
		failed += rows[i].error != 0;
	if (!bad) {
		bad |= !cJSON_AddStringToObject(root, "schema", GV_SUMMARY_SCHEMA);
		bad |= !(gen = cJSON_AddObjectToObject(root, "generator"));
		bad |= !gen || !cJSON_AddStringToObject(gen, "name", "git-vitals");
		bad |= !gen || !cJSON_AddStringToObject(gen, "version", GV_VERSION);
		bad |= !(counts = cJSON_AddObjectToObject(root, "counts"));
		bad |= !counts || !cJSON_AddNumberToObject(counts, "repositories",
							   (double)n);
		bad |= !counts || !cJSON_AddNumberToObject(counts, "ok",
							   (double)(n - failed));
		bad |= !counts || !cJSON_AddNumberToObject(counts, "failed",
							   (double)failed);
		bad |= !counts || !cJSON_AddNumberToObject(counts, "malformed_lines",
							   (double)m->nproblems);
		bad |= !(arr = cJSON_AddArrayToObject(root, "repositories"));
		for (i = 0; !bad && i < n; i++)
			bad |= add_row(arr, &rows[i]);
		bad |= !(fleet = cJSON_AddObjectToObject(root, "fleet"));
		bad |= !fleet || add_fleet(fleet, rows, n);
		bad |= !(probs = cJSON_AddArrayToObject(root, "malformed_lines"));
		for (i = 0; !bad && i < m->nproblems; i++) {
			cJSON *p = cJSON_CreateObject();
			char *msg = gv_utf8_dup(m->problems[i].message,
						strlen(m->problems[i].message));
			bad |= !p || !cJSON_AddItemToArray(probs, p);
			bad |= !cJSON_AddNumberToObject(p, "line",
							(double)m->problems[i].line);
			bad |= !msg || !cJSON_AddStringToObject(p, "message", msg);
			free(msg);
		}
	}
	if (bad || !(s = cJSON_Print(root)) || gv_buf_puts(out, s) ||
	    gv_buf_put(out, "\n", 1))
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
	cJSON_free(s);
	cJSON_Delete(root);
	return error;
}
