/*
 * libgit.c - libgit2 set up once per process, as git-vitals needs it, and
 * the two things every caller of libgit2 here does: open a repository and
 * turn libgit2's last error into a message.
 */
#include "libgit.h"

#include <pthread.h>

/*
 * libgit2 built with mbedTLS (Debian's) parses the whole system CA bundle in
 * git_libgit2_init(): about 50 M instructions, some 15 ms, in every process,
 * which is most of a run that the cache serves and of a run on a small
 * repository. git-vitals opens no network connection, so it never needs a
 * certificate: the executable defines the one function that loads them, and
 * the Makefile exports it (--export-dynamic-symbol) so that libgit2's call
 * binds here. With another TLS backend nothing calls it. Anything that adds
 * network access through libgit2 must remove this.
 */
struct mbedtls_x509_crt;
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

/*
 * The same for SSH: git_libgit2_init() calls libssh2_init(), which starts
 * OpenSSL's libcrypto, and that alone makes 2.5 MB of libcrypto resident in
 * every process (a tenth of the peak memory of a run over curl/curl, where
 * the issue asks for no more than git log's). No SSH session is ever opened
 * here, so the initialisation is skipped the same way.
 */
int libssh2_init(int flags);
int libssh2_init(int flags)
{
	(void)flags;
	return 0;
}

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_setup(void)
{
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	/* libgit2 re-hashes every object it reads (with Debian's slow
	 * collision-detecting SHA-1: a fifth of all instructions); git log
	 * does not, and a corrupt object still fails to inflate or parse */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

/* libgit2 is initialised once per process and never shut down: shutting
 * it down when the count drops to zero while other threads (a batch) still
 * run leaks their per-thread error state, and the setup (it parses the CA
 * bundle) is worth doing once. */
void gv_libgit_init(void)
{
	pthread_once(&lib_once, lib_setup);
}

int gv_git_fail(gv_error *err, int code, const char *what)
{
	const git_error *e = git_error_last();
	return gv_error_set(err, code, "%s: %s", what,
			    e && e->message ? e->message : "unknown libgit2 error");
}

/* Opens the repository at or above path. "not a git repository" only when
 * there is none: a repository that is there but cannot be opened (a
 * malformed ~/.gitconfig, an unsupported format) says what libgit2 said. */
int gv_git_open(git_repository **out, const char *path, gv_error *err)
{
	int rc = git_repository_open_ext(out, path, 0, NULL);

	if (rc == GIT_ENOTFOUND)
		return gv_error_set(err, GV_EREPO, "%s: not a git repository",
				    path);
	return rc < 0 ? gv_git_fail(err, GV_EREPO, path) : 0;
}

