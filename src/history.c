/*
 * history.c - reads a repository's commits and release tags into the compact
 * model of gv/history.h. With its helpers (libgit.c: libgit2's set-up;
 * commit_parse.c: headers from bytes; commit_graph.c; repo.c: config,
 * one commit, the mailmap's hash) the only module that talks to libgit2.
 *
 * Speed is the point (see the performance issue), so this does not use
 * libgit2's sorting revwalk or its parsed commit objects: it walks the parent
 * graph itself, reads each commit's raw object once through the object
 * database (one inflate), and parses the header by hand, on several threads.
 * libgit2's object cache is off (every object is read once, so caching only
 * costs memory) and so is its re-hashing of every object read.
 *
 * Invariants:
 * - commits[i] is filled once commit i has been read; every commit discovered
 *   is read before gv_history_load() returns, so all are filled at the end.
 * - parents[] holds, per commit, nparents indexes starting at parents_at;
 *   each commit's parents are appended when it is read.
 * - table[] is an open-addressing hash of commit indexes keyed by the first
 *   three bytes of the id; all ids sharing those bytes sit in one probe run,
 *   which is what lets abbreviated ids of 6+ hex digits be looked up (and found
 *   ambiguous) without a sorted index.
 * - In a shallow repository the commits listed in .git/shallow have no
 *   parents, exactly as git treats them.
 */
#include "gv/history.h"
#include "commit_graph.h"
#include "commit_parse.h"
#include "history_int.h"
#include "libgit.h"

#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How many tags deep a ref may point before its commit. git sets no limit
 * (its objects are verified, so a chain cannot loop); ours are not
 * re-hashed (see lib_setup), so a corrupt tag naming itself must end: at a
 * depth no real chain reaches. */
#define GV_TAG_CHAIN_MAX 100000

/* Past this size an object that could not be read for want of memory is
 * called corrupt: git's largest real commits are a few megabytes. */
#define GV_COMMIT_SIZE_MAX ((size_t)1 << 30)

/* Per-load state that does not outlive gv_history_load(). */
typedef struct loader {
	gv_history *h;
	git_repository *repo;
	git_odb *odb;
	git_mailmap *mailmap;
	const gv_history_opts *opts;
	gv_warnings *warnings;
	gv_error *err;
	gv_idx *stack;
	size_t nstack, stack_alloc;
	unsigned char *grafts; /* sorted shallow commit ids */
	size_t ngrafts;
	int64_t now;
	/* the reading threads share the stack, the history and the warnings
	 * under `lock`; `busy` counts commits being read outside it */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t nthreads, busy;
	uint32_t flags;
	int failed;
	gv_cgraph *graph;       /* git's commit-graph, while a phase expands */
	char *objects_dir;      /* for the graph and the threads' own odbs */
} loader;

static int is_graft(const loader *L, const unsigned char *id)
{
	size_t lo = 0, hi = L->ngrafts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(L->grafts + mid * GV_OID_RAWSZ, id, GV_OID_RAWSZ);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int push(loader *L, gv_idx i)
{
	if (gv_grow((void **)&L->stack, &L->stack_alloc, L->nstack + 1,
		    sizeof(*L->stack)))
		return GV_ENOMEM;
	L->stack[L->nstack++] = i;
	return 0;
}

/* One reading thread's scratch: reused for every commit it reads. */
typedef struct worker {
	loader *L;
	git_odb *odb;       /* this thread's own object database */
	gv_commit_header p;
	gv_buf name, email; /* NUL-terminated copies for the mailmap */
	gv_error err;
	int error;
} worker;

static int emit_message(worker *w, gv_idx i, const unsigned char *id)
{
	loader *L = w->L;
	gv_commit_header *p = &w->p;
	gv_message m;

	m.commit = i;
	m.id = id;
	m.message = p->msg;
	m.message_len = p->msg_len;
	m.author_name = p->name;
	m.author_name_len = p->name_len;
	m.author_email = p->email;
	m.author_email_len = p->email_len;
	m.info = &p->c;
	if (L->mailmap) {
		const char *rn = NULL, *re = NULL;
		w->name.len = w->email.len = 0;
		if (gv_buf_put(&w->name, p->name, p->name_len) ||
		    gv_buf_put(&w->name, "", 0) ||
		    gv_buf_put(&w->email, p->email, p->email_len) ||
		    gv_buf_put(&w->email, "", 0))
			return GV_ENOMEM;
		if (!git_mailmap_resolve(&rn, &re, L->mailmap, w->name.ptr,
					 w->email.ptr)) {
			m.author_name = rn;
			m.author_name_len = strlen(rn);
			m.author_email = re;
			m.author_email_len = strlen(re);
		}
	}
	return L->opts->on_message(&m, L->opts->msg_payload);
}

/* Parses a raw commit object (commit_parse.c). Touches nothing shared:
 * runs unlocked. */
static int parse_commit(worker *w, const char *p, const char *end,
			const git_oid *oid)
{
	char hex[GV_OID_HEXSZ + 1];
	int rc = gv_commit_parse(&w->p, p, end);

	if (rc == GV_ENOMEM)
		return gv_error_set(&w->err, rc, "out of memory");
	if (rc)
		return gv_error_set(&w->err, rc, "commit %s: malformed parent line",
				    git_oid_tostr(hex, sizeof(hex), oid));
	return 0;
}

/* Under the lock: records commit i from w->p, interns its parents and
 * queues the unread ones. */
static int record_commit(worker *w, gv_idx i, uint32_t flags, int graft)
{
	loader *L = w->L;
	gv_history *h = L->h;
	gv_commit_header *p = &w->p;
	size_t parents_at = h->nparents, k;
	uint32_t n = 0;
	gv_commit *c;

	if (!graft) {
		for (k = 0; k < p->nparents; k++) {
			gv_idx pi;
			int added;
			if (gv_history_intern(h, p->parents + k * GV_OID_RAWSZ, &pi, &added) ||
			    (added && push(L, pi)) ||
			    gv_grow((void **)&h->parents, &h->parents_alloc,
				    h->nparents + 1, sizeof(*h->parents)))
				return gv_error_set(&w->err, GV_ENOMEM, "out of memory");
			h->parents[h->nparents++] = pi;
			n++;
		}
	}
	c = &h->commits[i];
	*c = p->c;
	c->flags = flags | F_READ | (n > 1 ? GV_COMMIT_MERGE : 0) |
		   (graft ? GV_COMMIT_SHALLOW : 0) |
		   (p->bad_date ? GV_COMMIT_BAD_DATE : 0);
	c->parents_at = (uint32_t)parents_at;
	c->nparents = n;
	return 0;
}

/* The error of a commit object that could not be read. libgit2 allocates
 * what the object's header claims before inflating: a corrupt header
 * claiming gigabytes is "out of memory" there, said here as what it is. */
static int read_failed(worker *w, const git_oid *oid)
{
	const git_error *e = git_error_last();
	char hex[GV_OID_HEXSZ + 1], what[GV_OID_HEXSZ + 32];
	git_object_t type;
	size_t size;

	git_oid_tostr(hex, sizeof(hex), oid);
	if (e && e->klass == GIT_ERROR_NOMEMORY &&
	    !git_odb_read_header(&size, &type, w->odb, oid) &&
	    size > GV_COMMIT_SIZE_MAX)
		return gv_error_set(&w->err, GV_EREPO, "cannot read commit %s: "
				    "its header claims %zu bytes (a corrupt "
				    "object)", hex, size);
	snprintf(what, sizeof(what), "cannot read commit %s", hex);
	return gv_git_fail(&w->err, GV_EREPO, what);
}

/* Fills w->p from the seed when it knows the commit; 1 if it did. */
static int seeded(worker *w, const unsigned char *id)
{
	const gv_history_seed *seed = w->L->opts->seed;
	gv_commit_header *p = &w->p;
	uint32_t n = 0;

	if (!seed || !seed->lookup)
		return 0;
	/* room for the usual parents up front: one call per commit */
	if (p->parents_alloc < 8 &&
	    gv_grow((void **)&p->parents, &p->parents_alloc, 8, GV_OID_RAWSZ))
		return 0; /* out of memory: read the object instead */
	for (;;) {
		memset(&p->c, 0, sizeof(p->c));
		if (!seed->lookup(seed->payload, id, &p->c, p->parents,
				  (uint32_t)p->parents_alloc, &n))
			return 0;
		if (n <= p->parents_alloc)
			break;
		if (gv_grow((void **)&p->parents, &p->parents_alloc, n, GV_OID_RAWSZ))
			return 0;
	}
	p->nparents = n;
	p->bad_date = (p->c.flags & GV_COMMIT_BAD_DATE) != 0;
	p->c.flags = 0;
	return 1;
}

/* The reading loop, run by every worker: pop an unread commit, read and
 * parse it unlocked, record it under the lock, then hand its message to the
 * callback unlocked. A worker that finds the stack empty waits while others
 * are still reading, since their commits may add parents to it. */
static void *work(void *arg)
{
	worker *w = arg;
	loader *L = w->L;
	gv_history *h = L->h;
	unsigned char id[GV_OID_RAWSZ];
	char hex[GV_OID_HEXSZ + 1];

	pthread_mutex_lock(&L->lock);
	for (;;) {
		git_odb_object *obj = NULL;
		git_oid oid;
		gv_idx i;
		int graft, known, error = 0;

		while (!L->nstack && L->busy && !L->failed)
			pthread_cond_wait(&L->cond, &L->lock);
		if (L->failed || !L->nstack)
			break;
		i = L->stack[--L->nstack];
		if (h->commits[i].flags & F_READ)
			continue;
		h->commits[i].flags |= F_READ; /* claimed */
		memcpy(id, h->ids + (size_t)i * GV_OID_RAWSZ, GV_OID_RAWSZ);
		L->busy++;
		pthread_mutex_unlock(&L->lock);

		memcpy(oid.id, id, GV_OID_RAWSZ);
		/* the hex id is for messages only: make it when one is needed */
		hex[0] = '\0';
		known = seeded(w, id);
		if (known) {
			/* from the cache: no object read */
		} else if (git_odb_read(&obj, w->odb, &oid) < 0) {
			error = read_failed(w, &oid);
		} else if (git_odb_object_type(obj) != GIT_OBJECT_COMMIT) {
			error = gv_error_set(&w->err, GV_EREPO,
					     "object %s: is a %s, not a commit",
					     git_oid_tostr(hex, sizeof(hex), &oid),
					     git_object_type2string(git_odb_object_type(obj)));
		} else {
			const char *data = git_odb_object_data(obj);
			error = parse_commit(w, data, data + git_odb_object_size(obj), &oid);
		}
		graft = L->ngrafts && is_graft(L, id);

		pthread_mutex_lock(&L->lock);
		if (!error && !L->failed)
			error = record_commit(w, i, L->flags, graft);
		if (!error && !known)
			h->objects_read++;
		if (L->nstack)
			pthread_cond_broadcast(&L->cond);
		pthread_mutex_unlock(&L->lock);

		if (!error && !L->failed) {
			if (known && L->opts->seed->on_known)
				error = L->opts->seed->on_known(L->opts->seed->payload, i, id);
			else if (!known && L->opts->on_message)
				error = emit_message(w, i, id);
			if (error && !w->err.msg[0])
				gv_error_set(&w->err, error, "commit %s: classification failed",
					     git_oid_tostr(hex, sizeof(hex), &oid));
		}
		git_odb_object_free(obj);

		pthread_mutex_lock(&L->lock);
		L->busy--;
		if (error && !L->failed) {
			L->failed = 1;
			w->error = error;
		}
		if (!L->busy || L->failed)
			pthread_cond_broadcast(&L->cond);
	}
	pthread_mutex_unlock(&L->lock);
	return NULL;
}

/*
 * With a commit-graph, the commits reachable from the queued ones are known
 * without inflating anything: queue them all before the threads start, so
 * that every thread has work from the first moment. Without it, a thread
 * learns a commit's parents only by reading it, and on a linear stretch of
 * history the second thread waits. Commits the graph does not have (newer
 * than it) are still found by reading, as parents are interned then too.
 */
static int expand_with_graph(loader *L)
{
	const gv_cgraph *g = L->graph;
	gv_history *h = L->h;
	uint32_t *q = NULL, buf[64];
	gv_idx *found = NULL, *stack;
	size_t nq = 0, aq = 0, head = 0, nfound = 0, afound = 0, i;
	int error = 0;

	/* the graph says how many commits there are: size the per-commit
	 * arrays once, in the first phase, instead of doubling past the count
	 * (a third of slack); the release-tag phase adds few if any */
	if (L->flags && (error = gv_history_reserve(h, h->count + gv_cgraph_count(g))))
		goto nomem;

	for (i = 0; i < L->nstack; i++) {
		uint32_t pos = gv_cgraph_find(g, h->ids + (size_t)L->stack[i] * GV_OID_RAWSZ);
		if (pos == UINT32_MAX)
			continue;
		if (gv_grow((void **)&q, &aq, nq + 1, sizeof(*q)))
			goto nomem;
		q[nq++] = pos;
	}
	while (head < nq) {
		int np = gv_cgraph_parents(g, q[head++], buf, 64), k;
		if (np < 0 || np > 64)
			break; /* corrupt, or a huge octopus: reading finds the rest */
		for (k = 0; k < np; k++) {
			gv_idx idx;
			int added;
			if (gv_history_intern(h, gv_cgraph_id(g, buf[k]), &idx, &added))
				goto nomem;
			if (!added)
				continue;
			if (gv_grow((void **)&found, &afound, nfound + 1, sizeof(*found)) ||
			    gv_grow((void **)&q, &aq, nq + 1, sizeof(*q)))
				goto nomem;
			found[nfound++] = idx;
			q[nq++] = buf[k];
		}
	}
	/* the stack pops from its end: oldest at the bottom, then the newest,
	 * then the tips on top, so reading goes newest first as packs do */
	if (nfound) {
		if (!(stack = malloc((nfound + L->nstack) * sizeof(*stack))))
			goto nomem;
		for (i = 0; i < nfound; i++)
			stack[i] = found[nfound - 1 - i];
		memcpy(stack + nfound, L->stack, L->nstack * sizeof(*stack));
		free(L->stack);
		L->stack = stack;
		L->nstack += nfound;
		L->stack_alloc = L->nstack;
	}
	goto done;
nomem:
	error = gv_error_set(L->err, GV_ENOMEM, "out of memory");
done:
	free(q);
	free(found);
	return error;
}

/* Reads every unread commit reachable from the queued ones, on
 * L->nthreads threads (the calling one included). */
static int drain(loader *L, uint32_t flags)
{
	worker ws[GV_HISTORY_MAX_THREADS];
	pthread_t tids[GV_HISTORY_MAX_THREADS];
	size_t n = L->nthreads, started = 0, k;
	int error = 0;

	L->flags = flags;
	/* the graph is mapped only while it expands this phase: its pages
	 * (12 MB at 200k commits) need not sit beside the objects read next.
	 * Opening it again for the next phase costs a few header reads. */
	if (!L->h->shallow && L->objects_dir)
		gv_cgraph_open(&L->graph, L->objects_dir);
	error = L->graph ? expand_with_graph(L) : 0;
	gv_cgraph_free(L->graph);
	L->graph = NULL;
	if (error)
		return error;
	memset(ws, 0, sizeof(ws));
	L->failed = 0;
	L->busy = 0;
	for (k = 0; k < n; k++) {
		ws[k].L = L;
		ws[k].odb = L->odb;
	}
	for (k = 1; k < n; k++) {
		/* libgit2 1.5 holds one mutex per git_odb across a whole read,
		 * inflate included, so threads sharing one odb read one at a
		 * time: each extra thread opens its own on the same objects */
		if (L->objects_dir && git_odb_open(&ws[k].odb, L->objects_dir) < 0)
			break;
		if (pthread_create(&tids[k], NULL, work, &ws[k])) {
			git_odb_free(ws[k].odb);
			break; /* fewer threads is slower, not wrong */
		}
		started++;
	}
	work(&ws[0]);
	for (k = 1; k <= started; k++) {
		pthread_join(tids[k], NULL);
		git_odb_free(ws[k].odb);
	}
	for (k = 0; k < n; k++) {
		if (ws[k].error && !error) {
			error = ws[k].error;
			if (L->err)
				*L->err = ws[k].err;
		}
		gv_commit_header_free(&ws[k].p);
		gv_buf_free(&ws[k].name);
		gv_buf_free(&ws[k].email);
	}
	return error;
}

static int add_tip(loader *L, const git_oid *oid)
{
	gv_idx i;
	int added, error;

	if ((error = gv_history_intern(L->h, oid->id, &i, &added)))
		return gv_error_set(L->err, error, "out of memory");
	return added ? push(L, i) : 0;
}


/* Peels oid to a commit through any chain of tags. 0 and *out set; 1 when
 * it ends at a tree or blob (or a missing object: *kind says which). When
 * oid is an annotated tag with a tagger line and `tagger` is not NULL,
 * *tagger is set to 1 and its date stored, from the same read (-1 when
 * that date is bad). */
static int peel_to_commit(loader *L, git_oid *out, const git_oid *oid,
			  git_object_t *kind, int *tagger, int64_t *when, int16_t *when_tz)
{
	git_oid cur = *oid;
	int depth, rc;

	if (tagger)
		*tagger = 0;
	for (depth = 0; depth < GV_TAG_CHAIN_MAX; depth++) {
		git_odb_object *obj;
		const char *p, *end;
		git_object_t t;
		size_t size;
		/* the type alone, without inflating: refs mostly name commits,
		 * which the walk reads anyway (--all on a clone with pull
		 * request refs peels tens of thousands of them) */
		if (git_odb_read_header(&size, &t, L->odb, &cur) < 0) {
			*kind = GIT_OBJECT_INVALID;
			return 1;
		}
		if (t == GIT_OBJECT_COMMIT) {
			*out = cur;
			return 0;
		}
		if (t != GIT_OBJECT_TAG) {
			*kind = t;
			return 1;
		}
		if (git_odb_read(&obj, L->odb, &cur) < 0) {
			*kind = GIT_OBJECT_INVALID;
			return 1;
		}
		p = git_odb_object_data(obj);
		end = p + git_odb_object_size(obj);
		/* a tag of a tag keeps the outer (named) tag's date */
		/* 1: the tagger's date; -1: a tagger whose date is bad */
		if (depth == 0 && tagger &&
		    (rc = gv_tag_parse_tagger(p, end, when, when_tz)) != -1)
			*tagger = rc ? -1 : 1;
		if (end - p < 7 + GV_OID_HEXSZ || memcmp(p, "object ", 7) ||
		    gv_parse_hex_oid(cur.id, p + 7, end)) {
			git_odb_object_free(obj);
			*kind = GIT_OBJECT_INVALID;
			return 1;
		}
		git_odb_object_free(obj);
	}
	*kind = GIT_OBJECT_INVALID;
	return 1;
}


static int load_tags(loader *L, uint64_t *not_commit)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	gv_history *h = L->h;
	int error = 0, r;

	if (git_reference_iterator_glob_new(&it, L->repo, "refs/tags/*") < 0)
		return gv_git_fail(L->err, GV_EREPO, "reading tags");
	while ((r = git_reference_next(&ref, it)) == 0) {
		const char *full = git_reference_name(ref), *name = full + 10;
		git_reference *res = NULL;
		git_oid target, commit;
		git_object_t kind;
		gv_tag *tag;
		int tagged;
		int64_t tagger_t;
		int16_t tagger_tz;
		int keep;

		keep = L->opts->tag_filter
			       ? L->opts->tag_filter(name, strlen(name), L->opts->tag_payload)
			       : 0;
		if (keep < 0) {
			error = gv_error_set(L->err, keep, "tag %s: release pattern failed",
					     name);
			goto done;
		}
		if (keep && git_reference_target(ref)) {
			target = *git_reference_target(ref);
		} else if (!keep || git_reference_resolve(&res, ref) < 0) {
			git_reference_free(ref);
			ref = NULL;
			continue;
		} else {
			target = *git_reference_target(res);
			git_reference_free(res);
		}
		if (peel_to_commit(L, &commit, &target, &kind, &tagged, &tagger_t,
				   &tagger_tz)) {
			(*not_commit)++;
			git_reference_free(ref);
			ref = NULL;
			continue;
		}
		if ((error = gv_grow((void **)&h->tags, &h->tags_alloc, h->ntags + 1,
				     sizeof(*h->tags))))
			goto done;
		tag = &h->tags[h->ntags];
		memset(tag, 0, sizeof(*tag));
		if (!(tag->name = malloc(strlen(name) + 1))) {
			error = GV_ENOMEM;
			goto done;
		}
		memcpy(tag->name, name, strlen(name) + 1);
		h->ntags++;
		if (git_oid_equal(&target, &commit)) {
			tag->kind = GV_TAG_LIGHTWEIGHT;
		} else if (tagged > 0) {
			tag->kind = GV_TAG_ANNOTATED;
			tag->time = tagger_t;
			tag->tz = tagger_tz;
		} else if (tagged < 0) {
			tag->kind = GV_TAG_ANNOTATED_BAD_DATE;
		} else {
			tag->kind = GV_TAG_ANNOTATED_NO_TAGGER;
		}
		if ((error = add_tip(L, &commit)))
			goto done;
		/* the index is set after the walk, once the commit is interned */
		tag->commit = gv_history_find(h, commit.id);
		git_reference_free(ref);
		ref = NULL;
	}
	if (r != GIT_ITEROVER)
		error = gv_git_fail(L->err, GV_EREPO, "reading tags");
done:
	if (error == GV_ENOMEM)
		gv_error_set(L->err, error, "out of memory");
	git_reference_free(ref);
	git_reference_iterator_free(it);
	return error;
}

static int add_rev(loader *L, const char *rev)
{
	git_object *obj = NULL, *peeled = NULL;
	int error;

	if (git_revparse_single(&obj, L->repo, rev) < 0) {
		const git_error *e = git_error_last();
		return gv_error_set(L->err, GV_EREPO, "rev '%s': %s", rev,
				    e && e->message ? e->message : "not found");
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		git_object_free(obj);
		return gv_error_set(L->err, GV_EREPO, "rev '%s': not a commit", rev);
	}
	error = add_tip(L, git_object_id(peeled));
	git_object_free(peeled);
	git_object_free(obj);
	return error;
}

/* --all: HEAD and every ref under refs/, as git log --all. */
static int add_all_refs(loader *L)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	uint64_t skipped = 0;
	int error = 0, r;

	if (L->h->has_head) {
		git_oid head;
		if (git_oid_fromstr(&head, L->h->head) == 0 && (error = add_tip(L, &head)))
			return error;
	}
	if (git_reference_iterator_new(&it, L->repo) < 0)
		return gv_git_fail(L->err, GV_EREPO, "reading refs");
	while ((r = git_reference_next(&ref, it)) == 0) {
		git_reference *res = NULL;
		git_oid commit;
		git_object_t kind;
		const git_oid *target = git_reference_target(ref);
		/* a direct ref (nearly all) needs no lookup to resolve */
		if (!target && git_reference_resolve(&res, ref) == 0)
			target = git_reference_target(res);
		if (!target || peel_to_commit(L, &commit, target, &kind, NULL, NULL, NULL)) {
			skipped++;
		} else if ((error = add_tip(L, &commit))) {
			git_reference_free(res);
			break;
		}
		git_reference_free(res);
		git_reference_free(ref);
		ref = NULL;
	}
	if (!error && r != GIT_ITEROVER && r != 0)
		error = gv_git_fail(L->err, GV_EREPO, "reading refs");
	git_reference_free(ref);
	git_reference_iterator_free(it);
	L->h->skipped_refs = skipped;
	return error;
}

static int cmp_oid(const void *a, const void *b)
{
	return memcmp(a, b, GV_OID_RAWSZ);
}

/* Reads .git/shallow: the commits whose parents a shallow clone cut off. */
static int load_grafts(loader *L)
{
	gv_buf path = {0};
	FILE *f = NULL;
	char line[128];
	size_t alloc = 0;
	int error = 0;

	if (gv_buf_puts(&path, git_repository_commondir(L->repo)) ||
	    gv_buf_puts(&path, "shallow")) {
		error = GV_ENOMEM;
		goto done;
	}
	if (!(f = fopen(path.ptr, "r")))
		goto done;
	while (fgets(line, sizeof(line), f)) {
		if (gv_grow((void **)&L->grafts, &alloc, L->ngrafts + 1, GV_OID_RAWSZ)) {
			error = GV_ENOMEM;
			goto done;
		}
		if (!gv_parse_hex_oid(L->grafts + L->ngrafts * GV_OID_RAWSZ, line,
				   line + strlen(line)))
			L->ngrafts++;
	}
	qsort(L->grafts, L->ngrafts, GV_OID_RAWSZ, cmp_oid);
done:
	if (f)
		fclose(f);
	gv_buf_free(&path);
	return error;
}

static int save_revs(gv_history *h, const gv_history_opts *opts)
{
	size_t i, n = opts->all ? 1 : (opts->nrevs ? opts->nrevs : 1);

	if (!(h->revs = calloc(n, sizeof(*h->revs))))
		return GV_ENOMEM;
	h->nrevs = n;
	for (i = 0; i < n; i++) {
		const char *r = opts->all ? "--all" : (opts->nrevs ? opts->revs[i] : "HEAD");
		if (!(h->revs[i] = gv_utf8_dup(r, strlen(r))))
			return GV_ENOMEM;
	}
	return 0;
}

/* ---- the state a history is loaded from ---- */

static uint64_t fnv_from(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* splitmix64's finaliser: entries are summed, so each one's hash must be
 * spread over all 64 bits first */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Adds one entry. The sum does not depend on the order refs come in (a
 * `git pack-refs` reorders them without changing any), and two 64-bit
 * lanes with different offset bases make an accidental match of two
 * different states a 2^-128 event. */
static void state_add(gv_history_state *s, const gv_buf *e)
{
	s->a += mix64(fnv_from(0xcbf29ce484222325ULL, e->ptr, e->len));
	s->b += mix64(fnv_from(0x84222325cbf29ce4ULL, e->ptr, e->len));
}

/* One ref as an entry: its name, where it points (an id, or the name a
 * symbolic ref names) and, for a tag, whether it is a release. */
static int state_ref(loader *L, gv_history_state *s, gv_buf *e,
		     const git_reference *ref, const char *name)
{
	int keep = 0;

	e->len = 0;
	if (gv_buf_put(e, "r", 1) || gv_buf_put(e, name, strlen(name) + 1))
		return GV_ENOMEM;
	if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC) {
		const char *t = git_reference_symbolic_target(ref);
		if (gv_buf_put(e, "s", 1) || gv_buf_put(e, t, strlen(t)))
			return GV_ENOMEM;
	} else if (git_reference_target(ref)) {
		if (gv_buf_put(e, "d", 1) ||
		    gv_buf_put(e, (const char *)git_reference_target(ref)->id,
			       GV_OID_RAWSZ))
			return GV_ENOMEM;
	}
	if (!strncmp(name, "refs/tags/", 10) && L->opts->tag_filter &&
	    (keep = L->opts->tag_filter(name + 10, strlen(name) - 10,
					L->opts->tag_payload)) < 0)
		return keep;
	if (gv_buf_put(e, keep ? "+" : "-", 1))
		return GV_ENOMEM;
	state_add(s, e);
	return 0;
}

/*
 * Takes the state of the repository (see gv_history_state). Everything that
 * decides what the walk finds goes in: the options, HEAD, every ref (a rev
 * such as main~3 resolves through them), .git/shallow. A rev that reads the
 * reflog ("@{") or anything unreadable gives no state: nothing is reused.
 */
static int take_state(loader *L, gv_history_state *out)
{
	const gv_history_opts *o = L->opts;
	gv_history_state s = {0, 0};
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	gv_buf e = {0};
	FILE *f = NULL;
	char chunk[4096];
	size_t i, n;
	int error = 0, r;

	memset(out, 0, sizeof(*out));
	for (i = 0; !o->all && i < o->nrevs; i++)
		if (strstr(o->revs[i], "@{"))
			return 0;
	/* the options, in order */
	if (gv_buf_put(&e, o->all ? "A" : "O", 1))
		goto nomem;
	for (i = 0; !o->all && i < o->nrevs; i++)
		if (gv_buf_put(&e, o->revs[i], strlen(o->revs[i]) + 1))
			goto nomem;
	state_add(&s, &e);
	if (git_reference_lookup(&ref, L->repo, "HEAD") < 0)
		goto none;
	if ((error = state_ref(L, &s, &e, ref, "HEAD")))
		goto done;
	git_reference_free(ref);
	ref = NULL;
	if (git_reference_iterator_new(&it, L->repo) < 0)
		goto none;
	while ((r = git_reference_next(&ref, it)) == 0) {
		if ((error = state_ref(L, &s, &e, ref, git_reference_name(ref))))
			goto done;
		git_reference_free(ref);
		ref = NULL;
	}
	if (r != GIT_ITEROVER)
		goto none;
	if (L->h->shallow) {
		e.len = 0;
		if (gv_buf_put(&e, "S", 1) ||
		    gv_buf_puts(&e, git_repository_commondir(L->repo)) ||
		    gv_buf_puts(&e, "shallow"))
			goto nomem;
		if (!(f = fopen(e.ptr + 1, "rb")))
			goto none;
		e.len = 1;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			if (gv_buf_put(&e, chunk, n))
				goto nomem;
		if (ferror(f))
			goto none;
		state_add(&s, &e);
	}
	/* all zero is "no state" */
	if (!s.a && !s.b)
		s.b = 1;
	*out = s;
	goto done;
nomem:
	error = GV_ENOMEM;
	goto done;
none:
	memset(out, 0, sizeof(*out));
done:
	if (f)
		fclose(f);
	git_reference_free(ref);
	git_reference_iterator_free(it);
	gv_buf_free(&e);
	return error;
}

static int state_equal(const gv_history_state *x, const gv_history_state *y)
{
	return x->a == y->a && x->b == y->b;
}

/* Fills the history from a seed's snapshot, borrowing its arrays when the
 * seed lets it (see gv_history_snapshot.release), else copying them. The
 * seed checked its bytes, but a history that breaks the invariants of
 * history.h must never be built, so they are checked again: linear, one
 * lookup per commit. */
static int from_snapshot(loader *L, const gv_history_snapshot *sn)
{
	gv_history *h = L->h;
	size_t i, k;

	/* from here the history holds the seed's reference, whatever fails */
	h->release = sn->release;
	h->hold = sn->hold;
	if (sn->count >= GV_NONE || sn->nparents > UINT32_MAX ||
	    sn->table_size < 2 * sn->count || sn->table_size < 2 ||
	    (sn->table_size & (sn->table_size - 1)))
		goto bad;
	for (i = 0; i < sn->count; i++) {
		const gv_commit *c = &sn->commits[i];
		if ((uint64_t)c->parents_at + c->nparents > sn->nparents)
			goto bad;
		for (k = 0; k < c->nparents; k++)
			if (sn->parents[c->parents_at + k] >= sn->count)
				goto bad;
	}
	for (i = 0; i < sn->table_size; i++)
		if (sn->table[i] != GV_NONE && sn->table[i] >= sn->count)
			goto bad;
	for (i = 0; i < sn->ntags; i++)
		if (sn->tags[i].commit >= sn->count || !sn->tags[i].name)
			goto bad;
	if (sn->head && strlen(sn->head) != GV_OID_HEXSZ)
		goto bad;
	if (sn->ntags && !(h->tags = calloc(sn->ntags, sizeof(*h->tags))))
		return GV_ENOMEM;
	h->tags_alloc = sn->ntags;
	for (i = 0; i < sn->ntags; i++, h->ntags++) {
		h->tags[i] = sn->tags[i];
		if (!(h->tags[i].name = strdup(sn->tags[i].name)))
			return GV_ENOMEM;
	}
	if (sn->release) {
		h->commits = (gv_commit *)(uintptr_t)sn->commits;
		h->ids = (unsigned char *)(uintptr_t)sn->ids;
		h->parents = (gv_idx *)(uintptr_t)sn->parents;
		h->table = (gv_idx *)(uintptr_t)sn->table;
	} else {
		if (gv_history_reserve(h, sn->count ? sn->count : 1) ||
		    !(h->parents = malloc((sn->nparents ? sn->nparents : 1) *
					  sizeof(*h->parents))) ||
		    !(h->table = malloc(sn->table_size * sizeof(*h->table))))
			return GV_ENOMEM;
		memcpy(h->commits, sn->commits, sn->count * sizeof(*h->commits));
		memcpy(h->ids, sn->ids, sn->count * GV_OID_RAWSZ);
		memcpy(h->parents, sn->parents, sn->nparents * sizeof(*h->parents));
		memcpy(h->table, sn->table, sn->table_size * sizeof(*h->table));
		h->alloc = sn->count;
		h->parents_alloc = sn->nparents;
	}
	h->count = sn->count;
	h->nparents = sn->nparents;
	h->table_size = sn->table_size;
	if (sn->head) {
		memcpy(h->head, sn->head, GV_OID_HEXSZ + 1);
		h->has_head = 1;
	}
	h->skipped_refs = sn->skipped_refs;
	h->skipped_tags = sn->skipped_tags;
	return 0;
bad:
	return gv_error_set(L->err, GV_EINPUT,
			    "the cache's copy of the history is inconsistent");
}

/* The warnings of a load, in a fixed order whichever way it was loaded. */
static int load_warnings(loader *L)
{
	gv_history *h = L->h;
	uint64_t future = 0, bad = 0, bad_tags = 0;
	size_t i;

	for (i = 0; i < h->count; i++) {
		future += h->commits[i].commit_time > L->now;
		bad += (h->commits[i].flags & GV_COMMIT_BAD_DATE) != 0;
	}
	for (i = 0; i < h->ntags; i++)
		bad_tags += h->tags[i].kind == GV_TAG_ANNOTATED_BAD_DATE;
	if (bad_tags &&
	    gv_warnings_add_n(L->warnings, "tag-bad-date", bad_tags,
			      "release tags have a missing, malformed or "
			      "unbelievable tagger date (outside 1970..9999); "
			      "they are timed by their commit"))
		return GV_ENOMEM;
	if ((h->skipped_refs &&
	     gv_warnings_add_n(L->warnings, "ref-not-commit", h->skipped_refs,
			       "refs that do not point at a commit were skipped")) ||
	    (bad &&
	     gv_warnings_add_n(L->warnings, "bad-date", bad,
			       "some commits have a missing, malformed or "
			       "unbelievable date (outside 1970..9999); they are "
			       "dated 1970-01-01 as git does and left out of "
			       "lead times")) ||
	    (h->skipped_tags &&
	     gv_warnings_add_n(L->warnings, "tag-not-commit", h->skipped_tags,
			       "release tags that point at a tree or a blob (or at "
			       "a missing object) were skipped")) ||
	    (future &&
	     gv_warnings_add_n(L->warnings, "future-commit", future,
			       "commits are dated in the future (clock skew); "
			       "window ends ignore them")))
		return GV_ENOMEM;
	return 0;
}

/* git log shows a commit replaced by refs/replace/ (unless
 * GIT_NO_REPLACE_OBJECTS is set) and the parents info/grafts gives it;
 * git-vitals reads the objects as they are (libgit2 honours neither), so
 * it says when its numbers may differ from git log's. */
static int replacement_warnings(loader *L)
{
	git_reference_iterator *it = NULL;
	const char *name;
	struct stat st;
	gv_buf grafts = {0};
	uint64_t n = 0;
	int rc = 0;

	if (!getenv("GIT_NO_REPLACE_OBJECTS") &&
	    !git_reference_iterator_glob_new(&it, L->repo, "refs/replace/*")) {
		while (!git_reference_next_name(&name, it))
			n++;
		git_reference_iterator_free(it);
	}
	if (n && gv_warnings_add_n(L->warnings, "replace-refs-ignored", n,
				   "refs/replace/ replaces commits: git log "
				   "shows the replacements, git-vitals reads the "
				   "original objects, so its numbers may differ "
				   "from git log's"))
		return GV_ENOMEM;
	if (gv_buf_printf(&grafts, "%sinfo/grafts",
			  git_repository_commondir(L->repo)))
		return GV_ENOMEM;
	if (!stat(grafts.ptr, &st) &&
	    gv_warnings_add(L->warnings, "grafts-ignored",
			    "%s gives commits other parents: git log follows "
			    "them, git-vitals reads the commits as they are, so "
			    "its numbers may differ from git log's", grafts.ptr))
		rc = GV_ENOMEM;
	gv_buf_free(&grafts);
	return rc;
}

/* Sets up the loader: the history, the thread count, the lock; nothing
 * that can fail but the history's allocation. Undone by loader_free(). */
static int loader_init(loader *L, gv_history **h, const gv_history_opts *opts,
		       gv_warnings *warnings, gv_error *err)
{
	memset(L, 0, sizeof(*L));
	/* first, so loader_free may always destroy them */
	pthread_mutex_init(&L->lock, NULL);
	pthread_cond_init(&L->cond, NULL);
	L->opts = opts;
	L->warnings = warnings;
	L->err = err;
	L->now = (int64_t)time(NULL);
	if (opts->threads > 0) {
		L->nthreads = (size_t)opts->threads;
	} else {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		L->nthreads = cores > 0 ? (size_t)cores : 1;
	}
	if (L->nthreads > GV_HISTORY_MAX_THREADS)
		L->nthreads = GV_HISTORY_MAX_THREADS;
	if (!(*h = L->h = calloc(1, sizeof(**h))))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	return 0;
}

static void loader_free(loader *L)
{
	git_mailmap_free(L->mailmap);
	git_odb_free(L->odb);
	git_repository_free(L->repo);
	free(L->stack);
	free(L->grafts);
	gv_cgraph_free(L->graph);
	free(L->objects_dir);
	pthread_mutex_destroy(&L->lock);
	pthread_cond_destroy(&L->cond);
}

/* Opens the repository and its object database, notes the revs and a
 * shallow boundary, and warns of what git log would see differently. */
static int open_history(loader *L)
{
	gv_history *h = L->h;
	int error;

	gv_libgit_init();
	if ((error = gv_git_open(&L->repo, L->opts->path, L->err)))
		return error;
	if (git_repository_odb(&L->odb, L->repo) < 0)
		return gv_git_fail(L->err, GV_EREPO, L->opts->path);
	if (save_revs(h, L->opts))
		return gv_error_set(L->err, GV_ENOMEM, "out of memory");
	h->shallow = git_repository_is_shallow(L->repo) == 1;
	if (h->shallow &&
	    (load_grafts(L) ||
	     gv_warnings_add(L->warnings, "shallow",
			     "the repository is a shallow clone: history before "
			     "its boundary is missing, so early commits have no "
			     "parents and numbers that reach back are partial")))
		return gv_error_set(L->err, GV_ENOMEM, "out of memory");
	if (replacement_warnings(L))
		return gv_error_set(L->err, GV_ENOMEM, "out of memory");
	return 0;
}

/* Asks the seed for the history of the repository's present state: 1 when
 * it handed it back whole (the load is done), 0 to walk, < 0 an error. */
static int try_snapshot(loader *L)
{
	const gv_history_seed *seed = L->opts->seed;
	gv_history_snapshot sn;
	int hit, error;

	if (!seed || !seed->snapshot)
		return 0;
	if ((error = take_state(L, &L->h->state)))
		return gv_error_set(L->err, error, "out of memory");
	memset(&sn, 0, sizeof(sn));
	if ((hit = seed->snapshot(seed->payload, &L->h->state, &sn)) <= 0)
		return hit == GV_ENOMEM ? gv_error_set(L->err, hit, "out of memory")
					: hit;
	if ((error = from_snapshot(L, &sn)) || (error = load_warnings(L)))
		return error == GV_ENOMEM ? gv_error_set(L->err, error,
							 "out of memory")
					  : error;
	return 1;
}

/* What the walk needs beyond the repository: the objects directory (for
 * the commit-graph and each thread's own odb), the mailmap, the id table. */
static int prepare_walk(loader *L)
{
	gv_buf objects = {0};

	if (gv_buf_puts(&objects, git_repository_commondir(L->repo)) ||
	    gv_buf_puts(&objects, "objects")) {
		gv_buf_free(&objects);
		return gv_error_set(L->err, GV_ENOMEM, "out of memory");
	}
	L->objects_dir = objects.ptr;
	if (L->opts->on_message &&
	    git_mailmap_from_repository(&L->mailmap, L->repo) < 0)
		L->mailmap = NULL; /* an unreadable .mailmap is not fatal */
	return gv_history_table_grow(L->h) ? gv_error_set(L->err, GV_ENOMEM, "out of memory")
				: 0;
}

/* Resolves HEAD to its commit into h->head. Only an unborn HEAD (an empty
 * repository) has none: a HEAD that exists but cannot be read is a broken
 * repository, not an empty one. */
static int resolve_head(loader *L, git_oid *head_oid)
{
	gv_history *h = L->h;
	git_oid target;
	git_object_t kind;
	char hex[GV_OID_HEXSZ + 1];

	if (git_repository_head_unborn(L->repo) == 1)
		return 0;
	/* by hand, not git_revparse_single: libgit2 1.5 leaks on its error
	 * path when the HEAD commit is corrupt */
	if (git_reference_name_to_id(&target, L->repo, "HEAD") < 0)
		return gv_git_fail(L->err, GV_EREPO, "cannot read HEAD");
	if (peel_to_commit(L, head_oid, &target, &kind, NULL, NULL, NULL)) {
		git_oid_tostr(hex, sizeof(hex), &target);
		return gv_error_set(L->err, GV_EREPO, "cannot read HEAD (%s): %s",
				    hex, kind == GIT_OBJECT_INVALID
					 ? "the object is missing or corrupt"
					 : "not a commit");
	}
	git_oid_tostr(h->head, sizeof(h->head), head_oid);
	h->has_head = 1;
	return 0;
}

/* Phase 1: the analysed revs; everything read now is in the revs. */
static int walk_revs(loader *L, const git_oid *head_oid)
{
	const gv_history_opts *opts = L->opts;
	size_t i;
	int error;

	if (opts->all) {
		if ((error = add_all_refs(L)))
			return error;
	} else if (opts->nrevs) {
		for (i = 0; i < opts->nrevs; i++)
			if ((error = add_rev(L, opts->revs[i])))
				return error;
	} else if (L->h->has_head && (error = add_tip(L, head_oid))) {
		return error;
	}
	return drain(L, GV_COMMIT_IN_REVS);
}

/* Phase 2: release tags, whose commits may sit on other branches; then
 * each tag's time and the flags the walk used cleared. */
static int walk_tags(loader *L)
{
	gv_history *h = L->h;
	uint64_t not_commit = 0;
	size_t i;
	int error;

	if ((error = load_tags(L, &not_commit)) || (error = drain(L, 0)))
		return error;
	for (i = 0; i < h->ntags; i++) {
		gv_tag *t = &h->tags[i];
		if (t->kind != GV_TAG_ANNOTATED) {
			t->time = h->commits[t->commit].commit_time;
			t->tz = h->commits[t->commit].commit_tz;
		}
	}
	for (i = 0; i < h->count; i++)
		h->commits[i].flags &= ~(uint32_t)F_READ;
	h->skipped_tags = not_commit;
	return 0;
}

/* Refs that moved while the walk ran: the history is of neither state, so
 * it must not be reused as the one taken first. */
static int check_state(loader *L)
{
	gv_history_state after;
	int error;

	if (!L->h->state.a && !L->h->state.b)
		return 0;
	if ((error = take_state(L, &after)))
		return gv_error_set(L->err, error, "out of memory");
	if (!state_equal(&after, &L->h->state))
		memset(&L->h->state, 0, sizeof(L->h->state));
	return 0;
}

int gv_history_load(gv_history **out, const gv_history_opts *opts,
		    gv_warnings *warnings, gv_error *err)
{
	loader L;
	gv_history *h = NULL;
	git_oid head_oid;
	int error;

	*out = NULL;
	if ((error = loader_init(&L, &h, opts, warnings, err)) ||
	    (error = open_history(&L)))
		goto done;
	if ((error = try_snapshot(&L)) == 1) {
		error = 0;
		goto loaded;
	}
	if (error ||
	    (error = prepare_walk(&L)) ||
	    (error = resolve_head(&L, &head_oid)) ||
	    (error = walk_revs(&L, &head_oid)) ||
	    (error = walk_tags(&L)))
		goto done;
	if ((error = load_warnings(&L))) {
		gv_error_set(err, error, "out of memory");
		goto done;
	}
	if ((error = check_state(&L)))
		goto done;
loaded:
	*out = h;
	h = NULL;
done:
	loader_free(&L);
	gv_history_free(h);
	if (error && err && err->code != error)
		gv_error_set(err, error, "%s", error == GV_ENOMEM ? "out of memory"
								  : "history load failed");
	return error;
}
