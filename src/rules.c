/*
 * rules.c - rule files: parsing, compiling, self-tests and printing.
 *
 * The format (documented in docs/RULES.md) is a list of stanzas:
 *
 *   # comment
 *   [rule fix-trailer]
 *   category = fix
 *   field = message
 *   pattern = ^Fixes: ?([0-9a-f]{8,40})\b
 *   flags = i m
 *   ...
 *
 * An indented line continues the value of the key above it (joined with a
 * newline, which only `flags = x` patterns can use). Parsing stops at the
 * first error, reported as "file:line:column: message"; a ruleset that
 * failed to parse must not be used. After gv_rules_compile() the ruleset is
 * read-only (threads may share it): rules[] keeps the order rules were added,
 * which is the order they run and print in.
 */
#include "rules_int.h"
#include "rules_files.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gv/classify.h"
#include "gv/embedded.h"

static const char *const category_names[GV_CAT__COUNT] = {
	"fix", "revert", "rollback", "security", "bot", "feature", "chore",
	"docs", "test", "perf", "refactor"
};

static const char *const field_names[] = {
	"subject", "body", "message", "trailer", "author", "title"
};

const char *gv_category_name(int cat)
{
	if (cat < 0 || cat >= GV_CAT__COUNT)
		return NULL;
	return category_names[cat];
}

int gv_category_from_name(const char *name, size_t len)
{
	int i;

	for (i = 0; i < GV_CAT__COUNT; i++)
		if (strlen(category_names[i]) == len &&
		    !memcmp(category_names[i], name, len))
			return i;
	return -1;
}

const char *gv_field_name(int field)
{
	if (field < 0 || field > GV_FIELD_TITLE)
		return NULL;
	return field_names[field];
}

int gv_rules_is_limit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
	       rc == PCRE2_ERROR_NOMEMORY;
}

size_t gv_rules_start(const gv_rule *r, const char *s, size_t len)
{
	const char *nl;
	size_t i = 0;

	if (!r->skip_revert)
		return 0;
	while (i < len && s[i] == '\n')
		i++;
	/* GitHub's revert button merges as `Merge pull request #N from
	 * o/revert-M-...` with the quoted title as the first body line: that
	 * line is the quote then, and the merge line names only branches. */
	if (len - i > 20 && !memcmp(s + i, "Merge pull request #", 20) &&
	    (nl = memchr(s + i, '\n', len - i))) {
		size_t j = (size_t)(nl - s) + 1;

		while (j < len && (s[j] == '\n' || s[j] == ' ' ||
				   s[j] == '\t' || s[j] == '\r'))
			j++;
		if ((len - j > 8 && !memcmp(s + j, "Revert \"", 8)) ||
		    (len - j > 9 && !memcmp(s + j, "Reapply \"", 9)))
			i = j;
	}
	if (!((len - i > 8 && !memcmp(s + i, "Revert \"", 8)) ||
	      (len - i > 9 && !memcmp(s + i, "Reapply \"", 9))))
		return 0;
	nl = memchr(s + i, '\n', len - i);
	return nl ? (size_t)(nl - s) + 1 : len;
}

int gv_rules_match(const gv_ruleset *rs, const gv_rule *r, const char *s,
		   size_t len, size_t start, pcre2_match_data *md)
{
	/* "" with length 0 is a valid subject; PCRE2 rejects a NULL one. */
	if (!s)
		s = "";
	return pcre2_match(r->code, (PCRE2_SPTR)s, len, start, 0, md,
			   rs->mctx);
}

int gv_rules_new(gv_ruleset **out, gv_error *err)
{
	gv_ruleset *rs = calloc(1, sizeof(*rs));

	*out = NULL;
	if (!rs)
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	if (pthread_mutex_init(&rs->once, NULL)) {
		free(rs);
		return gv_error_set(err, GV_ENOMEM, "cannot create a mutex");
	}
	rs->hash = 0xcbf29ce484222325ull;
	*out = rs;
	return 0;
}

int gv_rules_compile_once(gv_ruleset *rs, gv_error *err)
{
	int rc = 0;

	/* the flag is written under the lock and only ever goes 0 -> 1 */
	if (__atomic_load_n(&rs->compiled, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&rs->once);
	if (!rs->compiled)
		rc = gv_rules_compile(rs, err);
	pthread_mutex_unlock(&rs->once);
	return rc;
}

static void rule_free(gv_rule *r)
{
	size_t i;

	free(r->id);
	free(r->high_with_id);
	free(r->trailer);
	free(r->pattern);
	free(r->seg_off);
	free(r->seg_line);
	free(r->seg_col);
	free(r->flags);
	free(r->caps);
	free(r->caps_text);
	free(r->req_text);
	free(r->req);
	free(r->cond);
	for (i = 0; i < r->nexamples; i++)
		free(r->examples[i].text);
	free(r->examples);
	pcre2_code_free(r->code);
}

void gv_rules_free(gv_ruleset *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->count; i++)
		rule_free(&rs->rules[i]);
	free(rs->rules);
	for (i = 0; i < rs->nnames; i++)
		free(rs->names[i]);
	free(rs->names);
	for (i = 0; i < rs->noverrides; i++)
		free(rs->overrides[i].id);
	free(rs->overrides);
	for (i = 0; i < rs->nlits; i++)
		free(rs->lits[i].text);
	free(rs->lits);
	free(rs->lit_next);
	free(rs->lit_outs);
	free(rs->lit_req_at);
	free(rs->lit_rules);
	pcre2_match_context_free(rs->mctx);
	pthread_mutex_destroy(&rs->once);
	free(rs);
}

int gv_rules_is_compiled(const gv_ruleset *rs)
{
	return rs && __atomic_load_n(&rs->compiled, __ATOMIC_ACQUIRE);
}

size_t gv_rules_count(const gv_ruleset *rs)
{
	return rs ? rs->count : 0;
}

const char *gv_rules_id(const gv_ruleset *rs, size_t i)
{
	return rs && i < rs->count ? rs->rules[i].id : NULL;
}

uint64_t gv_rules_hash(const gv_ruleset *rs)
{
	return rs ? rs->hash : 0;
}

/* ---- parsing ---- */

/* The parser's state for one source. */
typedef struct parser {
	gv_ruleset *rs;
	const char *name;
	gv_error *err;
	gv_rule *cur;          /* the rule being filled, or NULL */
	unsigned seen;         /* keys seen in cur, as bits of enum key */
	int last_key;          /* key a continuation line extends, or -1 */
	unsigned last_line, last_col;
} parser;

enum key {
	K_CATEGORY, K_FIELD, K_PATTERN, K_FLAGS, K_CONFIDENCE, K_CAPTURES,
	K_REQUIRES, K_NOT, K_SKIP, K_NEEDS, K_HIGH_WITH, K_MATCH, K_NOMATCH,
	K__COUNT
};

static const char *const key_names[K__COUNT] = {
	"category", "field", "pattern", "flags", "confidence", "captures",
	"requires", "not", "skip", "needs", "high-with", "match", "nomatch"
};

#define perr(p, line, col, ...) parse_error(p, line, col, __VA_ARGS__)

static int parse_error(parser *p, unsigned line, unsigned col,
		       const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static int parse_error(parser *p, unsigned line, unsigned col,
		       const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gv_error_set(p->err, GV_EINPUT, "%s:%u:%u: %s", p->name, line,
			    col, msg);
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* edges: GV_LIT_WORD_START / _END, for literals read off a pattern. */
static int intern_lit(gv_ruleset *rs, const char *s, size_t n, unsigned edges,
		      uint32_t *out)
{
	size_t i;
	char *t;

	for (i = 0; i < rs->nlits; i++) {
		if (rs->lits[i].len == n && rs->lits[i].edges == edges &&
		    !memcmp(rs->lits[i].text, s, n)) {
			*out = (uint32_t)i;
			return 0;
		}
	}
	if (gv_grow((void **)&rs->lits, &rs->alits, rs->nlits + 1,
		    sizeof(*rs->lits)) || !(t = dupn(s, n)))
		return GV_ENOMEM;
	for (i = 0; i < n; i++)
		t[i] = (char)tolower((unsigned char)t[i]);
	rs->lits[rs->nlits].text = t;
	rs->lits[rs->nlits].len = n;
	rs->lits[rs->nlits].edges = (uint8_t)edges;
	*out = (uint32_t)rs->nlits++;
	return 0;
}

/* Decodes \n, \t, \r and \\ in an example; any other backslash stays. */
static char *decode_example(const char *s, size_t n, size_t *out_len)
{
	char *d = malloc(n + 1);
	size_t i, j = 0;

	if (!d)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n &&
		    strchr("ntr\\", s[i + 1])) {
			i++;
			d[j++] = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' :
				 s[i] == 'r' ? '\r' : '\\';
		} else {
			d[j++] = s[i];
		}
	}
	d[j] = '\0';
	*out_len = j;
	return d;
}

/* One category, or (for a veto) several separated by blanks: a commit
 * that only fixes a typo is neither a fix nor a security fix. Whether
 * several are allowed is checked by finish_rule(), once `not` is known. */
static int set_category(parser *p, const char *v, size_t n, unsigned line,
			unsigned col)
{
	gv_rule *r = p->cur;
	size_t i = 0, s;
	int c;

	if (n == 4 && !memcmp(v, "none", 4)) {
		r->category = GV_CAT_NONE;
		return 0;
	}
	r->veto_cats = 0;
	r->category = GV_CAT_NONE;
	while (i < n) {
		s = i;
		while (i < n && !is_blank(v[i]))
			i++;
		if ((c = gv_category_from_name(v + s, i - s)) < 0)
			return perr(p, line, col + (unsigned)s,
				    "unknown category '%.*s' (expected fix, "
				    "revert, rollback, security, bot, feature, "
				    "chore, docs, test, perf, refactor or none)",
				    (int)(i - s), v + s);
		if (r->category == GV_CAT_NONE)
			r->category = c;
		r->veto_cats |= GV_LABEL(c);
		while (i < n && is_blank(v[i]))
			i++;
	}
	return 0;
}

static int set_field(parser *p, const char *v, size_t n, unsigned line,
		     unsigned col)
{
	gv_rule *r = p->cur;
	size_t i;
	int f;

	if (n > 8 && !memcmp(v, "trailer:", 8)) {
		for (i = 8; i < n; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '-')
				return perr(p, line, col + (unsigned)i,
					    "a trailer name is letters, "
					    "digits and '-'");
		if (!(r->trailer = dupn(v + 8, n - 8)))
			return gv_error_set(p->err, GV_ENOMEM, "out of memory");
		r->trailer_len = n - 8;
		r->field = GV_FIELD_TRAILER;
		return 0;
	}
	for (f = 0; f <= GV_FIELD_TITLE; f++)
		if (f != GV_FIELD_TRAILER && strlen(field_names[f]) == n &&
		    !memcmp(field_names[f], v, n)) {
			r->field = f;
			return 0;
		}
	return perr(p, line, col, "unknown field '%.*s' (expected subject, "
		    "title, body, message, author or trailer:<Name>)",
		    (int)n, v);
}

static int set_flags(parser *p, const char *v, size_t n, unsigned line,
		     unsigned col)
{
	gv_rule *r = p->cur;
	size_t i;

	r->options = 0;
	for (i = 0; i < n; i++) {
		switch (v[i]) {
		case 'i': r->options |= PCRE2_CASELESS; break;
		case 'm': r->options |= PCRE2_MULTILINE; break;
		case 's': r->options |= PCRE2_DOTALL; break;
		case 'x': r->options |= PCRE2_EXTENDED; break;
		case ' ': case '\t': case ',': break;
		default:
			return perr(p, line, col + (unsigned)i,
				    "unknown flag '%c' (expected i, m, s or x)",
				    v[i]);
		}
	}
	if (!(r->flags = dupn(v, n)))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	return 0;
}

static int ref_kind_from(const char *s, size_t n)
{
	int k;

	for (k = 0; k < GV_REF__COUNT; k++)
		if (strlen(gv_ref_kind_name(k)) == n &&
		    !memcmp(gv_ref_kind_name(k), s, n))
			return k;
	return -1;
}

static int set_captures(parser *p, const char *v, size_t n, unsigned line,
			unsigned col)
{
	gv_rule *r = p->cur;
	size_t i = 0, j, alloc = 0;
	gv_cap cap;
	int k;

	r->caps_line = line;
	r->caps_col = col;
	while (i < n) {
		while (i < n && is_blank(v[i]))
			i++;
		if (i == n)
			break;
		for (j = i; j < n && !is_blank(v[j]); j++)
			;
		memset(&cap, 0, sizeof(cap));
		if (j - i == 1 && v[i] == '-') {
			cap.type = GV_CAP_IGNORE;
		} else if (j - i == 2 && !memcmp(v + i, "id", 2)) {
			cap.type = GV_CAP_ID;
		} else if (j - i == 5 && !memcmp(v + i, "issue", 5)) {
			cap.type = GV_CAP_ISSUE;
		} else if (j - i == 10 && !memcmp(v + i, "context-id", 10)) {
			cap.type = GV_CAP_CONTEXT_ID;
		} else if (j - i == 7 && !memcmp(v + i, "reapply", 7)) {
			cap.type = GV_CAP_REAPPLY;
			cap.kind = GV_REF_REVERT;
		} else if (j - i > 4 && !memcmp(v + i, "ref:", 4) &&
			   (k = ref_kind_from(v + i + 4, j - i - 4)) >= 0) {
			cap.type = GV_CAP_REF;
			cap.kind = (uint8_t)k;
		} else if (j - i > 8 && !memcmp(v + i, "subject:", 8) &&
			   (k = ref_kind_from(v + i + 8, j - i - 8)) >= 0) {
			cap.type = GV_CAP_SUBJECT;
			cap.kind = (uint8_t)k;
		} else if (j - i > 5 && !memcmp(v + i, "pull:", 5) &&
			   (k = ref_kind_from(v + i + 5, j - i - 5)) >= 0) {
			cap.type = GV_CAP_PULL;
			cap.kind = (uint8_t)k;
		} else {
			return perr(p, line, col + (unsigned)i,
				    "unknown capture '%.*s' (expected "
				    "ref:<kind>, subject:<kind>, pull:<kind>, "
				    "reapply, id, context-id, "
				    "issue or -; kinds: revert, fixes, "
				    "follow-up, backport, advisory)",
				    (int)(j - i), v + i);
		}
		if (gv_grow((void **)&r->caps, &alloc, r->ncaps + 1,
			    sizeof(*r->caps)))
			return gv_error_set(p->err, GV_ENOMEM, "out of memory");
		r->caps[r->ncaps++] = cap;
		i = j;
	}
	if (!(r->caps_text = dupn(v, n)))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	return 0;
}

static int set_requires(parser *p, const char *v, size_t n, unsigned line,
			unsigned col)
{
	gv_rule *r = p->cur;
	size_t i = 0, j, e, alloc = 0;
	uint32_t li;

	while (i <= n) {
		for (j = i; j < n && v[j] != '|'; j++)
			;
		e = j;
		while (i < e && is_blank(v[i]))
			i++;
		while (e > i && is_blank(v[e - 1]))
			e--;
		if (e - i < 2)
			return perr(p, line, col + (unsigned)i,
				    "a required literal needs at least 2 "
				    "characters");
		if (gv_grow((void **)&r->req, &alloc, r->nreq + 1,
			    sizeof(*r->req)) ||
		    intern_lit(p->rs, v + i, e - i, 0, &li))
			return gv_error_set(p->err, GV_ENOMEM, "out of memory");
		r->req[r->nreq++] = li;
		i = j + 1;
	}
	if (!(r->req_text = dupn(v, n)))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	return 0;
}

static int add_example(parser *p, const char *v, size_t n, unsigned line,
		       int match)
{
	gv_rule *r = p->cur;
	gv_example *ex;

	if (!(ex = gv_reallocarray(r->examples, r->nexamples + 1,
				  sizeof(*r->examples))))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	r->examples = ex;
	ex = &r->examples[r->nexamples];
	if (!(ex->text = decode_example(v, n, &ex->len)))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	ex->line = line;
	ex->match = match;
	r->nexamples++;
	return 0;
}

/* Appends a continuation line to the pattern (the only key whose value may
 * span lines), remembering where it came from for error positions. */
static int pattern_append(parser *p, const char *v, size_t n, unsigned line,
			  unsigned col)
{
	gv_rule *r = p->cur;
	size_t k = r->nseg + 1;
	char *np;

	if (!(np = realloc(r->pattern, r->pattern_len + n + 2)))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	r->pattern = np;
	if (r->pattern_len)
		r->pattern[r->pattern_len++] = '\n';
	if (!(np = gv_reallocarray(r->seg_off, k, sizeof(size_t))))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	r->seg_off = (size_t *)(void *)np;
	if (!(np = gv_reallocarray(r->seg_line, k, sizeof(unsigned))))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	r->seg_line = (unsigned *)(void *)np;
	if (!(np = gv_reallocarray(r->seg_col, k, sizeof(unsigned))))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	r->seg_col = (unsigned *)(void *)np;
	r->seg_off[r->nseg] = r->pattern_len;
	r->seg_line[r->nseg] = line;
	r->seg_col[r->nseg] = col;
	r->nseg++;
	memcpy(r->pattern + r->pattern_len, v, n);
	r->pattern_len += n;
	r->pattern[r->pattern_len] = '\0';
	return 0;
}

static int set_bool(parser *p, int *out, const char *v, size_t n,
		    unsigned line, unsigned col)
{
	if ((n == 4 && !memcmp(v, "true", 4)) ||
	    (n == 3 && !memcmp(v, "yes", 3))) {
		*out = 1;
		return 0;
	}
	if ((n == 5 && !memcmp(v, "false", 5)) ||
	    (n == 2 && !memcmp(v, "no", 2))) {
		*out = 0;
		return 0;
	}
	return perr(p, line, col, "expected true or false, not '%.*s'",
		    (int)n, v);
}

/* From *i, past blanks, the span [*s, *e) of a rule id (letters, digits,
 * '.', '_', '-'); *i ends after it. */
static void id_span(const char *line, size_t n, size_t *i, size_t *s,
		    size_t *e)
{
	while (*i < n && is_blank(line[*i]))
		(*i)++;
	*s = *i;
	while (*i < n && (isalnum((unsigned char)line[*i]) ||
			  strchr("._-", line[*i])))
		(*i)++;
	*e = *i;
}

static int set_key(parser *p, int key, const char *v, size_t n,
		   unsigned line, unsigned col)
{
	gv_rule *r = p->cur;

	switch (key) {
	case K_CATEGORY:
		return set_category(p, v, n, line, col);
	case K_FIELD:
		return set_field(p, v, n, line, col);
	case K_PATTERN:
		if (!n)
			return perr(p, line, col, "empty pattern");
		r->pattern_line = line;
		r->pattern_col = col;
		return pattern_append(p, v, n, line, col);
	case K_FLAGS:
		return set_flags(p, v, n, line, col);
	case K_CONFIDENCE:
		if (n == 4 && !memcmp(v, "high", 4))
			r->confidence = GV_CONF_HIGH;
		else if (n == 3 && !memcmp(v, "low", 3))
			r->confidence = GV_CONF_LOW;
		else
			return perr(p, line, col, "unknown confidence '%.*s' "
				    "(expected high or low)", (int)n, v);
		return 0;
	case K_CAPTURES:
		return set_captures(p, v, n, line, col);
	case K_REQUIRES:
		return set_requires(p, v, n, line, col);
	case K_NOT:
		return set_bool(p, &r->veto, v, n, line, col);
	case K_SKIP:
		if (n != 14 || memcmp(v, "revert-subject", 14))
			return perr(p, line, col, "unknown skip '%.*s' "
				    "(expected revert-subject)", (int)n, v);
		r->skip_revert = 1;
		return 0;
	case K_NEEDS:
		if ((r->needs = gv_category_from_name(v, n)) < 0)
			return perr(p, line, col, "unknown category '%.*s' "
				    "for 'needs'", (int)n, v);
		return 0;
	case K_HIGH_WITH: {
		size_t i = 0, b, e;

		id_span(v, n, &i, &b, &e);
		if (e == b || i != n)
			return perr(p, line, col, "'high-with' takes one rule "
				    "id (letters, digits, '.', '_', '-')");
		if (!(r->high_with_id = dupn(v + b, e - b)))
			return gv_error_set(p->err, GV_ENOMEM, "out of memory");
		return 0;
	}
	case K_MATCH:
	case K_NOMATCH:
		return add_example(p, v, n, line, key == K_MATCH);
	default:
		return gv_error_set(p->err, GV_EINTERNAL, "bad key");
	}
}

/* Checks the rule just finished: required keys and their combinations. */
static int finish_rule(parser *p)
{
	gv_rule *r = p->cur;
	static const int required[] = { K_CATEGORY, K_FIELD, K_PATTERN };
	size_t i;

	if (!r)
		return 0;
	p->cur = NULL;
	for (i = 0; i < sizeof(required) / sizeof(*required); i++)
		if (!(p->seen & (1u << required[i])))
			return perr(p, r->line, 1, "rule '%s': missing "
				    "required key '%s'", r->id,
				    key_names[required[i]]);
	if (r->veto && r->category == GV_CAT_NONE)
		return perr(p, r->line, 1, "rule '%s': a 'not' rule vetoes a "
			    "category, so it needs one", r->id);
	if (!r->veto && r->veto_cats & (r->veto_cats - 1))
		return perr(p, r->line, 1, "rule '%s': only a 'not' rule may "
			    "name several categories", r->id);
	if (r->needs >= 0 && (r->veto || r->category == GV_CAT_NONE ||
			      r->needs == r->category))
		return perr(p, r->line, 1, "rule '%s': 'needs' takes another "
			    "category than the rule's own, on a rule that "
			    "labels", r->id);
	if (r->high_with_id && (r->veto || r->category == GV_CAT_NONE ||
				r->needs >= 0 || r->confidence != GV_CONF_LOW))
		return perr(p, r->line, 1, "rule '%s': 'high-with' raises a "
			    "low rule that labels, without 'needs'", r->id);
	if (!r->veto && r->category != GV_CAT_NONE &&
	    !(p->seen & (1u << K_CONFIDENCE)))
		return perr(p, r->line, 1, "rule '%s': missing required key "
			    "'confidence'", r->id);
	if (r->skip_revert && r->field != GV_FIELD_MESSAGE &&
	    r->field != GV_FIELD_SUBJECT && r->field != GV_FIELD_TITLE &&
	    r->field != GV_FIELD_BODY)
		return perr(p, r->line, 1, "rule '%s': 'skip = revert-subject' "
			    "needs field message, subject, title or body",
			    r->id);
	if (r->veto && r->ncaps)
		return perr(p, r->caps_line, r->caps_col, "rule '%s': a 'not' "
			    "rule captures nothing", r->id);
	return 0;
}

static int start_rule(parser *p, const char *line, size_t n, unsigned lno)
{
	gv_ruleset *rs = p->rs;
	size_t i = 1, s, e;
	gv_rule *r;
	int rc;

	if ((rc = finish_rule(p)))
		return rc;
	while (i < n && is_blank(line[i]))
		i++;
	if (n - i < 4 || memcmp(line + i, "rule", 4) ||
	    (i + 4 < n && !is_blank(line[i + 4])))
		return perr(p, lno, (unsigned)i + 1,
			    "expected '[rule ID]'");
	i += 4;
	id_span(line, n, &i, &s, &e);
	while (i < n && is_blank(line[i]))
		i++;
	if (e == s)
		return perr(p, lno, (unsigned)s + 1, "expected a rule id "
			    "(letters, digits, '.', '_', '-')");
	if (i >= n || line[i] != ']')
		return perr(p, lno, (unsigned)i + 1, "expected ']' after the "
			    "rule id");
	for (i = i + 1; i < n; i++)
		if (!is_blank(line[i]))
			return perr(p, lno, (unsigned)i + 1,
				    "unexpected text after ']'");
	for (i = 0; i < rs->count; i++)
		if (strlen(rs->rules[i].id) == e - s &&
		    !memcmp(rs->rules[i].id, line + s, e - s))
			return perr(p, lno, (unsigned)s + 1, "duplicate rule "
				    "id '%s' (first defined at %s:%u)",
				    rs->rules[i].id, rs->rules[i].file,
				    rs->rules[i].line);
	if (gv_grow((void **)&rs->rules, &rs->alloc, rs->count + 1,
		    sizeof(*rs->rules)))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	r = &rs->rules[rs->count];
	memset(r, 0, sizeof(*r));
	if (!(r->id = dupn(line + s, e - s)))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	r->file = p->name;
	r->line = lno;
	r->category = GV_CAT_NONE;
	r->needs = -1;
	r->high_with = -1;
	rs->count++;
	p->cur = r;
	p->seen = 0;
	p->last_key = -1;
	return 0;
}

static int add_override(gv_ruleset *rs, const char *id, size_t n,
			const char *file, unsigned line, int conf)
{
	gv_override *o;

	if (gv_grow((void **)&rs->overrides, &rs->aoverrides,
		    rs->noverrides + 1, sizeof(*rs->overrides)))
		return GV_ENOMEM;
	o = &rs->overrides[rs->noverrides];
	if (!(o->id = dupn(id, n)))
		return GV_ENOMEM;
	o->file = file;
	o->line = line;
	o->confidence = conf;
	rs->noverrides++;
	rs->compiled = 0;
	return 0;
}

/* `disable: ID [ID]...` and `confidence: ID high|low`: a user's file
 * (--rules-add) corrects the default set without a copy of it. They apply
 * when the set is compiled, whatever file defines the rule; they end the
 * rule above them. */
static int directive(parser *p, const char *line, size_t ke, size_t vs,
		     size_t n, unsigned lno)
{
	size_t i = vs, s, e;
	int conf = 0, rc;

	if ((rc = finish_rule(p)))
		return rc;
	if (!(ke == 7 && !memcmp(line, "disable", 7)) &&
	    !(ke == 10 && !memcmp(line, "confidence", 10)))
		return perr(p, lno, 1, "unknown directive '%.*s:' (expected "
			    "'disable:' or 'confidence:')", (int)ke, line);
	while (n > vs && is_blank(line[n - 1]))
		n--;
	for (;;) {
		id_span(line, n, &i, &s, &e);
		if (e == s)
			return perr(p, lno, (unsigned)s + 1, "expected a rule "
				    "id");
		if (i < n && !is_blank(line[i]))
			return perr(p, lno, (unsigned)i + 1, "unexpected "
				    "'%c' in a rule id", line[i]);
		if (ke == 10)
			break;
		if (add_override(p->rs, line + s, e - s, p->name, lno, 0))
			return gv_error_set(p->err, GV_ENOMEM, "out of memory");
		while (i < n && is_blank(line[i]))
			i++;
		if (i == n)
			return 0;
	}
	while (i < n && is_blank(line[i]))
		i++;
	if (n - i == 4 && !memcmp(line + i, "high", 4))
		conf = GV_CONF_HIGH;
	else if (n - i == 3 && !memcmp(line + i, "low", 3))
		conf = GV_CONF_LOW;
	else
		return perr(p, lno, (unsigned)i + 1, "expected 'confidence: "
			    "ID high' or 'confidence: ID low'");
	if (add_override(p->rs, line + s, e - s, p->name, lno, conf))
		return gv_error_set(p->err, GV_ENOMEM, "out of memory");
	return 0;
}

int gv_rules_disable(gv_ruleset *rs, const char *id, const char *source,
		     gv_error *err)
{
	size_t n = strlen(id);

	if (add_override(rs, id, n, source, 0, 0))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	/* the cache keys classifications by this hash */
	rs->hash = (rs->hash ^ gv_fnv1a64("disable:", 8)) * 0x100000001b3ull;
	rs->hash = (rs->hash ^ gv_fnv1a64(id, n)) * 0x100000001b3ull;
	return 0;
}

/* The rule named `id`, or NULL. Ids are unique (start_rule). */
static gv_rule *find_rule(gv_ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->count; i++)
		if (!strcmp(rs->rules[i].id, id))
			return &rs->rules[i];
	return NULL;
}

/* Applies every override to its rule; an id no rule has is an error, since
 * a misspelt `disable:` would otherwise change nothing without a word. */
static int apply_overrides(gv_ruleset *rs, gv_error *err)
{
	size_t i;

	for (i = 0; i < rs->noverrides; i++) {
		const gv_override *o = &rs->overrides[i];
		gv_rule *r = find_rule(rs, o->id);

		if (!r && o->line)
			return gv_error_set(err, GV_EINPUT, "%s:%u:1: %s: "
					    "unknown rule '%s'", o->file,
					    o->line, o->confidence ?
					    "confidence" : "disable", o->id);
		if (!r)
			return gv_error_set(err, GV_EINPUT, "%s: unknown rule "
					    "'%s'", o->file, o->id);
		if (!o->confidence) {
			r->disabled = 1;
		} else if (r->veto || r->category == GV_CAT_NONE) {
			return gv_error_set(err, GV_EINPUT, "%s:%u:1: "
					    "confidence: rule '%s' labels "
					    "nothing, so it has no confidence",
					    o->file, o->line, o->id);
		} else {
			r->confidence = o->confidence;
		}
		r->override_file = o->file;
		r->override_line = o->line;
	}
	return 0;
}

static int parse_line(parser *p, const char *line, size_t n, unsigned lno)
{
	size_t i = 0, ks, ke, vs, ve;
	int key;

	while (i < n && is_blank(line[i]))
		i++;
	if (i == n) {
		p->last_key = -1;   /* a blank line ends a continuation */
		return 0;
	}
	if (line[0] == '#')
		return 0;
	if (i > 0) {
		/* An indented line continues the pattern above it. */
		while (n > i && is_blank(line[n - 1]))
			n--;
		if (p->last_key != K_PATTERN)
			return perr(p, lno, 1, "an indented line continues "
				    "a pattern, and there is none above");
		return pattern_append(p, line + i, n - i, lno,
				      (unsigned)i + 1);
	}
	if (line[0] == '[')
		return start_rule(p, line, n, lno);
	ks = 0;
	while (i < n && (islower((unsigned char)line[i]) || line[i] == '-'))
		i++;
	ke = i;
	while (i < n && is_blank(line[i]))
		i++;
	if (ke > ks && i < n && line[i] == ':')
		return directive(p, line, ke, i + 1, n, lno);
	if (ke == ks || i >= n || line[i] != '=')
		return perr(p, lno, (unsigned)i + 1,
			    "expected 'key = value', '[rule ID]', "
			    "'disable: ID', 'confidence: ID TIER' or a "
			    "'#' comment");
	for (key = 0; key < K__COUNT; key++)
		if (strlen(key_names[key]) == ke - ks &&
		    !memcmp(key_names[key], line + ks, ke - ks))
			break;
	if (key == K__COUNT)
		return perr(p, lno, 1, "unknown key '%.*s'", (int)(ke - ks),
			    line + ks);
	if (!p->cur)
		return perr(p, lno, 1, "'%s' outside a [rule ID] section",
			    key_names[key]);
	if (key != K_MATCH && key != K_NOMATCH && (p->seen & (1u << key)))
		return perr(p, lno, 1, "rule '%s': duplicate key '%s'",
			    p->cur->id, key_names[key]);
	p->seen |= 1u << key;
	p->last_key = key;
	vs = i + 1;
	while (vs < n && is_blank(line[vs]))
		vs++;
	ve = n;
	while (ve > vs && is_blank(line[ve - 1]))
		ve--;
	return set_key(p, key, line + vs, ve - vs, lno, (unsigned)vs + 1);
}

int gv_rules_add_buffer(gv_ruleset *rs, const char *name, const char *data,
			size_t len, gv_error *err)
{
	parser p;
	size_t pos = 0, e, n;
	unsigned lno = 0;
	char *nm;
	int rc = 0;

	if (gv_grow((void **)&rs->names, &rs->anames, rs->nnames + 1,
		    sizeof(*rs->names)) || !(nm = strdup(name)))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	rs->names[rs->nnames++] = nm;
	/* Rules added later must be compiled too. */
	rs->compiled = 0;
	rs->hash = (rs->hash ^ gv_fnv1a64(name, strlen(name))) *
		   0x100000001b3ull;
	rs->hash = (rs->hash ^ gv_fnv1a64(data, len)) * 0x100000001b3ull;
	memset(&p, 0, sizeof(p));
	p.rs = rs;
	p.name = nm;
	p.err = err;
	p.last_key = -1;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);

		e = nl ? (size_t)(nl - data) : len;
		n = e - pos;
		if (n && data[pos + n - 1] == '\r')
			n--;
		lno++;
		if (memchr(data + pos, '\0', n)) {
			rc = perr(&p, lno, 1, "NUL byte in a rule file");
			goto done;
		}
		if ((rc = parse_line(&p, data + pos, n, lno)))
			goto done;
		pos = e + 1;
	}
	rc = finish_rule(&p);
done:
	return rc;
}

int gv_rules_read_file(gv_buf *out, const char *path, gv_error *err)
{
	char chunk[65536];
	/* a regular file only: a FIFO in a rules or advisories directory
	 * would block the run forever */
	int fd = gv_open_regular(path, 0);
	FILE *f;
	size_t n;
	int rc = 0;

	if (fd == GV_EINPUT)
		return gv_error_set(err, GV_EINPUT, "%s: not a regular file",
				    path);
	if (fd < 0)
		return gv_error_set(err, GV_EIO, "%s: %s", path,
				    strerror(fd == GV_ENOTFOUND ? ENOENT : errno));
	if (!(f = fdopen(fd, "rb"))) {
		close(fd);
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (gv_buf_put(out, chunk, n)) {
			rc = gv_error_set(err, GV_ENOMEM, "%s: out of memory",
					  path);
			goto done;
		}
	if (ferror(f))
		rc = gv_error_set(err, GV_EIO, "%s: read error", path);
done:
	fclose(f);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when dir/name is (or links to) a regular file: only those are read
 * from a directory; a FIFO, socket, device or subdirectory there is
 * skipped (gv_rules_read_file refuses one swapped in after this check). */
static int is_regular_in(const char *dir, const char *name)
{
	struct stat st;
	gv_buf p = { 0 };
	int ok;

	ok = !gv_buf_printf(&p, "%s/%s", dir, name) && !stat(p.ptr, &st) &&
	     S_ISREG(st.st_mode);
	gv_buf_free(&p);
	return ok;
}

int gv_rules_each_file(const char *path, const char *ext, int need_one,
		       int (*fn)(void *payload, const char *file,
				 gv_error *err),
		       void *payload, gv_error *err)
{
	char **names = NULL;
	size_t n = 0, alloc = 0, i, len, elen = strlen(ext);
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	gv_buf full = { 0 };
	int rc = 0;

	if (stat(path, &st))
		return gv_error_set(err, GV_EIO, "%s: %s", path,
				    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fn(payload, path, err);
	if (!(d = opendir(path)))
		return gv_error_set(err, GV_EIO, "%s: %s", path,
				    strerror(errno));
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len <= elen || strcmp(de->d_name + len - elen, ext) ||
		    de->d_name[0] == '.' || !is_regular_in(path, de->d_name))
			continue;
		if (gv_grow((void **)&names, &alloc, n + 1, sizeof(*names)) ||
		    !(names[n] = strdup(de->d_name))) {
			rc = gv_error_set(err, GV_ENOMEM, "out of memory");
			goto done;
		}
		n++;
	}
	if (!n && need_one) {
		rc = gv_error_set(err, GV_EINPUT, "%s: no *%s file in this "
				  "directory", path, ext);
		goto done;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	len = strlen(path);
	for (i = 0; i < n; i++) {
		full.len = 0;
		if (gv_buf_printf(&full, "%s%s%s", path,
				  len && path[len - 1] == '/' ? "" : "/",
				  names[i])) {
			rc = gv_error_set(err, GV_ENOMEM, "out of memory");
			goto done;
		}
		if ((rc = fn(payload, full.ptr, err)))
			goto done;
	}
done:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	gv_buf_free(&full);
	if (d)
		closedir(d);
	return rc;
}

static int add_file(void *payload, const char *path, gv_error *err)
{
	gv_buf b = { 0 };
	int rc;

	if ((rc = gv_rules_read_file(&b, path, err)))
		goto done;
	rc = gv_rules_add_buffer(payload, path, b.ptr ? b.ptr : "", b.len,
				 err);
done:
	gv_buf_free(&b);
	return rc;
}

int gv_rules_add_path(gv_ruleset *rs, const char *path, gv_error *err)
{
	return gv_rules_each_file(path, ".rules", 1, add_file, rs, err);
}

int gv_rules_add_default(gv_ruleset *rs, gv_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < gv_default_rules_count; i++)
		if ((rc = gv_rules_add_buffer(rs, gv_default_rules[i].name,
					      gv_default_rules[i].data,
					      gv_default_rules[i].len, err)))
			return rc;
	return 0;
}

/* ---- what a match must contain: the prefilter ---- */

/*
 * From a rule's pattern, a condition on the literals of a message that holds
 * whenever the pattern can match its field (a part of the message): the
 * classifier skips the rule without running PCRE2 on a message where the
 * condition fails. The pattern is read by a small parser of PCRE2's syntax
 * (bytes, no UTF); a construct it does not know makes it give up on the rule
 * (no condition), and every approximation leans towards "may match", so a
 * rule is only ever skipped where it cannot match.
 *
 * Per node of the pattern it keeps either the strings the node can match
 * (exact, lower case), or, once those are too many or unbounded, strings one
 * of which every match starts with (pre) and ends with (suf), and a condition
 * every text holding a match meets (cond). Concatenation crosses the sets
 * (the end of one part runs into the start of the next), alternation unites
 * them and ORs the conditions, and a repetition that may match nothing knows
 * nothing. After Russ Cox, "Regular Expression Matching with a Trigram
 * Index" (2012), with case folded and whole strings instead of trigrams.
 * A \b next to a string stays with it (gv_lit.edges), so \brce\b is not
 * found in "source".
 *
 * A rule skipped here is not run at all, so it can no longer hit a match
 * limit on that message (the warning rule-match-limit counts runs that
 * did); its labels, refs and ids are the same.
 */
#define PF_SET 16      /* strings in a set */
#define PF_STR 16      /* bytes in a string; longer ones are cut */
#define PF_CLASS 10    /* members of a class taken one by one: [0-9] */
#define PF_DEPTH 16    /* group nesting */
#define PF_OPS 1024    /* ops in a condition */

typedef struct pf_str {
	uint8_t len;
	uint8_t edges;   /* GV_LIT_WORD_*: a \b just before, just after */
	char b[PF_STR];
} pf_str;

typedef struct pf_set {
	unsigned n;
	pf_str s[PF_SET];
} pf_set;

/* A condition in postfix (rules_int.h); the empty program is "true". */
typedef struct pf_prog {
	uint32_t *op;
	size_t n, alloc;
} pf_prog;

typedef struct pf_info {
	int exact;       /* set holds every string the node can match */
	pf_set set;
	pf_set pre, suf; /* not exact: every match starts, ends with one */
	pf_prog cond;    /* met by every text that holds a match */
	int implied;     /* cond says all pre and suf say (an alternation) */
} pf_info;

typedef struct pf {
	gv_ruleset *rs;
	const char *p, *end;
	int x;           /* flags = x: blanks and # comments are not pattern */
	int depth;
	int bad;         /* a construct this parser does not know */
	int nomem;
} pf;

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int has_sub(const char *h, size_t hn, const char *n, size_t nn)
{
	size_t i;

	for (i = 0; i + nn <= hn; i++)
		if (!memcmp(h + i, n, nn))
			return 1;
	return 0;
}

static void prog_free(pf_prog *g)
{
	free(g->op);
	memset(g, 0, sizeof(*g));
}

static int prog_put(pf *P, pf_prog *g, uint32_t op)
{
	if (g->n >= PF_OPS)
		return -1;
	if (gv_grow((void **)&g->op, &g->alloc, g->n + 1, sizeof(*g->op))) {
		P->nomem = 1;
		return -1;
	}
	g->op[g->n++] = op;
	return 0;
}

/* d = d op s (GV_COND_AND or GV_COND_OR); s is consumed. A condition that
 * grows too long is cut back towards "true", which only weakens it. */
static void prog_join(pf *P, pf_prog *d, pf_prog *s, uint32_t op)
{
	size_t n = d->n, i;

	if (!s->n || !d->n) {
		/* x AND true = x, x OR true = true */
		if (op == GV_COND_OR) {
			prog_free(d);
		} else if (!d->n) {
			prog_free(d);
			*d = *s;
			memset(s, 0, sizeof(*s));
		}
		prog_free(s);
		return;
	}
	for (i = 0; i < s->n && !prog_put(P, d, s->op[i]); i++)
		;
	if (i < s->n || prog_put(P, d, op)) {
		if (op == GV_COND_AND)
			d->n = n;
		else
			prog_free(d);
	}
	prog_free(s);
}

/* Too short to be worth finding: shorter than a literal may be, or two
 * letters ("to", "of", "in"), found in nearly every message. */
static int pf_too_short(const pf_str *s)
{
	return s->len < 2 ||
	       (s->len == 2 && isalpha((unsigned char)s->b[0]) &&
		isalpha((unsigned char)s->b[1]));
}

/* d = "the text holds one of the strings of s": an OR of literals, or
 * "true" when one of them is too short. */
static void prog_of_set(pf *P, pf_prog *d, const pf_set *s)
{
	unsigned i, k, used = 0;
	uint32_t id;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < s->n; i++)
		if (pf_too_short(&s->s[i]))
			return;
	for (i = 0; i < s->n; i++) {
		/* a string that holds another of the set adds nothing */
		for (k = 0; k < s->n; k++)
			if (s->s[k].len < s->s[i].len && !s->s[k].edges &&
			    has_sub(s->s[i].b, s->s[i].len, s->s[k].b,
				    s->s[k].len))
				break;
		if (k < s->n)
			continue;
		if (intern_lit(P->rs, s->s[i].b, s->s[i].len, s->s[i].edges,
			       &id)) {
			P->nomem = 1;
			break;
		}
		if (prog_put(P, d, id) ||
		    (used++ && prog_put(P, d, GV_COND_OR)))
			break;
	}
	if (i < s->n)
		prog_free(d);
}

/* -1 when the set is full or the string too long. */
static int set_add(pf_set *s, const char *b, size_t len, unsigned edges)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (s->s[i].len == len && s->s[i].edges == edges &&
		    !memcmp(s->s[i].b, b, len))
			return 0;
	if (s->n == PF_SET || len > PF_STR)
		return -1;
	s->s[s->n].len = (uint8_t)len;
	s->s[s->n].edges = (uint8_t)edges;
	memcpy(s->s[s->n].b, b, len);
	s->n++;
	return 0;
}

static int set_union(pf_set *d, const pf_set *s)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (set_add(d, s->s[i].b, s->s[i].len, s->s[i].edges))
			return -1;
	return 0;
}

static void set_one(pf_set *s, const char *b, size_t len, unsigned edges)
{
	s->n = 0;
	set_add(s, b, len, edges);
}

/* The word boundaries known around a + b: an empty string's boundary is
 * at its one position (both bits); those between two bytes are dropped. */
static unsigned edges_cat(const pf_str *a, const pf_str *b)
{
	unsigned both = GV_LIT_WORD_START | GV_LIT_WORD_END;

	if (!a->len && !b->len)
		return a->edges || b->edges ? both : 0;
	if (!a->len)
		return (a->edges ? GV_LIT_WORD_START : 0) | b->edges;
	if (!b->len)
		return a->edges | (b->edges ? GV_LIT_WORD_END : 0);
	return (a->edges & GV_LIT_WORD_START) | (b->edges & GV_LIT_WORD_END);
}

/* How set_cross treats a string longer than PF_STR. */
enum { CUT_NONE, CUT_END, CUT_START };

/* out = { a + b }; -1 when that is too many strings, or with CUT_NONE too
 * long ones. CUT_END keeps the first bytes (a prefix of a prefix is one, a
 * part of a string held is held), CUT_START the last. */
static int set_cross(pf_set *out, const pf_set *a, const pf_set *b, int cut)
{
	char t[2 * PF_STR];
	unsigned i, k, edges;
	size_t len;

	out->n = 0;
	for (i = 0; i < a->n; i++)
		for (k = 0; k < b->n; k++) {
			len = (size_t)a->s[i].len + b->s[k].len;
			if (len > PF_STR && cut == CUT_NONE)
				return -1;
			memcpy(t, a->s[i].b, a->s[i].len);
			memcpy(t + a->s[i].len, b->s[k].b, b->s[k].len);
			edges = edges_cat(&a->s[i], &b->s[k]);
			if (len > PF_STR)   /* the end cut off loses its edge */
				edges &= cut == CUT_START ? ~GV_LIT_WORD_START :
							    ~GV_LIT_WORD_END;
			if (set_add(out, cut == CUT_START && len > PF_STR ?
					t + len - PF_STR : t,
				    len > PF_STR ? PF_STR : len, edges))
				return -1;
		}
	return 0;
}

static void info_free(pf_info *i)
{
	prog_free(&i->cond);
}

/* The node matches one of the strings of s. */
static void info_exact(pf_info *i, const pf_set *s)
{
	memset(i, 0, sizeof(*i));
	i->exact = 1;
	i->set = *s;
}

static void info_byte(pf_info *i, unsigned char c)
{
	pf_set s;

	c = ascii_lower(c);
	set_one(&s, (const char *)&c, 1, 0);
	info_exact(i, &s);
}

static void info_empty(pf_info *i)
{
	pf_set s;

	set_one(&s, "", 0, 0);
	info_exact(i, &s);
}

/* The node may match anything, the empty string too. */
static void info_any(pf_info *i)
{
	memset(i, 0, sizeof(*i));
	set_one(&i->pre, "", 0, 0);
	set_one(&i->suf, "", 0, 0);
}

/* exact -> pre and suf, losing nothing: a match starts and ends with
 * itself. */
static void info_open(pf_info *i)
{
	if (!i->exact)
		return;
	i->exact = 0;
	i->pre = i->set;
	i->suf = i->set;
}

/* out = all a node says about a text that holds a match of it. */
static void info_cond(pf *P, const pf_info *i, pf_prog *out)
{
	pf_prog t;
	size_t k;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < i->cond.n; k++)
		if (prog_put(P, out, i->cond.op[k])) {
			prog_free(out);
			break;
		}
	if (i->implied)
		return;
	prog_of_set(P, &t, i->exact ? &i->set : &i->pre);
	prog_join(P, out, &t, GV_COND_AND);
	if (!i->exact) {
		prog_of_set(P, &t, &i->suf);
		prog_join(P, out, &t, GV_COND_AND);
	}
}

/* a = a b; b is consumed. */
static void info_cat(pf *P, pf_info *a, pf_info *b)
{
	pf_set t, pre, suf;
	pf_prog g;
	int ax = a->exact, bx = b->exact;

	if (ax && bx && !set_cross(&t, &a->set, &b->set, CUT_NONE)) {
		a->set = t;
		info_free(b);
		return;
	}
	info_open(a);
	info_open(b);
	pre = a->pre;
	if (ax && !set_cross(&t, &a->pre, &b->pre, CUT_END))
		pre = t;
	suf = b->suf;
	if (bx && !set_cross(&t, &a->suf, &b->suf, CUT_START))
		suf = t;
	/* the end of a runs into the start of b */
	if (!set_cross(&t, &a->suf, &b->pre, CUT_END)) {
		prog_of_set(P, &g, &t);
		prog_join(P, &a->cond, &g, GV_COND_AND);
	}
	prog_join(P, &a->cond, &b->cond, GV_COND_AND);
	a->pre = pre;
	a->suf = suf;
	a->implied = 0;
}

/* a = a | b; b is consumed. */
static void info_alt(pf *P, pf_info *a, pf_info *b)
{
	pf_set t;
	pf_prog ca, cb;

	t = a->set;
	if (a->exact && b->exact && !set_union(&t, &b->set)) {
		a->set = t;
		info_free(b);
		return;
	}
	info_cond(P, a, &ca);
	info_cond(P, b, &cb);
	prog_join(P, &ca, &cb, GV_COND_OR);
	info_open(a);
	info_open(b);
	if (set_union(&a->pre, &b->pre))
		set_one(&a->pre, "", 0, 0);
	if (set_union(&a->suf, &b->suf))
		set_one(&a->suf, "", 0, 0);
	info_free(a);
	info_free(b);
	a->cond = ca;
	a->implied = 1;   /* each branch's condition holds its pre and suf */
}

/* a = a{min,max}, max < 0 for no bound. */
static void info_repeat(pf_info *a, long min, long max)
{
	pf_set t, u;
	long k;

	if (max == 0) {
		info_free(a);
		info_empty(a);
	} else if (min == 0) {
		if (a->exact && max == 1 && !set_add(&a->set, "", 0, 0))
			return;
		info_free(a);
		info_any(a);
	} else {
		if (a->exact && min == max && min <= 4) {
			u = a->set;
			for (k = 1; k < min; k++) {
				if (set_cross(&t, &u, &a->set, CUT_NONE))
					break;
				u = t;
			}
			if (k == min) {
				a->set = u;
				return;
			}
		}
		/* a match starts with a match of a, ends with one, holds one */
		info_open(a);
	}
}

static void pf_alt(pf *P, pf_info *out, unsigned edges);

/* Past the blanks and # comments at q, in extended mode. */
static const char *pf_blank(const pf *P, const char *q)
{
	while (P->x && q < P->end) {
		if (*q && strchr(" \t\n\r\f\v", *q))
			q++;
		else if (*q == '#')
			while (q < P->end && *q != '\n')
				q++;
		else
			break;
	}
	return q;
}

static void pf_skip(pf *P)
{
	P->p = pf_blank(P, P->p);
}

/* Where the group whose '(' was just read ends (its ')'), or NULL. Only a
 * hint: the group is parsed properly later. */
static const char *pf_group_end(const pf *P)
{
	const char *q = P->p;
	int depth = 1;

	while (q < P->end) {
		char c = *q++;

		if (c == '\\') {
			q++;
		} else if (c == '[') {
			q += q < P->end && *q == '^';
			q += q < P->end && *q == ']';
			while (q < P->end && *q != ']')
				q += *q == '\\' ? 2 : 1;
			q++;
		} else if (c == '#' && P->x) {
			while (q < P->end && *q != '\n')
				q++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && !--depth) {
			return q - 1;
		}
	}
	return NULL;
}

/* The word boundaries around a group about to be read (see pf_seq):
 * `edges` says whether \b holds where it starts, and at the end of the
 * sequence it is in. A group that repeats gets none (only its first and
 * last rounds would). */
static unsigned pf_group_edges(const pf *P, unsigned edges)
{
	const char *q = pf_group_end(P);

	if (!q)
		return 0;
	q = pf_blank(P, q + 1);
	if (q < P->end && strchr("?*+{", *q))
		return 0;
	edges &= GV_LIT_WORD_START | (q >= P->end || *q == '|' ||
				      *q == ')' ? GV_LIT_WORD_END : 0);
	if (P->end - q >= 2 && q[0] == '\\' && q[1] == 'b') {
		q = pf_blank(P, q + 2);
		if (q >= P->end || !strchr("?*+{", *q))
			edges |= GV_LIT_WORD_END;
	}
	return edges;
}

enum { ESC_CHAR, ESC_EMPTY, ESC_WORD, ESC_ANY, ESC_DIGIT, ESC_BAD };

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* After a backslash: what the escape is (*c the byte of ESC_CHAR). Anything
 * that could be read more than one way (\x{...}, octal, back references,
 * \Q, \G, \K, properties) is ESC_BAD. */
static int pf_escape(pf *P, int in_class, unsigned char *c)
{
	unsigned char e;

	if (P->p >= P->end)
		return ESC_BAD;
	e = (unsigned char)*P->p++;
	switch (e) {
	case 'n': *c = '\n'; return ESC_CHAR;
	case 't': *c = '\t'; return ESC_CHAR;
	case 'r': *c = '\r'; return ESC_CHAR;
	case 'f': *c = '\f'; return ESC_CHAR;
	case 'e': *c = 0x1b; return ESC_CHAR;
	case 'a': *c = 0x07; return ESC_CHAR;
	case 'd': return ESC_DIGIT;
	case 'D': case 'w': case 'W': case 's': case 'S':
	case 'h': case 'H': case 'v': case 'V':
		return ESC_ANY;
	case 'N': case 'R': case 'X': case 'C':
		return in_class ? ESC_BAD : ESC_ANY;
	case 'b':
		if (!in_class)
			return ESC_WORD;
		*c = 0x08;
		return ESC_CHAR;
	case 'B': case 'A': case 'Z': case 'z':
		return in_class ? ESC_BAD : ESC_EMPTY;
	case 'x':
		if (P->end - P->p < 2 || hexval(P->p[0]) < 0 ||
		    hexval(P->p[1]) < 0 ||
		    (P->end - P->p > 2 && hexval(P->p[2]) >= 0))
			return ESC_BAD;
		*c = (unsigned char)(hexval(P->p[0]) << 4 | hexval(P->p[1]));
		P->p += 2;
		return ESC_CHAR;
	default:
		if ((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') ||
		    (e >= 'A' && e <= 'Z'))
			return ESC_BAD;
		*c = e;
		return ESC_CHAR;
	}
}

/* After '[': the members as strings of one byte, or "any byte" for a
 * negated, large or unclear class. */
static void pf_class(pf *P, pf_info *out)
{
	unsigned char c, hi, in[256];
	pf_set s;
	int neg = 0, any = 0, first = 1, k;

	memset(in, 0, sizeof(in));
	info_any(out);
	if (P->p < P->end && *P->p == '^') {
		neg = 1;
		P->p++;
	}
	for (;;) {
		if (P->p >= P->end) {
			P->bad = 1;
			return;
		}
		c = (unsigned char)*P->p++;
		if (c == ']' && !first)
			break;
		first = 0;
		if (c == '[' && P->p < P->end &&
		    (*P->p == ':' || *P->p == '.' || *P->p == '=')) {
			P->bad = 1;   /* POSIX classes */
			return;
		}
		if (c == '\\') {
			switch (pf_escape(P, 1, &c)) {
			case ESC_CHAR:
				break;
			case ESC_DIGIT:
				for (k = '0'; k <= '9'; k++)
					in[k] = 1;
				continue;
			case ESC_ANY:
				any = 1;
				continue;
			default:
				P->bad = 1;
				return;
			}
		}
		if (P->end - P->p >= 2 && P->p[0] == '-' && P->p[1] != ']') {
			P->p++;
			hi = (unsigned char)*P->p++;
			if ((hi == '\\' && pf_escape(P, 1, &hi) != ESC_CHAR) ||
			    hi == '[' || hi < c) {
				P->bad = 1;
				return;
			}
			for (k = c; k <= hi; k++)
				in[k] = 1;
			continue;
		}
		in[c] = 1;
	}
	if (neg || any)
		return;
	s.n = 0;
	for (k = 0; k < 256; k++) {
		c = ascii_lower((unsigned char)k);
		if (in[k] && (s.n == PF_CLASS ||
			      set_add(&s, (const char *)&c, 1, 0)))
			return;
	}
	if (s.n)
		info_exact(out, &s);
}

/* After '(': a group, or a lookaround (which matches no text), or an
 * option setting without ':' (likewise). */
static void pf_group(pf *P, pf_info *out, unsigned edges)
{
	int look = 0;
	char c;

	info_empty(out);
	if (P->p < P->end && *P->p == '?') {
		P->p++;
		c = P->p < P->end ? *P->p : ')';
		if (c == ':' || c == '>' || c == '|') {
			P->p++;
		} else if (c == '=' || c == '!') {
			P->p++;
			look = 1;
		} else if (c == '<' && P->end - P->p > 1 &&
			   (P->p[1] == '=' || P->p[1] == '!')) {
			P->p += 2;
			look = 1;
		} else if (c == '<' || c == '\'' ||
			   (c == 'P' && P->end - P->p > 1 && P->p[1] == '<')) {
			P->p += c == 'P' ? 2 : 1;
			while (P->p < P->end && (isalnum((unsigned char)*P->p) ||
						 *P->p == '_'))
				P->p++;
			if (P->p >= P->end || *P->p != (c == '\'' ? '\'' : '>')) {
				P->bad = 1;
				return;
			}
			P->p++;
		} else {
			/* options; x would change how the rest reads */
			while (P->p < P->end && *P->p && strchr("imnsUJ-", *P->p))
				P->p++;
			if (P->p < P->end && *P->p == ')') {
				P->p++;
				return;
			}
			if (P->p >= P->end || *P->p != ':') {
				P->bad = 1;
				return;
			}
			P->p++;
		}
	} else if (P->p < P->end && *P->p == '*') {
		P->bad = 1;   /* verbs */
		return;
	}
	if (++P->depth > PF_DEPTH) {
		P->bad = 1;
		return;
	}
	info_free(out);
	pf_alt(P, out, look ? 0 : pf_group_edges(P, edges));
	P->depth--;
	if (P->p >= P->end || *P->p != ')')
		P->bad = 1;
	else
		P->p++;
	if (look) {
		info_free(out);
		info_empty(out);
	}
}

/* A quantifier after an atom, if there is one. */
static void pf_quant(pf *P, pf_info *a)
{
	long min, max;
	const char *q;

	pf_skip(P);
	if (P->p >= P->end)
		return;
	switch (*P->p) {
	case '?': min = 0; max = 1; P->p++; break;
	case '*': min = 0; max = -1; P->p++; break;
	case '+': min = 1; max = -1; P->p++; break;
	case '{':
		q = P->p + 1;
		for (min = 0; q < P->end && *q >= '0' && *q <= '9' &&
			      min < 100000; q++)
			min = min * 10 + (*q - '0');
		max = min;
		if (q == P->p + 1 || q >= P->end) {
			P->bad = 1;
			return;
		}
		if (*q == ',') {
			const char *d = ++q;

			for (max = 0; q < P->end && *q >= '0' && *q <= '9' &&
				      max < 100000; q++)
				max = max * 10 + (*q - '0');
			if (q == d)
				max = -1;
		}
		if (q >= P->end || *q != '}') {
			P->bad = 1;
			return;
		}
		P->p = q + 1;
		break;
	default:
		return;
	}
	if (P->p < P->end && (*P->p == '?' || *P->p == '+'))
		P->p++;   /* lazy or possessive: the same strings */
	info_repeat(a, min, max);
}

/* One item and its quantifier; P->p is at neither '|' nor ')'. edges:
 * for a group, see pf_seq. */
static void pf_atom(pf *P, pf_info *out, unsigned edges)
{
	unsigned char c = (unsigned char)*P->p++;
	pf_set s;
	int k;

	switch (c) {
	case '(':
		pf_group(P, out, edges);
		break;
	case '[':
		pf_class(P, out);
		break;
	case '.':
		info_any(out);
		break;
	case '^': case '$':
		info_empty(out);
		break;
	case '*': case '+': case '?': case '{':
		info_any(out);
		P->bad = 1;
		return;
	case '\\':
		switch (pf_escape(P, 0, &c)) {
		case ESC_CHAR:
			info_byte(out, c);
			break;
		case ESC_EMPTY:
			info_empty(out);
			break;
		case ESC_WORD:   /* \b: a boundary at this point */
			set_one(&s, "", 0, GV_LIT_WORD_START |
					   GV_LIT_WORD_END);
			info_exact(out, &s);
			break;
		case ESC_DIGIT:
			s.n = 0;
			for (k = 0; k < 10; k++)
				set_add(&s, "0123456789" + k, 1, 0);
			info_exact(out, &s);
			break;
		case ESC_ANY:
			info_any(out);
			break;
		default:
			info_any(out);
			P->bad = 1;
			return;
		}
		break;
	default:
		info_byte(out, c);
		break;
	}
	pf_quant(P, out);
}

/* Whether \b holds at the end of every string of s. */
static int set_ends_at_edge(const pf_set *s)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (!(s->s[i].edges & (s->s[i].len ? GV_LIT_WORD_END :
					GV_LIT_WORD_START | GV_LIT_WORD_END)))
			return 0;
	return s->n > 0;
}

/* Items up to '|', ')' or the end. Runs of exact items are joined first,
 * so "buffer" is one string, not six conditions. edges: GV_LIT_WORD_START
 * when \b holds where the sequence starts, _END where it ends. They are
 * handed on to a group that starts or ends the sequence, or next to a \b:
 * \b(?:rce|xss)\b says "rce" as a word, not in "source". */
static void pf_seq(pf *P, pf_info *out, unsigned edges)
{
	pf_info run, atom;
	pf_set t, at_edge;

	set_one(&at_edge, "", 0, GV_LIT_WORD_START | GV_LIT_WORD_END);
	info_empty(out);
	if (edges & GV_LIT_WORD_START)
		info_exact(&run, &at_edge);
	else
		info_empty(&run);
	for (;;) {
		pf_skip(P);
		if (P->bad || P->p >= P->end || *P->p == '|' || *P->p == ')')
			break;
		pf_atom(P, &atom, (set_ends_at_edge(&run.set) ?
				   GV_LIT_WORD_START : 0) |
				  (edges & GV_LIT_WORD_END));
		if (atom.exact &&
		    !set_cross(&t, &run.set, &atom.set, CUT_NONE)) {
			run.set = t;
			info_free(&atom);
			continue;
		}
		info_cat(P, out, &run);
		if (atom.exact) {
			run = atom;
			continue;
		}
		info_empty(&run);
		info_cat(P, out, &atom);
	}
	if (edges & GV_LIT_WORD_END && !set_cross(&t, &run.set, &at_edge,
						  CUT_NONE))
		run.set = t;
	info_cat(P, out, &run);
}

static void pf_alt(pf *P, pf_info *out, unsigned edges)
{
	pf_info b;

	pf_seq(P, out, edges);
	while (!P->bad && P->p < P->end && *P->p == '|') {
		P->p++;
		pf_seq(P, &b, edges);
		info_alt(P, out, &b);
	}
}

/* The deepest a postfix program's stack goes, 0 for a malformed one. */
static size_t prog_depth(const pf_prog *g)
{
	size_t i, sp = 0, most = 0;

	for (i = 0; i < g->n; i++) {
		if (g->op[i] == GV_COND_AND || g->op[i] == GV_COND_OR) {
			if (sp < 2)
				return 0;
			sp--;
		} else if (++sp > most) {
			most = sp;
		}
	}
	return sp == 1 ? most : 0;
}

/* ---- the condition, made quick to evaluate ---- */

/* Operands being collected, each an encoding with its length first. */
typedef struct cl_list {
	uint32_t **v;
	size_t n, alloc;
} cl_list;

static void cl_free(cl_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Adds the encoding e of n words to l unless l has it already. */
static int cl_add(cl_list *l, const uint32_t *e, size_t n)
{
	uint32_t *c;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i][0] == n && !memcmp(l->v[i] + 1, e, n * sizeof(*e)))
			return 0;
	if (gv_grow((void **)&l->v, &l->alloc, l->n + 1, sizeof(*l->v)) ||
	    !(c = malloc((n + 1) * sizeof(*c))))
		return GV_ENOMEM;
	c[0] = (uint32_t)n;
	memcpy(c + 1, e, n * sizeof(*e));
	l->v[l->n++] = c;
	return 0;
}

static int cl_shorter(const void *a, const void *b)
{
	uint32_t x = (*(uint32_t *const *)a)[0], y = (*(uint32_t *const *)b)[0];

	return x < y ? -1 : x > y;
}

/* Adds to `into` the encoding of the operand that ends at post[end]
 * (start[] says where each operand starts). An operator like the parent's
 * lends its operands to the parent's list; another becomes a node
 * [op, length, operands...], its repeated operands dropped and the shorter
 * ones (single literals) first, so that evaluation stops early. parent is
 * the enclosing operator, 0 at the top. */
static int cl_node(const uint32_t *post, const size_t *start, size_t end,
		   uint32_t parent, cl_list *into, unsigned depth,
		   unsigned *deepest)
{
	cl_list l = { 0 };
	uint32_t op = post[end], *e = NULL;
	size_t i, n, at, left;
	int rc = GV_ENOMEM;

	if (op != GV_COND_AND && op != GV_COND_OR)
		return cl_add(into, &op, 1);
	left = start[end - 1] - 1;
	if (op == parent)
		return cl_node(post, start, left, op, into, depth, deepest) ||
		       cl_node(post, start, end - 1, op, into, depth, deepest) ?
		       GV_ENOMEM : 0;
	if (++depth > *deepest)
		*deepest = depth;
	if (cl_node(post, start, left, op, &l, depth, deepest) ||
	    cl_node(post, start, end - 1, op, &l, depth, deepest))
		goto done;
	if (l.n == 1) {
		rc = cl_add(into, l.v[0] + 1, l.v[0][0]);
		goto done;
	}
	qsort(l.v, l.n, sizeof(*l.v), cl_shorter);
	for (n = 2, i = 0; i < l.n; i++)
		n += l.v[i][0];
	if (!(e = malloc(n * sizeof(*e))))
		goto done;
	e[0] = op;
	e[1] = (uint32_t)n;
	for (at = 2, i = 0; i < l.n; i++) {
		memcpy(e + at, l.v[i] + 1, l.v[i][0] * sizeof(*e));
		at += l.v[i][0];
	}
	rc = cl_add(into, e, n);
done:
	free(e);
	cl_free(&l);
	return rc;
}

/* Sets r->cond from the postfix program of prefilter(), in the form
 * rules_int.h describes; a condition nested too deep is dropped. */
static int cond_encode(gv_rule *r, const pf_prog *g)
{
	cl_list top = { 0 };
	size_t *start, i;
	unsigned deepest = 0;
	int rc = GV_ENOMEM;

	if (!g->n)
		return 0;
	if (!(start = malloc(g->n * sizeof(*start))))
		return GV_ENOMEM;
	/* an operator's operands: the right one ends just before it, the
	 * left one just before the right one starts */
	for (i = 0; i < g->n; i++)
		start[i] = g->op[i] == GV_COND_AND || g->op[i] == GV_COND_OR ?
			   start[start[i - 1] - 1] : i;
	if (cl_node(g->op, start, g->n - 1, 0, &top, 0, &deepest))
		goto done;
	rc = 0;
	if (deepest > GV_COND_DEPTH)
		goto done;
	if (!(r->cond = malloc(top.v[0][0] * sizeof(*r->cond)))) {
		rc = GV_ENOMEM;
		goto done;
	}
	memcpy(r->cond, top.v[0] + 1, top.v[0][0] * sizeof(*r->cond));
	r->ncond = top.v[0][0];
done:
	free(start);
	cl_free(&top);
	return rc;
}

/* Sets r->cond from r's pattern (see above), or leaves it empty: for a
 * pattern this parser does not know, and for fields that are not a part of
 * the message (a trailer's values are unfolded, the author is "Name
 * <email>": literals there are not found by the scan of the message). */
static int prefilter(gv_ruleset *rs, gv_rule *r)
{
	pf P;
	pf_info root;
	pf_prog cond = { 0 };
	size_t d;

	if (r->field != GV_FIELD_SUBJECT && r->field != GV_FIELD_BODY &&
	    r->field != GV_FIELD_MESSAGE)
		return 0;
	memset(&P, 0, sizeof(P));
	P.rs = rs;
	P.p = r->pattern;
	P.end = r->pattern + r->pattern_len;
	P.x = (r->options & PCRE2_EXTENDED) != 0;
	pf_alt(&P, &root, 0);
	if (P.p < P.end)
		P.bad = 1;   /* a ')' with no group */
	if (!P.bad && !P.nomem)
		info_cond(&P, &root, &cond);
	info_free(&root);
	if (P.nomem) {
		prog_free(&cond);
		return GV_ENOMEM;
	}
	d = prog_depth(&cond);
	if (!P.bad && d && cond_encode(r, &cond)) {
		prog_free(&cond);
		return GV_ENOMEM;
	}
	prog_free(&cond);
	return 0;
}

/* ---- compiling ---- */

/* Maps an offset in a (possibly multi-line) pattern to file line:column. */
static void pattern_pos(const gv_rule *r, size_t off, unsigned *line,
			unsigned *col)
{
	size_t k = 0;

	while (k + 1 < r->nseg && r->seg_off[k + 1] <= off)
		k++;
	*line = r->seg_line[k];
	*col = r->seg_col[k] + (unsigned)(off - r->seg_off[k]);
}

static int compile_rule(gv_ruleset *rs, gv_rule *r, gv_error *err)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	uint32_t groups = 0, minlen = 0;
	unsigned line, col;
	int code;

	if (r->code)
		return 0;
	r->code = pcre2_compile((PCRE2_SPTR)r->pattern, r->pattern_len,
				r->options | GV_PCRE2_NEVER, &code, &off, NULL);
	if (!r->code) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		pattern_pos(r, off, &line, &col);
		return gv_error_set(err, GV_EINPUT, "%s:%u:%u: rule '%s': "
				    "bad pattern: %s (at offset %zu)", r->file,
				    line, col, r->id, (const char *)msg,
				    (size_t)off);
	}
	/* a rule that captures runs over every match of its field: matching
	 * nothing, it would step through the text a byte at a time and store
	 * empty ids (a rule that does not capture may match everything: `^`) */
	pcre2_pattern_info(r->code, PCRE2_INFO_MINLENGTH, &minlen);
	if (!minlen && r->ncaps)
		return gv_error_set(err, GV_EINPUT, "%s:%u:%u: rule '%s': the "
				    "pattern can match the empty string, and "
				    "the rule captures", r->file,
				    r->pattern_line, r->pattern_col, r->id);
	/* JIT is an optimisation: where it is missing, the interpreter runs. */
	(void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
	pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &groups);
	if (r->ncaps > groups)
		return gv_error_set(err, GV_EINPUT, "%s:%u:%u: rule '%s': "
				    "captures names %zu groups, the pattern "
				    "has %u", r->file, r->caps_line,
				    r->caps_col, r->id, r->ncaps, groups);
	if (groups > rs->max_groups)
		rs->max_groups = groups;
	return 0;
}

/* The trie of the literals, then its Aho-Corasick completion. */
typedef struct trie {
	uint32_t k;            /* byte classes */
	uint32_t n;            /* states; 0 is the start */
	uint32_t *go;          /* [state * k + class] -> state */
	uint32_t *fail;        /* the longest proper suffix that is a state */
	uint32_t *own;         /* a literal ending at the state, + 1 */
	uint32_t *same;        /* per literal: the next with its text, + 1
	                          (they differ in edges) */
	uint32_t *order;       /* the states breadth first, start excluded */
} trie;

static void trie_free(trie *t)
{
	free(t->go);
	free(t->fail);
	free(t->own);
	free(t->same);
	free(t->order);
}

static int trie_build(trie *t, const gv_ruleset *rs, const uint8_t *cls)
{
	size_t i, k, most = 1;
	uint32_t s, c, r, head = 0, tail = 0;

	for (i = 0; i < rs->nlits; i++)
		most += rs->lits[i].len;
	if (most > UINT32_MAX / t->k)
		return GV_ENOMEM;
	t->go = calloc(most * t->k, sizeof(*t->go));
	t->fail = calloc(most, sizeof(*t->fail));
	t->own = calloc(most, sizeof(*t->own));
	t->same = calloc(rs->nlits + 1, sizeof(*t->same));
	t->order = malloc(most * sizeof(*t->order));
	if (!t->go || !t->fail || !t->own || !t->same || !t->order)
		return GV_ENOMEM;
	t->n = 1;
	for (i = 0; i < rs->nlits; i++) {
		for (s = 0, k = 0; k < rs->lits[i].len; k++) {
			c = cls[(unsigned char)rs->lits[i].text[k]];
			if (!t->go[s * t->k + c])
				t->go[s * t->k + c] = t->n++;
			s = t->go[s * t->k + c];
		}
		t->same[i] = t->own[s];
		t->own[s] = (uint32_t)i + 1;
	}
	/* Breadth first, a state's row is completed when it is taken from the
	 * queue: until then it holds only its children, and the row of its
	 * fail state, which is shallower, is already complete. */
	for (c = 0; c < t->k; c++)
		if ((s = t->go[c]))
			t->order[tail++] = s;
	while (head < tail) {
		r = t->order[head++];
		for (c = 0; c < t->k; c++) {
			s = t->go[r * t->k + c];
			if (s) {
				t->fail[s] = t->go[t->fail[r] * t->k + c];
				t->order[tail++] = s;
			} else {
				t->go[r * t->k + c] =
					t->go[t->fail[r] * t->k + c];
			}
		}
	}
	return 0;
}

/* lit_req_at[] and lit_rules[] of rules_int.h. */
static int index_requires(gv_ruleset *rs)
{
	uint32_t *at, *rules;
	size_t i, k, n = 0;

	for (i = 0; i < rs->count; i++)
		n += rs->rules[i].nreq;
	if (n > UINT32_MAX ||
	    !(at = calloc(rs->nlits + 2, sizeof(*at))))
		return GV_ENOMEM;
	if (!(rules = malloc((n ? n : 1) * sizeof(*rules)))) {
		free(at);
		return GV_ENOMEM;
	}
	/* count into at[l + 2], sum, then fill through at[l + 1] */
	for (i = 0; i < rs->count; i++)
		for (k = 0; k < rs->rules[i].nreq; k++)
			at[rs->rules[i].req[k] + 2]++;
	for (i = 2; i < rs->nlits + 2; i++)
		at[i] += at[i - 1];
	for (i = 0; i < rs->count; i++)
		for (k = 0; k < rs->rules[i].nreq; k++)
			rules[at[rs->rules[i].req[k] + 1]++] = (uint32_t)i;
	rs->lit_req_at = at;
	rs->lit_rules = rules;
	return 0;
}

/* Builds the literal automaton of rules_int.h from lits[]. */
static int build_automaton(gv_ruleset *rs)
{
	trie t = { 0 };
	uint32_t *map = NULL, *outs = NULL, *start = NULL, *next = NULL;
	uint32_t *len = NULL, s, c, f, l, hit, plain = 0, row;
	size_t i, k, nouts = 0, aouts = 0;
	int rc = GV_ENOMEM;

	memset(rs->lit_class, 0, sizeof(rs->lit_class));
	t.k = 1;
	for (i = 0; i < rs->nlits; i++) {
		if (rs->lits[i].len > rs->lit_maxlen)
			rs->lit_maxlen = rs->lits[i].len;
		for (k = 0; k < rs->lits[i].len; k++) {
			unsigned char b = (unsigned char)rs->lits[i].text[k];

			if (!rs->lit_class[b])
				rs->lit_class[b] = (uint8_t)t.k++;
		}
	}
	for (c = 'A'; c <= 'Z'; c++)   /* literals are lower case */
		rs->lit_class[c] = rs->lit_class[c + 32];
	if (trie_build(&t, rs, rs->lit_class) ||
	    !(map = malloc(t.n * sizeof(*map))) ||
	    !(start = calloc(t.n, sizeof(*start))) ||
	    !(len = calloc(t.n, sizeof(*len))))
		goto done;
	/* Each state's list: its own literals, then its fail state's list
	 * (breadth first, so that one is done). start[] is offset + 1. */
	for (i = 0; i + 1 < t.n; i++) {
		s = t.order[i];
		f = t.fail[s];
		for (l = t.own[s]; l; l = t.same[l - 1])
			len[s]++;
		if (!len[s] && !start[f])
			continue;
		len[s] += len[f];
		if (gv_grow((void **)&outs, &aouts, nouts + len[s] + 1,
			    sizeof(*outs)))
			goto done;
		start[s] = (uint32_t)nouts + 1;
		for (l = t.own[s]; l; l = t.same[l - 1])
			outs[nouts++] = l - 1;
		for (k = start[f]; k && outs[k - 1] != GV_LIT_END; k++)
			outs[nouts++] = outs[k - 1];
		outs[nouts++] = GV_LIT_END;
	}
	/* The states that end a literal get the last rows (the start state
	 * ends none, so it keeps row 0). */
	for (s = 0; s < t.n; s++)
		if (!start[s])
			map[s] = plain++;
	for (s = 0, hit = plain; s < t.n; s++)
		if (start[s])
			map[s] = hit++;
	row = t.k + 1;
	if ((size_t)t.n * row > UINT32_MAX ||
	    !(next = malloc((size_t)t.n * row * sizeof(*next))))
		goto done;
	for (s = 0; s < t.n; s++) {
		uint32_t *to = next + (size_t)map[s] * row;

		for (c = 0; c < t.k; c++)
			to[c] = map[t.go[s * t.k + c]] * row;
		to[t.k] = start[s] ? start[s] - 1 : 0;
	}
	rs->lit_row = row;
	rs->lit_next = next;
	rs->lit_hit = plain * row;
	rs->lit_outs = outs;
	outs = NULL;
	rc = 0;
done:
	trie_free(&t);
	free(map);
	free(start);
	free(len);
	free(outs);
	return rc;
}

/* Finds each `high-with` rule, once every file is read: it may be defined
 * in a later file. It must label the same category and be no veto, or
 * the two would not be two signs of one label. */
static int resolve_high_with(gv_ruleset *rs, gv_error *err)
{
	size_t i;

	for (i = 0; i < rs->count; i++) {
		gv_rule *r = &rs->rules[i];
		const gv_rule *w;

		if (!r->high_with_id)
			continue;
		if (!(w = find_rule(rs, r->high_with_id)))
			return gv_error_set(err, GV_EINPUT, "%s:%u:1: rule "
					    "'%s': high-with: unknown rule "
					    "'%s'", r->file, r->line, r->id,
					    r->high_with_id);
		if (w == r || w->veto || w->category != r->category)
			return gv_error_set(err, GV_EINPUT, "%s:%u:1: rule "
					    "'%s': high-with: '%s' is not "
					    "another rule giving %s", r->file,
					    r->line, r->id, r->high_with_id,
					    gv_category_name(r->category));
		r->high_with = (int)(w - rs->rules);
	}
	return 0;
}

int gv_rules_compile(gv_ruleset *rs, gv_error *err)
{
	size_t i;
	int rc;

	if (rs->compiled)
		return 0;
	if (!rs->mctx) {
		if (!(rs->mctx = pcre2_match_context_create(NULL)))
			return gv_error_set(err, GV_ENOMEM, "out of memory");
		pcre2_set_match_limit(rs->mctx, GV_MATCH_LIMIT);
		pcre2_set_depth_limit(rs->mctx, GV_DEPTH_LIMIT);
		pcre2_set_heap_limit(rs->mctx, GV_HEAP_LIMIT_KIB);
	}
	if ((rc = apply_overrides(rs, err)) || (rc = resolve_high_with(rs, err)))
		return rc;
	for (i = 0; i < rs->count; i++)
		if ((rc = compile_rule(rs, &rs->rules[i], err)))
			return rc;
	for (i = 0; i < rs->count; i++)
		if (!rs->rules[i].cond && prefilter(rs, &rs->rules[i]))
			return gv_error_set(err, GV_ENOMEM, "out of memory");
	if ((!rs->lit_next && (rc = build_automaton(rs))) ||
	    (!rs->lit_req_at && (rc = index_requires(rs))))
		return gv_error_set(err, rc, "out of memory");
	__atomic_store_n(&rs->compiled, 1, __ATOMIC_RELEASE);
	return 0;
}

/* ---- self-tests ---- */

/* The text the literal pre-check sees for an example: trailer rules read a
 * value, but the pre-check scans whole messages, where the name precedes
 * it. */
static int example_has_literal(const gv_ruleset *rs, const gv_rule *r,
			       const gv_example *ex)
{
	gv_buf t = { 0 };
	size_t i, k;
	int found = 0;

	if (r->field == GV_FIELD_TRAILER) {
		if (gv_buf_put(&t, r->trailer, r->trailer_len) ||
		    gv_buf_puts(&t, ": "))
			goto done;
	}
	if (gv_buf_put(&t, ex->text, ex->len))
		goto done;
	for (i = 0; i < t.len; i++)
		t.ptr[i] = (char)tolower((unsigned char)t.ptr[i]);
	for (k = 0; k < r->nreq && !found; k++) {
		const gv_lit *l = &rs->lits[r->req[k]];

		for (i = 0; i + l->len <= t.len && !found; i++)
			found = !memcmp(t.ptr + i, l->text, l->len);
	}
done:
	gv_buf_free(&t);
	return found;
}

static int put_example(gv_buf *b, const gv_example *ex)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < ex->len && !rc; i++) {
		char c = ex->text[i];

		if (c == '\n')
			rc = gv_buf_puts(b, "\\n");
		else if (c == '\t')
			rc = gv_buf_puts(b, "\\t");
		else if (c == '\r')
			rc = gv_buf_puts(b, "\\r");
		else if (c == '\\' && i + 1 < ex->len &&
			 strchr("ntr\\", ex->text[i + 1]))
			rc = gv_buf_puts(b, "\\\\");
		else
			rc = gv_buf_put(b, &c, 1);
	}
	return rc;
}

static int test_rule(const gv_ruleset *rs, const gv_rule *r,
		     pcre2_match_data *md, gv_buf *report, size_t *failures)
{
	size_t i, nmatch = 0;
	int rc, got, ok = 0;

	for (i = 0; i < r->nexamples; i++) {
		const gv_example *ex = &r->examples[i];
		const char *why = NULL;

		nmatch += (size_t)ex->match;
		rc = gv_rules_match(rs, r, ex->text, ex->len,
				    gv_rules_start(r, ex->text, ex->len), md);
		got = rc >= 0;
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			why = "the match hit a limit";
		else if (got != ex->match)
			why = ex->match ? "expected a match" :
					  "expected no match";
		else if (ex->match && r->nreq &&
			 !example_has_literal(rs, r, ex))
			why = "matches, but contains none of the required "
			      "literals (requires)";
		if (!why)
			continue;
		(*failures)++;
		if (gv_buf_printf(report, "%s:%u: rule %s: %s: ", r->file,
				  ex->line, r->id, why) ||
		    put_example(report, ex) || gv_buf_puts(report, "\n"))
			goto done;
	}
	if (!nmatch) {
		(*failures)++;
		if (gv_buf_printf(report, "%s:%u: rule %s: no 'match' "
				  "example\n", r->file, r->line, r->id))
			goto done;
	}
	ok = 1;
done:
	return ok ? 0 : GV_ENOMEM;
}

int gv_rules_test(const gv_ruleset *rs, gv_buf *report, size_t *failures,
		  gv_error *err)
{
	pcre2_match_data *md = NULL;
	size_t i;
	int rc = 0;

	*failures = 0;
	if (!rs->compiled)
		return gv_error_set(err, GV_EINTERNAL, "rules not compiled");
	if (!(md = pcre2_match_data_create(rs->max_groups + 1, NULL)))
		return gv_error_set(err, GV_ENOMEM, "out of memory");
	for (i = 0; i < rs->count; i++)
		if (test_rule(rs, &rs->rules[i], md, report, failures)) {
			rc = gv_error_set(err, GV_ENOMEM, "out of memory");
			break;
		}
	pcre2_match_data_free(md);
	return rc;
}

int gv_rules_lint(const gv_ruleset *rs, gv_buf *report, size_t *problems)
{
	size_t i, k;

	*problems = 0;
	for (i = 0; i < rs->count; i++) {
		const gv_rule *r = &rs->rules[i];

		for (k = 0; k < r->nexamples; k++) {
			const gv_example *ex = &r->examples[k];

			if (!ex->match || !r->nreq ||
			    example_has_literal(rs, r, ex))
				continue;
			(*problems)++;
			if (gv_buf_printf(report, "%s:%u:1: rule %s: the "
					  "example contains none of the "
					  "required literals (requires = %s)\n",
					  r->file, ex->line, r->id,
					  r->req_text))
				return GV_ENOMEM;
		}
	}
	return 0;
}

/* ---- printing ---- */

static int show_rule(const gv_rule *r, gv_buf *out)
{
	size_t i;
	int rc;

	rc = gv_buf_printf(out, "# %s:%u\n", r->file, r->line);
	if (!rc && r->disabled && r->override_line)
		rc = gv_buf_printf(out, "# disabled by %s:%u\n",
				   r->override_file, r->override_line);
	else if (!rc && r->disabled)
		rc = gv_buf_printf(out, "# disabled by %s\n",
				   r->override_file);
	else if (!rc && r->override_file)
		rc = gv_buf_printf(out, "# confidence set by %s:%u\n",
				   r->override_file, r->override_line);
	if (!rc)
		rc = gv_buf_printf(out, "[rule %s]\n", r->id);
	if (!rc && r->category == GV_CAT_NONE)
		rc = gv_buf_puts(out, "category = none\n");
	else if (!rc && r->veto) {
		int c;

		rc = gv_buf_puts(out, "category =");
		for (c = 0; !rc && c < GV_CAT__COUNT; c++)
			if (r->veto_cats & GV_LABEL(c))
				rc = gv_buf_printf(out, " %s",
						   gv_category_name(c));
		if (!rc)
			rc = gv_buf_puts(out, "\n");
	} else if (!rc)
		rc = gv_buf_printf(out, "category = %s\n",
				   gv_category_name(r->category));
	if (!rc && r->field == GV_FIELD_TRAILER)
		rc = gv_buf_printf(out, "field = trailer:%s\n", r->trailer);
	else if (!rc)
		rc = gv_buf_printf(out, "field = %s\n",
				   gv_field_name(r->field));
	if (!rc && r->veto)
		rc = gv_buf_puts(out, "not = true\n");
	if (!rc && r->skip_revert)
		rc = gv_buf_puts(out, "skip = revert-subject\n");
	if (!rc && r->needs >= 0)
		rc = gv_buf_printf(out, "needs = %s\n",
				   gv_category_name(r->needs));
	if (!rc && r->confidence)
		rc = gv_buf_printf(out, "confidence = %s\n",
				   gv_confidence_name(r->confidence));
	if (!rc && r->high_with_id)
		rc = gv_buf_printf(out, "high-with = %s\n", r->high_with_id);
	if (!rc)
		rc = gv_buf_puts(out, "pattern = ");
	for (i = 0; !rc && i < r->pattern_len; i++)
		rc = r->pattern[i] == '\n' ? gv_buf_puts(out, "\n\t") :
					     gv_buf_put(out, r->pattern + i, 1);
	if (!rc)
		rc = gv_buf_puts(out, "\n");
	if (!rc && r->flags && r->flags[0])
		rc = gv_buf_printf(out, "flags = %s\n", r->flags);
	if (!rc && r->caps_text)
		rc = gv_buf_printf(out, "captures = %s\n", r->caps_text);
	if (!rc && r->req_text)
		rc = gv_buf_printf(out, "requires = %s\n", r->req_text);
	for (i = 0; !rc && i < r->nexamples; i++) {
		rc = gv_buf_puts(out, r->examples[i].match ? "match = " :
							     "nomatch = ");
		if (!rc)
			rc = put_example(out, &r->examples[i]);
		if (!rc)
			rc = gv_buf_puts(out, "\n");
	}
	if (!rc && r->disabled)
		rc = gv_buf_printf(out, "disable: %s\n", r->id);
	if (!rc)
		rc = gv_buf_puts(out, "\n");
	return rc;
}

int gv_rules_show(const gv_ruleset *rs, gv_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < rs->count && !rc; i++)
		rc = show_rule(&rs->rules[i], out);
	return rc ? GV_ENOMEM : 0;
}
