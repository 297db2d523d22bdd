/*
 * fixture.h - fixture repositories and whole-program runs for the tests.
 *
 * A fixture repository is built by a short sh script run in a fresh
 * temporary directory after `git init -q -b main`. The script sees these
 * helper functions, and every date it passes is fixed, so a fixture is the
 * same byte for byte on every run (commit and tag ids included):
 *
 *   c MSG DATE [AUTHOR_DATE]   commit (--allow-empty) with committer date DATE
 *                              and author date AUTHOR_DATE (default DATE)
 *   m REV DATE MSG             merge REV into the current branch (--no-ff)
 *   lt NAME [REV]              lightweight tag
 *   at NAME DATE [REV]         annotated tag whose tagger date is DATE
 *
 * Dates are anything git accepts; the tests use "2024-01-01T00:00:00Z".
 * Git sees no system or global configuration (GIT_CONFIG_NOSYSTEM, a private
 * HOME) and a fixed identity, so the machine's settings cannot leak in.
 *
 * fx_repo_new() builds a repository for one test: free it in the test's
 * .fini with fx_repo_free(), which removes the directory. fx_repo_shared()
 * builds a repository once per run of the test runner and hands every test
 * that asks for the same key the same (read-only!) copy; the runner removes
 * it when all tests are done.
 *
 * fx_gv() runs the git-vitals binary named by $GV_BIN with the same clean
 * environment and captures its exit status, stdout and stderr; when stdout
 * is a JSON document it is parsed too.
 */
#ifndef GV_TESTS_FIXTURE_H
#define GV_TESTS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>

typedef struct fx_repo {
	char *root;   /* temporary directory: removed by fx_repo_free() */
	char *path;   /* the repository: root "/repo" */
	int shared;   /* built by fx_repo_shared(): not removed by free */
} fx_repo;

/* Builds a repository with `script` (see above). Fails the current test when
 * a command fails. Caller frees with fx_repo_free(). */
fx_repo *fx_repo_new(const char *script);
/* The same, built once per test run under `key` and shared between tests.
 * Callers still call fx_repo_free(), which then frees only the struct. */
fx_repo *fx_repo_shared(const char *key, const char *script);
void fx_repo_free(fx_repo *r);
/* The demo repository of samples/make-demo-repo.sh (found through
 * $GV_SRCDIR, else the current directory), built for one test. Caller
 * frees with fx_repo_free(). */
fx_repo *fx_demo_repo(void);

/* Runs the sh script `fmt` in directory `dir` (the clean git environment,
 * the helpers above defined). Returns the exit status; stdout, trimmed of
 * trailing newlines, goes to *out when out is not NULL (caller frees). */
int fx_sh(char **out, const char *dir, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* `git rev-parse --verify REV` in r: a 40-hex id. Caller frees with free(). */
char *fx_rev(const fx_repo *r, const char *rev);
/* A new empty directory `name` in the root of r; when r is NULL, a fresh
 * directory "name-XXXXXX" that the runner removes when all tests are done.
 * Caller frees the string. */
char *fx_tmpdir(const fx_repo *r, const char *name);

typedef struct fx_run {
	int status;      /* exit code, or 128 + signal */
	char *out;       /* stdout, NUL-terminated */
	size_t out_len;
	char *err;       /* stderr, NUL-terminated */
	size_t err_len;
	cJSON *json;     /* stdout parsed, or NULL when it is not JSON */
} fx_run;

/* The absolute path of the binary under test: $GV_BIN, else ./git-vitals. */
const char *fx_bin(void);
/* Runs $GV_BIN with the NULL-terminated arguments in directory cwd (NULL:
 * the current one). stdin is /dev/null, stdout and stderr are files, so the
 * binary sees no terminal. Caller frees with fx_run_free(). */
void fx_gv(fx_run *run, const char *cwd, ...);
void fx_gv_argv(fx_run *run, const char *cwd, const char *const *argv);
/* fx_gv_argv() into *run (what it held freed first), failing the test
 * unless git-vitals exits 0 with a JSON document on stdout; returns that
 * document, owned by *run. */
const cJSON *fx_gv_json_argv(fx_run *run, const char *cwd,
			     const char *const *argv);
void fx_run_free(fx_run *run);

/* JSON helpers: a member by dotted path ("metrics.lead_time.median_s") or
 * NULL; numbers as int64 (fails the test when not an integer). */
cJSON *fx_get(const cJSON *root, const char *path);
int64_t fx_int(const cJSON *root, const char *path);
int fx_is_null(const cJSON *root, const char *path);
const char *fx_str(const cJSON *root, const char *path);
double fx_num(const cJSON *root, const char *path);
/* The element of array `path` whose member `key` is the string `value`. */
cJSON *fx_find(const cJSON *root, const char *path, const char *key,
	       const char *value);

/* 1 when the n bytes are valid UTF-8 (no overlongs, surrogates or
 * values above U+10FFFF). */
int fx_utf8_valid(const char *s, size_t n);
/* Reads a whole file; NULL when it cannot. Caller frees. */
char *fx_read_file(const char *path, size_t *len);

/* The state of a suite whose tests each build one repository (repo) and
 * run git-vitals on it once or more (run), and its .fini, which frees
 * both after every test, so that a failed assertion leaks nothing. Use at
 * file scope, after including criterion: FX_SUITE(name); */
#define FX_SUITE(name)                                                   \
	static fx_repo *repo;                                            \
	static fx_run run;                                               \
	static void teardown(void)                                       \
	{                                                                \
		fx_run_free(&run);                                       \
		fx_repo_free(repo);                                      \
		repo = NULL;                                             \
	}                                                                \
	TestSuite(name, .fini = teardown)

#endif
