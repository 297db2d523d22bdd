/*
 * fixture.c - fixture repositories and whole-program runs (see fixture.h).
 *
 * Every child process (sh for the fixture scripts, the git-vitals binary) is
 * started with fork/exec and a cleaned environment: no system or global git
 * configuration, a fixed identity, no inherited GIT_DIR or dates. Output is
 * captured through temporary files, so a chatty child can never block on a
 * full pipe. A child that hangs is killed by an alarm after FX_TIMEOUT_S.
 *
 * Shared repositories live in a directory the runner creates before any test
 * starts (PRE_ALL hook, passed to the workers in $GV_FX_CACHE) and removes
 * when all are done (POST_ALL). A worker builds a missing one in a private
 * directory and renames it into place; when two race, one rename wins and
 * the loser removes its copy.
 */
/* nftw() is an XSI interface. */
#define _XOPEN_SOURCE 700
#include "fixture.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FX_TIMEOUT_S 120u

/* The helpers every fixture script sees (documented in fixture.h). */
static const char fx_prelude[] =
	"set -e\n"
	"c() { GIT_COMMITTER_DATE=\"$2\" GIT_AUTHOR_DATE=\"${3:-$2}\" "
	"git commit -q --allow-empty -m \"$1\"; }\n"
	"m() { GIT_COMMITTER_DATE=\"$2\" GIT_AUTHOR_DATE=\"$2\" "
	"git merge -q --no-ff --no-edit -m \"$3\" \"$1\"; }\n"
	"lt() { git tag \"$1\" ${2:+\"$2\"}; }\n"
	"at() { GIT_COMMITTER_DATE=\"$2\" git tag -a -m \"$1\" \"$1\" ${3:+\"$3\"}; }\n";

static char *fx_printf(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

static char *fx_vprintf(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	cr_assert_geq(n, 0, "bad format");
	char *s = malloc((size_t)n + 1);
	cr_assert_not_null(s, "out of memory");
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *fx_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = fx_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

static int fx_rm_one(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void fx_rmrf(const char *path)
{
	nftw(path, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *fx_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n + 1 < cap)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

/* The environment of every child: clean git, fixed identity. Built in the
 * parent, so the child does nothing between fork and exec but dup2/chdir. */
static const char *const fx_env_drop[] = {
	"GIT_", "HOME=", "XDG_CONFIG_HOME=", "EMAIL=", "TZ=", "LANG=",
	"LC_", "LANGUAGE=", NULL
};
static const char *const fx_env_set[] = {
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
	"HOME=/nonexistent-gv-home", "XDG_CONFIG_HOME=/nonexistent-gv-home",
	"GIT_AUTHOR_NAME=A U Thor", "GIT_AUTHOR_EMAIL=author@example.com",
	"GIT_COMMITTER_NAME=C O Mitter",
	"GIT_COMMITTER_EMAIL=committer@example.com", "LC_ALL=C", "TZ=UTC",
	NULL
};

extern char **environ;

/* Caller frees the array (not the strings) with free(). */
static char **fx_child_env(void)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + sizeof(fx_env_set) / sizeof(*fx_env_set),
			    sizeof(*env));
	cr_assert_not_null(env, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int drop = 0;
		for (size_t d = 0; fx_env_drop[d] && !drop; d++)
			drop = strncmp(environ[i], fx_env_drop[d],
				       strlen(fx_env_drop[d])) == 0;
		if (!drop)
			env[k++] = environ[i];
	}
	for (size_t i = 0; fx_env_set[i]; i++)
		env[k++] = (char *)fx_env_set[i];
	env[k] = NULL;
	return env;
}

static int fx_tmpfile(char *path, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(path, size, "%s/gv-fx-out-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	return fd;
}

/* Runs argv in cwd, stdout and stderr into *out and *err (may be NULL).
 * Returns the exit code, or 128 + the signal that killed it. */
static int fx_exec(const char *cwd, const char *const *argv, char **out,
		   size_t *out_len, char **err, size_t *err_len)
{
	char opath[PATH_MAX], epath[PATH_MAX];
	int ofd = fx_tmpfile(opath, sizeof(opath));
	int efd = fx_tmpfile(epath, sizeof(epath));
	char **env = fx_child_env();
	pid_t pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		if (in < 0 || dup2(in, 0) < 0 || dup2(ofd, 1) < 0 ||
		    dup2(efd, 2) < 0)
			_exit(126);
		if (cwd && chdir(cwd) != 0) {
			dprintf(2, "chdir %s: %s\n", cwd, strerror(errno));
			_exit(126);
		}
		alarm(FX_TIMEOUT_S);
		execve(argv[0], (char *const *)argv, env);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(env);
	close(ofd);
	close(efd);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
	char *o = fx_read_file(opath, out_len);
	char *e = fx_read_file(epath, err_len);
	unlink(opath);
	unlink(epath);
	cr_assert(o && e, "cannot read the output of %s", argv[0]);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

static void fx_trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Runs a script; on failure returns the status and, if errs, stderr. */
static int fx_script(char **out, char **errs, const char *dir,
		     const char *script)
{
	char *full = fx_printf("%s%s", fx_prelude, script);
	const char *argv[] = { "/bin/sh", "-c", full, NULL };
	char *o = NULL, *e = NULL;
	int rc = fx_exec(dir, argv, &o, NULL, &e, NULL);
	free(full);
	fx_trim(o);
	if (out)
		*out = o;
	else
		free(o);
	if (errs)
		*errs = e;
	else
		free(e);
	return rc;
}

int fx_sh(char **out, const char *dir, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *script = fx_vprintf(fmt, ap);
	va_end(ap);
	int rc = fx_script(out, NULL, dir, script);
	free(script);
	return rc;
}

/* Builds a repository under the existing directory root. */
static void fx_build(const char *root, const char *script)
{
	char *path = fx_printf("%s/repo", root);
	cr_assert_eq(mkdir(path, 0700), 0, "mkdir %s: %s", path,
		     strerror(errno));
	char *full = fx_printf("git init -q -b main\n%s", script);
	char *errs = NULL;
	int rc = fx_script(NULL, &errs, path, full);
	free(full);
	free(path);
	if (rc != 0) {
		cr_log_error("fixture script failed (%d):\n%s\n%s", rc, script,
			     errs);
		free(errs);
		cr_assert_fail("fixture script failed with status %d", rc);
	}
	free(errs);
}

static char *fx_mkdtemp(const char *parent, const char *prefix)
{
	char *t = fx_printf("%s/%sXXXXXX", parent, prefix);
	cr_assert_not_null(mkdtemp(t), "mkdtemp %s: %s", t, strerror(errno));
	return t;
}

static const char *fx_tmp_parent(void)
{
	const char *tmp = getenv("TMPDIR");
	return tmp && *tmp ? tmp : "/tmp";
}

/* The runner's cache when there is one, so that even a repository whose
 * test crashed before its .fini is removed at the end. */
static const char *fx_parent(void)
{
	const char *cache = getenv("GV_FX_CACHE");
	struct stat st;
	if (cache && *cache && stat(cache, &st) == 0)
		return cache;
	return fx_tmp_parent();
}

fx_repo *fx_repo_new(const char *script)
{
	fx_repo *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r, "out of memory");
	r->root = fx_mkdtemp(fx_parent(), "gv-fx-");
	r->path = fx_printf("%s/repo", r->root);
	fx_build(r->root, script);
	return r;
}

fx_repo *fx_repo_shared(const char *key, const char *script)
{
	const char *cache = getenv("GV_FX_CACHE");
	struct stat st;
	if (!cache || !*cache || stat(cache, &st) != 0)
		return fx_repo_new(script);
	fx_repo *r = calloc(1, sizeof(*r));
	cr_assert_not_null(r, "out of memory");
	r->shared = 1;
	r->root = fx_printf("%s/%s", cache, key);
	r->path = fx_printf("%s/repo", r->root);
	if (stat(r->root, &st) == 0)
		return r;
	char *tmp = fx_mkdtemp(cache, "building-");
	fx_build(tmp, script);
	if (rename(tmp, r->root) != 0) {
		/* Another worker got there first: use its copy. */
		cr_assert(errno == EEXIST || errno == ENOTEMPTY,
			  "rename %s: %s", tmp, strerror(errno));
		fx_rmrf(tmp);
	}
	free(tmp);
	return r;
}

void fx_repo_free(fx_repo *r)
{
	if (!r)
		return;
	if (!r->shared)
		fx_rmrf(r->root);
	free(r->root);
	free(r->path);
	free(r);
}

char *fx_rev(const fx_repo *r, const char *rev)
{
	char *out = NULL;
	int rc = fx_sh(&out, r->path, "git rev-parse --verify -q '%s'", rev);
	cr_assert_eq(rc, 0, "no such rev: %s", rev);
	cr_assert_eq(strlen(out), 40, "rev %s: %s", rev, out);
	return out;
}

char *fx_tmpdir(const fx_repo *r, const char *name)
{
	if (!r) {
		char *prefix = fx_printf("%s-", name);
		char *t = fx_mkdtemp(fx_parent(), prefix);
		free(prefix);
		return t;
	}
	char *d = fx_printf("%s/%s", r->root, name);
	cr_assert(mkdir(d, 0700) == 0 || errno == EEXIST, "mkdir %s: %s", d,
		  strerror(errno));
	return d;
}

const char *fx_bin(void)
{
	static char bin[PATH_MAX];
	if (!bin[0]) {
		const char *b = getenv("GV_BIN");
		if (!b || !*b)
			b = "./git-vitals";
		if (!realpath(b, bin))
			cr_assert_fail("git-vitals binary %s: %s (set GV_BIN)",
				       b, strerror(errno));
	}
	return bin;
}

void fx_gv_argv(fx_run *run, const char *cwd, const char *const *argv)
{
	size_t n = 0;
	while (argv[n])
		n++;
	const char **full = calloc(n + 2, sizeof(*full));
	cr_assert_not_null(full, "out of memory");
	full[0] = fx_bin();
	for (size_t i = 0; i < n; i++)
		full[i + 1] = argv[i];
	memset(run, 0, sizeof(*run));
	run->status = fx_exec(cwd, full, &run->out, &run->out_len, &run->err,
			      &run->err_len);
	free(full);
	const char *p = run->out;
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	if (*p == '{')
		run->json = cJSON_ParseWithLength(run->out, run->out_len);
}

const cJSON *fx_gv_json_argv(fx_run *run, const char *cwd,
			     const char *const *argv)
{
	fx_run_free(run);
	fx_gv_argv(run, cwd, argv);
	cr_assert_eq(run->status, 0, "exit %d, stderr: %s", run->status,
		     run->err);
	cr_assert_not_null(run->json, "stdout is not JSON: %.300s", run->out);
	return run->json;
}

void fx_gv(fx_run *run, const char *cwd, ...)
{
	const char *argv[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, cwd);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL) {
		cr_assert_lt(n, 63, "too many arguments");
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	fx_gv_argv(run, cwd, argv);
}

void fx_run_free(fx_run *run)
{
	if (!run)
		return;
	free(run->out);
	free(run->err);
	cJSON_Delete(run->json);
	memset(run, 0, sizeof(*run));
}

cJSON *fx_get(const cJSON *root, const char *path)
{
	const cJSON *cur = root;
	const char *p = path;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		char key[128];
		cr_assert_lt(len, sizeof(key), "path too long: %s", path);
		memcpy(key, p, len);
		key[len] = '\0';
		if (cJSON_IsArray(cur) && len && strspn(key, "0123456789") == len)
			cur = cJSON_GetArrayItem(cur, atoi(key));
		else
			cur = cJSON_GetObjectItemCaseSensitive(cur, key);
		p += len;
		if (*p == '.')
			p++;
	}
	return (cJSON *)cur;
}

int64_t fx_int(const cJSON *root, const char *path)
{
	const cJSON *v = fx_get(root, path);
	cr_assert(cJSON_IsNumber(v), "%s: not a number", path);
	double d = v->valuedouble;
	cr_assert(d >= -9.0e15 && d <= 9.0e15 && d == (double)(int64_t)d,
		  "%s: %.17g is not an integer", path, d);
	return (int64_t)d;
}

double fx_num(const cJSON *root, const char *path)
{
	const cJSON *v = fx_get(root, path);
	cr_assert(cJSON_IsNumber(v), "%s: not a number", path);
	return v->valuedouble;
}

int fx_is_null(const cJSON *root, const char *path)
{
	const cJSON *v = fx_get(root, path);
	cr_assert_not_null(v, "%s: missing", path);
	return cJSON_IsNull(v);
}

const char *fx_str(const cJSON *root, const char *path)
{
	const cJSON *v = fx_get(root, path);
	cr_assert(cJSON_IsString(v), "%s: not a string", path);
	return v->valuestring;
}

cJSON *fx_find(const cJSON *root, const char *path, const char *key,
	       const char *value)
{
	const cJSON *arr = fx_get(root, path);
	cr_assert(cJSON_IsArray(arr), "%s: not an array", path);
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, key);
		if (cJSON_IsString(k) && strcmp(k->valuestring, value) == 0)
			return (cJSON *)it;
	}
	return NULL;
}

int fx_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

/* The shared-repository cache: created before the first test, removed after
 * the last, in the runner process. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	(void)set;
	char *t = fx_printf("%s/gv-fxcache-XXXXXX", fx_tmp_parent());
	if (mkdtemp(t))
		setenv("GV_FX_CACHE", t, 1);
	free(t);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	const char *cache = getenv("GV_FX_CACHE");
	if (cache && *cache && strstr(cache, "gv-fxcache-"))
		fx_rmrf(cache);
}

fx_repo *fx_demo_repo(void)
{
	const char *srcdir = getenv("GV_SRCDIR");
	char *src = realpath(srcdir && *srcdir ? srcdir : ".", NULL);
	fx_repo *r;

	cr_assert_not_null(src);
	r = fx_repo_new("");
	cr_assert_eq(fx_sh(NULL, r->root,
			   "sh '%s/samples/make-demo-repo.sh' repo >/dev/null",
			   src), 0, "the demo script failed");
	free(src);
	return r;
}
