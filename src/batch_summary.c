/*
 * batch_summary.c - the fleet summary (schema git-vitals/batch-summary/1,
 * documented in docs/BATCH.md): rows read back from batch output lines, or
 * set from metrics, sorted, with fleet-wide medians; and its JSON document.
 * Like report_json.c it includes cJSON, because it reads and writes JSON.
 *
 * Invariants: every row has a cell for every catalogue entry, in catalogue
 * order (a failed repository has them all null), so the rows form a table
 * whatever the output; a column's key is the dotted path of the value in a
 * single-run report, so tools read both with the same code. Fleet medians
 * are nearest-rank (gv_percentile) over the repositories that have a value,
 * null when none has. Strings pass through gv_utf8_dup.
 */
#include "gv/batch.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GV_VERSION
#define GV_VERSION "0.0.0"
#endif

#define GV_SUMMARY_SCHEMA "git-vitals/batch-summary/1"

void gv_summary_row_clear(gv_summary_row *row)
{
	free(row->name);
	free(row->path);
	free(row->message);
	memset(row, 0, sizeof(*row));
}

/* Names and the failure; cells all null. */
static int row_start(gv_summary_row *row, const char *name, const char *path,
		     int error, const char *message, gv_error *err)
{
	static const gv_metrics none;
	gv_catalogue cat;

	gv_summary_row_clear(row);
	gv_catalogue_of(&cat, &none);
	row->ncells = cat.count;
	row->error = error;
	if (!(row->name = gv_utf8_dup(name, strlen(name))) ||
	    !(row->path = gv_utf8_dup(path, strlen(path))) ||
	    (message && !(row->message = gv_utf8_dup(message, strlen(message))))) {
		gv_summary_row_clear(row);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	return 0;
}

int gv_summary_row_set(gv_summary_row *row, const char *name, const char *path,
		       const gv_analysis *a, int error, const char *message,
		       gv_error *err)
{
	const char *msg = message && *message ? message : "failed";
	gv_catalogue *cat;
	size_t i;
	int rc;

	if ((rc = row_start(row, name, path, a ? 0 : (error ? error : GV_EINTERNAL),
			    a ? NULL : msg, err)) || !a)
		return rc;
	if (!(cat = malloc(sizeof(*cat)))) {
		gv_summary_row_clear(row);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	gv_catalogue_of(cat, a->metrics);
	for (i = 0; i < cat->count; i++) {
		row->cells[i].has = (int8_t)cat->items[i].has;
		row->cells[i].value = cat->items[i].value;
		row->cells[i].level = (int8_t)cat->items[i].level.level;
		row->cells[i].insufficient = (int8_t)cat->items[i].level.insufficient;
	}
	free(cat);
	return 0;
}

/* The member at a dotted path, or NULL. */
static const cJSON *at(const cJSON *o, const char *path)
{
	char part[64];
	const char *dot;

	while (o && (dot = strchr(path, '.'))) {
		size_t n = (size_t)(dot - path);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		o = cJSON_GetObjectItemCaseSensitive(o, part);
		path = dot + 1;
	}
	return o ? cJSON_GetObjectItemCaseSensitive(o, path) : NULL;
}

static const char *str_at(const cJSON *o, const char *path)
{
	const cJSON *v = at(o, path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int gv_summary_row_parse(gv_summary_row *row, const char *line, size_t len,
			 gv_error *err)
{
	static const gv_metrics none;
	gv_catalogue cat;
	cJSON *doc = cJSON_ParseWithLength(line, len);
	const cJSON *e;
	const char *path, *name;
	size_t i;
	int error = 0;

	gv_summary_row_clear(row);
	path = doc ? str_at(doc, "repository.path") : NULL;
	if (!path || !(name = str_at(doc, "name") ? str_at(doc, "name") : path)) {
		error = gv_error_set(err, GV_EINPUT, "not a git-vitals report "
				     "or error line");
		goto done;
	}
	if ((e = at(doc, "error"))) {
		const cJSON *code = at(e, "code");
		const char *msg = str_at(e, "message");
		error = row_start(row, name, path,
				  cJSON_IsNumber(code) && code->valueint < 0
					  ? code->valueint : GV_EINTERNAL,
				  msg ? msg : "failed", err);
		goto done;
	}
	if ((error = row_start(row, name, path, 0, NULL, err)))
		goto done;
	gv_catalogue_of(&cat, &none);
	for (i = 0; i < cat.count; i++) {
		const gv_metric *m = &cat.items[i];
		const cJSON *v = at(doc, m->path);
		gv_summary_cell *c = &row->cells[i];
		if (m->unit == GV_UNIT_LEVEL) {
			char ins[96];
			snprintf(ins, sizeof(ins), "%.*s.insufficient",
				 (int)(strlen(m->path) - strlen(".level")), m->path);
			c->level = (int8_t)(cJSON_IsString(v)
				? gv_level_from_name(v->valuestring,
						     strlen(v->valuestring))
				: GV_LEVEL_NONE);
			c->has = c->level != GV_LEVEL_NONE;
			c->value = c->level;
			c->insufficient = (int8_t)cJSON_IsTrue(at(doc, ins));
		} else if (cJSON_IsNumber(v)) {
			c->has = 1;
			c->value = v->valuedouble;
		} else if (cJSON_IsArray(v)) {
			/* security.ids, security.vulnerabilities: counted */
			c->has = 1;
			c->value = cJSON_GetArraySize(v);
		}
	}
done:
	cJSON_Delete(doc);
	return error;
}

static int cmp_row(const void *a, const void *b)
{
	const gv_summary_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->path, y->path);
}

void gv_summary_sort(gv_summary_row *rows, size_t n)
{
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_row);
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

int gv_summary_fleet(gv_summary_cell *out, const gv_summary_row *rows,
		     size_t n, gv_error *err)
{
	static const gv_metrics none;
	gv_catalogue cat;
	int64_t *v = NULL;
	size_t i, j, k;

	memset(out, 0, GV_CATALOGUE_MAX * sizeof(*out));
	gv_catalogue_of(&cat, &none);
	if (n && !(v = calloc(n, sizeof(*v))))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	for (j = 0; j < cat.count; j++) {
		out[j].level = GV_LEVEL_NONE;
		if (!(cat.items[j].flags & GV_METRIC_FLEET) ||
		    cat.items[j].unit == GV_UNIT_COUNT ||
		    cat.items[j].unit == GV_UNIT_LEVEL)
			continue;
		for (i = 0, k = 0; i < n; i++)
			if (j < rows[i].ncells && rows[i].cells[j].has)
				v[k++] = order_key(rows[i].cells[j].value);
		if (!k)
			continue;
		gv_sort_i64(v, k);
		out[j].has = 1;
		out[j].value = from_key(gv_percentile(v, k, 50));
	}
	free(v);
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

/* A cell as JSON: a level name, a number, or null. */
static cJSON *cell(const gv_metric *m, const gv_summary_cell *c)
{
	if (!c->has)
		return cJSON_CreateNull();
	if (m->unit == GV_UNIT_LEVEL)
		return cJSON_CreateString(gv_level_name(c->level));
	return cJSON_CreateNumber(c->value);
}

static int add_cells(cJSON *o, const gv_catalogue *cat,
		     const gv_summary_cell *cells, int fleet)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < cat->count; i++) {
		const gv_metric *m = &cat->items[i];
		if (!(m->flags & GV_METRIC_FLEET) ||
		    (fleet && (m->unit == GV_UNIT_COUNT || m->unit == GV_UNIT_LEVEL)))
			continue;
		bad |= add_at(o, m->path, cell(m, &cells[i]));
	}
	return bad;
}

static int add_row(cJSON *arr, const gv_catalogue *cat, const gv_summary_row *r)
{
	cJSON *o = cJSON_CreateObject(), *e = NULL;
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
		bad |= !e || !cJSON_AddStringToObject(e, "message",
						      r->message ? r->message : "failed");
	} else {
		bad |= !cJSON_AddNullToObject(o, "error");
	}
	bad |= add_cells(o, cat, r->cells, 0);
	return bad ? -1 : 0;
}

int gv_summary_json(gv_buf *out, const gv_summary_row *rows, size_t n,
		    const gv_manifest *m, gv_error *err)
{
	static const gv_metrics none;
	cJSON *root = cJSON_CreateObject(), *gen, *counts, *arr, *fleet, *probs;
	gv_summary_cell *med = malloc(GV_CATALOGUE_MAX * sizeof(*med));
	gv_catalogue *cat = malloc(sizeof(*cat));
	size_t i, failed = 0, nprob = m ? m->nproblems : 0;
	char *s = NULL;
	int bad = !root || !med || !cat, error = 0;

	if (!bad && (error = gv_summary_fleet(med, rows, n, err)))
		goto done;
	if (!bad)
		gv_catalogue_of(cat, &none);
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
							   (double)nprob);
		bad |= !(arr = cJSON_AddArrayToObject(root, "repositories"));
		for (i = 0; !bad && i < n; i++)
			bad |= add_row(arr, cat, &rows[i]);
		bad |= !(fleet = cJSON_AddObjectToObject(root, "fleet"));
		bad |= !fleet || add_cells(fleet, cat, med, 1);
		bad |= !(probs = cJSON_AddArrayToObject(root, "malformed_lines"));
		for (i = 0; !bad && i < nprob; i++) {
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
done:
	cJSON_free(s);
	cJSON_Delete(root);
	free(med);
	free(cat);
	return error;
}
