/*
 * repo.c - what git-vitals asks a repository besides its history: its
 * vitals.* config, one commit for `explain`, and a hash of what its mailmap
 * is built from (the cache key). The gv_repo_* helpers of gv/history.h.
 */
#include "gv/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit_parse.h"
#include "libgit.h"

void gv_strv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int gv_repo_config_get(char ***out, const char *path, const char *prefix,
		       gv_error *err)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	char **v = NULL;
	size_t n = 0, alloc = 0;
	int error = 0, r;

	*out = NULL;
	gv_libgit_init();
	if ((error = gv_git_open(&repo, path, err)))
		goto done;
	if (git_repository_config_snapshot(&cfg, repo) < 0 ||
	    git_config_iterator_new(&it, cfg) < 0) {
		error = gv_git_fail(err, GV_EREPO, "reading git config");
		goto done;
	}
	while ((r = git_config_next(&e, it)) == 0) {
		/* a prefix test, not git_config_iterator_glob_new: libgit2 1.5
		 * leaks a PCRE2 match block per entry the glob rejects (fixed
		 * upstream in 1.6, libgit2 PR #6382) */
		if (strncmp(e->name, prefix, strlen(prefix)))
			continue;
		if (gv_grow((void **)&v, &alloc, n + 3, sizeof(*v))) {
			error = gv_error_set(err, GV_ENOMEM, "out of memory");
			goto done;
		}
		v[n] = strdup(e->name);
		v[n + 1] = strdup(e->value ? e->value : "true");
		v[n + 2] = NULL;
		n += 2;
		if (!v[n - 2] || !v[n - 1]) {
			error = gv_error_set(err, GV_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (r != GIT_ITEROVER)
		error = gv_git_fail(err, GV_EINPUT, "reading git config");
done:
	if (error || !n) {
		gv_strv_free(v);
		v = NULL;
	}
	*out = v;
	git_config_iterator_free(it);
	git_config_free(cfg);
	git_repository_free(repo);
	return error;
}

int gv_repo_read_commit(gv_buf *message, gv_buf *author_name,
			gv_buf *author_email, char *hex, const char *path,
			const char *rev, gv_error *err)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_mailmap *mm = NULL;
	const git_signature *sig;
	const char *raw, *name, *email;
	int error = 0;

	gv_libgit_init();
	if ((error = gv_git_open(&repo, path, err)))
		goto done;
	if (git_revparse_single(&obj, repo, rev) < 0 ||
	    git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		error = gv_git_fail(err, GV_EREPO, rev);
		goto done;
	}
	git_oid_tostr(hex, GV_OID_HEXSZ + 1, git_commit_id(commit));
	raw = git_commit_message_raw(commit);
	git_mailmap_from_repository(&mm, repo);
	/* git_mailmap_resolve, as the walk does: git_commit_author_with_mailmap
	 * builds a new signature, which refuses an empty name or email that
	 * git itself writes ("A <>") and the walk reads. */
	sig = git_commit_author(commit);
	name = sig->name;
	email = sig->email;
	if (mm && git_mailmap_resolve(&name, &email, mm, sig->name, sig->email) < 0) {
		name = sig->name;
		email = sig->email;
	}
	if (gv_buf_puts(message, raw ? raw : "") || gv_buf_puts(author_name, name) ||
	    gv_buf_puts(author_email, email))
		error = gv_error_set(err, GV_ENOMEM, "out of memory");
done:
	git_mailmap_free(mm);
	git_commit_free(commit);
	git_object_free(obj);
	git_repository_free(repo);
	return error;
}

/* Folds a file's bytes (or its absence) into h. */
static uint64_t hash_file(uint64_t h, const char *path)
{
	FILE *f = path ? fopen(path, "rb") : NULL;
	char buf[8192];
	size_t n;

	h = (h ^ (f ? 1u : 0u)) * 0x100000001b3ULL;
	if (!f)
		return h;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		h = h * 31 + gv_fnv1a64(buf, n);
	fclose(f);
	return h;
}

static uint64_t hash_rev_blob(uint64_t h, git_repository *repo, const char *spec)
{
	git_object *obj = NULL;

	if (spec && git_revparse_single(&obj, repo, spec) == 0) {
		h = h * 31 + gv_fnv1a64(git_object_id(obj)->id, GV_OID_RAWSZ);
		git_object_free(obj);
	} else {
		h = h * 31 + 7;
	}
	return h;
}

/* Folds the id of HEAD:.mailmap into h, reading HEAD's commit through the
 * object database: git_revparse_single leaks on its error path in libgit2
 * 1.5, and a corrupt HEAD is reported by the load that follows. */
static uint64_t hash_head_mailmap(uint64_t h, git_repository *repo)
{
	git_oid head, tree_id;
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_tree *tree = NULL;
	const git_tree_entry *e;
	const char *data;

	h = h * 31 + 11;
	if (git_reference_name_to_id(&head, repo, "HEAD") < 0 ||
	    git_repository_odb(&odb, repo) < 0 || git_odb_read(&obj, odb, &head) < 0)
		goto done;
	data = git_odb_object_data(obj);
	if (git_odb_object_type(obj) != GIT_OBJECT_COMMIT ||
	    git_odb_object_size(obj) < 5 + GV_OID_HEXSZ || memcmp(data, "tree ", 5) ||
	    gv_parse_hex_oid(tree_id.id, data + 5, data + git_odb_object_size(obj)) ||
	    git_tree_lookup(&tree, repo, &tree_id) < 0)
		goto done;
	if ((e = git_tree_entry_byname(tree, ".mailmap")))
		h = h * 31 + gv_fnv1a64(git_tree_entry_id(e)->id, GV_OID_RAWSZ);
done:
	git_tree_free(tree);
	git_odb_object_free(obj);
	git_odb_free(odb);
	return h;
}

int gv_repo_mailmap_hash(uint64_t *out, const char *path, gv_error *err)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_buf file = {0}, blob = {0};
	gv_buf wt = {0};
	uint64_t h = 0xcbf29ce484222325ULL;
	int error = 0;

	gv_libgit_init();
	if ((error = gv_git_open(&repo, path, err)))
		goto done;
	if (git_repository_workdir(repo)) {
		if (gv_buf_puts(&wt, git_repository_workdir(repo)) ||
		    gv_buf_puts(&wt, ".mailmap")) {
			error = gv_error_set(err, GV_ENOMEM, "out of memory");
			goto done;
		}
		h = hash_file(h, wt.ptr);
	}
	h = hash_head_mailmap(h, repo);
	if (git_repository_config_snapshot(&cfg, repo) == 0) {
		if (git_config_get_path(&file, cfg, "mailmap.file") == 0)
			h = hash_file(h, file.ptr);
		if (git_config_get_string_buf(&blob, cfg, "mailmap.blob") == 0)
			h = hash_rev_blob(h, repo, blob.ptr);
	}
	*out = h;
done:
	git_buf_dispose(&file);
	git_buf_dispose(&blob);
	gv_buf_free(&wt);
	git_config_free(cfg);
	git_repository_free(repo);
	return error;
}
