/*
 * test_history.c - the history walker through its library API: the model it
 * builds, the same whatever the number of reading threads; abbreviated ids;
 * the seed an incremental run uses; shallow boundaries; .mailmap; config.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "gv/history.h"

/*
 *   a1 -- a2 ------- M -- a3        (main)
 *     \             /
 *      t1 -- t2 ---                 (topic, merged at M)
 *   plus side1 -- side2 on branch "side", never merged.
 */
static const char GRAPH[] =
	"c a1 2024-01-01T00:00:00Z\n"
	"git checkout -q -b topic\n"
	"c t1 2024-01-02T00:00:00Z\n"
	"c t2 2024-01-03T00:00:00Z\n"
	"git checkout -q main\n"
	"c a2 2024-01-04T00:00:00Z\n"
	"m topic 2024-01-05T00:00:00Z 'merge topic'\n"
	"c a3 2024-01-06T00:00:00Z 2024-01-05T12:00:00Z\n"
	"git checkout -q -b side HEAD~2\n"
	"c side1 2024-01-07T00:00:00Z\n"
	"c side2 2024-01-08T00:00:00Z\n"
	"git checkout -q main\n";

static int count_cb(const gv_message *m, void *payload)
{
	(void)m;
	__atomic_add_fetch((int *)payload, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static gv_history *load(const char *path, int threads, int all,
			const gv_history_seed *seed, int *messages)
{
	gv_history_opts o;
	gv_history *h = NULL;
	gv_warnings w = {0};
	gv_error err = {0};

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.all = all;
	o.threads = threads;
	o.seed = seed;
	o.on_message = messages ? count_cb : NULL;
	o.msg_payload = messages;
	cr_assert_eq(gv_history_load(&h, &o, &w, &err), 0, "%s", err.msg);
	gv_warnings_free(&w);
	return h;
}

/* Same ids, times, flags and parents (by id, in order) in both models. */
static void assert_same_model(const gv_history *a, const gv_history *b)
{
	size_t i, k;

	cr_assert_eq(gv_history_count(a), gv_history_count(b));
	for (i = 0; i < gv_history_count(a); i++) {
		gv_idx j = gv_history_find(b, gv_history_id(a, (gv_idx)i));
		const gv_commit *ca = &gv_history_commits(a)[i];
		const gv_commit *cb;
		cr_assert_neq(j, GV_NONE);
		cb = &gv_history_commits(b)[j];
		cr_expect_eq(ca->author_time, cb->author_time);
		cr_expect_eq(ca->commit_time, cb->commit_time);
		cr_expect_eq(ca->flags, cb->flags);
		cr_assert_eq(ca->nparents, cb->nparents);
		for (k = 0; k < ca->nparents; k++)
			cr_expect_eq(memcmp(gv_history_id(a, gv_history_parents(a)[ca->parents_at + k]),
					    gv_history_id(b, gv_history_parents(b)[cb->parents_at + k]),
					    GV_OID_RAWSZ), 0);
	}
}

Test(history, head_walk_flags_revs_merges_and_times)
{
	fx_repo *r = fx_repo_new(GRAPH);
	int messages = 0;
	gv_history *h = load(r->path, 1, 0, NULL, &messages);
	char *a3 = fx_rev(r, "main"), *m = fx_rev(r, "main~1");
	unsigned char id[GV_OID_RAWSZ];
	gv_idx i;
	size_t k;

	/* main reaches a1 a2 t1 t2 M a3: 6 commits, each message seen once */
	cr_expect_eq(gv_history_count(h), 6);
	cr_expect_eq(messages, 6);
	for (k = 0; k < GV_OID_RAWSZ; k++)
		sscanf(a3 + 2 * k, "%2hhx", &id[k]);
	i = gv_history_find(h, id);
	cr_assert_neq(i, GV_NONE);
	/* a3: committed 2024-01-06 (1704499200), authored 2024-01-05T12:00Z */
	cr_expect_eq(gv_history_commits(h)[i].commit_time, 1704499200);
	cr_expect_eq(gv_history_commits(h)[i].author_time, 1704456000);
	cr_expect(gv_history_commits(h)[i].flags & GV_COMMIT_IN_REVS);
	cr_expect_eq(gv_history_find_hex(h, m, 40, &i), 0);
	cr_expect(gv_history_commits(h)[i].flags & GV_COMMIT_MERGE);
	cr_expect_eq(gv_history_commits(h)[i].nparents, 2);
	cr_expect_str_eq(gv_history_head(h), a3);
	free(a3);
	free(m);
	gv_history_free(h);
	fx_repo_free(r);
}

Test(history, thread_count_does_not_change_the_model)
{
	fx_repo *r = fx_repo_new(GRAPH);
	gv_history *one = load(r->path, 1, 1, NULL, NULL);
	gv_history *four = load(r->path, 4, 1, NULL, NULL);

	/* --all adds side1 and side2: 8 commits */
	cr_expect_eq(gv_history_count(one), 8);
	assert_same_model(one, four);
	gv_history_free(one);
	gv_history_free(four);
	fx_repo_free(r);
}

Test(history, abbreviated_ids_resolve_and_bad_ones_say_why)
{
	fx_repo *r = fx_repo_new(GRAPH);
	gv_history *h = load(r->path, 2, 1, NULL, NULL);
	char *side1 = fx_rev(r, "side~1");
	gv_idx full, i;
	size_t n;

	cr_assert_eq(gv_history_find_hex(h, side1, 40, &full), 0);
	/* every length from 6 (the hash table path) to 39 finds the same one */
	for (n = 6; n < 40; n++) {
		cr_expect_eq(gv_history_find_hex(h, side1, n, &i), 0, "len %zu", n);
		cr_expect_eq(i, full);
	}
	cr_expect_eq(gv_history_find_hex(h, "zzzzzzz", 7, &i), GV_EINPUT);
	cr_expect_eq(gv_history_find_hex(h, side1, 3, &i), GV_EINPUT);
	cr_expect_eq(gv_history_find_hex(h, "0000000000000000", 16, &i),
		     GV_ENOTFOUND);
	free(side1);
	gv_history_free(h);
	fx_repo_free(r);
}

/* 4- and 5-digit prefixes take the linear path: with 700 commits at fixed
 * dates (so fixed ids), some pair shares its first 4 hex digits. */
Test(history, four_digit_prefix_shared_by_two_commits_is_ambiguous)
{
	fx_repo *r = fx_repo_new(
		"i=0; { while [ $i -lt 700 ]; do i=$((i+1));"
		" printf 'commit refs/heads/main\\ncommitter c <c@e> %d +0000\\n"
		"data <<E\\nc%d\\nE\\n\\n' $((1704067200 + i)) $i; done; }"
		" | git fast-import --quiet\n");
	gv_history *h = load(r->path, 2, 1, NULL, NULL);
	size_t n = gv_history_count(h), a, b;
	char ha[41], hb[41];
	gv_idx i;
	int found = 0;

	cr_assert_eq(n, 700);
	for (a = 0; a < n && !found; a++)
		for (b = a + 1; b < n && !found; b++)
			if (!memcmp(gv_history_id(h, (gv_idx)a), gv_history_id(h, (gv_idx)b), 2)) {
				gv_history_hex(h, (gv_idx)a, ha);
				gv_history_hex(h, (gv_idx)b, hb);
				found = 1;
			}
	cr_assert(found, "no two of 700 ids share 4 hex digits");
	cr_expect_eq(gv_history_find_hex(h, ha, 4, &i), GV_EAMBIGUOUS);
	/* long enough to tell them apart, each finds itself */
	cr_expect_eq(gv_history_find_hex(h, ha, 40, &i), 0);
	cr_expect_eq(gv_history_find_hex(h, hb, 40, &i), 0);
	gv_history_free(h);
	fx_repo_free(r);
}

/* A seed made from a first load: the second load reads no object. */
typedef struct seed_data {
	const gv_history *h;
	unsigned char *parents; /* per commit, its parent ids */
	int known;
} seed_data;

static int seed_lookup(void *payload, const unsigned char *id, gv_commit *c,
		       unsigned char *parents, uint32_t cap, uint32_t *nparents)
{
	seed_data *s = payload;
	gv_idx i = gv_history_find(s->h, id);
	const gv_commit *hc;

	if (i == GV_NONE)
		return 0;
	hc = &gv_history_commits(s->h)[i];
	*c = *hc;
	*nparents = hc->nparents;
	if (hc->nparents <= cap)
		memcpy(parents, s->parents + (size_t)hc->parents_at * GV_OID_RAWSZ,
		       (size_t)hc->nparents * GV_OID_RAWSZ);
	return 1;
}

static int seed_known(void *payload, gv_idx commit, const unsigned char *id)
{
	seed_data *s = payload;
	(void)commit;
	(void)id;
	__atomic_add_fetch(&s->known, 1, __ATOMIC_SEQ_CST);
	return 0;
}

Test(history, seeded_commits_are_not_read_and_give_the_same_model)
{
	fx_repo *r = fx_repo_new(GRAPH);
	gv_history *cold = load(r->path, 1, 1, NULL, NULL), *warm;
	seed_data sd = {cold, NULL, 0};
	gv_history_seed seed = {NULL, seed_lookup, seed_known, &sd};
	size_t i, np = 0;
	int messages = 0;

	for (i = 0; i < gv_history_count(cold); i++)
		np += gv_history_commits(cold)[i].nparents;
	sd.parents = malloc(np * GV_OID_RAWSZ + 1);
	for (i = 0; i < np; i++)
		memcpy(sd.parents + i * GV_OID_RAWSZ,
		       gv_history_id(cold, gv_history_parents(cold)[i]), GV_OID_RAWSZ);
	cr_expect_eq(gv_history_objects_read(cold), 8);
	warm = load(r->path, 2, 1, &seed, &messages);
	cr_expect_eq(gv_history_objects_read(warm), 0);
	cr_expect_eq(messages, 0, "no message is classified again");
	cr_expect_eq(sd.known, 8);
	assert_same_model(cold, warm);
	free(sd.parents);
	gv_history_free(cold);
	gv_history_free(warm);
	fx_repo_free(r);
}

Test(history, shallow_boundary_has_no_parents_and_is_flagged)
{
	fx_repo *r = fx_repo_new(GRAPH);
	char *dir = fx_tmpdir(r, "shallow"), *out = NULL, clone[4096];
	gv_history_opts o;
	gv_history *h = NULL;
	gv_warnings w = {0};
	gv_error err = {0};
	size_t i, boundary = 0;

	cr_assert_eq(fx_sh(&out, r->root, "git clone -q --depth 1 file://%s %s/c",
			   r->path, dir), 0);
	memset(&o, 0, sizeof(o));
	snprintf(clone, sizeof(clone), "%s/c", dir);
	o.path = clone;
	o.threads = 2;
	cr_assert_eq(gv_history_load(&h, &o, &w, &err), 0, "%s", err.msg);
	cr_expect(gv_history_is_shallow(h));
	cr_expect_eq(gv_history_count(h), 1);
	for (i = 0; i < gv_history_count(h); i++)
		if (gv_history_commits(h)[i].flags & GV_COMMIT_SHALLOW) {
			boundary++;
			cr_expect_eq(gv_history_commits(h)[i].nparents, 0);
		}
	cr_expect_eq(boundary, 1);
	cr_assert_eq(w.count, 1);
	cr_expect_str_eq(w.items[0].code, "shallow");
	gv_warnings_free(&w);
	gv_history_free(h);
	free(out);
	free(dir);
	fx_repo_free(r);
}

static int author_cb(const gv_message *m, void *payload)
{
	char *seen = payload;
	snprintf(seen, 128, "%.*s <%.*s>", (int)m->author_name_len, m->author_name,
		 (int)m->author_email_len, m->author_email);
	return 0;
}

Test(history, messages_carry_the_mailmapped_author)
{
	fx_repo *r = fx_repo_new(
		/* the fixture's identity is A U Thor <author@example.com> */
		"printf 'Real Name <real@example.com> <author@example.com>\\n' > .mailmap\n"
		"git add .mailmap\n"
		"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z"
		" git commit -q -m one\n");
	gv_history_opts o;
	gv_history *h = NULL;
	gv_warnings w = {0};
	gv_error err = {0};
	char seen[128] = "";

	memset(&o, 0, sizeof(o));
	o.path = r->path;
	o.on_message = author_cb;
	o.msg_payload = seen;
	cr_assert_eq(gv_history_load(&h, &o, &w, &err), 0, "%s", err.msg);
	cr_expect_str_eq(seen, "Real Name <real@example.com>");
	gv_warnings_free(&w);
	gv_history_free(h);
	fx_repo_free(r);
}

Test(history, a_rev_that_does_not_resolve_is_a_repository_error)
{
	fx_repo *r = fx_repo_new(GRAPH);
	const char *revs[] = {"no-such-branch"};
	gv_history_opts o;
	gv_history *h = NULL;
	gv_warnings w = {0};
	gv_error err = {0};

	memset(&o, 0, sizeof(o));
	o.path = r->path;
	o.revs = revs;
	o.nrevs = 1;
	cr_expect_eq(gv_history_load(&h, &o, &w, &err), GV_EREPO);
	cr_expect_null(h);
	cr_expect_not_null(strstr(err.msg, "no-such-branch"), "%s", err.msg);
	gv_warnings_free(&w);
	fx_repo_free(r);
}

Test(history, config_lists_only_the_prefix_in_order)
{
	fx_repo *r = fx_repo_new(
		"c a 2024-01-01T00:00:00Z\n"
		"git config vitals.releasePattern '^v'\n"
		"git config core.other x\n"
		"git config --add vitals.rev main\n"
		"git config --add vitals.rev topic\n");
	char **v = NULL;
	gv_error err = {0};

	cr_assert_eq(gv_repo_config_get(&v, r->path, "vitals.", &err), 0, "%s",
		     err.msg);
	cr_assert_not_null(v);
	cr_expect_str_eq(v[0], "vitals.releasepattern");
	cr_expect_str_eq(v[1], "^v");
	cr_expect_str_eq(v[2], "vitals.rev");
	cr_expect_str_eq(v[3], "main");
	cr_expect_str_eq(v[4], "vitals.rev");
	cr_expect_str_eq(v[5], "topic");
	cr_expect_null(v[6]);
	gv_strv_free(v);
	fx_repo_free(r);
}

/* The commit-graph only saves reading: a repository without one, with one
 * file, and with a split chain of two layers (the newest commits in the top
 * layer, two more commits in none) give the same model. */
Test(history, commit_graph_file_and_chain_give_the_same_model)
{
	fx_repo *r = fx_repo_new(GRAPH);
	char *dir = fx_tmpdir(r, "graphs"), path[4096];
	gv_history *plain, *one, *chain;

	cr_assert_eq(fx_sh(NULL, r->path,
			   "git clone -q --bare --no-local . %s/plain\n"
			   "git clone -q --bare --no-local . %s/one\n"
			   "git -C %s/one commit-graph write --reachable\n"
			   "git clone -q --bare --no-local . %s/chain",
			   dir, dir, dir, dir), 0);
	snprintf(path, sizeof(path), "%s/chain", dir);
	cr_assert_eq(fx_sh(NULL, path,
			   "git commit-graph write --reachable --split=no-merge\n"
			   "git update-ref refs/heads/x $(git commit-tree -p main"
			   " -m x1 main^{tree})\n"
			   "git commit-graph write --reachable --split=no-merge\n"
			   "git update-ref refs/heads/y $(git commit-tree -p x -m y1 main^{tree})\n"
			   "git update-ref refs/heads/y $(git commit-tree -p y -m y2 main^{tree})\n"
			   "test -f objects/info/commit-graphs/commit-graph-chain\n"
			   "git clone -q --bare --no-local . ../plain2"), 0);
	snprintf(path, sizeof(path), "%s/plain", dir);
	plain = load(path, 1, 1, NULL, NULL);
	snprintf(path, sizeof(path), "%s/one", dir);
	one = load(path, 2, 1, NULL, NULL);
	assert_same_model(plain, one);
	gv_history_free(plain);
	snprintf(path, sizeof(path), "%s/plain2", dir);
	plain = load(path, 1, 1, NULL, NULL);
	snprintf(path, sizeof(path), "%s/chain", dir);
	chain = load(path, 2, 1, NULL, NULL);
	/* 8 of GRAPH, x1, y1 and y2 */
	cr_expect_eq(gv_history_count(chain), 11);
	assert_same_model(plain, chain);
	gv_history_free(plain);
	gv_history_free(one);
	gv_history_free(chain);
	free(dir);
	fx_repo_free(r);
}

/* A seed that hands back a whole history without lending its memory
 * (release NULL): the load copies it, reads nothing and calls no other
 * callback. */
static int snapshot_copy(void *payload, const gv_history_state *state,
			 gv_history_snapshot *snap)
{
	(void)state;
	gv_history_snapshot_of(payload, snap);
	return 1;
}

static int must_not_be_called(void *payload, gv_idx commit, const unsigned char *id)
{
	(void)payload;
	(void)commit;
	(void)id;
	cr_assert_fail("on_known after a snapshot");
	return -1;
}

Test(history, a_snapshot_without_release_is_copied_and_outlives_its_seed)
{
	fx_repo *r = fx_repo_new(GRAPH);
	gv_history *cold = load(r->path, 1, 1, NULL, NULL), *warm;
	gv_history_seed seed = {snapshot_copy, NULL, must_not_be_called, cold};
	int messages = 0;

	warm = load(r->path, 2, 1, &seed, &messages);
	cr_expect_eq(gv_history_objects_read(warm), 0);
	cr_expect_eq(messages, 0);
	/* the copy owns its arrays: the history it came from can go first */
	gv_history_free(cold);
	cold = load(r->path, 1, 1, NULL, NULL);
	assert_same_model(cold, warm);
	cr_expect_str_eq(gv_history_head(warm), gv_history_head(cold));
	gv_history_free(cold);
	gv_history_free(warm);
	fx_repo_free(r);
}

/* git peels any chain of annotated tags; a 1,000-deep one was skipped as
 * "tree or blob" at depth 64. Built with one fast-import: t1 tags the
 * commit, t(n+1) tags tn; the release t1000 is timed by its own tagger
 * date (2024-01-02) and peels to the commit. */
Test(history, a_thousand_deep_tag_chain_peels_to_its_commit)
{
	fx_repo *r = fx_repo_new(
		"c base 2024-01-01T00:00:00Z\n"
		"{ i=1; printf 'tag t1\\nmark :1\\nfrom HEAD\\n"
		"tagger T <t@x> 1704153600 +0000\\ndata 0\\n'\n"
		"  while [ $i -lt 1000 ]; do j=$((i+1))\n"
		"    printf 'tag t%d\\nmark :%d\\nfrom :%d\\n"
		"tagger T <t@x> 1704153600 +0000\\ndata 0\\n' $j $j $i\n"
		"    i=$j; done; } | git fast-import --quiet\n");
	fx_run run;
	char *head = fx_rev(r, "HEAD");

	fx_gv(&run, NULL, "--release-pattern", "^t1000$", r->path, NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_assert_not_null(run.json);
	cr_expect_null(fx_find(run.json, "warnings", "code", "tag-not-commit"));
	cr_assert_eq(cJSON_GetArraySize(fx_get(run.json, "releases")), 1);
	cr_expect_str_eq(fx_str(cJSON_GetArrayItem(fx_get(run.json, "releases"),
						   0), "commit"), head);
	cr_expect_str_eq(fx_str(cJSON_GetArrayItem(fx_get(run.json, "releases"),
						   0), "time"), "2024-01-02T00:00:00Z");
	fx_run_free(&run);
	free(head);
	fx_repo_free(r);
}

/* git log honours refs/replace/ and info/grafts; git-vitals reads the
 * objects as they are and says so, so nobody compares its numbers with
 * git log's unwarned. Here git log sees 2 commits, git-vitals 3. */
Test(history, replace_refs_and_grafts_are_a_warning)
{
	fx_repo *r = fx_repo_new("c one 2024-01-01T00:00:00Z\n"
				 "c two 2024-01-02T00:00:00Z\n"
				 "c three 2024-01-03T00:00:00Z\n"
				 "git replace --graft HEAD HEAD~2\n");
	fx_run run;
	cJSON *w;

	fx_gv(&run, NULL, r->path, NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_expect_eq(fx_int(run.json, "counts.commits"), 3);
	cr_assert_not_null(w = fx_find(run.json, "warnings", "code",
				       "replace-refs-ignored"));
	cr_expect_not_null(strstr(fx_str(w, "message"), "differ from git log"));
	cr_expect_null(fx_find(run.json, "warnings", "code", "grafts-ignored"));
	fx_run_free(&run);
	cr_assert_eq(fx_sh(NULL, r->path, "git rev-parse HEAD~1 > .git/info/grafts"),
		     0);
	fx_gv(&run, NULL, r->path, NULL);
	cr_expect_not_null(fx_find(run.json, "warnings", "code", "grafts-ignored"));
	fx_run_free(&run);
	fx_repo_free(r);
}

/* A repository that is there but cannot be opened says why: a malformed
 * ~/.gitconfig was reported as "not a git repository". */
Test(history, a_repository_that_cannot_be_opened_says_why)
{
	fx_repo *r = fx_repo_new("c one 2024-01-01T00:00:00Z\n");
	char *out = NULL;

	cr_assert_eq(fx_sh(&out, r->root, "mkdir home && printf '[core\\n' > "
			   "home/.gitconfig && unset GIT_CONFIG_GLOBAL && "
			   "rc=0; HOME=$PWD/home '%s' repo 2>&1 >/dev/null || "
			   "rc=$?; echo \" $rc\"", fx_bin()), 0);
	cr_expect_null(strstr(out, "not a git repository"), "%s", out);
	cr_expect_not_null(strstr(out, ".gitconfig"), "%s", out);
	cr_expect_not_null(strstr(out, " 2"), "%s", out);
	free(out);
	fx_repo_free(r);
}

/* Writes `data` as a zlib stream of stored (uncompressed) blocks. */
static void put_zlib(FILE *f, const unsigned char *data, size_t len)
{
	uint32_t a = 1, b = 0;
	size_t i, off = 0;

	fputc(0x78, f);
	fputc(0x01, f);
	do {
		size_t n = len - off > 65535 ? 65535 : len - off;
		fputc(off + n == len, f);
		fputc((int)(n & 0xff), f);
		fputc((int)(n >> 8), f);
		fputc((int)(~n & 0xff), f);
		fputc((int)((~n >> 8) & 0xff), f);
		fwrite(data + off, 1, n, f);
		off += n;
	} while (off < len);
	for (i = 0; i < len; i++) {
		a = (a + data[i]) % 65521;
		b = (b + a) % 65521;
	}
	fputc((int)(b >> 8), f);
	fputc((int)(b & 0xff), f);
	fputc((int)(a >> 8), f);
	fputc((int)(a & 0xff), f);
}

/* A loose commit whose header claims 93 GB: libgit2 fails to allocate it
 * and said "Out of memory"; now the commit is named and called corrupt. */
Test(history, an_object_header_claiming_93_gb_is_a_corrupt_object)
{
	fx_repo *r = fx_repo_new("c one 2024-01-01T00:00:00Z\n"
				 "c two 2024-01-02T00:00:00Z\n");
	char *one = fx_rev(r, "HEAD~1"), path[4096], *body = NULL;
	static const char head[] = "commit 99999999999";
	unsigned char obj[512];
	size_t n;
	FILE *f;
	fx_run run;

	cr_assert_eq(fx_sh(&body, r->path, "git cat-file commit HEAD~1"), 0);
	n = strlen(body);
	cr_assert_lt(sizeof(head) + n, sizeof(obj));
	memcpy(obj, head, sizeof(head)); /* with its NUL */
	memcpy(obj + sizeof(head), body, n);
	snprintf(path, sizeof(path), "%s/.git/objects/%.2s/%s", r->path, one,
		 one + 2);
	cr_assert_eq(unlink(path), 0, "%s", path);
	cr_assert_not_null(f = fopen(path, "wb"));
	put_zlib(f, obj, sizeof(head) + n);
	fclose(f);
	fx_gv(&run, NULL, r->path, NULL);
	cr_expect_eq(run.status, 2, "%s", run.err);
	cr_expect_not_null(strstr(run.err, one), "%s", run.err);
	cr_expect_not_null(strstr(run.err, "claims 99999999999 bytes"), "%s",
			   run.err);
	fx_run_free(&run);
	free(body);
	free(one);
	fx_repo_free(r);
}
