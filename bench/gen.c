/*
 * gen.c - deterministic generator of a large synthetic history for the
 * git-vitals benchmark (bench/run.sh builds and runs it; see bench/RESULTS.md).
 *
 *   gen [-s SEED] COMMITS GITDIR
 *
 * Writes COMMITS commits and their tags into the existing, empty repository
 * GITDIR by driving `git fast-import`. The history looks like a busy project:
 * a main line with direct commits, topic branches merged with merge commits
 * (git's "Merge branch" and GitHub's "Merge pull request" shapes), an
 * annotated release tag vM.m.0 every ~500 commits (some preceded by -rc1),
 * maintenance branches maint-M.m that cherry-pick fixes from main and carry
 * their own patch tags vM.m.p, bot authors, several time zones, and a message
 * mix: plain changes, `fix:` conventional commits, `Fixes: <12 hex>
 * ("subject")` trailers, reverts, CVE fixes, rollbacks, multi-KB bodies and
 * Latin-1 bodies (some with an `encoding` header, most without, as in old
 * real repositories).
 *
 * Fixes:, reverts and cherry-picks cite real commit ids. fast-import only
 * tells ids through its marks, so the stream is cut into chunks of CHUNK
 * commits, one fast-import process each; after a chunk its exported marks
 * give the ids of its commits, and later chunks cite them (a chunk refers to
 * its own commits by mark, to earlier ones by id).
 *
 * Everything is a pure function of (COMMITS, SEED): no wall clock, no
 * environment, so the same arguments give the same commit ids everywhere.
 * Packing the result (`git gc`) is left to the caller.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CHUNK = 2000, NTOPIC = 4, PICKQ = 32, NHUMAN = 150 };

/* Branch slots: fast-import keeps one ref per slot. */
enum { B_MAIN = 0, B_TOPIC = 1, B_MAINT = B_TOPIC + NTOPIC, NBRANCH };

enum kind {
	K_PLAIN, K_FIX, K_FIXES, K_CVE, K_REVERT, K_ROLLBACK, K_MERGE, K_BOT,
	K_PICK
};

typedef struct {
	char *subject;
	uint32_t at;     /* author time */
	uint16_t file;   /* file touched: index into the src/ or lib/ pool */
	uint8_t kind;
	uint8_t author;
	uint8_t lib;    /* the file is in lib/ (topic work), not src/ */
} entry;

typedef struct {
	char *p;
	size_t len, cap;
} buf;

typedef struct {
	int open;
	long tip;          /* last commit on the topic, or the fork point */
	unsigned id, n, target;
	char name[64];
	long touched[8];   /* commits of this topic, for the merge's tree */
	unsigned ntouched;
} topic;

static uint64_t rng;
static entry *ents;
static char (*sha)[41];
static long total, chunk_base, known; /* ids known for commits < known */
static FILE *fi;
static pid_t fi_pid;
static const char *gitdir;
static char marks_path[4096];
static long fi_tip[NBRANCH];           /* tip fast-import holds per slot */
static char branch_ref[NBRANCH][64];
static uint64_t now = 1262304000;      /* 2010-01-01T00:00:00Z */

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(next(&rng) % n);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

static void buf_grow(buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	b->cap = (b->len + extra + 1) * 2;
	b->p = xrealloc(b->p, b->cap);
}

static void buf_add(buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_puts(buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

#define PICK(a) (a[below(sizeof(a) / sizeof(a[0]))])

static const char *first_names[] = {
	"Alice", "Bob", "Carol", "Dmitri", "Emeka", "Fatima", "Giulia", "Hiro",
	"Ines", "Jonas", "Kavya", "Lars", "Mei", "Nadia", "Oscar", "Priya",
	"Quentin", "Rosa", "Sven", "Tariq", "Ulla", "Viktor", "Wen", "Yusuf",
	"Zoe",
};
static const char *last_names[] = {
	"Andersen", "Baptiste", "Chen", "Dubois", "Eriksson", "Fernandes",
	"Garcia", "Hoffmann", "Ivanova", "Jensen", "Kowalski", "Lindqvist",
};
static const char *zones[] = {
	"+0000", "+0100", "+0200", "-0500", "-0700", "-0800", "+0530", "+0900",
	"+0800", "-0300", "+1000", "+1245", "-0930",
};
static const char *verbs[] = {
	"Add", "Remove", "Refactor", "Update", "Improve", "Simplify",
	"Document", "Rename", "Move", "Optimise", "Introduce", "Drop",
	"Extend", "Clean up", "Split", "Support", "Allow", "Teach",
};
static const char *things[] = {
	"parser", "config loader", "HTTP client", "object cache", "scheduler",
	"retry policy", "metrics exporter", "CLI help text", "log rotation",
	"index writer", "session store", "rate limiter", "auth middleware",
	"test fixtures", "build scripts", "pack reader", "diff renderer",
	"date formatting", "plugin loader", "TLS setup", "query planner",
	"upload handler", "JSON encoder", "path normaliser", "worker pool",
};
static const char *problems[] = {
	"crash", "memory leak", "race", "off-by-one error", "wrong exit code",
	"deadlock", "NULL dereference", "infinite loop", "stale cache entry",
	"incorrect rounding", "timeout", "regression", "double close",
	"missing error check", "broken escaping",
};
static const char *vulns[] = {
	"heap buffer overflow", "use after free", "out-of-bounds read",
	"integer overflow", "path traversal", "SQL injection",
	"cross-site scripting", "denial of service", "double free",
	"authentication bypass", "open redirect", "privilege escalation",
};
static const char *scopes[] = {
	"core", "http", "cli", "cache", "db", "auth", "build", "docs", "ui",
};
static const char *ctypes[] = {
	"feat", "refactor", "docs", "chore", "perf", "test", "build", "ci",
};
/* Filler prose. Plain words are common; words that classification rules
 * look for (security, memory-safety and fix vocabulary) are rare, about as
 * rare as in git/git's messages, where the literal pre-check of the default
 * rules passes 1.6 rules per message (see RESULTS.md). */
static const char *words[] = {
	"the", "a", "when", "we", "this", "commit", "handler", "because",
	"request", "state", "is", "not", "now", "value", "caller", "path",
	"before", "lock", "thread", "returns", "should", "config", "option",
	"which", "with", "without", "again", "input", "output", "cases",
	"edge", "large", "small", "retry", "users", "that", "in", "on", "for",
	"of", "and", "to", "it", "be", "can", "an", "are", "as", "by", "from",
	"was", "has", "have", "so", "but", "if", "or", "all", "more", "only",
	"also", "into", "used", "use", "code", "function", "field", "name",
	"list", "new", "old", "one", "two", "same", "other", "make", "makes",
	"instead", "there", "where", "way", "since", "still", "then",
	"than", "them", "they", "their", "these", "those", "time", "while",
	"file", "files", "line", "lines", "set", "get", "call", "calls",
	"version", "module", "type", "types", "simpler", "cleaner", "later",
};
static const char *rare_words[] = {
	"buffer", "memory", "after", "check", "error", "issue", "security",
	"overflow", "null", "double", "information", "validation", "fix",
	"bug", "test", "timeout", "reported",
};
static const char *deps[] = {
	"lodash", "serde", "tokio", "requests", "actions/checkout", "golang.org/x/net",
	"jackson-databind", "openssl", "zlib", "urllib3", "express", "axios",
};
/* Latin-1 bytes (not UTF-8), as old repositories have them. */
static const char *latin1[] = {
	"Thanks to Fran\xe7ois M\xfcller for the report.",
	"Reported-by: J\xf6rg Sch\xe4" "fer <joerg@example.de>",
	"Na\xefve handling of the \xab quoted \xbb form is gone.",
	"Tested on the caf\xe9 branch by Se\xf1or Pe\xf1" "a.",
};

enum { NBOT = 3 };
static const char *bots[NBOT][2] = {
	{ "dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com" },
	{ "renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com" },
	{ "github-actions[bot]",
	  "41898282+github-actions[bot]@users.noreply.github.com" },
};

/* Authors: 0..NHUMAN-1 humans (0 maintains, 1 releases; NHUMAN-1 has a
 * Latin-1 name), then the bots. */
static void author_ident(buf *b, unsigned a, uint64_t t)
{
	if (a >= NHUMAN) {
		buf_printf(b, "%s <%s> %llu +0000", bots[a - NHUMAN][0],
			   bots[a - NHUMAN][1], (unsigned long long)t);
		return;
	}
	if (a == NHUMAN - 1) {
		buf_printf(b, "Ren\xe9 D\xfcrr <rene@example.de> %llu +0100",
			   (unsigned long long)t);
		return;
	}
	{
		const char *f = first_names[a % 25];
		const char *l = last_names[(a / 25 + a) % 12];
		const char *tz = zones[(a * 7) % (sizeof(zones) / sizeof(zones[0]))];

		if (a % 5 == 4)
			buf_printf(b, "%s %s <%u+%s@users.noreply.github.com> %llu %s",
				   f, l, 1000 + a, f, (unsigned long long)t, tz);
		else
			buf_printf(b, "%s %s <%s.%s@example.org> %llu %s", f, l, f,
				   l, (unsigned long long)t, tz);
	}
}

static unsigned pick_human(void)
{
	/* Skewed: a few people write most commits. */
	return below(below(NHUMAN - 1) + 1);
}

/* A paragraph of at least `len` bytes of sentences, wrapped at 72 columns. */
static void paragraph(buf *b, size_t len)
{
	size_t start = b->len, col = 0;
	unsigned left = 0;

	while (b->len - start < len || left) {
		const char *w = below(150) ? PICK(words) : PICK(rare_words);
		size_t n = strlen(w);
		int first = !left;

		if (first)
			left = 4 + below(10);
		if (col && col + 1 + n + 1 > 72) {
			buf_puts(b, "\n");
			col = 0;
		} else if (col) {
			buf_puts(b, " ");
			col++;
		}
		if (first && w[0] >= 'a' && w[0] <= 'z') {
			char c = (char)(w[0] - 'a' + 'A');

			buf_add(b, &c, 1);
			buf_add(b, w + 1, n - 1);
		} else {
			buf_add(b, w, n);
		}
		col += n;
		if (--left == 0) {
			buf_puts(b, ".");
			col++;
		}
	}
	buf_puts(b, "\n");
}

static const char *ref(long idx, char tmp[48])
{
	if (idx >= chunk_base) {
		snprintf(tmp, 48, ":%ld", idx + 1);
		return tmp;
	}
	return sha[idx];
}

/* A citable commit with a known id, recent if possible; -1 if none. */
static long cite(void)
{
	int tries;

	for (tries = 0; tries < 8 && known > 0; tries++) {
		long span = known < 3000 ? known : 3000;
		long c = known - 1 - (long)below((unsigned)span);
		unsigned k = ents[c].kind;

		if (k != K_MERGE && k != K_REVERT && k != K_PICK && k != K_BOT)
			return c;
	}
	return -1;
}

static void file_path(buf *b, int lib, unsigned f)
{
	if (lib)
		buf_printf(b, "lib/t%02u/f%02u.c", f / 16, f % 16);
	else
		buf_printf(b, "src/m%02u/f%02u.c", f / 32, f % 32);
}

/* File content: a function of the commit that wrote it, so merges and
 * cherry-picks can write the very same blob again. */
static void file_modify(long idx)
{
	int lib = ents[idx].lib;
	static buf path, data;
	uint64_t s = (uint64_t)idx * 0x100000001b3ULL + (lib ? 1U : 0U);
	unsigned i, n;

	path.len = data.len = 0;
	file_path(&path, lib, ents[idx].file);
	buf_printf(&data, "/* %s, revision %ld */\n", path.p, idx);
	n = 4 + (unsigned)(next(&s) % 12);
	for (i = 0; i < n; i++)
		buf_printf(&data, "static int v%u = %u;\n", i,
			   (unsigned)(next(&s) % 100000));
	fprintf(fi, "M 100644 inline %s\ndata %zu\n", path.p, data.len);
	fwrite(data.p, 1, data.len, fi);
	fputc('\n', fi);
}

static void spawn_fast_import(void)
{
	int fd[2];
	char marks_opt[4200];

	snprintf(marks_opt, sizeof(marks_opt), "--export-marks=%s", marks_path);
	if (pipe(fd))
		die("pipe: %s", strerror(errno));
	fi_pid = fork();
	if (fi_pid < 0)
		die("fork: %s", strerror(errno));
	if (fi_pid == 0) {
		char gd[4200];

		snprintf(gd, sizeof(gd), "--git-dir=%s", gitdir);
		/* fast-import mallocs and frees a delta index per object; without
		 * this, glibc trims and regrows the heap each time and the page
		 * faults cost more than the import (3.8 s of 6.9 s for 20k). */
		setenv("MALLOC_TRIM_THRESHOLD_", "1073741824", 1);
		setenv("MALLOC_TOP_PAD_", "67108864", 1);
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		execlp("git", "git", gd, "fast-import", "--quiet", "--done",
		       "--force", "--active-branches=16", marks_opt, (char *)NULL);
		fprintf(stderr, "gen: exec git: %s\n", strerror(errno));
		_exit(127);
	}
	close(fd[0]);
	fi = fdopen(fd[1], "w");
	if (!fi)
		die("fdopen: %s", strerror(errno));
	setvbuf(fi, NULL, _IOFBF, 1 << 16);
}

static void start_chunk(long i)
{
	int b;

	chunk_base = i;
	for (b = 0; b < NBRANCH; b++)
		fi_tip[b] = -1;
	spawn_fast_import();
}

static void end_chunk(long i)
{
	FILE *m;
	char line[128];
	int st;

	fputs("done\n", fi);
	if (fclose(fi))
		die("writing to git fast-import: %s", strerror(errno));
	if (waitpid(fi_pid, &st, 0) < 0)
		die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("git fast-import failed (chunk at commit %ld)", chunk_base);
	m = fopen(marks_path, "r");
	if (!m)
		die("%s: %s", marks_path, strerror(errno));
	while (fgets(line, sizeof(line), m)) {
		long mark;
		char id[41];

		if (sscanf(line, ":%ld %40s", &mark, id) != 2 || mark < 1 ||
		    mark > total || strlen(id) != 40)
			die("%s: bad line: %s", marks_path, line);
		memcpy(sha[mark - 1], id, 41);
	}
	fclose(m);
	known = i;
}

static void data(const buf *msg)
{
	fprintf(fi, "data %zu\n", msg->len);
	fwrite(msg->p, 1, msg->len, fi);
	fputc('\n', fi);
}

/* Commit header: commit, mark, author, committer, [encoding], message, from. */
static void commit_head(long i, int slot, long parent, unsigned committer,
			uint64_t ct, const buf *msg, int latin1_header)
{
	static buf h;
	char tmp[48];

	h.len = 0;
	buf_printf(&h, "commit %s\nmark :%ld\nauthor ", branch_ref[slot], i + 1);
	author_ident(&h, ents[i].author, ents[i].at);
	buf_puts(&h, "\ncommitter ");
	author_ident(&h, committer, ct);
	buf_puts(&h, "\n");
	if (latin1_header)
		buf_puts(&h, "encoding iso-8859-1\n");
	fwrite(h.p, 1, h.len, fi);
	data(msg);
	if (parent >= 0 && fi_tip[slot] != parent)
		fprintf(fi, "from %s\n", ref(parent, tmp));
	fi_tip[slot] = i;
}

static void tag(const char *name, long target, const char *message)
{
	static buf t;
	char tmp[48];

	t.len = 0;
	buf_printf(&t, "tag %s\nfrom %s\ntagger ", name, ref(target, tmp));
	author_ident(&t, 1, now + 60);
	buf_printf(&t, "\ndata %zu\n%s\n", strlen(message), message);
	fwrite(t.p, 1, t.len, fi);
}

static void set_subject(long i, const buf *msg)
{
	size_t n = 0;

	while (n < msg->len && msg->p[n] != '\n')
		n++;
	ents[i].subject = xrealloc(NULL, n + 1);
	memcpy(ents[i].subject, msg->p, n);
	ents[i].subject[n] = '\0';
}

static void signoff(buf *msg, unsigned a)
{
	if (a < NHUMAN - 1 && below(10) < 3) {
		buf_puts(msg, "\nSigned-off-by: ");
		/* identity without the date */
		{
			static buf id;
			char *gt;

			id.len = 0;
			author_ident(&id, a, 0);
			gt = strchr(id.p, '>');
			buf_add(msg, id.p, (size_t)(gt - id.p) + 1);
		}
		buf_puts(msg, "\n");
	}
}

/* The message of an ordinary (non-merge) commit; sets ents[i].kind. */
static void message(buf *msg, long i, int *latin1_header)
{
	unsigned r = below(1000);
	long c;

	*latin1_header = 0;
	ents[i].kind = K_PLAIN;
	if (r < 430) {
		if (below(5) == 0)
			buf_printf(msg, "%s(%s): %s %s\n", PICK(ctypes), PICK(scopes),
				   "update", PICK(things));
		else
			buf_printf(msg, "%s %s\n", PICK(verbs), PICK(things));
		if (below(10) < 6) {
			buf_puts(msg, "\n");
			paragraph(msg, 60 + below(300));
		}
	} else if (r < 560) {
		ents[i].kind = K_FIX;
		if (below(2))
			buf_printf(msg, "fix(%s): %s in %s\n", PICK(scopes),
				   PICK(problems), PICK(things));
		else
			buf_printf(msg, "fix: %s in %s\n", PICK(problems), PICK(things));
		if (below(2)) {
			buf_puts(msg, "\n");
			paragraph(msg, 80 + below(200));
		}
	} else if (r < 640 && (c = cite()) >= 0) {
		ents[i].kind = K_FIXES;
		buf_printf(msg, "Fix %s in %s\n\n", PICK(problems), PICK(things));
		paragraph(msg, 100 + below(400));
		buf_printf(msg, "\nFixes: %.12s (\"%s\")\n", sha[c], ents[c].subject);
	} else if (r < 680) {
		static const char *kw[] = { "Closes #%u", "Fixes #%u", "Resolves #%u",
					    "Fixed PROJ-%u", "closes gh-%u" };
		ents[i].kind = K_FIX;
		buf_printf(msg, "Fix %s when %s %s\n\n", PICK(problems),
			   PICK(things), "is empty");
		paragraph(msg, 80 + below(200));
		buf_puts(msg, "\n");
		buf_printf(msg, PICK(kw), 1 + below(9000));
		buf_puts(msg, "\n");
	} else if (r < 700 && (c = cite()) >= 0) {
		ents[i].kind = K_REVERT;
		if (strncmp(ents[c].subject, "Revert \"", 8) == 0)
			buf_printf(msg, "Reapply \"%s\"\n\n", ents[c].subject + 8);
		else
			buf_printf(msg, "Revert \"%s\"\n\n", ents[c].subject);
		/* git's sequencer.c: "This reverts commit %s." */
		buf_printf(msg, "This reverts commit %s.\n", sha[c]);
		if (below(2)) {
			buf_puts(msg, "\n");
			paragraph(msg, 60 + below(200));
		}
	} else if (r < 710) {
		ents[i].kind = K_CVE;
		buf_printf(msg, "Fix %s in %s (CVE-%u-%u)\n\n", PICK(vulns),
			   PICK(things), 2015 + below(10), 10000 + below(40000));
		paragraph(msg, 150 + below(500));
		if (below(3) == 0)
			buf_printf(msg, "\nSee GHSA-%c%c%c%c-9x4q-m2jv.\n",
				   "23456789cfghjmpqrvwx"[below(20)],
				   "23456789cfghjmpqrvwx"[below(20)],
				   "23456789cfghjmpqrvwx"[below(20)],
				   "23456789cfghjmpqrvwx"[below(20)]);
	} else if (r < 718) {
		ents[i].kind = K_ROLLBACK;
		if ((c = cite()) >= 0 && below(2))
			buf_printf(msg, "Roll back \"%s\"\n\nIt broke production "
				   "deploys; rolling back to %.12s^.\n",
				   ents[c].subject, sha[c]);
		else
			buf_printf(msg, "Rollback %s to the previous release\n\n"
				   "Rolled back after the incident on the %s.\n",
				   PICK(things), PICK(things));
	} else if (r < 740) {
		unsigned p, np = 4 + below(20);

		buf_printf(msg, "%s %s\n", PICK(verbs), PICK(things));
		for (p = 0; p < np; p++) {
			buf_puts(msg, "\n");
			paragraph(msg, 120 + below(500));
		}
	} else if (r < 752) {
		buf_printf(msg, "%s %s\n\n", PICK(verbs), PICK(things));
		paragraph(msg, 60 + below(200));
		buf_puts(msg, "\n");
		buf_puts(msg, PICK(latin1));
		buf_puts(msg, "\n");
		*latin1_header = below(3) == 0;
	} else if (r < 762) {
		buf_printf(msg, "Harden %s against malformed input\n\n", PICK(things));
		paragraph(msg, 80 + below(200));
	} else {
		buf_printf(msg, "%s %s\n", PICK(verbs), PICK(things));
		if (below(3) == 0) {
			buf_puts(msg, "\n");
			paragraph(msg, 40 + below(160));
		}
	}
	signoff(msg, ents[i].author);
}

/* Maintenance branch state: one at a time. */
static struct {
	int active;
	long tip, end;
	unsigned major, minor, patch, since_tag;
	long q[PICKQ];
	char *qmsg[PICKQ];
	unsigned qn;
} maint;

static void maint_queue(long i, const buf *msg)
{
	if (!maint.active)
		return;
	if (maint.qn == PICKQ) {
		free(maint.qmsg[0]);
		memmove(maint.q, maint.q + 1, sizeof(maint.q[0]) * (PICKQ - 1));
		memmove(maint.qmsg, maint.qmsg + 1,
			sizeof(maint.qmsg[0]) * (PICKQ - 1));
		maint.qn--;
	}
	maint.q[maint.qn] = i;
	maint.qmsg[maint.qn] = xrealloc(NULL, msg->len + 1);
	memcpy(maint.qmsg[maint.qn], msg->p, msg->len + 1);
	maint.qn++;
}

static void maint_tag(void)
{
	char name[64], text[128];

	maint.patch++;
	snprintf(name, sizeof(name), "v%u.%u.%u", maint.major, maint.minor,
		 maint.patch);
	snprintf(text, sizeof(text), "Maintenance release %s\n", name + 1);
	tag(name, maint.tip, text);
	maint.since_tag = 0;
}

static void maint_stop(void)
{
	unsigned k;

	if (maint.since_tag)
		maint_tag();
	for (k = 0; k < maint.qn; k++)
		free(maint.qmsg[k]);
	maint.qn = 0;
	maint.active = 0;
}

static void usage(void)
{
	fputs("usage: gen [-s SEED] COMMITS GITDIR\n", stderr);
	exit(1);
}

int main(int argc, char **argv)
{
	topic topics[NTOPIC];
	long main_tip = -1, last_release = 0, i;
	unsigned long long seed = 1;
	unsigned major = 1, minor = 0, next_gap = 500, topic_ids = 0, prs = 0;
	int rc_done = 0, opt, b;
	buf msg = { 0 };
	char *end;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's')
			usage();
		seed = strtoull(optarg, &end, 10);
		if (*end)
			usage();
	}
	if (argc - optind != 2)
		usage();
	total = strtol(argv[optind], &end, 10);
	if (*end || total < 1 || total > 50000000)
		usage();
	gitdir = argv[optind + 1];
	if (snprintf(marks_path, sizeof(marks_path), "%s/gen-marks", gitdir) >=
	    (int)sizeof(marks_path))
		die("path too long");
	rng = seed * 0x2545f4914f6cdd1dULL;
	ents = calloc((size_t)total, sizeof(*ents));
	sha = calloc((size_t)total, sizeof(*sha));
	if (!ents || !sha)
		die("out of memory");
	memset(topics, 0, sizeof(topics));
	strcpy(branch_ref[B_MAIN], "refs/heads/main");
	for (b = 0; b < NTOPIC; b++)
		snprintf(branch_ref[B_TOPIC + b], sizeof(branch_ref[0]),
			 "refs/heads/topic-%d", b + 1);

	for (i = 0; i < total; i++) {
		unsigned r = below(1000);
		int latin1_header = 0, slot = B_MAIN, t, ready = -1, idle = -1,
		    open = 0;
		long parent = main_tip;
		unsigned committer;

		if (i % CHUNK == 0) {
			if (i)
				end_chunk(i);
			start_chunk(i);
		}
		now += 60 + below(2400);
		msg.len = 0;
		for (t = 0; t < NTOPIC; t++) {
			if (!topics[t].open)
				idle = t;
			else {
				open++;
				if (topics[t].n >= topics[t].target)
					ready = t;
			}
		}

		if (i == 0) {
			/* root commit */
			ents[i].author = 0;
			ents[i].at = (uint32_t)now;
			ents[i].kind = K_PLAIN;
			ents[i].file = 0;
			buf_puts(&msg, "Initial commit\n");
			commit_head(i, B_MAIN, -1, 0, now, &msg, 0);
			file_modify(i);
			main_tip = i;
		} else if (maint.active && r < 60 && maint.qn &&
			   maint.q[0] < known) {
			/* cherry-pick -x of a fix onto the maintenance branch */
			long o = maint.q[0];

			slot = B_MAINT;
			ents[i] = ents[o];
			ents[i].kind = K_PICK;
			buf_puts(&msg, maint.qmsg[0]);
			/* git's sequencer.c: "(cherry picked from commit %s)" */
			buf_printf(&msg, "%s(cherry picked from commit %s)\n",
				   strstr(msg.p, "\nSigned-off-by: ") ? "" : "\n",
				   sha[o]);
			free(maint.qmsg[0]);
			memmove(maint.q, maint.q + 1,
				sizeof(maint.q[0]) * (maint.qn - 1));
			memmove(maint.qmsg, maint.qmsg + 1,
				sizeof(maint.qmsg[0]) * (maint.qn - 1));
			maint.qn--;
			commit_head(i, slot, maint.tip, 0, now, &msg, 0);
			file_modify(o);
			maint.tip = i;
			if (++maint.since_tag >= 3 + below(4))
				maint_tag();
		} else if (ready >= 0 && r < 300) {
			/* merge a finished topic into main */
			topic *tp = &topics[ready];
			char tmp[48];
			unsigned k;

			ents[i].kind = K_MERGE;
			ents[i].author = 0;
			ents[i].at = (uint32_t)now;
			ents[i].file = 0;
			committer = 0;
			if (below(2)) {
				buf_printf(&msg, "Merge pull request #%u from %s/%s\n\n%s\n",
					   ++prs, first_names[tp->id % 25], tp->name,
					   ents[tp->touched[0]].subject);
				committer = NHUMAN + NBOT; /* GitHub, below */
			} else {
				buf_printf(&msg, "Merge branch '%s'\n\n* %s:\n", tp->name,
					   tp->name);
				for (k = tp->ntouched; k-- > 0;)
					buf_printf(&msg, "  %s\n",
						   ents[tp->touched[k]].subject);
			}
			if (committer) {
				/* GitHub commits PR merges as itself */
				static buf h;

				h.len = 0;
				buf_printf(&h, "commit refs/heads/main\nmark :%ld\nauthor ",
					   i + 1);
				author_ident(&h, 0, now);
				buf_printf(&h, "\ncommitter GitHub <noreply@github.com> "
					   "%llu +0000\n", (unsigned long long)now);
				fwrite(h.p, 1, h.len, fi);
				data(&msg);
				if (fi_tip[B_MAIN] != main_tip)
					fprintf(fi, "from %s\n", ref(main_tip, tmp));
				fi_tip[B_MAIN] = i;
			} else {
				commit_head(i, B_MAIN, main_tip, 0, now, &msg, 0);
			}
			fprintf(fi, "merge %s\n", ref(tp->tip, tmp));
			for (k = 0; k < tp->ntouched; k++)
				file_modify(tp->touched[k]);
			main_tip = i;
			tp->open = 0;
		} else if ((open && r < 650) || (idle >= 0 && r >= 900)) {
			/* a commit on a topic, opening one if need be */
			topic *tp;

			if (open && r < 650) {
				do
					t = (int)below(NTOPIC);
				while (!topics[t].open);
			} else {
				t = idle;
			}
			tp = &topics[t];
			if (!tp->open) {
				tp->open = 1;
				tp->id = ++topic_ids;
				tp->tip = main_tip;
				tp->n = 0;
				tp->ntouched = 0;
				tp->target = 1 + below(below(8) + 1);
				snprintf(tp->name, sizeof(tp->name), "%s-%u",
					 scopes[tp->id % 9], tp->id);
			}
			slot = B_TOPIC + t;
			parent = tp->tip;
			ents[i].author = (uint8_t)(tp->id % (NHUMAN - 1));
			ents[i].at = (uint32_t)(now - below(86400));
			ents[i].file = (uint16_t)below(1024);
			ents[i].lib = 1;
			message(&msg, i, &latin1_header);
			commit_head(i, slot, parent, ents[i].author, now, &msg,
				    latin1_header);
			file_modify(i);
			tp->tip = i;
			tp->n++;
			if (tp->ntouched < 8)
				tp->touched[tp->ntouched++] = i;
			if (ents[i].kind >= K_FIX && ents[i].kind <= K_CVE)
				maint_queue(i, &msg);
		} else if (r >= 840 && r < 900) {
			/* a bot bumps a dependency on main */
			const char *d = PICK(deps);
			unsigned a = below(2), v = below(20);

			ents[i].kind = K_BOT;
			ents[i].author = (uint8_t)(NHUMAN + below(NBOT));
			ents[i].at = (uint32_t)now;
			ents[i].file = 1023;
			buf_printf(&msg, "Bump %s from %u.%u.%u to %u.%u.%u\n\n"
				   "Bumps [%s](https://example.org/%s) from %u.%u.%u "
				   "to %u.%u.%u.\n- [Release notes](https://example.org/"
				   "%s/releases)\n\n---\nupdated-dependencies:\n"
				   "- dependency-name: %s\n  dependency-type: direct:"
				   "production\n...\n\nSigned-off-by: %s <%s>\n",
				   d, a, v, 1, a, v + 1, 0, d, d, a, v, 1, a, v + 1, 0, d,
				   d, bots[0][0], bots[0][1]);
			commit_head(i, B_MAIN, main_tip, ents[i].author, now, &msg, 0);
			file_modify(i);
			main_tip = i;
		} else {
			/* a direct commit on main */
			ents[i].author = (uint8_t)pick_human();
			ents[i].at = (uint32_t)(now - below(3600));
			ents[i].file = (uint16_t)below(1023);
			message(&msg, i, &latin1_header);
			commit_head(i, B_MAIN, main_tip, ents[i].author, now, &msg,
				    latin1_header);
			file_modify(i);
			main_tip = i;
			if (ents[i].kind >= K_FIX && ents[i].kind <= K_CVE)
				maint_queue(i, &msg);
		}
		set_subject(i, &msg);

		/* releases are tagged on main, right after a main commit */
		if (slot == B_MAIN && main_tip == i) {
			char name[64], text[160];

			if (!rc_done && minor % 4 == 0 &&
			    i - last_release >= (long)next_gap - 100) {
				snprintf(name, sizeof(name), "v%u.%u.0-rc1", major, minor);
				snprintf(text, sizeof(text), "Release candidate %s\n",
					 name + 1);
				tag(name, i, text);
				rc_done = 1;
			}
			if (i - last_release >= (long)next_gap) {
				snprintf(name, sizeof(name), "v%u.%u.0", major, minor);
				snprintf(text, sizeof(text), "Release %s\n\nSee NEWS for "
					 "the changes since the last release.\n", name + 1);
				tag(name, i, text);
				if (minor % 4 == 2 && !maint.active) {
					maint.active = 1;
					maint.tip = i;
					maint.end = i + 3000;
					maint.major = major;
					maint.minor = minor;
					maint.patch = 0;
					maint.since_tag = 0;
					snprintf(branch_ref[B_MAINT], sizeof(branch_ref[0]),
						 "refs/heads/maint-%u.%u", major, minor);
					fi_tip[B_MAINT] = -1;
				}
				last_release = i;
				next_gap = 400 + below(200);
				rc_done = 0;
				if (++minor == 25) {
					major++;
					minor = 0;
				}
			}
		}
		if (maint.active && i >= maint.end)
			maint_stop();
	}
	if (maint.active)
		maint_stop();
	end_chunk(total);
	unlink(marks_path);
	for (i = 0; i < total; i++)
		free(ents[i].subject);
	free(ents);
	free(sha);
	free(msg.p);
	return 0;
}
