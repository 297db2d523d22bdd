/*
 * batch.c - the manifest parser, shard selection and the ordered worker pool
 * behind `git-vitals batch` (format and contract in docs/BATCH.md).
 *
 * Manifest: one repository per line, a path then key=value fields, split at
 * whitespace; double quotes group bytes (with \\ \" \n \t escapes inside),
 * an unquoted # at the start of a field starts a comment. A bad line becomes
 * a gv_manifest_problem and the parse goes on.
 *
 * Pool invariants: job j is handed out only when j < emitted + window, so it
 * lands in slot j % window after the slot's previous job (j - window) was
 * emitted; outputs are emitted strictly in index order by the calling
 * thread; all shared state is under one mutex, and jobs run outside it.
 */
#include "gv/batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Finished outputs held per thread while an earlier job is still running:
 * enough to keep every thread busy behind one slow repository, few enough
 * that memory stays bounded whatever the manifest's length. */
#define WINDOW_PER_THREAD 4

static char *dup_bytes(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p) {
		if (len)
			memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Reads the field at *pp (not whitespace) into tok, unquoting it. *eq is the
 * offset in tok of the first '=' outside quotes (SIZE_MAX: none), so that a
 * quoted "a=b" is a plain value and name="a b" is a key and a value.
 * Returns 0 or GV_ENOMEM; a malformed field sets *msg.
 */
static int read_field(gv_buf *tok, size_t *eq, const char **msg,
		      const char **pp, const char *end)
{
	const char *p = *pp;
	int quoted = 0;

	tok->len = 0;
	*eq = SIZE_MAX;
	*msg = NULL;
	for (; p < end && (quoted || !is_space(*p)); p++) {
		char c = *p;
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && c == '\\') {
			if (++p == end)
				break;
			switch (*p) {
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			default:
				*msg = "unknown escape in quotes (use \\\\ \\\" \\n \\t)";
				return 0;
			}
		} else if (!quoted && c == '=' && *eq == SIZE_MAX) {
			*eq = tok->len;
		}
		if (gv_buf_put(tok, &c, 1))
			return GV_ENOMEM;
	}
	*pp = p;
	if (quoted)
		*msg = "unterminated quote";
	return 0;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

/* The default name: the last component, ignoring trailing slashes. */
static char *last_component(const char *path)
{
	size_t len = strlen(path), start;

	while (len > 1 && path[len - 1] == '/')
		len--;
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (start == len) /* "/" or "//" */
		start = 0;
	return dup_bytes(path + start, len - start);
}

static void entry_clear(gv_manifest_entry *e)
{
	size_t i;

	free(e->path);
	free(e->name);
	for (i = 0; i < e->nrevs; i++)
		free(e->revs[i]);
	free(e->revs);
	free(e->release_pattern);
	free(e->since);
	free(e->until);
	memset(e, 0, sizeof(*e));
}

static void problem_clear(gv_manifest_problem *p)
{
	free(p->path);
	free(p->message);
	memset(p, 0, sizeof(*p));
}

/* Sets a single-valued key; "given twice" is a problem, not a silent win. */
static const char *set_once(char **dst, const char *v, size_t len,
			    int *nomem)
{
	if (*dst)
		return "key given twice";
	if (!(*dst = dup_bytes(v, len)))
		*nomem = 1;
	return NULL;
}

/* Applies key=value to e. Returns NULL, or what is wrong with it (the
 * caller names the key); *nomem on allocation failure. */
static const char *apply_key(gv_manifest_entry *e, const char *key,
			     size_t klen, const char *v, size_t vlen,
			     int *nomem)
{
#define IS(k) (klen == sizeof(k) - 1 && !memcmp(key, k, klen))
	if (!vlen)
		return "empty value";
	if (IS("name"))
		return set_once(&e->name, v, vlen, nomem);
	if (IS("release-pattern"))
		return set_once(&e->release_pattern, v, vlen, nomem);
	if (IS("since"))
		return set_once(&e->since, v, vlen, nomem);
	if (IS("until"))
		return set_once(&e->until, v, vlen, nomem);
	if (IS("all")) {
		if (e->all >= 0)
			return "key given twice";
		if ((vlen == 1 && *v == '1') || (vlen == 4 && !memcmp(v, "true", 4)))
			e->all = 1;
		else if ((vlen == 1 && *v == '0') ||
			 (vlen == 5 && !memcmp(v, "false", 5)))
			e->all = 0;
		else
			return "all= takes 1 or 0";
		return NULL;
	}
	if (IS("rev")) {
		char **revs = gv_reallocarray(e->revs, e->nrevs + 1, sizeof(*revs));
		if (!revs || !(revs[e->nrevs] = dup_bytes(v, vlen))) {
			if (revs)
				e->revs = revs;
			*nomem = 1;
			return NULL;
		}
		e->revs = revs;
		e->nrevs++;
		return NULL;
	}
	return "unknown key (name, rev, all, release-pattern, since, until)";
#undef IS
}

static int add_problem(gv_manifest *m, size_t line, const char *path,
		       const char *what, const char *field, const char *msg)
{
	gv_manifest_problem *p;
	gv_buf b = {0};

	if (gv_grow((void **)&m->problems, &m->palloc, m->nproblems + 1,
		    sizeof(*m->problems)))
		return GV_ENOMEM;
	p = &m->problems[m->nproblems];
	memset(p, 0, sizeof(*p));
	p->line = line;
	if (field ? gv_buf_printf(&b, "%s '%s': %s", what, field, msg)
		  : gv_buf_printf(&b, "%s", msg)) {
		gv_buf_free(&b);
		return GV_ENOMEM;
	}
	p->message = b.ptr;
	if (path && !(p->path = dup_bytes(path, strlen(path)))) {
		problem_clear(p);
		return GV_ENOMEM;
	}
	m->nproblems++;
	return 0;
}

/* Parses one line (without its newline) into a new entry or a problem. */
static int parse_line(gv_manifest *m, size_t lineno, const char *p,
		      const char *end, gv_buf *tok)
{
	gv_manifest_entry e;
	const char *msg = NULL, *what = NULL;
	char *field = NULL;
	size_t eq;
	int nomem = 0, error = 0;

	memset(&e, 0, sizeof(e));
	e.line = lineno;
	e.all = -1;
	if (memchr(p, '\0', (size_t)(end - p))) {
		msg = "NUL byte in the line";
		goto problem;
	}
	p = skip_space(p, end);
	if (p == end || *p == '#')
		goto done; /* blank or comment */
	if (read_field(tok, &eq, &msg, &p, end))
		goto nomem;
	if (msg)
		goto problem;
	if (!tok->len) {
		msg = "empty path";
		goto problem;
	}
	if (!(e.path = dup_bytes(tok->ptr, tok->len)))
		goto nomem;
	while ((p = skip_space(p, end)) < end && *p != '#') {
		if (read_field(tok, &eq, &msg, &p, end))
			goto nomem;
		if (msg)
			goto problem;
		if (eq == SIZE_MAX) {
			what = "field";
			field = dup_bytes(tok->ptr, tok->len);
			msg = "expected key=value after the path";
			goto problem;
		}
		msg = apply_key(&e, tok->ptr, eq, tok->ptr + eq + 1,
				tok->len - eq - 1, &nomem);
		if (nomem)
			goto nomem;
		if (msg) {
			what = "key";
			field = dup_bytes(tok->ptr, eq);
			goto problem;
		}
	}
	if (!e.name && !(e.name = last_component(e.path)))
		goto nomem;
	if (gv_grow((void **)&m->entries, &m->alloc, m->count + 1,
		    sizeof(*m->entries)))
		goto nomem;
	m->entries[m->count++] = e;
	memset(&e, 0, sizeof(e));
	goto done;
problem:
	if (what && !field)
		goto nomem;
	error = add_problem(m, lineno, e.path, what, field, msg);
	goto done;
nomem:
	error = GV_ENOMEM;
done:
	free(field);
	entry_clear(&e);
	return error;
}

int gv_manifest_parse(gv_manifest *m, const char *data, size_t len,
		      gv_error *err)
{
	const char *p = data, *end = data + len;
	gv_buf tok = {0};
	size_t lineno = 0;
	int error = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((error = parse_line(m, ++lineno, p, eol, &tok)))
			break;
		p = nl ? nl + 1 : end;
	}
	gv_buf_free(&tok);
	if (error)
		return gv_error_set(err, error, "out of memory");
	return 0;
}

void gv_manifest_free(gv_manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->count; i++)
		entry_clear(&m->entries[i]);
	for (i = 0; i < m->nproblems; i++)
		problem_clear(&m->problems[i]);
	free(m->entries);
	free(m->problems);
	memset(m, 0, sizeof(*m));
}

static int parse_u32(uint32_t *out, const char *s, const char *end)
{
	uint64_t v = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int gv_shard_parse(uint32_t *k, uint32_t *n, const char *spec, gv_error *err)
{
	const char *slash = strchr(spec, '/');

	if (!slash || parse_u32(k, spec, slash) ||
	    parse_u32(n, slash + 1, slash + strlen(slash)) || *k < 1 || *k > *n)
		return gv_error_set(err, GV_EUSAGE,
				    "--shard '%s': expected K/N with 1 <= K <= N",
				    spec);
	return 0;
}

uint32_t gv_shard_of(const char *path, size_t len, uint32_t n)
{
	return (uint32_t)(gv_fnv1a64(path, len) % n) + 1;
}

static int in_shard(const char *path, uint32_t k, uint32_t n)
{
	return path ? gv_shard_of(path, strlen(path), n) == k : k == 1;
}

void gv_manifest_shard(gv_manifest *m, uint32_t k, uint32_t n)
{
	size_t i, kept = 0;

	for (i = 0; i < m->count; i++) {
		if (in_shard(m->entries[i].path, k, n))
			m->entries[kept++] = m->entries[i];
		else
			entry_clear(&m->entries[i]);
	}
	m->count = kept;
	for (i = 0, kept = 0; i < m->nproblems; i++) {
		if (in_shard(m->problems[i].path, k, n))
			m->problems[kept++] = m->problems[i];
		else
			problem_clear(&m->problems[i]);
	}
	m->nproblems = kept;
}

/* --- the ordered pool ------------------------------------------------- */

typedef struct slot {
	gv_buf out;
	int done;
} slot;

typedef struct pool {
	const gv_batch_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t done_cv;  /* a job finished (the emitter waits) */
	pthread_cond_t room_cv;  /* a slot was emitted, or stop (workers wait) */
	slot *slots;
	size_t window;
	size_t next;      /* the next job to hand out */
	size_t emitted;   /* jobs 0..emitted-1 are emitted */
	size_t finished;  /* jobs finished, in any order */
	int stop;         /* a fatal error: hand out nothing more */
	int error;
	gv_error err;     /* the first fatal error */
} pool;

/* Records the first fatal error; called with the lock held. */
static void pool_fail(pool *p, int error, const gv_error *err)
{
	if (!p->stop) {
		p->error = error;
		p->err = *err;
		if (!p->err.msg[0])
			gv_error_set(&p->err, error, "batch job failed");
	}
	p->stop = 1;
	pthread_cond_broadcast(&p->room_cv);
	pthread_cond_signal(&p->done_cv);
}

static void *worker(void *arg)
{
	pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		gv_buf out = {0};
		gv_error err = {0};
		size_t i;
		int error;

		while (!p->stop && p->next < p->o->njobs &&
		       p->next >= p->emitted + p->window)
			pthread_cond_wait(&p->room_cv, &p->lock);
		if (p->stop || p->next >= p->o->njobs)
			break;
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		error = p->o->run(p->o->payload, i, &out, &err);
		pthread_mutex_lock(&p->lock);
		p->slots[i % p->window].out = out;
		p->slots[i % p->window].done = 1;
		p->finished++;
		if (error)
			pool_fail(p, error, &err);
		pthread_cond_signal(&p->done_cv);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The calling thread: emits outputs in order, reports progress. Returns
 * with the lock held, as it was called. */
static void emit_in_order(pool *p)
{
	const gv_batch_opts *o = p->o;
	size_t shown = 0;

	while (!p->stop && p->emitted < o->njobs) {
		slot *s = &p->slots[p->emitted % p->window];
		gv_buf out;
		gv_error err = {0};
		size_t i, done;
		int error;

		if (o->progress && p->finished != shown) {
			done = shown = p->finished;
			pthread_mutex_unlock(&p->lock);
			o->progress(o->payload, done, o->njobs);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		if (!s->done) {
			pthread_cond_wait(&p->done_cv, &p->lock);
			continue;
		}
		out = s->out;
		memset(&s->out, 0, sizeof(s->out));
		s->done = 0;
		i = p->emitted++;
		pthread_cond_broadcast(&p->room_cv);
		pthread_mutex_unlock(&p->lock);
		error = o->emit(o->payload, i, &out, &err);
		gv_buf_free(&out);
		pthread_mutex_lock(&p->lock);
		if (error)
			pool_fail(p, error, &err);
	}
}

int gv_batch_run(const gv_batch_opts *o, gv_error *err)
{
	pool p;
	pthread_t *threads = NULL;
	size_t nthreads, started = 0, i;
	int error = 0;

	if (!o->njobs)
		return 0;
	memset(&p, 0, sizeof(p));
	p.o = o;
	nthreads = o->threads ? o->threads : 1;
	if (nthreads > o->njobs)
		nthreads = o->njobs;
	p.window = nthreads * WINDOW_PER_THREAD;
	if (!(p.slots = calloc(p.window, sizeof(*p.slots))) ||
	    !(threads = calloc(nthreads, sizeof(*threads)))) {
		free(p.slots);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.done_cv, NULL);
	pthread_cond_init(&p.room_cv, NULL);
	for (; started < nthreads; started++) {
		int e = pthread_create(&threads[started], NULL, worker, &p);
		if (e) {
			/* Run with the threads we have; none at all is fatal. */
			if (!started)
				error = gv_error_set(err, GV_EINTERNAL,
						     "cannot start a thread: %s",
						     strerror(e));
			break;
		}
	}
	pthread_mutex_lock(&p.lock);
	if (started)
		emit_in_order(&p);
	else
		p.stop = 1;
	pthread_mutex_unlock(&p.lock);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (o->progress && started)
		o->progress(o->payload, p.finished, o->njobs);
	if (!error && p.error) {
		error = p.error;
		if (err)
			*err = p.err;
	}
	for (i = 0; i < p.window; i++)
		gv_buf_free(&p.slots[i].out);
	pthread_cond_destroy(&p.room_cv);
	pthread_cond_destroy(&p.done_cv);
	pthread_mutex_destroy(&p.lock);
	free(p.slots);
	free(threads);
	return error;
}
