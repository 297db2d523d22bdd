/*
 * jsonschema.c - the validator described in jsonschema.h.
 *
 * A recursive walk over schema and instance together. `root` is the whole
 * schema, for $ref; `path` is the instance location in JSON Pointer-ish form
 * ("/releases/0/commit"), for messages.
 */
#include "jsonschema.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct js_ctx {
	const cJSON *root;
	int errors;
	char *err;
	size_t errsize;
} js_ctx;

static void js_fail(js_ctx *c, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void js_fail(js_ctx *c, const char *path, const char *fmt, ...)
{
	if (c->errors++ == 0 && c->err && c->errsize) {
		int n = snprintf(c->err, c->errsize, "%s: ", *path ? path : "/");
		if (n >= 0 && (size_t)n < c->errsize) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(c->err + n, c->errsize - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
}

static int js_is_integer(const cJSON *v)
{
	if (!cJSON_IsNumber(v))
		return 0;
	double d = v->valuedouble;
	return d >= -9.0e15 && d <= 9.0e15 && d == (double)(long long)d;
}

static int js_has_type(const cJSON *v, const char *t)
{
	if (strcmp(t, "null") == 0)
		return cJSON_IsNull(v);
	if (strcmp(t, "boolean") == 0)
		return cJSON_IsBool(v);
	if (strcmp(t, "object") == 0)
		return cJSON_IsObject(v);
	if (strcmp(t, "array") == 0)
		return cJSON_IsArray(v);
	if (strcmp(t, "string") == 0)
		return cJSON_IsString(v);
	if (strcmp(t, "number") == 0)
		return cJSON_IsNumber(v);
	if (strcmp(t, "integer") == 0)
		return js_is_integer(v);
	return 0;
}

/* Resolves "#/a/b" inside the root schema (no ~ escapes needed here). */
static const cJSON *js_ref(const js_ctx *c, const char *ref)
{
	if (strncmp(ref, "#", 1) != 0)
		return NULL;
	const cJSON *cur = c->root;
	const char *p = ref + 1;
	while (cur && *p == '/') {
		p++;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char key[128];
		if (len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		cur = cJSON_GetObjectItemCaseSensitive(cur, key);
		p += len;
	}
	return *p ? NULL : cur;
}

static void js_check(js_ctx *c, const cJSON *s, const cJSON *v,
		     const char *path);

static void js_child(js_ctx *c, const cJSON *s, const cJSON *v,
		     const char *path, const char *key)
{
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/%s", path, key);
	js_check(c, s, v, sub);
}

static void js_type(js_ctx *c, const cJSON *t, const cJSON *v,
		    const char *path)
{
	if (cJSON_IsString(t)) {
		if (!js_has_type(v, t->valuestring))
			js_fail(c, path, "not of type %s", t->valuestring);
		return;
	}
	const cJSON *one;
	cJSON_ArrayForEach(one, t)
	{
		if (cJSON_IsString(one) && js_has_type(v, one->valuestring))
			return;
	}
	js_fail(c, path, "not of any allowed type");
}

static void js_pattern(js_ctx *c, const cJSON *pat, const cJSON *v,
		       const char *path)
{
	if (!cJSON_IsString(v))
		return; /* pattern applies to strings only */
	regex_t re;
	if (!cJSON_IsString(pat) ||
	    regcomp(&re, pat->valuestring, REG_EXTENDED | REG_NOSUB) != 0) {
		js_fail(c, path, "bad pattern in schema");
		return;
	}
	if (regexec(&re, v->valuestring, 0, NULL, 0) != 0)
		js_fail(c, path, "\"%s\" does not match %s", v->valuestring,
			pat->valuestring);
	regfree(&re);
}

static void js_object(js_ctx *c, const cJSON *s, const cJSON *v,
		      const char *path)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(s, "properties");
	const cJSON *extra =
		cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
	const cJSON *k;
	cJSON_ArrayForEach(k, req)
	{
		if (cJSON_IsString(k) &&
		    !cJSON_GetObjectItemCaseSensitive(v, k->valuestring))
			js_fail(c, path, "missing required member \"%s\"",
				k->valuestring);
	}
	const cJSON *m;
	cJSON_ArrayForEach(m, v)
	{
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(props,
								   m->string);
		if (ps)
			js_child(c, ps, m, path, m->string);
		else if (cJSON_IsFalse(extra))
			js_fail(c, path, "unexpected member \"%s\"", m->string);
		else if (cJSON_IsObject(extra))
			js_child(c, extra, m, path, m->string);
	}
}

static int js_known(const char *kw)
{
	static const char *const known[] = {
		"$schema", "$id", "title", "description", "$comment", "$defs",
		"type", "required", "properties", "additionalProperties",
		"items", "enum", "const", "minimum", "exclusiveMinimum",
		"pattern", "$ref", NULL
	};
	for (size_t i = 0; known[i]; i++)
		if (strcmp(kw, known[i]) == 0)
			return 1;
	return 0;
}

static void js_check(js_ctx *c, const cJSON *s, const cJSON *v,
		     const char *path)
{
	if (cJSON_IsTrue(s))
		return;
	if (!cJSON_IsObject(s)) {
		js_fail(c, path, "%s", cJSON_IsFalse(s) ? "schema is false"
							 : "bad schema");
		return;
	}
	const cJSON *kw;
	cJSON_ArrayForEach(kw, s)
	{
		if (!js_known(kw->string))
			js_fail(c, path, "unsupported keyword %s", kw->string);
	}
	const cJSON *x;
	if ((x = cJSON_GetObjectItemCaseSensitive(s, "$ref"))) {
		const cJSON *target =
			cJSON_IsString(x) ? js_ref(c, x->valuestring) : NULL;
		if (!target)
			js_fail(c, path, "unresolvable $ref");
		else
			js_check(c, target, v, path);
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(s, "type")))
		js_type(c, x, v, path);
	if ((x = cJSON_GetObjectItemCaseSensitive(s, "const")) &&
	    !cJSON_Compare(x, v, 1))
		js_fail(c, path, "not the constant the schema requires");
	if ((x = cJSON_GetObjectItemCaseSensitive(s, "enum"))) {
		const cJSON *e;
		int found = 0;
		cJSON_ArrayForEach(e, x) found |= cJSON_Compare(e, v, 1);
		if (!found)
			js_fail(c, path, "not one of the enumerated values");
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(s, "minimum")) &&
	    cJSON_IsNumber(v) && v->valuedouble < x->valuedouble)
		js_fail(c, path, "%g is below the minimum %g", v->valuedouble,
			x->valuedouble);
	if ((x = cJSON_GetObjectItemCaseSensitive(s, "exclusiveMinimum")) &&
	    cJSON_IsNumber(v) && v->valuedouble <= x->valuedouble)
		js_fail(c, path, "%g is not above %g", v->valuedouble,
			x->valuedouble);
	if ((x = cJSON_GetObjectItemCaseSensitive(s, "pattern")))
		js_pattern(c, x, v, path);
	if (cJSON_IsObject(v))
		js_object(c, s, v, path);
	if (cJSON_IsArray(v) &&
	    (x = cJSON_GetObjectItemCaseSensitive(s, "items"))) {
		const cJSON *e;
		int i = 0;
		cJSON_ArrayForEach(e, v)
		{
			char idx[24];
			snprintf(idx, sizeof(idx), "%d", i++);
			js_child(c, x, e, path, idx);
		}
	}
}

int js_validate(const cJSON *schema, const cJSON *doc, char *err,
		size_t errsize)
{
	js_ctx c = { schema, 0, err, errsize };
	if (err && errsize)
		err[0] = '\0';
	js_check(&c, schema, doc, "");
	return c.errors;
}
