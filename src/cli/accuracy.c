/*
 * accuracy.c - `git-vitals rules accuracy`: how well a rule set labels a
 * hand-labelled corpus of commit messages (format: docs/RULES.md).
 *
 * A corpus file is JSON Lines: a header naming the project and the
 * population of each sampling stratum, then one judged commit per line.
 * Every message is classified as a history load would classify it
 * (gv_classify_message, with the author and parent count of the record),
 * and each record keeps only what the figures need: its four true labels,
 * the confidence the rules gave each, and whether a revert's target was
 * found. A record that is a miss of the counted tier also keeps its
 * subject, the rules that fired and the judge's reason, for --misses.
 *
 * Invariants: records[] is in read order and record i is commit i of the
 * one gv_classes table; a record's stratum is one of its project's header;
 * weights are computed only once every file is read, since they depend on
 * how many records each stratum has: (N_s / N_project) / n_s, so each
 * project weighs 1 and pooled figures weight projects equally.
 *
 * Like the OSV reader, this reads JSON and so includes cJSON.h; it writes
 * its own output (text or JSON) without it.
 */
#include "cli/accuracy.h"
#include "cli/cli.h"

#include <cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv/classify.h"

enum { L_FIX, L_SECURITY, L_REVERT, L_ROLLBACK, L__COUNT };
static const char *const label_name[L__COUNT] = {
	"fix", "security", "revert", "rollback"
};
static const int label_cat[L__COUNT] = {
	GV_CAT_FIX, GV_CAT_SECURITY, GV_CAT_REVERT, GV_CAT_ROLLBACK
};

/* counted: high or advisory, what the metrics count by default. */
enum { T_COUNTED, T_LOW, T_ANY, T__COUNT };
static const char *const tier_name[T__COUNT] = { "counted", "low", "any" };

enum { M_PRECISION, M_RECALL, M_TARGET, M__COUNT };
static const char *const metric_name[M__COUNT] = {
	"precision", "recall", "target"
};

static const char what[] = "rules accuracy";

typedef struct stratum {
	char *name;
	double population;    /* N_s of the header: an integer */
	size_t sampled;       /* n_s: records read */
} stratum;

typedef struct project {
	char *name;
	stratum *strata;
	size_t nstrata;
	double population;    /* N_project: the sum of N_s */
	size_t file, line;    /* the header that introduced it */
	size_t records;
} project;

typedef struct record {
	size_t project, stratum, file, line;
	char id[GV_OID_HEXSZ + 1];
	uint8_t truth[L__COUNT];
	uint8_t conf[L__COUNT];   /* enum gv_confidence per label */
	int8_t target;            /* -1 not checked, 0 wrong, 1 right, 2 the
	                             message names no target ("revert last
	                             patch"): a revert that marks no release
	                             failed, but not a wrong one */
	char *rules, *subject, *reason; /* misses only, else NULL */
	char *want;               /* a wrong target: "<id> <its subject>" */
} record;

typedef struct floor_spec {
	const char *text;
	int label, metric;
	double value;
} floor_spec;

typedef struct acc_opts {
	gv_strv rules, add, paths, projects;
	floor_spec *floors;
	size_t nfloors, afloors;
	int json, misses;
} acc_opts;

typedef struct corpus {
	char **files;         /* owned paths, in read order */
	size_t nfiles, afiles;
	project *projects;
	size_t nprojects, aprojects;
	record *records;
	size_t nrecords, arecords;
	gv_classes *classes;
} corpus;

/* One figure of one label and tier: weights and raw record counts. */
typedef struct cell {
	double tp, fp, fn;
	size_t ntp, nfp, nfn;
} cell;

typedef struct scope {
	const char *name;     /* a project, or NULL for the pooled figures */
	size_t records, projects;
	cell cells[L__COUNT][T__COUNT];
	size_t target_right, target_named, target_total;
} scope;

/* ---- reading ---- */

/* Sets err to "FILE:LINE: why", the form compilers use, so that an editor
 * jumps to the line. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int bad(gv_error *err, const corpus *c, size_t file, size_t line,
	       const char *fmt, ...)
{
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return gv_error_set(err, GV_EINPUT, "%s:%zu: %s", c->files[file], line,
			    why);
}

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *str_member(const cJSON *o, const char *key)
{
	const cJSON *v = member(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A JSON number that is a whole count a double holds exactly. */
static int is_count(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	       v->valuedouble <= 9007199254740992.0 &&
	       v->valuedouble == floor(v->valuedouble);
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i] || !strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return !s[n];
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int find_project(const corpus *c, const char *name, size_t *out)
{
	size_t i;

	for (i = 0; i < c->nprojects; i++)
		if (!strcmp(c->projects[i].name, name)) {
			*out = i;
			return 1;
		}
	return 0;
}

static int find_stratum(const project *p, const char *name, size_t *out)
{
	size_t i;

	for (i = 0; i < p->nstrata; i++)
		if (!strcmp(p->strata[i].name, name)) {
			*out = i;
			return 1;
		}
	return 0;
}

static void project_free(project *p)
{
	size_t i;

	for (i = 0; i < p->nstrata; i++)
		free(p->strata[i].name);
	free(p->strata);
	free(p->name);
}

/* A later file of a project already read must sample the same population:
 * the weights assume one sample per project. */
static int same_strata(const project *p, const cJSON *strata)
{
	const cJSON *s;
	size_t n = 0, k;

	cJSON_ArrayForEach(s, strata) {
		if (!find_stratum(p, s->string, &k) ||
		    p->strata[k].population != s->valuedouble)
			return 0;
		n++;
	}
	return n == p->nstrata;
}

/* Reads a header line: sets *proj to its project (new or known), or to
 * SIZE_MAX when --project leaves the project out. */
static int read_header(corpus *c, const acc_opts *o, const cJSON *h,
		       size_t file, size_t line, size_t *proj, gv_error *err)
{
	const char *name = str_member(h, "project");
	const cJSON *strata = member(h, "strata"), *s;
	project p;
	size_t i, k;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	if (!cJSON_IsObject(h) || member(h, "id"))
		return bad(err, c, file, line, "expected the header object "
			   "(project, strata) on the first line");
	if (!name || !*name)
		return bad(err, c, file, line, "header: no \"project\" string");
	if (!cJSON_IsObject(strata) || !strata->child)
		return bad(err, c, file, line, "header: \"strata\" is not an "
			   "object of stratum populations");
	cJSON_ArrayForEach(s, strata)
		if (!is_count(s))
			return bad(err, c, file, line, "header: the population "
				   "of stratum \"%s\" is not a count",
				   s->string);
	*proj = SIZE_MAX;
	if (o->projects.n) {
		for (i = 0; i < o->projects.n; i++)
			if (!strcmp(o->projects.v[i], name))
				break;
		if (i == o->projects.n)
			return 0;
	}
	if (find_project(c, name, proj)) {
		if (!same_strata(&c->projects[*proj], strata))
			return bad(err, c, file, line, "header: strata differ "
				   "from those of %s:%zu for the same project",
				   c->files[c->projects[*proj].file],
				   c->projects[*proj].line);
		return 0;
	}
	p.file = file;
	p.line = line;
	if (!(p.name = strdup(name)) ||
	    !(p.strata = calloc((size_t)cJSON_GetArraySize(strata),
				sizeof(*p.strata)))) {
		rc = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	cJSON_ArrayForEach(s, strata) {
		if (find_stratum(&p, s->string, &k)) {
			rc = bad(err, c, file, line, "header: stratum \"%s\" "
				 "twice", s->string);
			goto done;
		}
		if (!(p.strata[p.nstrata].name = strdup(s->string))) {
			rc = gv_error_set(err, GV_ENOMEM, "out of memory");
			goto done;
		}
		p.strata[p.nstrata++].population = s->valuedouble;
		p.population += s->valuedouble;
	}
	if (p.population <= 0) {
		rc = bad(err, c, file, line, "header: every stratum has a "
			 "population of 0");
		goto done;
	}
	if (gv_grow((void **)&c->projects, &c->aprojects, c->nprojects + 1,
		    sizeof(*c->projects))) {
		rc = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	*proj = c->nprojects;
	c->projects[c->nprojects++] = p;
	memset(&p, 0, sizeof(p));
done:
	project_free(&p);
	return rc;
}

/* What the revert target check needs of one record, and its verdict. */
typedef struct target_check {
	const char *target;   /* 40 hex, or empty */
	const char *subject;  /* the target's subject */
	int right;
	int named;            /* a revert rule captured a target */
} target_check;

/* A pull:revert or issue capture "#N", "owner/repo#N" or a bare "N" (a
 * revert-N branch) names pull request N; right when the target's subject says "#N"
 * (GitHub's squash merges end "(#N)", its merges start "Merge pull request
 * #N"). */
static int issue_in_subject(const char *cap, size_t len, const char *subject)
{
	const char *num = cap, *p;
	size_t i, n;

	for (i = 0; i < len; i++)
		if (cap[i] == '#')
			num = cap + i + 1;
	n = (size_t)(cap + len - num);
	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (num[i] < '0' || num[i] > '9')
			return 0;
	for (p = strchr(subject, '#'); p; p = strchr(p + 1, '#'))
		if (!strncmp(p + 1, num, n) && (p[n + 1] < '0' || p[n + 1] > '9'))
			return 1;
	return 0;
}

static int on_hit(const gv_rule_hit *h, void *payload)
{
	target_check *t = payload;
	const gv_hit_capture *cap;
	size_t i, n = strlen(t->subject);

	for (i = 0; i < h->ncaptures && !t->right && t->target[0]; i++) {
		cap = &h->captures[i];
		if (h->category == GV_CAT_REVERT || !strcmp(cap->meaning,
							    "ref:revert"))
			t->named = 1;
		if (!strcmp(cap->meaning, "ref:revert"))
			t->right = cap->len && cap->len <= GV_OID_HEXSZ &&
				   !strncasecmp(cap->text, t->target, cap->len);
		else if (!strcmp(cap->meaning, "subject:revert"))
			t->right = cap->len == n &&
				   !memcmp(cap->text, t->subject, n);
		else if (!strcmp(cap->meaning, "reapply"))
			/* git's revert.c: Revert "<subject>" */
			t->right = n == cap->len + 9 &&
				   !strncmp(t->subject, "Revert \"", 8) &&
				   !memcmp(t->subject + 8, cap->text,
					   cap->len) &&
				   t->subject[n - 1] == '"';
		else if (!strcmp(cap->meaning, "pull:revert") ||
			 (!strcmp(cap->meaning, "issue") &&
			  h->category == GV_CAT_REVERT))
			t->right = issue_in_subject(cap->text, cap->len,
						    t->subject);
	}
	return 0;
}

/* The subject as git's find_commit_subject() reads it: the first line
 * after leading blank lines, without trailing blanks. */
static char *subject_of(const char *msg)
{
	const char *end;

	while (*msg == '\n' || *msg == '\r')
		msg++;
	end = msg + strcspn(msg, "\n");
	while (end > msg && (end[-1] == ' ' || end[-1] == '\t' ||
			     end[-1] == '\r'))
		end--;
	return strndup(msg, (size_t)(end - msg));
}

/* Keeps what --misses prints; called for a record that is a miss. */
static int keep_detail(record *r, const gv_class_view *v, const char *msg,
		       const char *reason, const target_check *t)
{
	gv_buf b = { 0 }, w = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < v->nrules && !rc; i++)
		rc = gv_buf_printf(&b, "%s%s", i ? " " : "", v->rules[i]);
	if (!rc && r->target == 0) {
		if (gv_buf_printf(&w, "%s %s", t->target, t->subject)) {
			gv_buf_free(&b);
			return GV_ENOMEM;
		}
		r->want = w.ptr;
	}
	if (rc || !(r->rules = b.ptr ? b.ptr : strdup("")) ||
	    !(r->subject = subject_of(msg)) ||
	    !(r->reason = strdup(reason))) {
		if (!r->rules)
			gv_buf_free(&b);
		return GV_ENOMEM;
	}
	return 0;
}

/* Splits "Name <email>" as a history's author fields read. */
static void split_author(gv_message *m, const char *a)
{
	const char *lt = strchr(a, '<'), *gt = lt ? strchr(lt, '>') : NULL;

	m->author_name = a;
	m->author_name_len = lt ? (size_t)(lt - a) : strlen(a);
	while (m->author_name_len && a[m->author_name_len - 1] == ' ')
		m->author_name_len--;
	m->author_email = "";
	if (lt && gt) {
		m->author_email = lt + 1;
		m->author_email_len = (size_t)(gt - lt - 1);
	}
}

/* Classifies the record's message as commit c->nrecords (the index r
 * will have) of the table, and fills r's predictions. */
static int classify(corpus *c, record *r, const char *message,
		    const char *author, size_t parents, target_check *t,
		    const char *reason)
{
	unsigned char raw[GV_OID_RAWSZ];
	gv_commit info;
	gv_message m;
	gv_class_view v;
	size_t i;
	int l, rc, miss = 0;

	for (i = 0; i < GV_OID_RAWSZ; i++)
		raw[i] = (unsigned char)(hexval(r->id[2 * i]) << 4 |
					 hexval(r->id[2 * i + 1]));
	memset(&info, 0, sizeof(info));
	info.nparents = (uint32_t)parents;
	if (parents > 1)
		info.flags = GV_COMMIT_MERGE;
	memset(&m, 0, sizeof(m));
	m.commit = (gv_idx)c->nrecords;
	m.id = raw;
	m.message = message;
	m.message_len = strlen(message);
	m.info = &info;
	split_author(&m, author);
	if ((rc = gv_classify_message(c->classes, &m, on_hit, t)))
		return rc;
	gv_classes_get(c->classes, m.commit, &v);
	for (l = 0; l < L__COUNT; l++) {
		if (v.labels & GV_LABEL(label_cat[l]))
			r->conf[l] = v.conf[label_cat[l]];
		miss |= (r->conf[l] >= GV_CONF_HIGH) != r->truth[l];
	}
	r->target = -1;
	if (r->truth[L_REVERT] && r->conf[L_REVERT] >= GV_CONF_HIGH &&
	    t->target[0])
		r->target = (int8_t)(t->right ? 1 : t->named ? 0 : 2);
	miss |= r->target == 0;
	return miss ? keep_detail(r, &v, message, reason, t) : 0;
}

static int read_record(corpus *c, const cJSON *j, size_t file, size_t line,
		       size_t proj, gv_error *err)
{
	project *p = &c->projects[proj];
	const char *name = str_member(j, "project"), *id = str_member(j, "id");
	const char *st = str_member(j, "stratum");
	const char *author = str_member(j, "author");
	const char *msg = str_member(j, "message");
	const char *reason = str_member(j, "reason");
	const cJSON *parents = member(j, "parents"), *v;
	target_check t = { str_member(j, "revert_target"),
			   str_member(j, "revert_target_subject"), 0, 0 };
	record r;
	int l, rc;

	memset(&r, 0, sizeof(r));
	if (!cJSON_IsObject(j))
		return bad(err, c, file, line, "a record is a JSON object");
	if (!name || strcmp(name, p->name))
		return bad(err, c, file, line, "\"project\" is not \"%s\" of "
			   "the header", p->name);
	if (!id || !is_hex(id, GV_OID_HEXSZ))
		return bad(err, c, file, line, "\"id\" is not 40 hex digits");
	if (!st)
		return bad(err, c, file, line, "no \"stratum\" string");
	if (!find_stratum(p, st, &r.stratum))
		return bad(err, c, file, line, "stratum \"%s\" is not in the "
			   "header", st);
	if (p->strata[r.stratum].population <= 0)
		return bad(err, c, file, line, "stratum \"%s\" has a "
			   "population of 0 in the header", st);
	if (!is_count(parents) || parents->valuedouble > 1e6)
		return bad(err, c, file, line, "\"parents\" is not a count");
	if (!author || !msg)
		return bad(err, c, file, line, "no \"%s\" string",
			   author ? "message" : "author");
	for (l = 0; l < L__COUNT; l++) {
		v = member(j, label_name[l]);
		if (cJSON_IsNull(v))
			return bad(err, c, file, line, "\"%s\" is null: the "
				   "record is not judged yet", label_name[l]);
		if (!cJSON_IsBool(v))
			return bad(err, c, file, line, "\"%s\" is not true or "
				   "false", label_name[l]);
		r.truth[l] = cJSON_IsTrue(v) ? 1 : 0;
	}
	if (!t.target || (*t.target && !is_hex(t.target, GV_OID_HEXSZ)))
		return bad(err, c, file, line, "\"revert_target\" is not \"\" "
			   "or 40 hex digits");
	if (!t.subject)
		return bad(err, c, file, line, "no \"revert_target_subject\" "
			   "string");
	if (!reason && member(j, "reason") && !cJSON_IsNull(member(j,
								    "reason")))
		return bad(err, c, file, line, "\"reason\" is not a string");
	if (c->nrecords >= GV_NONE)
		return bad(err, c, file, line, "too many records");
	memcpy(r.id, id, GV_OID_HEXSZ + 1);
	r.project = proj;
	r.file = file;
	r.line = line;
	if (gv_grow((void **)&c->records, &c->arecords, c->nrecords + 1,
		    sizeof(*c->records)))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	if ((rc = classify(c, &r, msg, author, (size_t)parents->valuedouble,
			   &t, reason ? reason : ""))) {
		free(r.rules);
		free(r.subject);
		free(r.reason);
		free(r.want);
		return rc == GV_ENOMEM ? gv_error_set(err, rc, "out of memory")
				       : bad(err, c, file, line, "classifying "
					     "the message failed (%d)", rc);
	}
	p->strata[r.stratum].sampled++;
	p->records++;
	c->records[c->nrecords++] = r;
	return 0;
}

/* Reads one corpus file: the first non-blank line is the header. */
static int read_file(corpus *c, const acc_opts *o, size_t file,
		     gv_error *err)
{
	unsigned char *data = NULL;
	const char *p, *end, *nl, *stop;
	size_t len = 0, line = 0, proj = SIZE_MAX, n;
	cJSON *j = NULL;
	int rc, header = 1;

	if ((rc = gv_map_file(c->files[file], 0, &data, &len)))
		return gv_error_set(err, GV_EINPUT, "%s: %s", c->files[file],
				    rc == GV_ENOTFOUND ? "no such file" :
				    "cannot read");
	p = (const char *)data;
	end = p ? p + len : p;
	for (; p && p < end && !rc; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		line++;
		n = (size_t)(nl - p);
		while (n && strchr(" \t\r", p[n - 1]))
			n--;
		if (!n)
			continue;
		stop = p;
		j = cJSON_ParseWithLengthOpts(p, n, &stop, 0);
		if (!j || stop != p + n) {
			/* stop is where cJSON gave up, or trailing bytes */
			rc = bad(err, c, file, line, "not a JSON value (at "
				 "column %zu)", (size_t)(stop - p) + 1);
		} else if (header) {
			rc = read_header(c, o, j, file, line, &proj, err);
			header = 0;
		} else if (proj != SIZE_MAX) {
			rc = read_record(c, j, file, line, proj, err);
		}
		cJSON_Delete(j);
		j = NULL;
		if (proj == SIZE_MAX && !header)
			break;    /* a project --project leaves out */
	}
	if (!rc && header)
		rc = gv_error_set(err, GV_EINPUT, "%s:1: no header line",
				  c->files[file]);
	gv_unmap_file(data, len);
	return rc;
}

static int push_file(corpus *c, const char *dir, const char *name)
{
	gv_buf b = { 0 };

	if (gv_grow((void **)&c->files, &c->afiles, c->nfiles + 1,
		    sizeof(*c->files)) ||
	    (dir ? gv_buf_printf(&b, "%s%s%s", dir, dir[strlen(dir) - 1] ==
				 '/' ? "" : "/", name) :
		   gv_buf_puts(&b, name)))
		return GV_ENOMEM;
	c->files[c->nfiles++] = b.ptr;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory adds its *.jsonl files in name order, a file itself. */
static int add_path(corpus *c, const char *path, gv_error *err)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	size_t n, first = c->nfiles;
	int rc = 0;

	if (stat(path, &st))
		return gv_error_set(err, GV_EINPUT, "%s: no such file or "
				    "directory", path);
	if (!S_ISDIR(st.st_mode))
		return push_file(c, NULL, path) ?
		       gv_error_set(err, GV_ENOMEM, "out of memory") : 0;
	if (!(d = opendir(path)))
		return gv_error_set(err, GV_EINPUT, "%s: cannot read the "
				    "directory", path);
	while (!rc && (e = readdir(d))) {
		n = strlen(e->d_name);
		if (n > 6 && !strcmp(e->d_name + n - 6, ".jsonl") &&
		    push_file(c, path, e->d_name))
			rc = gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	closedir(d);
	if (!rc && c->nfiles == first)
		rc = gv_error_set(err, GV_EINPUT, "%s: no *.jsonl file", path);
	if (!rc)
		qsort(c->files + first, c->nfiles - first, sizeof(*c->files),
		      cmp_str);
	return rc;
}

static int cmp_record(const void *a, const void *b)
{
	const record *x = *(const record *const *)a;
	const record *y = *(const record *const *)b;
	int d = strcasecmp(x->id, y->id);

	if (x->project != y->project)
		return x->project < y->project ? -1 : 1;
	if (d)
		return d;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* What the weights need once every file is read: no commit sampled twice,
 * no stratum with more records than commits. A stratum without records
 * is only a warning: its commits are not represented, so that project
 * weighs less than the others. */
static int check_sample(const corpus *c, gv_error *err)
{
	const record **v = NULL;
	const project *p;
	size_t i, k;
	int rc = 0;

	for (i = 0; i < c->nprojects; i++) {
		p = &c->projects[i];
		for (k = 0; k < p->nstrata && !rc; k++) {
			if ((double)p->strata[k].sampled >
			    p->strata[k].population)
				rc = bad(err, c, p->file, p->line, "stratum "
					 "\"%s\" has %zu records, more than "
					 "its population", p->strata[k].name,
					 p->strata[k].sampled);
			else if (!p->strata[k].sampled &&
				 p->strata[k].population > 0)
				fprintf(stderr, "git-vitals: %s: warning: %s: "
					"stratum \"%s\" has no records, so "
					"its %.0f commits are not "
					"represented\n", what, p->name,
					p->strata[k].name,
					p->strata[k].population);
		}
	}
	if (rc || c->nrecords < 2)
		return rc;
	if (!(v = gv_reallocarray(NULL, c->nrecords, sizeof(*v))))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	for (i = 0; i < c->nrecords; i++)
		v[i] = &c->records[i];
	qsort(v, c->nrecords, sizeof(*v), cmp_record);
	for (i = 1; i < c->nrecords && !rc; i++)
		if (v[i]->project == v[i - 1]->project &&
		    !strcasecmp(v[i]->id, v[i - 1]->id))
			rc = bad(err, c, v[i]->file, v[i]->line, "commit %s "
				 "again (first at %s:%zu)", v[i]->id,
				 c->files[v[i - 1]->file], v[i - 1]->line);
	free(v);
	return rc;
}

static void corpus_free(corpus *c)
{
	size_t i;

	for (i = 0; i < c->nrecords; i++) {
		free(c->records[i].rules);
		free(c->records[i].subject);
		free(c->records[i].reason);
		free(c->records[i].want);
	}
	free(c->records);
	for (i = 0; i < c->nprojects; i++)
		project_free(&c->projects[i]);
	free(c->projects);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	gv_classes_free(c->classes);
}

/* ---- figures ---- */

static int predicted(const record *r, int l, int tier)
{
	switch (tier) {
	case T_COUNTED:
		return r->conf[l] >= GV_CONF_HIGH;
	case T_LOW:
		return r->conf[l] == GV_CONF_LOW;
	default:
		return r->conf[l] >= GV_CONF_LOW;
	}
}

static double weight(const corpus *c, const record *r)
{
	const project *p = &c->projects[r->project];
	const stratum *s = &p->strata[r->stratum];

	return s->population / p->population / (double)s->sampled;
}

/* Adds the records of project `proj` (SIZE_MAX: every project). */
static void tally(scope *s, const corpus *c, size_t proj)
{
	const record *r;
	double w;
	size_t i;
	int l, t, pred;

	memset(s, 0, sizeof(*s));
	s->name = proj == SIZE_MAX ? NULL : c->projects[proj].name;
	s->projects = proj == SIZE_MAX ? c->nprojects : 1;
	for (i = 0; i < c->nrecords; i++) {
		r = &c->records[i];
		if (proj != SIZE_MAX && r->project != proj)
			continue;
		s->records++;
		w = weight(c, r);
		for (l = 0; l < L__COUNT; l++)
			for (t = 0; t < T__COUNT; t++) {
				cell *x = &s->cells[l][t];

				pred = predicted(r, l, t);
				if (pred && r->truth[l]) {
					x->tp += w;
					x->ntp++;
				} else if (pred) {
					x->fp += w;
					x->nfp++;
				} else if (r->truth[l]) {
					x->fn += w;
					x->nfn++;
				}
			}
		if (r->target >= 0) {
			s->target_total++;
			s->target_named += r->target != 2;
			s->target_right += r->target == 1;
		}
	}
}

/* Each returns 1 with *out set, or 0 when the figure is undefined. */
static int precision(const cell *x, double *out)
{
	if (!(x->ntp + x->nfp))
		return 0;
	*out = x->tp / (x->tp + x->fp);
	return 1;
}

static int recall(const cell *x, double *out)
{
	if (!(x->ntp + x->nfn))
		return 0;
	*out = x->tp / (x->tp + x->fn);
	return 1;
}

/* Of the counted reverts whose message names a target, the share named
 * right: a wrong target blames the wrong release. One that names none
 * blames none (shown as the named share). */
static int target_rate(const scope *s, double *out)
{
	if (!s->target_named)
		return 0;
	*out = (double)s->target_right / (double)s->target_named;
	return 1;
}

/* The Wilson score interval (95%) of TP out of TP + FP records: honest
 * for the small samples a hand-labelled corpus has. */
static int wilson(const cell *x, double *lo, double *hi)
{
	const double z = 1.959963984540054;
	double n = (double)(x->ntp + x->nfp), p, z2n, mid, half;

	if (n <= 0)
		return 0;
	p = (double)x->ntp / n;
	z2n = z * z / n;
	mid = (p + z2n / 2) / (1 + z2n);
	half = z * sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n);
	*lo = mid - half < 0 ? 0 : mid - half;
	*hi = mid + half > 1 ? 1 : mid + half;
	return 1;
}

/* ---- floors ---- */

enum { F_PASS, F_FAIL, F_NOT_COUNTED, F_NO_POSITIVES };

/* A floor on the pooled counted tier. Undefined precision or target (no
 * counted prediction) passes as "not counted": nothing counted can be
 * wrong. Undefined recall (no true positive in the corpus) fails: the
 * corpus cannot show the rules find anything. */
static int floor_check(const floor_spec *f, const scope *pooled, double *v)
{
	const cell *x = &pooled->cells[f->label][T_COUNTED];
	int ok;

	if (f->metric == M_PRECISION)
		ok = precision(x, v);
	else if (f->metric == M_RECALL)
		ok = recall(x, v);
	else
		ok = target_rate(pooled, v);
	if (!ok)
		return f->metric == M_RECALL ? F_NO_POSITIVES : F_NOT_COUNTED;
	/* a margin for the rounding of weights, so 9/10 meets 0.90 */
	return *v + 1e-9 >= f->value ? F_PASS : F_FAIL;
}

static int parse_floor(floor_spec *f, const char *spec)
{
	const char *colon = strchr(spec, ':'), *eq = strchr(spec, '=');
	char *end;
	size_t n;

	memset(f, 0, sizeof(*f));
	f->text = spec;
	if (!colon || !eq || eq < colon)
		return -1;
	n = (size_t)(colon - spec);
	for (f->label = 0; f->label < L__COUNT; f->label++)
		if (strlen(label_name[f->label]) == n &&
		    !strncmp(spec, label_name[f->label], n))
			break;
	n = (size_t)(eq - colon - 1);
	for (f->metric = 0; f->metric < M__COUNT; f->metric++)
		if (strlen(metric_name[f->metric]) == n &&
		    !strncmp(colon + 1, metric_name[f->metric], n))
			break;
	f->value = strtod(eq + 1, &end);
	if (f->label == L__COUNT || f->metric == M__COUNT || !eq[1] || *end ||
	    !(f->value >= 0 && f->value <= 1) ||
	    (f->metric == M_TARGET && f->label != L_REVERT))
		return -1;
	return 0;
}

/* ---- output ---- */

/* v is read only after `defined` is computed: the callers pass a call that
 * sets *v as `defined`, and argument order is unspecified. */
static int put_num(gv_buf *b, int defined, const double *v, int json)
{
	if (!defined)
		return gv_buf_puts(b, json ? "null" : "-");
	return gv_buf_printf(b, json ? "%.10g" : "%.3f", *v);
}

static int put_cell_json(gv_buf *b, const cell *x)
{
	double v = 0, lo = 0, hi = 0;
	int rc, ci = wilson(x, &lo, &hi);

	rc = gv_buf_puts(b, "{\"precision\": ");
	rc = rc ? rc : put_num(b, precision(x, &v), &v, 1);
	rc = rc ? rc : gv_buf_puts(b, ", \"precision_ci95\": ");
	if (!rc && ci)
		rc = gv_buf_printf(b, "[%.10g, %.10g]", lo, hi);
	else if (!rc)
		rc = gv_buf_puts(b, "null");
	rc = rc ? rc : gv_buf_puts(b, ", \"recall\": ");
	rc = rc ? rc : put_num(b, recall(x, &v), &v, 1);
	rc = rc ? rc : gv_buf_printf(b, ", \"tp\": %zu, \"fp\": %zu, "
				     "\"fn\": %zu, \"tp_weight\": %.10g, "
				     "\"fp_weight\": %.10g, "
				     "\"fn_weight\": %.10g}", x->ntp, x->nfp,
				     x->nfn, x->tp, x->fp, x->fn);
	return rc;
}

static int put_scope_json(gv_buf *b, const scope *s)
{
	double v = 0;
	int l, t, rc = 0;

	if (s->name) {
		rc = gv_buf_puts(b, "{\"project\": ");
		rc = rc ? rc : gv_cli_put_str(b, s->name, strlen(s->name), 1);
		rc = rc ? rc : gv_buf_puts(b, ", ");
	} else {
		rc = gv_buf_printf(b, "{\"projects\": %zu, ", s->projects);
	}
	rc = rc ? rc : gv_buf_printf(b, "\"records\": %zu, \"labels\": {",
				     s->records);
	for (l = 0; l < L__COUNT && !rc; l++) {
		rc = gv_buf_printf(b, "%s\"%s\": {", l ? ", " : "",
				   label_name[l]);
		for (t = 0; t < T__COUNT && !rc; t++) {
			rc = gv_buf_printf(b, "%s\"%s\": ", t ? ", " : "",
					   tier_name[t]);
			rc = rc ? rc : put_cell_json(b, &s->cells[l][t]);
		}
		rc = rc ? rc : gv_buf_puts(b, "}");
	}
	rc = rc ? rc : gv_buf_printf(b, "}, \"revert_target\": {\"right\": "
				     "%zu, \"named\": %zu, \"total\": %zu, "
				     "\"rate\": ", s->target_right,
				     s->target_named, s->target_total);
	rc = rc ? rc : put_num(b, target_rate(s, &v), &v, 1);
	return rc ? rc : gv_buf_puts(b, "}}");
}

/* A Markdown table, so that docs/RULES.md can take it as printed. */
static int put_scope_text(gv_buf *b, const scope *s)
{
	double v = 0, lo = 0, hi = 0;
	int l, t, rc;

	if (s->name) {
		rc = gv_buf_puts(b, "\n## ");
		rc = rc ? rc : gv_cli_put_str(b, s->name, strlen(s->name), 0);
		rc = rc ? rc : gv_buf_printf(b, ": %zu records\n\n",
					     s->records);
	} else {
		rc = gv_buf_printf(b, "\n## pooled: %zu project%s, %zu "
				   "records\n\n", s->projects,
				   s->projects == 1 ? "" : "s", s->records);
	}
	rc = rc ? rc : gv_buf_puts(b, "| label | tier | precision | 95% CI "
				   "| recall | TP | FP | FN |\n"
				   "|---|---|---|---|---|---|---|---|\n");
	for (l = 0; l < L__COUNT && !rc; l++)
		for (t = 0; t < T__COUNT && !rc; t++) {
			const cell *x = &s->cells[l][t];

			rc = gv_buf_printf(b, "| %s | %s | ", label_name[l],
					   tier_name[t]);
			rc = rc ? rc : put_num(b, precision(x, &v), &v, 0);
			if (!rc && wilson(x, &lo, &hi))
				rc = gv_buf_printf(b, " | %.2f-%.2f | ", lo,
						   hi);
			else if (!rc)
				rc = gv_buf_puts(b, " | - | ");
			rc = rc ? rc : put_num(b, recall(x, &v), &v, 0);
			rc = rc ? rc : gv_buf_printf(b, " | %zu | %zu | %zu "
						     "|\n", x->ntp, x->nfp,
						     x->nfn);
		}
	rc = rc ? rc : gv_buf_printf(b, "\nrevert target (counted reverts "
				     "with a known target): %zu of the %zu "
				     "named right; %zu of %zu name one",
				     s->target_right, s->target_named,
				     s->target_named, s->target_total);
	if (!rc && target_rate(s, &v))
		rc = gv_buf_printf(b, " (%.3f)", v);
	return rc ? rc : gv_buf_puts(b, "\n");
}

/* One member of a miss: `, "key": value` or an indented `key: value`. */
static int put_field(gv_buf *b, const char *key, const char *v, int json)
{
	int rc = json ? gv_buf_printf(b, ", \"%s\": ", key) :
		 gv_buf_printf(b, "\n   %s:%*s", key, (int)(8 - strlen(key)),
			       "");

	return rc ? rc : gv_cli_put_str(b, v, strlen(v), json);
}

enum { MISS_FP, MISS_FN, MISS_TARGET };

static int put_miss(gv_buf *b, const corpus *c, const record *r, int l,
		    int kind, int json, int first)
{
	static const char *const name[][2] = {
		{ "FP", "false-positive" }, { "FN", "false-negative" },
		{ "WT", "wrong-target" }
	};
	const project *p = &c->projects[r->project];
	const char *st = p->strata[r->stratum].name;
	const char *conf = r->conf[l] ? gv_confidence_name(r->conf[l]) :
			   "none";
	int rc;

	if (json) {
		rc = gv_buf_printf(b, "%s{\"miss\": \"%s\", \"label\": \"%s\", "
				   "\"id\": \"%s\", \"confidence\": \"%s\"",
				   first ? "" : ", ", name[kind][1],
				   label_name[l], r->id, conf);
		rc = rc ? rc : put_field(b, "project", p->name, 1);
		rc = rc ? rc : put_field(b, "stratum", st, 1);
	} else {
		rc = gv_buf_printf(b, "%s %-8s ", name[kind][0],
				   label_name[l]);
		rc = rc ? rc : gv_cli_put_str(b, p->name, strlen(p->name), 0);
		rc = rc ? rc : gv_buf_printf(b, " %.12s ", r->id);
		rc = rc ? rc : gv_cli_put_str(b, st, strlen(st), 0);
		rc = rc ? rc : gv_buf_printf(b, " (%s)", conf);
	}
	rc = rc ? rc : put_field(b, "rules", r->rules, json);
	rc = rc ? rc : put_field(b, "subject", r->subject, json);
	if (kind == MISS_TARGET)
		rc = rc ? rc : put_field(b, "target", r->want, json);
	rc = rc ? rc : put_field(b, "reason", r->reason, json);
	return rc ? rc : gv_buf_puts(b, json ? "}" : "\n");
}

/* Every (record, label) the counted tier gets wrong, and every counted
 * revert whose target was not found (WT). */
static int put_misses(gv_buf *b, const corpus *c, int json)
{
	const record *r;
	size_t i;
	int l, rc, first = 1;

	rc = gv_buf_puts(b, json ? ", \"misses\": [" :
			 "\n## misses of the counted tier\n\n");
	for (i = 0; i < c->nrecords && !rc; i++) {
		r = &c->records[i];
		for (l = 0; l < L__COUNT && !rc && r->rules; l++) {
			if ((r->conf[l] >= GV_CONF_HIGH) != r->truth[l])
				rc = put_miss(b, c, r, l, r->truth[l] ?
					      MISS_FN : MISS_FP, json, first);
			else if (l == L_REVERT && r->target == 0)
				rc = put_miss(b, c, r, l, MISS_TARGET, json,
					      first);
			else
				continue;
			first = 0;
		}
	}
	return rc ? rc : json ? gv_buf_puts(b, "]") : 0;
}

/* Writes every floor's verdict; *failed when one fails. */
static int put_floors(gv_buf *b, const acc_opts *o, const scope *pooled,
		      int *failed)
{
	const floor_spec *f;
	double v = 0;
	size_t i;
	int r, rc;

	*failed = 0;
	rc = o->json ? gv_buf_puts(b, ", \"floors\": [") : o->nfloors ?
	     gv_buf_puts(b, "\n## floors (pooled, counted tier)\n\n") : 0;
	for (i = 0; i < o->nfloors && !rc; i++) {
		f = &o->floors[i];
		r = floor_check(f, pooled, &v);
		*failed |= r == F_FAIL || r == F_NO_POSITIVES;
		if (o->json) {
			rc = gv_buf_printf(b, "%s{\"label\": \"%s\", "
					   "\"metric\": \"%s\", \"floor\": "
					   "%.10g, \"value\": ", i ? ", " : "",
					   label_name[f->label],
					   metric_name[f->metric], f->value);
			rc = rc ? rc : put_num(b, r < F_NOT_COUNTED, &v, 1);
			rc = rc ? rc : gv_buf_printf(b, ", \"result\": "
				"\"%s\"}", r == F_PASS ? "pass" : r == F_FAIL ?
				"fail" : r == F_NOT_COUNTED ? "not counted" :
				"no positives");
		} else {
			rc = gv_buf_printf(b, "%s %s:%s >= %g: ",
					   r == F_PASS || r == F_NOT_COUNTED ?
					   "PASS" : "FAIL", label_name[f->label],
					   metric_name[f->metric], f->value);
			rc = rc ? rc : r < F_NOT_COUNTED ?
			     gv_buf_printf(b, "%.3f\n", v) :
			     gv_buf_printf(b, "%s\n", r == F_NOT_COUNTED ?
					   "not counted (no counted "
					   "prediction)" : "no positive in "
					   "the corpus");
		}
		if (!rc && (r == F_FAIL || r == F_NO_POSITIVES))
			fprintf(stderr, "git-vitals: %s: floor failed: %s "
				"(%s)\n", what, f->text, r == F_FAIL ?
				"below" : "no positive in the corpus");
	}
	return rc ? rc : o->json ? gv_buf_puts(b, "]") : 0;
}

static int report(gv_buf *b, const corpus *c, const acc_opts *o,
		  int *failed)
{
	scope s, pooled;
	size_t i;
	int rc;

	tally(&pooled, c, SIZE_MAX);
	if (o->json) {
		rc = gv_buf_puts(b, "{\"pooled\": ");
		rc = rc ? rc : put_scope_json(b, &pooled);
		rc = rc ? rc : gv_buf_puts(b, ", \"projects\": [");
	} else {
		rc = gv_buf_printf(b, "# rules accuracy: %zu records of %zu "
				   "project%s\n\n"
				   "Precision and recall are weighted by "
				   "stratum, each project weighing the\n"
				   "same; TP, FP, FN count records; 95%% CI: "
				   "Wilson interval of TP / (TP + FP).\n"
				   "Tiers: counted = high or advisory (what "
				   "the metrics count), low = low only,\n"
				   "any = either.\n", c->nrecords,
				   c->nprojects, c->nprojects == 1 ? "" :
				   "s");
		rc = rc ? rc : put_scope_text(b, &pooled);
	}
	for (i = 0; i < c->nprojects && !rc; i++) {
		tally(&s, c, i);
		if (o->json)
			rc = gv_buf_puts(b, i ? ", " : "");
		rc = rc ? rc : o->json ? put_scope_json(b, &s) :
		     put_scope_text(b, &s);
	}
	if (!rc && o->json)
		rc = gv_buf_puts(b, "]");
	if (!rc && o->misses)
		rc = put_misses(b, c, o->json);
	rc = rc ? rc : put_floors(b, o, &pooled, failed);
	return rc ? rc : gv_buf_puts(b, o->json ? "}\n" : "");
}

/* ---- the command ---- */

static const char usage[] =
	"usage: git-vitals rules accuracy [--rules PATH]... [--rules-add "
	"PATH]...\n"
	"         [--format text|json] [--floor LABEL:METRIC=VALUE]... "
	"[--misses]\n"
	"         [--project NAME]... PATH...\n"
	"PATH: a corpus file (.jsonl) or a directory of them.\n"
	"LABEL: fix, security, revert, rollback; METRIC: precision, recall, "
	"or\ntarget (revert only); VALUE from 0 to 1. Floors apply to the "
	"pooled counted\ntier; exit 4 when one fails.\n";

static int parse_args(acc_opts *o, int argc, char **argv)
{
	static const char *const valued[] = {
		"--rules-add", "--rules", "--format", "--floor", "--project"
	};
	gv_strv *lists[] = { &o->add, &o->rules, NULL, NULL, &o->projects };
	const char *v = NULL, *format = NULL;
	size_t k;
	int i, m, dashdash = 0;

	for (i = 0; i < argc; i++) {
		if (dashdash || argv[i][0] != '-' || !argv[i][1]) {
			if (gv_strv_push(&o->paths, argv[i]))
				return GV_ENOMEM;
			continue;
		}
		if (!strcmp(argv[i], "--")) {
			dashdash = 1;
			continue;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--misses")) {
			o->misses = 1;
			continue;
		}
		for (k = 0, m = 0; k < sizeof(valued) / sizeof(*valued); k++)
			if ((m = gv_cli_opt_value(argc, argv, &i, valued[k],
						  &v)))
				break;
		if (m < 0) {
			fprintf(stderr, "git-vitals: %s: %s needs a value\n",
				what, argv[i]);
			return GV_EUSAGE;
		}
		if (!m) {
			fprintf(stderr, "git-vitals: %s: unknown option %s\n%s",
				what, argv[i], usage);
			return GV_EUSAGE;
		}
		if (lists[k] && gv_strv_push(lists[k], (char *)v))
			return GV_ENOMEM;
		if (k == 2) {
			if (strcmp(v, "json") && strcmp(v, "text")) {
				fprintf(stderr, "git-vitals: %s: --format is "
					"json or text\n", what);
				return GV_EUSAGE;
			}
			format = v;
		} else if (k == 3) {
			if (gv_grow((void **)&o->floors, &o->afloors,
				    o->nfloors + 1, sizeof(*o->floors)))
				return GV_ENOMEM;
			if (parse_floor(&o->floors[o->nfloors++], v)) {
				fprintf(stderr, "git-vitals: %s: --floor %s: "
					"expected LABEL:METRIC=VALUE (see "
					"--help)\n", what, v);
				return GV_EUSAGE;
			}
		}
	}
	if (!o->paths.n) {
		fprintf(stderr, "git-vitals: %s: expected a corpus PATH\n%s",
			what, usage);
		return GV_EUSAGE;
	}
	o->json = format ? !strcmp(format, "json") : !isatty(STDOUT_FILENO);
	return 0;
}

static void opts_free(acc_opts *o)
{
	free(o->rules.v);
	free(o->add.v);
	free(o->paths.v);
	free(o->projects.v);
	free(o->floors);
}

/* The rule set is what every other command loads with the same flags
 * (gv_cli_load_rules), vitals.disableRules of the repository here
 * included. */
static int run(const acc_opts *o, corpus *c, gv_buf *out, int *failed,
	       gv_error *err)
{
	gv_ruleset *rs = NULL;
	size_t i;
	int rc;

	if ((rc = gv_cli_load_rules(&rs, o->rules.v, o->rules.n, o->add.v,
				    o->add.n, ".", 1, err)) ||
	    (rc = gv_classes_new(&c->classes, rs, err))) {
		gv_error_prefix(err, what);
		goto done;
	}
	for (i = 0; i < o->paths.n && !rc; i++)
		rc = add_path(c, o->paths.v[i], err);
	for (i = 0; i < c->nfiles && !rc; i++)
		rc = read_file(c, o, i, err);
	if (rc || (rc = check_sample(c, err)))
		goto done;    /* FILE:LINE or PATH: says what */
	if (!c->nrecords) {
		rc = gv_error_set(err, GV_EINPUT, "%s: no record to measure%s",
				  what, o->projects.n ? " (of the --project "
				  "named)" : "");
		goto done;
	}
	if (gv_classes_limit_hits(c->classes))
		fprintf(stderr, "git-vitals: %s: warning: a rule hit its "
			"match limit and was skipped\n", what);
	if ((rc = report(out, c, o, failed)))
		gv_error_set(err, rc, "%s: out of memory", what);
done:
	/* the table refers to the rule set's ids: free it first */
	gv_classes_free(c->classes);
	c->classes = NULL;
	gv_rules_free(rs);
	return rc;
}

int gv_cmd_rules_accuracy(int argc, char **argv)
{
	gv_error err = { 0, "" };
	gv_buf out = { 0 };
	acc_opts o;
	corpus c;
	int rc, failed = 0, ret;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	rc = parse_args(&o, argc, argv);
	if (rc == GV_ENOMEM)
		gv_error_set(&err, rc, "%s: out of memory", what);
	else if (!rc)
		rc = run(&o, &c, &out, &failed, &err);
	if (rc) {
		/* parse_args has printed its usage error or the help */
		ret = rc == 1 ? GV_EXIT_OK : rc == GV_EUSAGE ? GV_EXIT_USAGE :
		      gv_cli_fail(NULL, &err);
		goto done;
	}
	fwrite(out.ptr ? out.ptr : "", 1, out.len, stdout);
	ret = failed ? GV_EXIT_GATE : GV_EXIT_OK;
done:
	gv_buf_free(&out);
	corpus_free(&c);
	opts_free(&o);
	return ret;
}
