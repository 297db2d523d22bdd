/*
 * classify.c - runs the rule set on each commit message and keeps what it
 * found, compactly, by commit index.
 *
 * Per message: one pass finds which required literals occur (any case,
 * through the ruleset's literal automaton), in the whole message and,
 * separately, inside the subject and the title; then only the rules with a
 * literal present in what they read (or none declared), and whose
 * prefilter (the literals their pattern cannot match without, rules_int.h)
 * holds, run their pattern on their field. Rules run in three passes:
 * those that give labels, then `needs` rules whose needed label was given,
 * then vetoes with a label of theirs to remove. A veto or needs rule can
 * only change what an earlier pass gave, so skipping it otherwise changes
 * no label (only the list of rules that fired loses vetoes that removed
 * nothing). Fields are cut out of the message lazily: subject = the first
 * line, body = what follows the first blank line, trailer:<Name> = the
 * values of `Name:` lines of the last paragraph, author = "Name <email>".
 *
 * Storage: labels, packed confidences (2 bits per category) and the subject
 * hash live in arrays indexed by commit; the rest (refs, ids, issues, rule
 * ids), which most commits do not have, lives in an arena of per-commit
 * records that never moves, so views stay valid until the table is freed.
 * Subject-only reverts keep the hash of the subject they quote in pending[]
 * until gv_classes_resolve() finds the nearest ancestor with it (or with it
 * as its title: a merge's first body line, GitHub's PR title). Refs to a
 * pull request are stored as "#M" and resolved to the nearest ancestor
 * whose subject is `Merge pull request #M from ...` or ends in `(#M)`: pr[]
 * keeps that M per commit, ttl[] the title hash of merges.
 *
 * Threads: per-call scratch (PCRE2 match data, buffers) comes from a pool,
 * and everything a call stores is written under one mutex, so several
 * threads may classify different commits of one table at once. Restoring a
 * commit from the cache needs no scratch: its blob is checked, then decoded
 * straight into the table under one lock round.
 */
#include "gv/classify.h"

#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_classes.h"
#include "rules_int.h"

static const char *const ref_kind_names[GV_REF__COUNT] = {
	"revert", "fixes", "follow-up", "backport", "advisory"
};

const char *gv_ref_kind_name(int kind)
{
	if (kind < 0 || kind >= GV_REF__COUNT)
		return NULL;
	return ref_kind_names[kind];
}

const char *gv_confidence_name(int conf)
{
	switch (conf) {
	case GV_CONF_LOW: return "low";
	case GV_CONF_HIGH: return "high";
	case GV_CONF_ADVISORY: return "advisory";
	default: return NULL;
	}
}

/* One commit's variable-length results; arrays live in the arena. */
typedef struct crec {
	gv_ref *refs;
	const char **ids;
	const char **issues;
	const char **rules;
	uint32_t nrefs, nids, nissues, nrules;
} crec;

/* A subject-only revert waiting for gv_classes_resolve(). */
typedef struct pending {
	gv_idx commit;
	uint32_t ref;          /* index in the commit's refs */
	uint64_t hash;         /* of the subject the target must have */
} pending;

typedef struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
} chunk;

/* A ref while a message is being classified. */
typedef struct sref {
	uint8_t kind;
	uint8_t by_subject;
	uint64_t hash;
	char text[41];
} sref;

typedef struct scratch {
	struct scratch *next;
	pcre2_match_data *md;
	uint64_t *lits;        /* bit per ruleset literal: present */
	size_t nwords;
	uint64_t *run;         /* bit per rule: one of its required
	                          literals is present */
	uint64_t *hlits, *hrun; /* the same for the subject and title alone,
	                          which subject and title rules read */
	/* bit per rule, set once the set is compiled (`disabled` is known
	 * then): which rules run in each pass of classify_into, which read
	 * the subject or title, which have no required literal */
	uint64_t *pass_mask[3], *head_mask, *always_mask;
	size_t nrun;
	gv_buf author, trailer, tmp;
	uint32_t labels, vetoes;
	uint8_t conf[GV_CAT__COUNT];
	/* labels of `needs` rules, kept only if the category they need is
	 * there once the vetoes have run */
	struct needy {
		const char *rule;
		uint8_t cat, conf, needs;
	} *needy;
	size_t nneedy, aneedy;
	/* labels of `high-with` rules that fired: high if the other rule
	 * fired too */
	struct raise {
		const char *with;  /* the other rule's id, as in rules[] */
		uint8_t cat;
	} *raises;
	size_t nraises, araises;
	sref *refs;
	size_t nrefs, arefs;
	gv_buf strs;           /* ids and issues, NUL-terminated, by offset */
	size_t *ids, *issues, *ctx_ids;
	size_t nids, aids, nissues, aissues, nctx_ids, actx_ids;
	/* categories given by rules that capture ids, and the confidence
	 * the other rules gave each category: a label that rests only on
	 * ids named as context falls back to that */
	uint32_t id_cats;
	uint8_t conf_other[GV_CAT__COUNT];
	const char **rules;
	size_t nrules, arules;
	uint64_t limits;
} scratch;

struct gv_classes {
	const gv_ruleset *rs;
	pthread_mutex_t lock;
	size_t n, alloc;
	uint32_t *labels;
	uint32_t *conf;
	uint64_t *subj;
	uint64_t *ttl;         /* a merge's title hash, else 0 */
	uint32_t *pr;          /* the PR a merge or squash commit lands, or 0 */
	uint64_t *ident;       /* identity_of() the commit, or 0 */
	uint32_t *rec;         /* index + 1 into recs, 0: no record */
	crec *recs;
	size_t nrecs, arecs;
	pending *pend;
	size_t npend, apend;
	chunk *arena;
	scratch *pool;
	uint64_t limits;
	/* the rule set's ids by hash, for restoring blobs (rule_index) */
	struct rule_slot {
		const char *id;
		size_t len;
	} *slots;
	size_t nslots;
};

/* ---- small helpers ---- */

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static void *arena_alloc(gv_classes *c, size_t n)
{
	chunk *k = c->arena;
	size_t al = alignof(max_align_t), size;
	void *p;

	n = (n + al - 1) / al * al;
	if (!n)
		n = al;
	if (!k || k->size - k->used < n) {
		size = n > 65536 ? n : 65536;
		if (!(k = malloc(sizeof(*k) + size)))
			return NULL;
		k->size = size;
		k->used = 0;
		k->next = c->arena;
		c->arena = k;
	}
	p = (char *)k->data + k->used;
	k->used += n;
	return p;
}

static char *arena_strdup(gv_classes *c, const char *s, size_t n)
{
	char *d = arena_alloc(c, n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* The subject as git's find_commit_subject() sees it: the first line
 * (leading blank lines skipped), here without trailing blanks or CR. */
static void subject_of(const char *m, size_t n, const char **s, size_t *len)
{
	const char *e;

	while (n && m[0] == '\n') {
		m++;
		n--;
	}
	e = memchr(m, '\n', n);
	*len = e ? (size_t)(e - m) : n;
	while (*len && (m[*len - 1] == ' ' || m[*len - 1] == '\t' ||
			m[*len - 1] == '\r'))
		(*len)--;
	*s = m;
}

static int blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* What follows the first blank line after the subject, or nothing. */
static void body_of(const char *m, size_t n, const char **s, size_t *len)
{
	size_t pos = 0, e;
	const char *nl;
	int first = 1;

	while (pos < n && m[pos] == '\n')
		pos++;
	while (pos < n) {
		nl = memchr(m + pos, '\n', n - pos);
		e = nl ? (size_t)(nl - m) : n;
		if (!first && blank_line(m + pos, e - pos)) {
			pos = e + (e < n);
			*s = m + pos;
			*len = n - pos;
			return;
		}
		first = 0;
		pos = e + 1;
	}
	*s = m + n;
	*len = 0;
}

/* Whether a subject is the line git, GitHub or GitLab writes for a merge,
 * which names branches, not the change. */
static int merge_subject(const char *s, size_t n)
{
	static const char *const forms[] = {
		"Merge pull request #", "Merge branch ", "Merge branches ",
		"Merge remote-tracking branch ", "Merge remote branch ",
		"Merge tag ", "Merge commit ", "Merge git://", "Merge http://",
		"Merge https://", "Merge ssh://"
	};
	size_t i, k;

	if (n < 6 || memcmp(s, "Merge ", 6))
		return 0;
	for (i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
		k = strlen(forms[i]);
		if (n >= k && !memcmp(s, forms[i], k))
			return 1;
	}
	return 0;
}

/* The title: what a reader takes the commit to be. The subject, but for a
 * merge line the first line of the body: GitHub puts the pull request's
 * title there, git the topic's description. A merge line without a body,
 * or whose body is only git's list of the merged commits, has no title
 * (branch names are no description). */
static void title_of(const char *m, size_t n, const char *subj,
		     size_t subj_len, const char **t, size_t *len)
{
	const char *b, *e;
	size_t bl, ll;

	*t = subj;
	*len = subj_len;
	if (!merge_subject(subj, subj_len))
		return;
	body_of(m, n, &b, &bl);
	for (;;) {    /* to the first line that is not blank */
		e = memchr(b, '\n', bl);
		ll = e ? (size_t)(e - b) : bl;
		if (!e || !blank_line(b, ll))
			break;
		bl -= ll + 1;
		b = e + 1;
	}
	subject_of(b, bl, t, len);
	/* git's merge summary without a description lists the branch ("* ab/
	 * topic:") and its commits: no title either */
	if (*len >= 2 && (*t)[0] == '*' && ((*t)[1] == ' ' || (*t)[1] == '\t')) {
		*len = 0;
		return;
	}
	/* the leading blanks git's merge summaries indent with */
	while (*len && (**t == ' ' || **t == '\t')) {
		(*t)++;
		(*len)--;
	}
}

/* The start of the last paragraph, or n when the message has only one
 * (a subject is never a trailer block). */
static size_t last_paragraph(const char *m, size_t n)
{
	size_t pos = 0, e, start = n, paras = 0;
	const char *nl;
	int in = 0;

	while (pos < n) {
		nl = memchr(m + pos, '\n', n - pos);
		e = nl ? (size_t)(nl - m) : n;
		if (blank_line(m + pos, e - pos)) {
			in = 0;
		} else if (!in) {
			in = 1;
			start = pos;
			paras++;
		}
		pos = e + 1;
	}
	return paras >= 2 ? start : n;
}

/* Values of the `name:` trailers of the last paragraph, one per line;
 * continuation lines (indented) are unfolded with a space, as git does. */
static int trailer_values(gv_buf *out, const char *m, size_t n,
			  const char *name, size_t nlen)
{
	size_t pos = last_paragraph(m, n), e, i, v;
	int in = 0, rc = 0;

	out->len = 0;
	while (pos < n && !rc) {
		const char *nl = memchr(m + pos, '\n', n - pos);

		e = nl ? (size_t)(nl - m) : n;
		if (e > pos && (m[pos] == ' ' || m[pos] == '\t')) {
			if (in) {
				for (v = pos; v < e && (m[v] == ' ' ||
						       m[v] == '\t'); v++)
					;
				rc = gv_buf_put(out, " ", 1);
				if (!rc)
					rc = gv_buf_put(out, m + v, e - v);
			}
		} else {
			in = 0;
			if (e - pos > nlen && m[pos + nlen] == ':') {
				for (i = 0; i < nlen; i++)
					if (lower((unsigned char)m[pos + i]) !=
					    lower((unsigned char)name[i]))
						break;
				if (i == nlen) {
					v = pos + nlen + 1;
					while (v < e && (m[v] == ' ' ||
							 m[v] == '\t'))
						v++;
					if (out->len)
						rc = gv_buf_put(out, "\n", 1);
					if (!rc)
						rc = gv_buf_put(out, m + v,
								e - v);
					in = 1;
				}
			}
		}
		pos = e + 1;
	}
	return rc;
}

/* \w of PCRE2 without UCP. */
static int is_word(unsigned char c)
{
	return c == '_' || (unsigned)((c | 32) - 'a') < 26 ||
	       (unsigned)(c - '0') < 10;
}

/* Whether \b holds at position i of t (between t[i - 1] and t[i]). */
static int word_edge(const unsigned char *t, size_t n, size_t i)
{
	return (i > 0 && is_word(t[i - 1])) != (i < n && is_word(t[i]));
}

/* Where the literals of subject and title rules are looked for: two
 * ranges [from, to) of the text scanned (the subject, and the title when
 * it is another line), whose hits go to bits as well. */
typedef struct {
	uint64_t *bits;
	size_t from[2], to[2];
} head_ranges;

/* Sets the bit of every literal listed at `at` in lit_outs, which end at
 * t[end], unless it wants a word boundary there is not; and its bit in
 * the head's bits when it lies in one of the head's ranges. */
static void lit_hits(const gv_ruleset *rs, uint64_t *bits,
		     const head_ranges *hd, uint32_t at,
		     const unsigned char *t, size_t n, size_t end)
{
	const uint32_t *o;
	const gv_lit *l;
	uint64_t bit;
	size_t start;
	int in_head;

	for (o = rs->lit_outs + at; *o != GV_LIT_END; o++) {
		bit = 1ull << (*o & 63);
		l = &rs->lits[*o];
		start = end + 1 - l->len;
		in_head = hd && ((start >= hd->from[0] && end < hd->to[0]) ||
				 (start >= hd->from[1] && end < hd->to[1]));
		if (bits[*o >> 6] & bit &&
		    (!in_head || hd->bits[*o >> 6] & bit))
			continue;
		if ((l->edges & GV_LIT_WORD_START && !word_edge(t, n, start)) ||
		    (l->edges & GV_LIT_WORD_END && !word_edge(t, n, end + 1)))
			continue;
		bits[*o >> 6] |= bit;
		if (in_head)
			hd->bits[*o >> 6] |= bit;
	}
}

/* One pass over t through the literal automaton (rules_int.h): sets the bit
 * of every required literal that occurs, in any case. A table step per byte
 * is a chain of dependent loads, so a long text is read as two halves at
 * once, the first one read on for the longest literal less one byte, so
 * that a literal starting before the middle is seen whole. */
static void scan_literals(const gv_ruleset *rs, uint64_t *bits,
			  const head_ranges *hd, const char *t, size_t n)
{
	const unsigned char *a = (const unsigned char *)t, *b;
	const uint32_t *next = rs->lit_next, row = rs->lit_row - 1;
	const uint8_t *cls = rs->lit_class;
	size_t sa = 0, sb = 0, hit = rs->lit_hit, i = 0, j, ea = n, nb = 0;

	if (n >= 64 && rs->lit_maxlen < n / 2) {
		/* a: [0, ea), b: [n / 2, n); ea < n, and a sees a literal
		 * that starts before n / 2 to its end */
		ea = n / 2 + rs->lit_maxlen - 1;
		b = a + n / 2;
		nb = n - n / 2;
		for (; i < ea && i < nb; i++) {
			sa = next[sa + cls[a[i]]];
			sb = next[sb + cls[b[i]]];
			if (sa >= hit || sb >= hit) {
				if (sa >= hit)
					lit_hits(rs, bits, hd, next[sa + row], a,
						 n, i);
				if (sb >= hit)
					lit_hits(rs, bits, hd, next[sb + row], a,
						 n, n / 2 + i);
			}
		}
		for (j = i; j < nb; j++) {
			sb = next[sb + cls[b[j]]];
			if (sb >= hit)
				lit_hits(rs, bits, hd, next[sb + row], a, n,
					 n / 2 + j);
		}
	}
	for (; i < ea; i++) {
		sa = next[sa + cls[a[i]]];
		if (sa >= hit)
			lit_hits(rs, bits, hd, next[sa + row], a, n, i);
	}
}

/* ---- the table ---- */

int gv_classes_new(gv_classes **out, const gv_ruleset *rs, gv_error *err)
{
	gv_classes *c;

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	if (pthread_mutex_init(&c->lock, NULL)) {
		free(c);
		return gv_error_set(err, GV_ENOMEM, "cannot create a mutex");
	}
	c->rs = rs;
	*out = c;
	return 0;
}

static void scratch_free(scratch *s)
{
	pcre2_match_data_free(s->md);
	free(s->lits);
	free(s->run);
	free(s->hlits);
	free(s->hrun);
	free(s->pass_mask[0]);
	free(s->pass_mask[1]);
	free(s->pass_mask[2]);
	free(s->head_mask);
	free(s->always_mask);
	gv_buf_free(&s->author);
	gv_buf_free(&s->trailer);
	gv_buf_free(&s->tmp);
	gv_buf_free(&s->strs);
	free(s->refs);
	free(s->ids);
	free(s->ctx_ids);
	free(s->issues);
	free(s->rules);
	free(s->needy);
	free(s->raises);
	free(s);
}

void gv_classes_free(gv_classes *c)
{
	chunk *k, *next;
	scratch *s, *sn;

	if (!c)
		return;
	for (s = c->pool; s; s = sn) {
		sn = s->next;
		scratch_free(s);
	}
	for (k = c->arena; k; k = next) {
		next = k->next;
		free(k);
	}
	free(c->labels);
	free(c->conf);
	free(c->subj);
	free(c->ttl);
	free(c->pr);
	free(c->ident);
	free(c->rec);
	free(c->recs);
	free(c->pend);
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

uint64_t gv_classes_limit_hits(const gv_classes *c)
{
	return c->limits;
}

/* Makes the per-commit arrays cover `commit`. Under the lock. Slots from
 * n to alloc are zeroed when the arrays grow, so that commits arriving in
 * index order (a restore from the cache) only move n. */
static int cover(gv_classes *c, gv_idx commit)
{
	size_t need = (size_t)commit + 1, old = c->alloc, a;

	if (need <= c->n)
		return 0;
	if (need > old) {
		a = old;
		if (gv_grow((void **)&c->labels, &a, need, sizeof(*c->labels)))
			return GV_ENOMEM;
		a = old;
		if (gv_grow((void **)&c->conf, &a, need, sizeof(*c->conf)))
			return GV_ENOMEM;
		a = old;
		if (gv_grow((void **)&c->subj, &a, need, sizeof(*c->subj)))
			return GV_ENOMEM;
		a = old;
		if (gv_grow((void **)&c->ttl, &a, need, sizeof(*c->ttl)))
			return GV_ENOMEM;
		a = old;
		if (gv_grow((void **)&c->pr, &a, need, sizeof(*c->pr)))
			return GV_ENOMEM;
		a = old;
		if (gv_grow((void **)&c->ident, &a, need, sizeof(*c->ident)))
			return GV_ENOMEM;
		a = old;
		if (gv_grow((void **)&c->rec, &a, need, sizeof(*c->rec)))
			return GV_ENOMEM;
		memset(c->labels + old, 0, (a - old) * sizeof(*c->labels));
		memset(c->conf + old, 0, (a - old) * sizeof(*c->conf));
		memset(c->subj + old, 0, (a - old) * sizeof(*c->subj));
		memset(c->ttl + old, 0, (a - old) * sizeof(*c->ttl));
		memset(c->pr + old, 0, (a - old) * sizeof(*c->pr));
		memset(c->ident + old, 0, (a - old) * sizeof(*c->ident));
		memset(c->rec + old, 0, (a - old) * sizeof(*c->rec));
		c->alloc = a;
	}
	c->n = need;
	return 0;
}

static void scratch_put(gv_classes *c, scratch *s)
{
	pthread_mutex_lock(&c->lock);
	s->next = c->pool;
	c->pool = s;
	pthread_mutex_unlock(&c->lock);
}

static int rule_pass(const gv_rule *r);

static int scratch_masks(scratch *s, const gv_ruleset *rs)
{
	uint64_t **all[] = { &s->pass_mask[0], &s->pass_mask[1],
			     &s->pass_mask[2], &s->head_mask, &s->always_mask };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(*all); i++)
		if (!*all[i] && s->nrun &&
		    !(*all[i] = calloc(s->nrun, sizeof(uint64_t))))
			return GV_ENOMEM;
	for (i = 0; i < rs->count; i++) {
		const gv_rule *r = &rs->rules[i];
		uint64_t bit = 1ull << (i & 63);

		if (r->disabled)
			continue;
		s->pass_mask[rule_pass(r)][i >> 6] |= bit;
		if (r->field == GV_FIELD_SUBJECT || r->field == GV_FIELD_TITLE)
			s->head_mask[i >> 6] |= bit;
		if (!r->nreq)
			s->always_mask[i >> 6] |= bit;
	}
	return 0;
}

static scratch *scratch_get(gv_classes *c)
{
	const gv_ruleset *rs = c->rs;
	scratch *s;

	pthread_mutex_lock(&c->lock);
	s = c->pool;
	if (s)
		c->pool = s->next;
	pthread_mutex_unlock(&c->lock);
	if (!s) {
		if (!(s = calloc(1, sizeof(*s))))
			return NULL;
		s->nwords = rs ? (rs->nlits + 63) / 64 : 0;
		s->nrun = rs ? (rs->count + 63) / 64 : 0;
		if ((s->nwords &&
		     (!(s->lits = calloc(s->nwords, sizeof(uint64_t))) ||
		      !(s->hlits = calloc(s->nwords, sizeof(uint64_t))))) ||
		    (s->nrun &&
		     (!(s->run = calloc(s->nrun, sizeof(uint64_t))) ||
		      !(s->hrun = calloc(s->nrun, sizeof(uint64_t)))))) {
			scratch_free(s);
			return NULL;
		}
	}
	/* match data only once the set is compiled (a restore from the cache
	 * may come first, when max_groups is not known yet) */
	if (rs && __atomic_load_n(&rs->compiled, __ATOMIC_ACQUIRE) && !s->md &&
	    (scratch_masks(s, rs) ||
	     !(s->md = pcre2_match_data_create(rs->max_groups + 1, NULL)))) {
		scratch_put(c, s);
		return NULL;
	}
	return s;
}


static void scratch_reset(scratch *s)
{
	s->labels = s->vetoes = 0;
	s->nneedy = s->nraises = 0;
	memset(s->conf, 0, sizeof(s->conf));
	s->nrefs = s->nids = s->nissues = s->nrules = s->nctx_ids = 0;
	s->id_cats = 0;
	memset(s->conf_other, 0, sizeof(s->conf_other));
	s->strs.len = 0;
	s->limits = 0;
	if (s->nwords) {
		memset(s->lits, 0, s->nwords * sizeof(uint64_t));
		memset(s->hlits, 0, s->nwords * sizeof(uint64_t));
	}
}

/* ---- collecting results ---- */

static int add_ref(scratch *s, int kind, const char *text, size_t len,
		   int by_subject, uint64_t hash)
{
	sref *r;
	size_t i;

	if (len > 40)
		len = 40;
	for (i = 0; i < s->nrefs; i++) {
		r = &s->refs[i];
		if (r->kind == kind && r->by_subject == by_subject &&
		    r->hash == hash && strlen(r->text) == len &&
		    !memcmp(r->text, text, len))
			return 0;
	}
	if (gv_grow((void **)&s->refs, &s->arefs, s->nrefs + 1,
		    sizeof(*s->refs)))
		return GV_ENOMEM;
	r = &s->refs[s->nrefs++];
	r->kind = (uint8_t)kind;
	r->by_subject = (uint8_t)by_subject;
	r->hash = hash;
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	return 0;
}

static int add_str(scratch *s, size_t **arr, size_t *n, size_t *alloc,
		   const char *text, size_t len, int upper)
{
	size_t i, off = s->strs.len;

	for (i = 0; i < *n; i++) {
		const char *t = s->strs.ptr + (*arr)[i];
		size_t k;

		if (strlen(t) != len)
			continue;
		for (k = 0; k < len; k++)
			if (t[k] != (upper && text[k] >= 'a' && text[k] <= 'z' ?
				     text[k] - 32 : text[k]))
				break;
		if (k == len)
			return 0;
	}
	if (gv_grow((void **)arr, alloc, *n + 1, sizeof(**arr)) ||
	    gv_buf_put(&s->strs, text, len) || gv_buf_put(&s->strs, "", 1))
		return GV_ENOMEM;
	/* gv_buf_put of "" with length 1 stores the NUL as data. */
	if (upper)
		for (i = off; i < off + len; i++)
			if (s->strs.ptr[i] >= 'a' && s->strs.ptr[i] <= 'z')
				s->strs.ptr[i] = (char)(s->strs.ptr[i] - 32);
	(*arr)[(*n)++] = off;
	return 0;
}

static const char *const ref_meanings[GV_REF__COUNT] = {
	"ref:revert", "ref:fixes", "ref:follow-up", "ref:backport",
	"ref:advisory"
};
static const char *const subject_meanings[GV_REF__COUNT] = {
	"subject:revert", "subject:fixes", "subject:follow-up",
	"subject:backport", "subject:advisory"
};

static const char *const pull_meanings[GV_REF__COUNT] = {
	"pull:revert", "pull:fixes", "pull:follow-up", "pull:backport",
	"pull:advisory"
};

static const char *cap_meaning(const gv_cap *cap)
{
	switch (cap->type) {
	case GV_CAP_REF: return ref_meanings[cap->kind];
	case GV_CAP_SUBJECT: return subject_meanings[cap->kind];
	case GV_CAP_PULL: return pull_meanings[cap->kind];
	case GV_CAP_REAPPLY: return "reapply";
	case GV_CAP_ID: return "id";
	case GV_CAP_ISSUE: return "issue";
	case GV_CAP_CONTEXT_ID: return "context-id";
	default: return NULL;
	}
}

/* A pull request number: the digits after the last '#' of t, or all of
 * t; 0 when they are not 1 to 10 digits that fit in 32 bits. */
static uint32_t pr_of(const char *t, size_t len)
{
	uint64_t v = 0;
	size_t i = len, k;

	while (i && t[i - 1] != '#')
		i--;
	if (len - i == 0 || len - i > 10)
		return 0;
	for (k = i; k < len; k++) {
		if (t[k] < '0' || t[k] > '9')
			return 0;
		v = v * 10 + (uint64_t)(t[k] - '0');
	}
	return v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* Records what group g of a match means. */
static int take_capture(scratch *s, const gv_cap *cap, const char *t,
			size_t len)
{
	uint64_t h;

	if (!len) /* an empty capture names nothing: no empty ids */
		return 0;
	switch (cap->type) {
	case GV_CAP_REF:
		return add_ref(s, cap->kind, t, len, 0, 0);
	case GV_CAP_SUBJECT:
		return add_ref(s, cap->kind, "", 0, 1, gv_fnv1a64(t, len));
	case GV_CAP_REAPPLY:
		/* git titles a revert of `Revert "X"` as `Reapply "X"`: the
		 * target is the commit whose subject is `Revert "X"`. */
		s->tmp.len = 0;
		if (gv_buf_puts(&s->tmp, "Revert \"") ||
		    gv_buf_put(&s->tmp, t, len) || gv_buf_puts(&s->tmp, "\""))
			return GV_ENOMEM;
		h = gv_fnv1a64(s->tmp.ptr, s->tmp.len);
		return add_ref(s, cap->kind, "", 0, 1, h);
	case GV_CAP_PULL: {
		/* "#M": never hex, so resolution tells it from an id */
		char pr[16];
		uint32_t m = pr_of(t, len);
		int n;

		if (m && (n = snprintf(pr, sizeof(pr), "#%u", (unsigned)m)) > 0 &&
		    add_ref(s, cap->kind, pr, (size_t)n, 0, 0))
			return GV_ENOMEM;
		return add_str(s, &s->issues, &s->nissues, &s->aissues, t,
			       len, 0);
	}
	case GV_CAP_ID:
		return add_str(s, &s->ids, &s->nids, &s->aids, t, len, 1);
	case GV_CAP_CONTEXT_ID:
		return add_str(s, &s->ctx_ids, &s->nctx_ids, &s->actx_ids, t,
			       len, 1);
	case GV_CAP_ISSUE:
		return add_str(s, &s->issues, &s->nissues, &s->aissues, t,
			       len, 0);
	default:
		return 0;
	}
}

static int report_hit(const gv_rule *r, const char *text,
		      const PCRE2_SIZE *ov, gv_hit_cb on_hit, void *payload)
{
	gv_hit_capture caps[32];
	char field[96];
	gv_rule_hit hit;
	size_t g, n = 0;

	if (r->field == GV_FIELD_TRAILER)
		snprintf(field, sizeof(field), "trailer:%s", r->trailer);
	else
		snprintf(field, sizeof(field), "%s", gv_field_name(r->field));
	for (g = 0; g < r->ncaps && n < 32; g++) {
		const char *m = cap_meaning(&r->caps[g]);

		if (!m || ov[2 * g + 2] == PCRE2_UNSET)
			continue;
		caps[n].meaning = m;
		caps[n].text = text + ov[2 * g + 2];
		caps[n].len = ov[2 * g + 3] - ov[2 * g + 2];
		n++;
	}
	memset(&hit, 0, sizeof(hit));
	hit.rule = r->id;
	hit.file = r->file;
	hit.line = r->line;
	hit.field = field;
	hit.category = r->category;
	hit.confidence = r->veto ? GV_CONF_NONE : r->confidence;
	hit.veto = r->veto;
	hit.text = text + ov[0];
	hit.len = ov[1] - ov[0];
	hit.captures = caps;
	hit.ncaptures = n;
	hit.high_with = r->high_with_id;
	return on_hit(&hit, payload);
}

static int captures_ids(const gv_rule *r)
{
	size_t g;

	for (g = 0; g < r->ncaps; g++)
		if (r->caps[g].type == GV_CAP_ID)
			return 1;
	return 0;
}

/* Runs rule r over its field text; records label, captures and the rule's
 * id when it matches. A rule that captures runs over every match. */
static int run_rule(scratch *s, const gv_ruleset *rs, const gv_rule *r,
		    const char *text, size_t len, gv_hit_cb on_hit,
		    void *payload)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	size_t start = gv_rules_start(r, text, len), g;
	int rc, fired = 0;

	for (;;) {
		rc = gv_rules_match(rs, r, text, len, start, s->md);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			if (!gv_rules_is_limit(rc))
				return GV_EINTERNAL;
			s->limits++;
			break;
		}
		fired = 1;
		for (g = 0; g < r->ncaps; g++)
			if (ov[2 * g + 2] != PCRE2_UNSET &&
			    (rc = take_capture(s, &r->caps[g],
					       text + ov[2 * g + 2],
					       ov[2 * g + 3] - ov[2 * g + 2])))
				return rc;
		if (on_hit && (rc = report_hit(r, text, ov, on_hit, payload)))
			return rc;
		if (!r->ncaps)
			break;
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		if (start > len)
			break;
	}
	if (!fired)
		return 0;
	if (gv_grow((void **)&s->rules, &s->arules, s->nrules + 1,
		    sizeof(*s->rules)))
		return GV_ENOMEM;
	s->rules[s->nrules++] = r->id;
	if (r->category == GV_CAT_NONE)
		return 0;
	if (r->veto) {
		s->vetoes |= r->veto_cats;
	} else if (r->needs >= 0) {
		if (gv_grow((void **)&s->needy, &s->aneedy, s->nneedy + 1,
			    sizeof(*s->needy)))
			return GV_ENOMEM;
		s->needy[s->nneedy].rule = r->id;
		s->needy[s->nneedy].cat = (uint8_t)r->category;
		s->needy[s->nneedy].conf = (uint8_t)r->confidence;
		s->needy[s->nneedy++].needs = (uint8_t)r->needs;
	} else {
		if (r->high_with >= 0) {
			if (gv_grow((void **)&s->raises, &s->araises,
				    s->nraises + 1, sizeof(*s->raises)))
				return GV_ENOMEM;
			s->raises[s->nraises].with = rs->rules[r->high_with].id;
			s->raises[s->nraises++].cat = (uint8_t)r->category;
		}
		s->labels |= GV_LABEL(r->category);
		if (s->conf[r->category] < r->confidence)
			s->conf[r->category] = (uint8_t)r->confidence;
		if (captures_ids(r))
			s->id_cats |= GV_LABEL(r->category);
		else if (s->conf_other[r->category] < r->confidence)
			s->conf_other[r->category] = (uint8_t)r->confidence;
	}
	return 0;
}

/* run: the rules one of whose required literals is present in lits,
 * found from the (few) literals present. */
static void rules_to_run(const scratch *s, const gv_ruleset *rs,
			 const uint64_t *lits, uint64_t *run)
{
	size_t w, l, k;
	uint64_t b;

	if (s->nrun) /* an empty rule set has no array to clear */
		memset(run, 0, s->nrun * sizeof(*run));
	for (w = 0; w < s->nwords; w++)
		for (b = lits[w]; b; b &= b - 1) {
			l = w * 64 + (size_t)__builtin_ctzll(b);
			for (k = rs->lit_req_at[l]; k < rs->lit_req_at[l + 1];
			     k++)
				run[rs->lit_rules[k] >> 6] |=
					1ull << (rs->lit_rules[k] & 63);
		}
}

/* Whether the prefilter condition at c (gv_rule.cond) holds for the
 * literals present: when not, the rule's pattern cannot match. Stops at the
 * first operand that decides an AND or an OR. */
static int cond_holds(const uint32_t *c, const uint64_t *bits)
{
	const uint32_t *p, *end;
	int all;

	if (*c != GV_COND_AND && *c != GV_COND_OR)
		return (int)(bits[*c >> 6] >> (*c & 63) & 1);
	all = *c == GV_COND_AND;
	for (p = c + 2, end = c + c[1]; p < end;
	     p += *p == GV_COND_AND || *p == GV_COND_OR ? p[1] : 1)
		if (cond_holds(p, bits) != all)
			return !all;
	return all;
}

/* The parts of one message the rules, the resolution keys and the
 * identity read. Subject and title are cut out once, by fields_init(),
 * since every commit needs them; the rest the first time a rule asks. */
typedef struct {
	const gv_message *msg;
	const char *m, *subj, *body, *title;
	size_t n, subj_len, body_len, title_len;
	int have_author, have_body;
} fields;

static void fields_init(fields *f, const gv_message *msg)
{
	memset(f, 0, sizeof(*f));
	f->msg = msg;
	f->m = msg->message ? msg->message : "";
	f->n = msg->message ? msg->message_len : 0;
	subject_of(f->m, f->n, &f->subj, &f->subj_len);
	title_of(f->m, f->n, f->subj, f->subj_len, &f->title, &f->title_len);
}

/* Points *t at rule r's field of the message; 1 when the rule has nothing
 * to read (no title, no such trailer), negative on error. */
static int field_text(scratch *s, fields *f, const gv_rule *r,
		      const char **t, size_t *tl)
{
	const gv_message *msg = f->msg;

	switch (r->field) {
	case GV_FIELD_SUBJECT:
		*t = f->subj;
		*tl = f->subj_len;
		return 0;
	case GV_FIELD_TITLE:
		*t = f->title;
		*tl = f->title_len;
		return !*tl;
	case GV_FIELD_BODY:
		if (!f->have_body) {
			body_of(f->m, f->n, &f->body, &f->body_len);
			f->have_body = 1;
		}
		*t = f->body;
		*tl = f->body_len;
		return 0;
	case GV_FIELD_TRAILER:
		if (trailer_values(&s->trailer, f->m, f->n, r->trailer,
				   r->trailer_len))
			return GV_ENOMEM;
		*t = s->trailer.ptr;
		*tl = s->trailer.len;
		return !*tl;
	case GV_FIELD_AUTHOR:
		if (!f->have_author) {
			s->author.len = 0;
			if (gv_buf_put(&s->author, msg->author_name,
				       msg->author_name_len) ||
			    gv_buf_puts(&s->author, " <") ||
			    gv_buf_put(&s->author, msg->author_email,
				       msg->author_email_len) ||
			    gv_buf_puts(&s->author, ">"))
				return GV_ENOMEM;
			f->have_author = 1;
		}
		*t = s->author.ptr;
		*tl = s->author.len;
		return 0;
	default:
		*t = f->m;
		*tl = f->n;
		return 0;
	}
}


/* The passes of classify_into: a veto or a `needs` rule can only change a
 * label that another rule gave, so it waits for the rules that give them
 * and runs only when one did. On most commits no label of a veto's
 * categories fires, and the vetoes, which have no required words, would
 * otherwise run their patterns over every title. */
enum { PASS_LABELS, PASS_NEEDS, PASS_VETOES };

static int rule_pass(const gv_rule *r)
{
	if (r->veto)
		return PASS_VETOES;
	return r->needs >= 0 ? PASS_NEEDS : PASS_LABELS;
}

static int classify_into(scratch *s, const gv_ruleset *rs, fields *f,
			 gv_hit_cb on_hit, void *payload)
{
	const gv_message *msg = f->msg;
	const char *t;
	size_t tl, i, k, w;
	uint32_t given = 0;
	int pass, rc;

	if (rs->nlits) {
		/* A subject or title rule's words must be in its field: most
		 * messages that say "fix" say it in the body only. Both are
		 * cut out of f.m, so one scan finds the words of both. */
		head_ranges hd;

		hd.bits = s->hlits;
		hd.from[0] = (size_t)(f->subj - f->m);
		hd.to[0] = hd.from[0] + f->subj_len;
		hd.from[1] = (size_t)(f->title - f->m);
		hd.to[1] = hd.from[1] + f->title_len;
		scan_literals(rs, s->lits, &hd, f->m, f->n);
		if (msg->author_name_len)
			scan_literals(rs, s->lits, NULL, msg->author_name,
				      msg->author_name_len);
		if (msg->author_email_len)
			scan_literals(rs, s->lits, NULL, msg->author_email,
				      msg->author_email_len);
		rules_to_run(s, rs, s->hlits, s->hrun);
	}
	rules_to_run(s, rs, s->lits, s->run);
	for (pass = PASS_LABELS; pass <= PASS_VETOES; pass++) {
		if (pass != PASS_LABELS) {
			/* what the earlier passes gave, needy labels
			 * included: a veto of theirs must run */
			given = s->labels;
			for (k = 0; k < s->nneedy; k++)
				given |= GV_LABEL(s->needy[k].cat);
		}
		/* the rules of this pass whose required words are there,
		 * in rule order */
		for (w = 0; w < s->nrun; w++) {
			uint64_t cand = s->pass_mask[pass][w] &
					(s->always_mask[w] |
					 (s->run[w] & ~s->head_mask[w]) |
					 (s->hrun[w] & s->head_mask[w]));

			for (; cand; cand &= cand - 1) {
				const gv_rule *r;

				i = w * 64 + (size_t)__builtin_ctzll(cand);
				r = &rs->rules[i];
				if ((pass == PASS_NEEDS &&
				     !(given & GV_LABEL(r->needs))) ||
				    (pass == PASS_VETOES &&
				     !(given & r->veto_cats)) ||
				    (r->ncond &&
				     !cond_holds(r->cond,
						 s->head_mask[w] >> (i & 63) & 1
							 ? s->hlits
							 : s->lits)))
					continue;
				if ((rc = field_text(s, f, r, &t, &tl)) < 0)
					return rc;
				if (rc)
					continue;
				if ((rc = run_rule(s, rs, r, t, tl, on_hit,
						   payload)))
					return rc;
			}
		}
	}
	return 0;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* An id the message names only as context (the fix of another issue, a
 * regression of one) is not the commit's: it would join this fix to that
 * issue's vulnerability. When no id is left, a label that only id rules
 * gave keeps what the other rules gave it, or goes. */
static void drop_context_ids(scratch *s)
{
	size_t i, j, k;
	int cat;

	if (!s->nctx_ids || !s->nids)
		return;
	for (i = k = 0; i < s->nids; i++) {
		const char *id = s->strs.ptr + s->ids[i];

		for (j = 0; j < s->nctx_ids; j++)
			if (!strcmp(id, s->strs.ptr + s->ctx_ids[j]))
				break;
		if (j == s->nctx_ids)
			s->ids[k++] = s->ids[i];
	}
	s->nids = k;
	if (s->nids)
		return;
	for (cat = 0; cat < GV_CAT__COUNT; cat++)
		if (s->id_cats & s->labels & GV_LABEL(cat)) {
			s->conf[cat] = s->conf_other[cat];
			if (!s->conf[cat])
				s->labels &= ~GV_LABEL(cat);
		}
}

/* A `high-with` rule's label is high when its other rule fired too: two
 * weak signs in different places of the message (a defect word in the
 * title, a fix word in the body's prose) are one strong one. A veto has
 * removed the label already; an id-only label that drop_context_ids()
 * took back is not raised either, since the check is on the label. */
static void raise_corroborated(scratch *s)
{
	size_t i, j;

	for (i = 0; i < s->nraises; i++) {
		const struct raise *d = &s->raises[i];

		if (!(s->labels & GV_LABEL(d->cat)) ||
		    s->conf[d->cat] >= GV_CONF_HIGH)
			continue;
		for (j = 0; j < s->nrules; j++)
			if (s->rules[j] == d->with) {
				s->conf[d->cat] = GV_CONF_HIGH;
				break;
			}
	}
}

/* Vetoes, then the labels that need another one, and a subject-only
 * revert ref dropped when the message names the reverted commit by id
 * anyway (not by PR number). A veto beats every rule of its categories, whatever their
 * confidence: "fix a typo" with a Fixes: trailer is still a typo. */
static void finish(scratch *s)
{
	size_t i, j, k;
	int has_id_revert = 0;
	int cat;

	for (cat = 0; cat < GV_CAT__COUNT; cat++)
		if (s->vetoes & GV_LABEL(cat)) {
			s->labels &= ~GV_LABEL(cat);
			s->conf[cat] = GV_CONF_NONE;
		}
	drop_context_ids(s);
	for (i = 0; i < s->nneedy; i++) {
		const struct needy *d = &s->needy[i];

		if ((s->vetoes & GV_LABEL(d->cat)) ||
		    !(s->labels & GV_LABEL(d->needs))) {
			/* it did not count: not among the rules that fired */
			for (j = k = 0; j < s->nrules; j++)
				if (s->rules[j] != d->rule)
					s->rules[k++] = s->rules[j];
			s->nrules = k;
			continue;
		}
		s->labels |= GV_LABEL(d->cat);
		if (s->conf[d->cat] < d->conf)
			s->conf[d->cat] = d->conf;
	}
	raise_corroborated(s);
	/* a PR number ("#M") may name a rebase-merged PR no commit lands:
	 * the quoted title stays as the fallback (duplicates go once
	 * resolved, drop_repeats) */
	for (i = 0; i < s->nrefs; i++)
		if (s->refs[i].kind == GV_REF_REVERT && !s->refs[i].by_subject &&
		    s->refs[i].text[0] != '#')
			has_id_revert = 1;
	if (!has_id_revert)
		return;
	for (i = j = 0; i < s->nrefs; i++)
		if (!(s->refs[i].kind == GV_REF_REVERT &&
		      s->refs[i].by_subject))
			s->refs[j++] = s->refs[i];
	s->nrefs = j;
}

static uint32_t pack_conf(const uint8_t *conf)
{
	uint32_t v = 0;
	int cat;

	for (cat = 0; cat < GV_CAT__COUNT; cat++)
		v |= (uint32_t)(conf[cat] & 3u) << (2 * cat);
	return v;
}

/* The pull request a commit lands, from its subject: GitHub's merge line
 * `Merge pull request #M from owner/branch`, or a squash merge's title
 * ending in ` (#M)`; 0 for none. */
static uint32_t landed_pr(const char *s, size_t n)
{
	static const char merge[] = "Merge pull request #";
	size_t k = sizeof(merge) - 1, e;

	if (n > k && !memcmp(s, merge, k)) {
		for (e = k; e < n && s[e] >= '0' && s[e] <= '9'; e++)
			;
		return e < n && s[e] != ' ' ? 0 : pr_of(s + k, e - k);
	}
	if (n < 4 || s[n - 1] != ')')
		return 0;
	for (e = n - 1; e > 0 && s[e - 1] >= '0' && s[e - 1] <= '9'; e--)
		;
	if (e < 3 || e == n - 1 || s[e - 1] != '#' || s[e - 2] != '(' ||
	    s[e - 3] != ' ')
		return 0;
	return pr_of(s + e, n - 1 - e);
}

/* What resolution needs to find a commit by: the hashes of its subject
 * and, for a merge, its title, and the pull request it lands; and what
 * tells copies of one change (cherry-picks) apart from changes: its
 * identity. */
typedef struct keys {
	uint64_t subj, ttl, ident;
	uint32_t pr;
} keys;

static void keys_of(const fields *f, keys *k)
{
	k->subj = gv_fnv1a64(f->subj, f->subj_len);
	k->pr = landed_pr(f->subj, f->subj_len);
	k->ttl = 0;
	if (merge_subject(f->subj, f->subj_len) && f->title_len)
		k->ttl = gv_fnv1a64(f->title, f->title_len);
}

/* What a cherry-pick keeps of a commit: its author's email (after the
 * mailmap, in lower case), its author time and its subject, hashed; 0 for a
 * commit with an empty subject, which says nothing of what it changed.
 * Whether merges group by it is the metrics' choice (they do not). */
static uint64_t identity_of(const fields *f)
{
	const gv_message *msg = f->msg;
	const char *t = f->subj;
	size_t tl = f->subj_len, i;
	uint64_t h = UINT64_C(0xcbf29ce484222325), at;
	unsigned char b;

	if (!tl)
		return 0;
	/* FNV-1a over email, NUL, the 8 bytes of the time, subject */
	for (i = 0; i < msg->author_email_len; i++) {
		b = lower((unsigned char)msg->author_email[i]);
		h = (h ^ b) * UINT64_C(0x100000001b3);
	}
	h = (h ^ 0) * UINT64_C(0x100000001b3);
	at = msg->info ? (uint64_t)msg->info->author_time : 0;
	for (i = 0; i < 8; i++)
		h = (h ^ (at >> (8 * i) & 255)) * UINT64_C(0x100000001b3);
	for (i = 0; i < tl; i++)
		h = (h ^ (unsigned char)t[i]) * UINT64_C(0x100000001b3);
	return h ? h : 1;
}

/* Copies a scratch's results into the table. Under the lock. */
static int store(gv_classes *c, scratch *s, gv_idx commit, const keys *ky)
{
	crec *rec;
	size_t i;

	if (cover(c, commit))
		return GV_ENOMEM;
	c->labels[commit] = s->labels;
	c->conf[commit] = pack_conf(s->conf);
	c->subj[commit] = ky->subj;
	c->ttl[commit] = ky->ttl;
	c->pr[commit] = ky->pr;
	c->ident[commit] = ky->ident;
	c->limits += s->limits;
	c->rec[commit] = 0;
	if (!s->nrefs && !s->nids && !s->nissues && !s->nrules)
		return 0;
	if (gv_grow((void **)&c->recs, &c->arecs, c->nrecs + 1,
		    sizeof(*c->recs)))
		return GV_ENOMEM;
	rec = &c->recs[c->nrecs];
	memset(rec, 0, sizeof(*rec));
	if ((s->nrefs && !(rec->refs = arena_alloc(c, s->nrefs *
						   sizeof(gv_ref)))) ||
	    (s->nids && !(rec->ids = arena_alloc(c, s->nids *
						 sizeof(char *)))) ||
	    (s->nissues && !(rec->issues = arena_alloc(c, s->nissues *
						       sizeof(char *)))) ||
	    (s->nrules && !(rec->rules = arena_alloc(c, s->nrules *
						     sizeof(char *)))))
		return GV_ENOMEM;
	for (i = 0; i < s->nrefs; i++) {
		gv_ref *r = &rec->refs[i];

		r->commit = GV_NONE;
		r->kind = s->refs[i].kind;
		r->resolved = 0;
		memcpy(r->text, s->refs[i].text, sizeof(r->text));
		if (!s->refs[i].by_subject)
			continue;
		if (gv_grow((void **)&c->pend, &c->apend, c->npend + 1,
			    sizeof(*c->pend)))
			return GV_ENOMEM;
		c->pend[c->npend].commit = commit;
		c->pend[c->npend].ref = (uint32_t)i;
		c->pend[c->npend].hash = s->refs[i].hash;
		c->npend++;
	}
	for (i = 0; i < s->nids; i++) {
		const char *t = s->strs.ptr + s->ids[i];

		if (!(rec->ids[i] = arena_strdup(c, t, strlen(t))))
			return GV_ENOMEM;
	}
	if (s->nids > 1)
		qsort(rec->ids, s->nids, sizeof(*rec->ids), cmp_cstr);
	for (i = 0; i < s->nissues; i++) {
		const char *t = s->strs.ptr + s->issues[i];

		if (!(rec->issues[i] = arena_strdup(c, t, strlen(t))))
			return GV_ENOMEM;
	}
	for (i = 0; i < s->nrules; i++)
		rec->rules[i] = s->rules[i];
	rec->nrefs = (uint32_t)s->nrefs;
	rec->nids = (uint32_t)s->nids;
	rec->nissues = (uint32_t)s->nissues;
	rec->nrules = (uint32_t)s->nrules;
	c->nrecs++;
	c->rec[commit] = (uint32_t)c->nrecs;
	return 0;
}

int gv_classify_message(gv_classes *c, const gv_message *msg,
			gv_hit_cb on_hit, void *payload)
{
	scratch *s = NULL;
	fields f;
	keys ky;
	int rc = 0;

	if (c->rs && !__atomic_load_n(&c->rs->compiled, __ATOMIC_ACQUIRE))
		return GV_EINTERNAL; /* the caller compiles first */
	fields_init(&f, msg);
	keys_of(&f, &ky);
	ky.ident = identity_of(&f);
	if (!(s = scratch_get(c)))
		return GV_ENOMEM;
	scratch_reset(s);
	if (c->rs && (rc = classify_into(s, c->rs, &f, on_hit, payload)))
		goto done;
	finish(s);
	pthread_mutex_lock(&c->lock);
	rc = store(c, s, msg->commit, &ky);
	pthread_mutex_unlock(&c->lock);
done:
	scratch_put(c, s);
	return rc;
}

int gv_classify_cb(const gv_message *msg, void *payload)
{
	return gv_classify_message(payload, msg, NULL, NULL);
}

/* ---- views ---- */

/* conf_bytes[b]: the four 2-bit confidences packed in byte b, unpacked. */
#define C1(b) { (b) & 3, (b) >> 2 & 3, (b) >> 4 & 3, (b) >> 6 & 3 }
#define C4(b) C1(b), C1((b) + 1), C1((b) + 2), C1((b) + 3)
#define C16(b) C4(b), C4((b) + 4), C4((b) + 8), C4((b) + 12)
#define C64(b) C16(b), C16((b) + 16), C16((b) + 32), C16((b) + 48)
static const uint8_t conf_bytes[256][4] = {
	C64(0), C64(64), C64(128), C64(192)
};
#undef C64
#undef C16
#undef C4
#undef C1
_Static_assert(GV_CAT__COUNT > 8 && GV_CAT__COUNT <= 12,
	       "gv_classes_get unpacks three bytes of confidences");

/* Called for every commit by the metrics and the report, so it writes each
 * member once and unpacks the confidences a byte at a time. */
void gv_classes_get(const gv_classes *c, gv_idx commit, gv_class_view *out)
{
	static const gv_class_view empty;
	static const crec none;
	const crec *rec;
	uint32_t cv;

	if (!c || commit >= c->n) {
		*out = empty;
		return;
	}
	out->labels = c->labels[commit];
	out->identity = c->ident[commit];
	cv = c->conf[commit];
	memcpy(out->conf, conf_bytes[cv & 255], 4);
	memcpy(out->conf + 4, conf_bytes[cv >> 8 & 255], 4);
	memcpy(out->conf + 8, conf_bytes[cv >> 16 & 255],
	       sizeof(out->conf) - 8);
	rec = c->rec[commit] ? &c->recs[c->rec[commit] - 1] : &none;
	out->refs = rec->refs;
	out->nrefs = rec->nrefs;
	out->ids = rec->ids;
	out->nids = rec->nids;
	out->issues = rec->issues;
	out->nissues = rec->nissues;
	out->rules = rec->rules;
	out->nrules = rec->nrules;
}

uint32_t gv_classes_labels(const gv_classes *c, gv_idx commit)
{
	return c && commit < c->n ? c->labels[commit] : 0;
}

/* ---- resolving refs ---- */

static void resolve_hex(gv_ref *r, const gv_history *h, gv_idx from,
			gv_warnings *w)
{
	char hex[GV_OID_HEXSZ + 1];
	gv_idx idx;
	int rc;

	gv_history_hex(h, from, hex);
	rc = gv_history_find_hex(h, r->text, strlen(r->text), &idx);
	if (rc == 0) {
		r->commit = idx;
		r->resolved = 1;
		gv_history_hex(h, idx, r->text);
	} else if (rc == GV_EAMBIGUOUS) {
		gv_warnings_add_keyed(w, "ambiguous-ref", hex, "an abbreviated commit id "
				"in a message matches several commits (kept "
				"as written, resolved: false), e.g. %s (%s) "
				"in %.12s", r->text, gv_ref_kind_name(r->kind),
				hex);
	} else {
		gv_warnings_add_keyed(w, "unresolved-ref", hex, "a commit named in a "
				"message is not in the loaded history (kept "
				"as written, resolved: false), e.g. %s (%s) "
				"in %.12s", r->text, gv_ref_kind_name(r->kind),
				hex);
	}
}

/* The keys some commit has (subject and title hashes, PR numbers), in an
 * open-addressed set built once: a revert that names a subject or PR no
 * commit has, the common failure, is known unresolvable without a walk
 * (a walk would visit every ancestor to learn it). Only a pre-check: the
 * walk compares the keys themselves, so collisions cost a walk, never a
 * wrong target. */
typedef struct keyset {
	uint64_t *slot;     /* 0: empty */
	size_t mask;
} keyset;

static uint64_t pr_key(uint32_t pr)
{
	return UINT64_C(0x9e3779b97f4a7c15) * ((uint64_t)pr + 1);
}

static uint64_t *keyset_slot(const keyset *ks, uint64_t key)
{
	size_t i = (size_t)((key ^ key >> 29) & ks->mask);

	while (ks->slot[i] && ks->slot[i] != key)
		i = (i + 1) & ks->mask;
	return &ks->slot[i];
}

static void keyset_add(keyset *ks, uint64_t key)
{
	if (key)
		*keyset_slot(ks, key) = key;
}

static int keyset_has(const keyset *ks, uint64_t key)
{
	return key && *keyset_slot(ks, key) == key;
}

static int keyset_build(keyset *ks, const gv_classes *c, size_t n)
{
	size_t size = 16, i;

	while (size < 6 * n)
		size <<= 1;
	if (!(ks->slot = calloc(size, sizeof(*ks->slot))))
		return GV_ENOMEM;
	ks->mask = size - 1;
	for (i = 0; i < n; i++) {
		keyset_add(ks, c->subj[i]);
		keyset_add(ks, c->ttl[i]);
		if (c->pr[i])
			keyset_add(ks, pr_key(c->pr[i]));
	}
	return 0;
}

/* What a revert's target must have: a subject or merge title with hash
 * `hash`, or (pr != 0) to land pull request pr. */
typedef struct want {
	uint64_t hash;
	uint32_t pr;
} want;

static int wanted(const gv_classes *c, gv_idx i, const want *w)
{
	if (i >= c->n)
		return 0;
	if (w->pr)
		return c->pr[i] == w->pr;
	return c->subj[i] == w->hash || c->ttl[i] == w->hash;
}

/* Breadth-first over the parents of `from`, first parent first: the
 * nearest ancestor that has what w wants, or GV_NONE. stamp[] marks
 * commits seen by this search (== mark). */
static gv_idx nearest_with(const gv_classes *c, const gv_history *h,
			   gv_idx from, const want *w, const keyset *ks,
			   uint32_t *stamp, uint32_t mark, gv_idx *queue)
{
	const gv_commit *cs = gv_history_commits(h);
	const gv_idx *parents = gv_history_parents(h);
	size_t head = 0, tail = 0, count = gv_history_count(h);
	gv_idx i, p;
	uint32_t k;

	if (!keyset_has(ks, w->pr ? pr_key(w->pr) : w->hash))
		return GV_NONE;
	queue[tail++] = from;
	stamp[from] = mark;
	while (head < tail) {
		i = queue[head++];
		if (i != from && wanted(c, i, w))
			return i;
		for (k = 0; k < cs[i].nparents; k++) {
			p = parents[cs[i].parents_at + k];
			if (p >= count || stamp[p] == mark)
				continue;
			stamp[p] = mark;
			queue[tail++] = p;
		}
	}
	return GV_NONE;
}

/* A merge from GitHub's revert button says twice what it reverts (the PR
 * number in its branch or body, the PR title quoted): once resolved, one
 * ref per target and kind is enough. Returns the positions dropped, as
 * bits (only the first 64 refs of a commit are looked at). */
static uint64_t drop_repeats(crec *rec)
{
	uint64_t gone = 0;
	uint32_t j, k, o;

	for (k = o = 0; k < rec->nrefs; k++) {
		const gv_ref *r = &rec->refs[k];
		for (j = 0; j < o && r->resolved && k < 64; j++)
			if (rec->refs[j].resolved && rec->refs[j].kind == r->kind &&
			    rec->refs[j].commit == r->commit)
				break;
		if (r->resolved && k < 64 && j < o) {
			gone |= UINT64_C(1) << k;
			continue;
		}
		rec->refs[o++] = *r;
	}
	rec->nrefs = o;
	return gone;
}

/* Pending entries point at refs by position: after drop_repeats, one pass
 * moves them with their refs (a dropped ref was resolved: its entry goes). */
static int drop_all_repeats(gv_classes *c, size_t n)
{
	uint64_t *gone = calloc(c->nrecs ? c->nrecs : 1, sizeof(*gone)), g;
	size_t i, p;
	int any = 0;

	if (!gone)
		return GV_ENOMEM;
	for (i = 0; i < n; i++)
		if (c->rec[i] && c->recs[c->rec[i] - 1].nrefs > 1)
			any |= (gone[c->rec[i] - 1] =
				drop_repeats(&c->recs[c->rec[i] - 1])) != 0;
	for (p = 0; any && p < c->npend; p++) {
		pending *pd = &c->pend[p];
		if (pd->commit >= n || !(g = gone[c->rec[pd->commit] - 1]))
			continue;
		if (pd->ref < 64 && (g >> pd->ref & 1))
			pd->commit = GV_NONE;
		else if (pd->ref < 64)
			pd->ref -= (uint32_t)__builtin_popcountll(
				g & ((UINT64_C(1) << pd->ref) - 1));
		else
			pd->ref -= (uint32_t)__builtin_popcountll(g);
	}
	free(gone);
	return 0;
}

int gv_classes_resolve(gv_classes *c, const gv_history *h,
		       gv_warnings *warnings, gv_error *err)
{
	size_t count = gv_history_count(h), n = c->n < count ? c->n : count;
	size_t i, k, npr = 0;
	uint32_t *stamp = NULL, mark = 0;
	gv_idx *queue = NULL, t;
	keyset ks = { NULL, 0 };
	char hex[GV_OID_HEXSZ + 1];
	int rc = 0;

	for (i = 0; i < n; i++) {
		crec *rec;

		if (!c->rec[i])
			continue;
		rec = &c->recs[c->rec[i] - 1];
		for (k = 0; k < rec->nrefs; k++) {
			if (rec->refs[k].resolved || !rec->refs[k].text[0])
				continue;
			if (rec->refs[k].text[0] == '#')
				npr++;
			else
				resolve_hex(&rec->refs[k], h, (gv_idx)i,
					    warnings);
		}
	}
	if ((c->npend || npr) && count) {
		stamp = calloc(count, sizeof(*stamp));
		queue = malloc(count * sizeof(*queue));
		if (!stamp || !queue || keyset_build(&ks, c, n)) {
			rc = gv_error_set(err, GV_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (i = 0; npr && i < n; i++) {
		crec *rec = c->rec[i] ? &c->recs[c->rec[i] - 1] : NULL;

		for (k = 0; rec && k < rec->nrefs; k++) {
			gv_ref *r = &rec->refs[k];
			want w = { 0, 0 };

			if (r->resolved || r->text[0] != '#')
				continue;
			w.pr = pr_of(r->text, strlen(r->text));
			t = nearest_with(c, h, (gv_idx)i, &w, &ks, stamp,
					 ++mark, queue);
			if (t == GV_NONE) {
				gv_history_hex(h, (gv_idx)i, hex);
				gv_warnings_add_keyed(warnings, "unresolved-revert-pr",
						hex, "a revert names a pull "
						"request, and no ancestor "
						"lands it (kept as written, "
						"resolved: false), e.g. %s in "
						"%.12s", r->text, hex);
				continue;
			}
			r->commit = t;
			r->resolved = 1;
			gv_history_hex(h, t, r->text);
		}
	}
	for (i = 0; i < c->npend; i++) {
		pending *pd = &c->pend[i];
		want w = { pd->hash, 0 };
		gv_ref *r;

		if (pd->commit >= count)
			continue;
		r = &c->recs[c->rec[pd->commit] - 1].refs[pd->ref];
		if (r->resolved)
			continue;
		t = nearest_with(c, h, pd->commit, &w, &ks, stamp, ++mark,
				 queue);
		if (t == GV_NONE) {
			gv_history_hex(h, pd->commit, hex);
			gv_warnings_add_keyed(warnings, "unresolved-revert-subject", hex,
					"a revert names its target only by "
					"subject, and no ancestor has that "
					"exact subject (resolved: false), "
					"e.g. in %.12s", hex);
			continue;
		}
		r->commit = t;
		r->resolved = 1;
		gv_history_hex(h, t, r->text);
	}
	if (drop_all_repeats(c, n)) {
		rc = gv_error_set(err, GV_ENOMEM, "out of memory");
		goto done;
	}
	if (c->limits)
		gv_warnings_add_n(warnings, "rule-match-limit", c->limits,
				  "a rule hit its match, depth or heap limit "
				  "on a message and was skipped for it");
done:
	free(ks.slot);
	free(stamp);
	free(queue);
	return rc;
}

/* ---- merging (advisories) ---- */

int gv_classes_merge(gv_classes *c, gv_idx commit, int cat, int conf,
		     const char *const *ids, size_t nids, const gv_ref *refs,
		     size_t nrefs)
{
	crec old, *rec;
	const char **nid = NULL;
	gv_ref *nref = NULL;
	size_t i, j, n, nr;
	uint32_t cv;

	if (cover(c, commit))
		return GV_ENOMEM;
	c->labels[commit] |= GV_LABEL(cat);
	cv = (c->conf[commit] >> (2 * cat)) & 3u;
	if ((uint32_t)conf > cv)
		c->conf[commit] = (c->conf[commit] & ~(3u << (2 * cat))) |
				  (uint32_t)conf << (2 * cat);
	memset(&old, 0, sizeof(old));
	if (c->rec[commit])
		old = c->recs[c->rec[commit] - 1];
	/* The new arrays are copies: views handed out before stay valid. */
	if (!(nid = arena_alloc(c, (old.nids + nids) * sizeof(char *))) ||
	    !(nref = arena_alloc(c, (old.nrefs + nrefs) * sizeof(gv_ref))))
		return GV_ENOMEM;
	n = old.nids;
	if (n)
		memcpy(nid, old.ids, n * sizeof(char *));
	for (i = 0; i < nids; i++) {
		size_t len = strlen(ids[i]);
		char *u = arena_strdup(c, ids[i], len);

		if (!u)
			return GV_ENOMEM;
		for (j = 0; j < len; j++)
			if (u[j] >= 'a' && u[j] <= 'z')
				u[j] = (char)(u[j] - 32);
		nid[n++] = u;
	}
	/* sorted, then repeats dropped: 100,000 aliases cost a sort, not a
	 * comparison of every pair */
	qsort(nid, n, sizeof(*nid), cmp_cstr);
	for (i = j = 0; i < n; i++)
		if (!j || strcmp(nid[j - 1], nid[i]))
			nid[j++] = nid[i];
	n = j;
	nr = old.nrefs;
	if (nr)
		memcpy(nref, old.refs, nr * sizeof(gv_ref));
	for (i = 0; i < nrefs; i++) {
		for (j = 0; j < nr; j++)
			if (nref[j].kind == refs[i].kind &&
			    !strcmp(nref[j].text, refs[i].text))
				break;
		if (j == nr)
			nref[nr++] = refs[i];
	}
	if (!c->rec[commit]) {
		if (gv_grow((void **)&c->recs, &c->arecs, c->nrecs + 1,
			    sizeof(*c->recs)))
			return GV_ENOMEM;
		c->recs[c->nrecs] = old;
		c->rec[commit] = (uint32_t)++c->nrecs;
	}
	rec = &c->recs[c->rec[commit] - 1];
	rec->ids = nid;
	rec->nids = (uint32_t)n;
	rec->refs = nref;
	rec->nrefs = (uint32_t)nr;
	return 0;
}

/* ---- cache blobs ---- */

/* Blob layout (version 3), integers little-endian:
 *   u8 version, u32 labels, u32 packed confidences, u64 subject hash,
 *   u64 title hash (a merge's, else 0), u32 the PR it lands (or 0),
 *   u64 identity (identity_of(), or 0),
 *   u16 nrefs, then per ref: u8 kind, u8 text length, text, u64 subject hash
 *   (0 unless the ref is a pending subject-only revert),
 *   u16 nids + (u16 length, bytes)..., the same for issues and rule ids. */
#define BLOB_VERSION 3

static int put_le(gv_buf *b, uint64_t v, unsigned bytes)
{
	unsigned char t[8];
	unsigned i;

	for (i = 0; i < bytes; i++)
		t[i] = (unsigned char)(v >> (8 * i));
	return gv_buf_put(b, (const char *)t, bytes);
}

static int put_strs(gv_buf *b, const char *const *v, size_t n)
{
	size_t i, len;
	int rc = put_le(b, n, 2);

	for (i = 0; i < n && !rc; i++) {
		len = strlen(v[i]);
		rc = put_le(b, len, 2);
		if (!rc)
			rc = gv_buf_put(b, v[i], len);
	}
	return rc;
}

int gv_classes_blob(void *payload, gv_idx commit, gv_buf *out)
{
	gv_classes *c = payload;
	const crec *rec = NULL;
	size_t i, k;
	uint64_t h;
	int rc;

	if (commit >= c->n)
		return put_le(out, BLOB_VERSION, 1) || put_le(out, 0, 4) ||
		       put_le(out, 0, 4) || put_le(out, 0, 8) ||
		       put_le(out, 0, 8) || put_le(out, 0, 4) ||
		       put_le(out, 0, 8) ||
		       put_le(out, 0, 2) || put_le(out, 0, 2) ||
		       put_le(out, 0, 2) || put_le(out, 0, 2) ? GV_ENOMEM : 0;
	if (c->rec[commit])
		rec = &c->recs[c->rec[commit] - 1];
	rc = put_le(out, BLOB_VERSION, 1);
	rc = rc ? rc : put_le(out, c->labels[commit], 4);
	rc = rc ? rc : put_le(out, c->conf[commit], 4);
	rc = rc ? rc : put_le(out, c->subj[commit], 8);
	rc = rc ? rc : put_le(out, c->ttl[commit], 8);
	rc = rc ? rc : put_le(out, c->pr[commit], 4);
	rc = rc ? rc : put_le(out, c->ident[commit], 8);
	rc = rc ? rc : put_le(out, rec ? rec->nrefs : 0, 2);
	for (i = 0; rec && i < rec->nrefs && !rc; i++) {
		const gv_ref *r = &rec->refs[i];

		h = 0;
		if (!r->text[0])
			for (k = 0; k < c->npend; k++)
				if (c->pend[k].commit == commit &&
				    c->pend[k].ref == i)
					h = c->pend[k].hash;
		rc = put_le(out, r->kind, 1);
		rc = rc ? rc : put_le(out, strlen(r->text), 1);
		rc = rc ? rc : gv_buf_put(out, r->text, strlen(r->text));
		rc = rc ? rc : put_le(out, h, 8);
	}
	rc = rc ? rc : put_strs(out, rec ? rec->ids : NULL, rec ? rec->nids : 0);
	rc = rc ? rc : put_strs(out, rec ? rec->issues : NULL,
				rec ? rec->nissues : 0);
	rc = rc ? rc : put_strs(out, rec ? rec->rules : NULL,
				rec ? rec->nrules : 0);
	return rc ? GV_ENOMEM : 0;
}

/* The fixed part: version, labels, confidences, subject and title hashes,
 * PR, identity, ref count. */
#define BLOB_HEAD 39

/* Little-endian loads, written so that compilers make each one load. */
static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Where a blob's four lists (refs, ids, issues, rule ids) start, and how
 * many entries each has. */
typedef struct blob_lists {
	size_t at[4], n[4];
} blob_lists;

/* Checks the layout of a whole blob and stores nothing: GV_EINPUT for
 * another version, a ref kind out of range, a ref text over 40 bytes, a
 * length past the end or bytes left over. */
static int blob_check(const unsigned char *p, size_t len, blob_lists *L)
{
	size_t pos = BLOB_HEAD, k, l;
	int i;

	if (len < BLOB_HEAD || p[0] != BLOB_VERSION)
		return GV_EINPUT;
	L->n[0] = le16(p + BLOB_HEAD - 2);
	L->at[0] = pos;
	for (k = 0; k < L->n[0]; k++) {
		if (len - pos < 2 || p[pos] >= GV_REF__COUNT ||
		    (l = p[pos + 1]) > 40 || len - pos - 2 < l + 8)
			return GV_EINPUT;
		pos += 2 + l + 8;
	}
	for (i = 1; i < 4; i++) {
		if (len - pos < 2)
			return GV_EINPUT;
		L->n[i] = le16(p + pos);
		L->at[i] = pos += 2;
		for (k = 0; k < L->n[i]; k++) {
			if (len - pos < 2 ||
			    (l = le16(p + pos)) > len - pos - 2)
				return GV_EINPUT;
			pos += 2 + l;
		}
	}
	return pos == len ? 0 : GV_EINPUT;
}

/* The string at *pos of a checked list; moves *pos past it. */
static const char *next_str(const unsigned char *p, size_t *pos, size_t *len)
{
	const char *t = (const char *)p + *pos + 2;

	*len = le16(p + *pos);
	*pos += 2 + *len;
	return t;
}

/* 1 when t repeats one of the first `count` strings of the list at `at`,
 * compared as add_str() compares with what it stored (up to a NUL). */
static int seen_str(const unsigned char *p, size_t at, size_t count,
		    const char *t, size_t len)
{
	const char *u;
	size_t k, l;

	for (k = 0; k < count; k++) {
		u = next_str(p, &at, &l);
		if (strnlen(u, l) == len && !memcmp(u, t, len))
			return 1;
	}
	return 0;
}

/* A checked list of strings copied into the arena, repeats dropped: the
 * ids and issues of a restored commit. */
static int restore_strs(gv_classes *c, const unsigned char *p, size_t at,
			size_t count, const char ***out, uint32_t *n)
{
	const char **v, *t;
	size_t k, pos = at, len;

	if (!count)
		return 0;
	if (!(v = arena_alloc(c, count * sizeof(*v))))
		return GV_ENOMEM;
	for (k = 0; k < count; k++) {
		t = next_str(p, &pos, &len);
		if (seen_str(p, at, k, t, len))
			continue;
		if (!(v[*n] = arena_strdup(c, t, strnlen(t, len))))
			return GV_ENOMEM;
		(*n)++;
	}
	*out = v;
	return 0;
}

/* A rule id's slot: ids are short, distinct words, so their length and
 * three of their bytes spread them well enough, at a tenth of the cost of
 * hashing every byte (a restore looks up every rule that fired). */
static size_t rule_hash(const char *t, size_t len)
{
	const unsigned char *u = (const unsigned char *)t;

	if (!len)
		return 0;
	return len * 0x9E3779B1u ^ (size_t)u[0] * 31u ^ (size_t)u[len / 2] * 131u ^
	       (size_t)u[len - 1] * 2053u;
}

/* Rule ids by hash for restoring blobs: built under the lock by the first
 * restore that names a rule (the set is complete by then: rules are added
 * before anything is classified or restored). */
static int rule_index(gv_classes *c)
{
	const gv_ruleset *rs = c->rs;
	size_t n = 16, i, h, len;

	if (c->slots || !rs || !rs->count)
		return 0;
	while (n < 2 * rs->count)
		n *= 2;
	if (!(c->slots = calloc(n, sizeof(*c->slots))))
		return GV_ENOMEM;
	for (i = 0; i < rs->count; i++) {
		len = strlen(rs->rules[i].id);
		h = rule_hash(rs->rules[i].id, len) & (n - 1);
		while (c->slots[h].id)
			h = (h + 1) & (n - 1);
		c->slots[h].id = rs->rules[i].id;
		c->slots[h].len = len;
	}
	c->nslots = n;
	return 0;
}

/* The rule set's own string for a rule id, or NULL for an unknown id. */
static const char *rule_find(const gv_classes *c, const char *t, size_t len)
{
	size_t h, mask = c->nslots - 1;

	if (!c->nslots)
		return NULL;
	for (h = rule_hash(t, len) & mask; c->slots[h].id;
	     h = (h + 1) & mask)
		if (c->slots[h].len == len && !memcmp(c->slots[h].id, t, len))
			return c->slots[h].id;
	return NULL;
}

/* The known rule ids of a checked list, repeats and unknown ids dropped. */
static int restore_rules(gv_classes *c, const unsigned char *p,
			 const blob_lists *L, crec *rec)
{
	const char *t, *id;
	size_t k, pos = L->at[3], len;

	if (!L->n[3])
		return 0;
	if (rule_index(c) ||
	    !(rec->rules = arena_alloc(c, L->n[3] * sizeof(*rec->rules))))
		return GV_ENOMEM;
	for (k = 0; k < L->n[3]; k++) {
		t = next_str(p, &pos, &len);
		if (!seen_str(p, L->at[3], k, t, len) &&
		    (id = rule_find(c, t, strnlen(t, len))))
			rec->rules[rec->nrules++] = id;
	}
	if (!rec->nrules)
		rec->rules = NULL;
	return 0;
}

/* One ref of a checked blob. */
typedef struct blob_ref {
	unsigned kind;
	const char *text;
	size_t len;
	uint64_t hash;      /* of the quoted subject, for a subject-only ref */
} blob_ref;

static void next_ref(const unsigned char *p, size_t *pos, blob_ref *r)
{
	r->kind = p[*pos];
	r->len = p[*pos + 1];
	r->text = (const char *)p + *pos + 2;
	r->hash = le64(p + *pos + 2 + r->len);
	*pos += 2 + r->len + 8;
}

/* add_ref()'s test for a repeat: `old` as it would have been stored. */
static int same_ref(const blob_ref *old, const blob_ref *r)
{
	return old->kind == r->kind && old->hash == r->hash &&
	       (!old->len && old->hash) == (!r->len && r->hash) &&
	       strnlen(old->text, old->len) == r->len &&
	       !memcmp(old->text, r->text, r->len);
}

/* The refs of a checked blob, repeats dropped; a subject-only revert goes
 * to pending[], for which the caller reserved room for all of them. */
static int restore_refs(gv_classes *c, gv_idx commit, const unsigned char *p,
			const blob_lists *L, crec *rec)
{
	blob_ref r, old;
	size_t k, j, pos = L->at[0], q;
	gv_ref *g;

	if (!L->n[0])
		return 0;
	if (!(rec->refs = arena_alloc(c, L->n[0] * sizeof(*rec->refs))))
		return GV_ENOMEM;
	for (k = 0; k < L->n[0]; k++) {
		next_ref(p, &pos, &r);
		for (j = 0, q = L->at[0]; j < k; j++) {
			next_ref(p, &q, &old);
			if (same_ref(&old, &r))
				break;
		}
		if (j < k)
			continue;
		g = &rec->refs[rec->nrefs];
		memset(g, 0, sizeof(*g));
		g->commit = GV_NONE;
		g->kind = (uint8_t)r.kind;
		memcpy(g->text, r.text, r.len);
		if (!r.len && r.hash) {
			c->pend[c->npend].commit = commit;
			c->pend[c->npend].ref = rec->nrefs;
			c->pend[c->npend].hash = r.hash;
			c->npend++;
		}
		rec->nrefs++;
	}
	return 0;
}

/* Stores a checked blob as commit's classification. Under the lock. Room
 * for the record and the pending refs comes first, the refs last, so that
 * running out of memory leaves no pending ref of a commit without record. */
static int restore_locked(gv_classes *c, gv_idx commit,
			  const unsigned char *p, const blob_lists *L)
{
	crec rec;

	if (cover(c, commit))
		return GV_ENOMEM;
	c->labels[commit] = le32(p + 1);
	c->conf[commit] = le32(p + 5);
	c->subj[commit] = le64(p + 9);
	c->ttl[commit] = le64(p + 17);
	c->pr[commit] = le32(p + 25);
	c->ident[commit] = le64(p + 29);
	c->rec[commit] = 0;
	if (!(L->n[0] | L->n[1] | L->n[2] | L->n[3]))
		return 0;
	memset(&rec, 0, sizeof(rec));
	if (gv_grow((void **)&c->recs, &c->arecs, c->nrecs + 1,
		    sizeof(*c->recs)) ||
	    gv_grow((void **)&c->pend, &c->apend, c->npend + L->n[0],
		    sizeof(*c->pend)) ||
	    restore_strs(c, p, L->at[1], L->n[1], &rec.ids, &rec.nids) ||
	    restore_strs(c, p, L->at[2], L->n[2], &rec.issues, &rec.nissues) ||
	    restore_rules(c, p, L, &rec) ||
	    restore_refs(c, commit, p, L, &rec))
		return GV_ENOMEM;
	if (rec.nids > 1)
		qsort(rec.ids, rec.nids, sizeof(*rec.ids), cmp_cstr);
	if (!(rec.nrefs | rec.nids | rec.nissues | rec.nrules))
		return 0;
	c->recs[c->nrecs++] = rec;
	c->rec[commit] = (uint32_t)c->nrecs;
	return 0;
}

/* The blob is checked whole before anything is stored, then stored under
 * one lock round: no scratch, nothing copied twice. */
int gv_classes_restore(void *payload, gv_idx commit, const void *data,
		       size_t len)
{
	gv_classes *c = payload;
	blob_lists L;
	int rc;

	if (blob_check(data, len, &L))
		return GV_EINPUT;
	pthread_mutex_lock(&c->lock);
	rc = restore_locked(c, commit, data, &L);
	pthread_mutex_unlock(&c->lock);
	return rc;
}
