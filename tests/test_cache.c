/*
 * test_cache.c - the incremental cache file: round trip, what invalidates it,
 * what it survives (truncation, random bytes, a run killed mid-write), and
 * pruning of commits a rewritten history no longer reaches.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fixture.h"
#include "gv/cache.h"
#include "gv/history.h"

static const char LINE[] =
	"c a1 2024-01-01T00:00:00Z\n"
	"c a2 2024-01-02T00:00:00Z\n"
	"c a3 2024-01-03T00:00:00Z\n"
	"c a4 2024-01-04T00:00:00Z\n";

static const gv_cache_key KEY = {1, 2, 3, 4};

/* Loads with a seed; `all` and a tag filter as --all and a release
 * pattern would give. */
static gv_history *load_opts(const char *path, const gv_history_seed *seed,
			     int all, gv_tag_filter_cb filter, void *payload)
{
	gv_history_opts o;
	gv_history *h = NULL;
	gv_warnings w = {0};
	gv_error err = {0};

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.all = all;
	o.threads = 2;
	o.seed = seed;
	o.tag_filter = filter;
	o.tag_payload = payload;
	cr_assert_eq(gv_history_load(&h, &o, &w, &err), 0, "%s", err.msg);
	gv_warnings_free(&w);
	return h;
}

static gv_history *load(const char *path, const gv_history_seed *seed)
{
	return load_opts(path, seed, 0, NULL, NULL);
}

/* The blob of commit i is "c<commit_time>", so a restore can check it got
 * back exactly the bytes of that commit. */
static int blob_cb(void *payload, gv_idx i, gv_buf *out)
{
	const gv_history *h = payload;
	return gv_buf_printf(out, "c%lld",
			     (long long)gv_history_commits(h)[i].commit_time);
}

typedef struct restored {
	const gv_history *h; /* the warm history, filled by the time we check */
	int calls, bad;
	char seen[16][32];
	gv_idx idx[16];
} restored;

static int restore_cb(void *payload, gv_idx commit, const void *data, size_t len)
{
	restored *r = payload;
	int n = __atomic_fetch_add(&r->calls, 1, __ATOMIC_SEQ_CST);

	if (n < 16 && len < 32) {
		memcpy(r->seen[n], data, len);
		r->seen[n][len] = '\0';
		r->idx[n] = commit;
	}
	return 0;
}

static gv_cache *open_cache(const char *dir, const char *repo,
			    const gv_cache_key *key, gv_warnings *w)
{
	gv_cache *c = NULL;
	gv_error err = {0};

	cr_assert_eq(gv_cache_open(&c, dir, repo, key, w, &err), 0, "%s", err.msg);
	return c;
}

static void save(gv_cache *c, const gv_history *h)
{
	gv_error err = {0};
	cr_assert_eq(gv_cache_save(c, h, blob_cb, (void *)h, &err), 0, "%s", err.msg);
}

/* The one cache file in dir (its name is a hash of the repository path). */
static char *cache_file(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *path = NULL;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".cache") && !strstr(e->d_name, ".tmp.")) {
			path = malloc(strlen(dir) + strlen(e->d_name) + 2);
			sprintf(path, "%s/%s", dir, e->d_name);
		}
	closedir(d);
	cr_assert_not_null(path, "no cache file in %s", dir);
	return path;
}

Test(cache, round_trip_serves_every_commit_and_its_classification)
{
	fx_repo *r = fx_repo_new(LINE);
	char *dir = fx_tmpdir(r, "cache");
	gv_warnings w = {0};
	gv_history *cold = load(r->path, NULL), *warm;
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);
	gv_history_seed seed;
	restored rs;
	int i;

	cr_expect_eq(gv_cache_count(c), 0);
	cr_expect_eq(w.count, 0, "a missing cache file is no warning");
	save(c, cold);
	gv_cache_free(c);

	c = open_cache(dir, r->path, &KEY, &w);
	cr_expect_eq(gv_cache_count(c), 4);
	memset(&rs, 0, sizeof(rs));
	gv_cache_seed(c, &seed, restore_cb, &rs);
	warm = load(r->path, &seed);
	cr_expect_eq(gv_history_objects_read(warm), 0);
	cr_assert_eq(rs.calls, 4);
	for (i = 0; i < 4; i++) {
		char want[32];
		snprintf(want, sizeof(want), "c%lld",
			 (long long)gv_history_commits(warm)[rs.idx[i]].commit_time);
		cr_expect_str_eq(rs.seen[i], want);
	}
	cr_expect_eq(w.count, 0);
	gv_cache_free(c);
	gv_history_free(cold);
	gv_history_free(warm);
	gv_warnings_free(&w);
	free(dir);
	fx_repo_free(r);
}

Test(cache, new_commits_are_read_and_known_ones_are_not)
{
	fx_repo *r = fx_repo_new(LINE);
	char *dir = fx_tmpdir(r, "cache"), *out = NULL;
	gv_warnings w = {0};
	gv_history *cold = load(r->path, NULL), *warm;
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);
	gv_history_seed seed;
	restored rs;

	save(c, cold);
	gv_cache_free(c);
	cr_assert_eq(fx_sh(&out, r->path, "c a5 2024-01-05T00:00:00Z\n"
					   "c a6 2024-01-06T00:00:00Z"), 0);
	c = open_cache(dir, r->path, &KEY, &w);
	memset(&rs, 0, sizeof(rs));
	gv_cache_seed(c, &seed, restore_cb, &rs);
	warm = load(r->path, &seed);
	cr_expect_eq(gv_history_count(warm), 6);
	cr_expect_eq(gv_history_objects_read(warm), 2, "only a5 and a6 are read");
	cr_expect_eq(rs.calls, 4);
	gv_cache_free(c);
	gv_history_free(cold);
	gv_history_free(warm);
	gv_warnings_free(&w);
	free(out);
	free(dir);
	fx_repo_free(r);
}

Test(cache, another_key_ignores_the_file)
{
	fx_repo *r = fx_repo_new(LINE);
	char *dir = fx_tmpdir(r, "cache");
	gv_warnings w = {0};
	gv_history *h = load(r->path, NULL);
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);
	gv_cache_key rules_changed = KEY;

	save(c, h);
	gv_cache_free(c);
	rules_changed.rules++;
	c = open_cache(dir, r->path, &rules_changed, &w);
	cr_expect_eq(gv_cache_count(c), 0);
	gv_cache_free(c);
	gv_history_free(h);
	gv_warnings_free(&w);
	free(dir);
	fx_repo_free(r);
}

static void damaged_file_is_ignored_with_a_warning(int truncate)
{
	fx_repo *r = fx_repo_new(LINE);
	char *dir = fx_tmpdir(r, "cache"), *file;
	gv_warnings w = {0};
	gv_history *h = load(r->path, NULL);
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);
	FILE *f;
	size_t len;
	char *data;

	save(c, h);
	gv_cache_free(c);
	file = cache_file(dir);
	data = fx_read_file(file, &len);
	cr_assert_not_null(data);
	f = fopen(file, "wb");
	if (truncate) {
		fwrite(data, 1, len / 2, f);
	} else {
		size_t i;
		srand(7);
		for (i = 0; i < len; i++)
			fputc(rand() & 0xff, f);
	}
	fclose(f);
	c = open_cache(dir, r->path, &KEY, &w);
	cr_expect_eq(gv_cache_count(c), 0);
	cr_assert_eq(w.count, 1);
	cr_expect_str_eq(w.items[0].code, "cache-ignored");
	/* and the next save repairs it */
	save(c, h);
	gv_cache_free(c);
	gv_warnings_free(&w);
	c = open_cache(dir, r->path, &KEY, &w);
	cr_expect_eq(gv_cache_count(c), 4);
	cr_expect_eq(w.count, 0);
	gv_cache_free(c);
	gv_history_free(h);
	gv_warnings_free(&w);
	free(data);
	free(file);
	free(dir);
	fx_repo_free(r);
}

Test(cache, truncated_file_is_ignored_with_a_warning)
{
	damaged_file_is_ignored_with_a_warning(1);
}

Test(cache, random_bytes_are_ignored_with_a_warning)
{
	damaged_file_is_ignored_with_a_warning(0);
}

/* A run killed mid-write leaves only its temporary file: the cache that
 * was there is still whole and used. */
Test(cache, a_run_killed_mid_write_leaves_the_old_cache_usable)
{
	fx_repo *r = fx_repo_new(LINE);
	char *dir = fx_tmpdir(r, "cache"), *file, tmp[4096];
	gv_warnings w = {0};
	gv_history *h = load(r->path, NULL);
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);
	FILE *f;

	save(c, h);
	gv_cache_free(c);
	file = cache_file(dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.Xk1ll3", file);
	f = fopen(tmp, "wb");
	fputs("GVCACHE\nhalf a file", f);
	fclose(f);
	c = open_cache(dir, r->path, &KEY, &w);
	cr_expect_eq(gv_cache_count(c), 4);
	cr_expect_eq(w.count, 0);
	gv_cache_free(c);
	gv_history_free(h);
	gv_warnings_free(&w);
	free(file);
	free(dir);
	fx_repo_free(r);
}

/* Saves h through a freshly opened cache, then says how many commits the
 * file holds when opened again. */
static size_t save_and_count(const char *dir, const char *repo,
			     const gv_history *h, gv_warnings *w)
{
	gv_cache *c = open_cache(dir, repo, &KEY, w);
	size_t n;

	save(c, h);
	gv_cache_free(c);
	c = open_cache(dir, repo, &KEY, w);
	n = gv_cache_count(c);
	gv_cache_free(c);
	return n;
}

/* After a force-push the old commits stay cached (the branch may come back)
 * while they are at most a quarter of the file; past that they go. */
Test(cache, unreachable_commits_are_pruned_past_a_quarter)
{
	fx_repo *r = fx_repo_new(LINE);
	char *dir = fx_tmpdir(r, "cache"), *out = NULL;
	gv_warnings w = {0};
	gv_history *h = load(r->path, NULL), *h2, *h3;

	cr_expect_eq(save_and_count(dir, r->path, h, &w), 4);
	/* drop a4: 1 stale of 4 in all = a quarter: kept */
	cr_assert_eq(fx_sh(&out, r->path, "git reset -q --hard HEAD~1"), 0);
	h2 = load(r->path, NULL);
	cr_expect_eq(save_and_count(dir, r->path, h2, &w), 4);
	/* drop a3 too: 2 stale of 4 is more than a quarter: both pruned */
	free(out);
	cr_assert_eq(fx_sh(&out, r->path, "git reset -q --hard HEAD~1"), 0);
	h3 = load(r->path, NULL);
	cr_expect_eq(save_and_count(dir, r->path, h3, &w), 2);
	gv_history_free(h);
	gv_history_free(h2);
	gv_history_free(h3);
	gv_warnings_free(&w);
	free(out);
	free(dir);
	fx_repo_free(r);
}

static int keep_all_tags(const char *name, size_t len, void *payload)
{
	(void)name;
	(void)len;
	(void)payload;
	return 1;
}

static gv_history *load_tagged(const char *path, const gv_history_seed *seed,
			       gv_tag_filter_cb filter, void *payload)
{
	return load_opts(path, seed, 1, filter, payload);
}

static const char TAGGED[] =
	"c a1 2024-01-01T00:00:00Z\n"
	"at v1 2024-01-02T00:00:00Z\n"
	"c a2 2024-01-03T00:00:00Z\n"
	"git checkout -q -b side HEAD~1\n"
	"c b1 2024-01-04T00:00:00Z\n"
	"git checkout -q main\n"
	"git merge -q --no-ff -m m side\n"
	"lt v2\n";

/* With the refs as they were, the whole history comes back from the file
 * in its index order: nothing is read, nothing looked up, same model. */
Test(cache, unchanged_refs_hand_back_the_whole_history)
{
	fx_repo *r = fx_repo_new(TAGGED);
	char *dir = fx_tmpdir(r, "cache");
	gv_warnings w = {0};
	gv_history_seed seed;
	gv_history *cold, *warm;
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);
	const gv_tag *ta, *tb;
	size_t i, na, nb, np = 0;
	restored rs;

	memset(&rs, 0, sizeof(rs));
	gv_cache_seed(c, &seed, restore_cb, &rs);
	cold = load_tagged(r->path, &seed, keep_all_tags, NULL);
	cr_assert(gv_history_state_of(cold)->a || gv_history_state_of(cold)->b);
	cr_expect_not(gv_cache_holds(c, cold));
	cr_expect(gv_cache_needs_save(c, cold), "it read every commit");
	save(c, cold);
	gv_cache_free(c);

	c = open_cache(dir, r->path, &KEY, &w);
	cr_expect(gv_cache_holds(c, cold));
	memset(&rs, 0, sizeof(rs));
	gv_cache_seed(c, &seed, restore_cb, &rs);
	warm = load_tagged(r->path, &seed, keep_all_tags, NULL);
	cr_expect_eq(gv_history_objects_read(warm), 0);
	cr_expect_not(gv_cache_needs_save(c, warm), "nothing new, nothing moved");
	cr_assert_eq(gv_history_count(warm), 4);
	cr_assert_eq(gv_history_count(warm), gv_history_count(cold));
	cr_assert_eq(rs.calls, 4, "one restore per commit");
	for (i = 0; i < gv_history_count(cold); i++) {
		const gv_commit *a = &gv_history_commits(cold)[i];
		const gv_commit *b = &gv_history_commits(warm)[i];
		char want[32];
		size_t k;
		cr_expect_eq(memcmp(gv_history_id(cold, (gv_idx)i),
				    gv_history_id(warm, (gv_idx)i), GV_OID_RAWSZ), 0);
		cr_expect_eq(gv_history_find(warm, gv_history_id(cold, (gv_idx)i)), i);
		cr_expect_eq(a->commit_time, b->commit_time);
		cr_expect_eq(a->author_time, b->author_time);
		cr_expect_eq(a->flags, b->flags);
		cr_assert_eq(a->nparents, b->nparents);
		for (k = 0; k < a->nparents; k++)
			cr_expect_eq(gv_history_parents(cold)[a->parents_at + k],
				     gv_history_parents(warm)[b->parents_at + k]);
		np += a->nparents;
		/* every index restored once (last first, so the table is sized
		 * once), each with its own bytes */
		cr_expect_eq(rs.idx[i], gv_history_count(warm) - 1 - i);
		snprintf(want, sizeof(want), "c%lld",
			 (long long)gv_history_commits(warm)[rs.idx[i]].commit_time);
		cr_expect_str_eq(rs.seen[i], want);
	}
	cr_expect_eq(np, 4, "a1<-a2, a1<-b1, a2+b1<-m");
	ta = gv_history_tags(cold, &na);
	tb = gv_history_tags(warm, &nb);
	cr_assert_eq(na, 2);
	cr_assert_eq(nb, 2);
	for (i = 0; i < na; i++) {
		cr_expect_str_eq(tb[i].name, ta[i].name);
		cr_expect_eq(tb[i].commit, ta[i].commit);
		cr_expect_eq(tb[i].time, ta[i].time);
		cr_expect_eq(tb[i].kind, ta[i].kind);
	}
	cr_expect_str_eq(gv_history_head(warm), gv_history_head(cold));
	cr_expect_eq(gv_history_state_of(warm)->a, gv_history_state_of(cold)->a);
	cr_expect_eq(gv_history_state_of(warm)->b, gv_history_state_of(cold)->b);
	gv_cache_free(c);
	gv_history_free(cold);
	gv_history_free(warm);
	gv_warnings_free(&w);
	free(dir);
	fx_repo_free(r);
}

/* Anything that decides the history changes the state: a moved branch, a
 * new tag, a release pattern that keeps other tags, other revs. */
Test(cache, the_state_follows_refs_tags_and_revs)
{
	fx_repo *r = fx_repo_new(TAGGED);
	gv_history *h0 = load_tagged(r->path, NULL, keep_all_tags, NULL), *h;
	gv_history_seed seed;
	gv_warnings w = {0};
	char *dir = fx_tmpdir(r, "cache");
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);
	gv_history_state s0;
	restored rs;

	/* without a seed no state is taken: it costs a pass over the refs */
	cr_expect_eq(gv_history_state_of(h0)->a, 0);
	cr_expect_eq(gv_history_state_of(h0)->b, 0);
	memset(&rs, 0, sizeof(rs));
	gv_cache_seed(c, &seed, restore_cb, &rs);
	h = load_tagged(r->path, &seed, keep_all_tags, NULL);
	s0 = *gv_history_state_of(h);
	gv_history_free(h);
	h = load_tagged(r->path, &seed, keep_all_tags, NULL);
	cr_expect(s0.a == gv_history_state_of(h)->a && s0.b == gv_history_state_of(h)->b,
		  "the same refs give the same state");
	gv_history_free(h);
	h = load_tagged(r->path, &seed, NULL, NULL);
	cr_expect(s0.a != gv_history_state_of(h)->a, "other release tags");
	gv_history_free(h);
	cr_assert_eq(fx_sh(NULL, r->path, "git tag v3 HEAD~1"), 0);
	h = load_tagged(r->path, &seed, keep_all_tags, NULL);
	cr_expect(s0.a != gv_history_state_of(h)->a, "a new tag");
	gv_history_free(h);
	cr_assert_eq(fx_sh(NULL, r->path, "git tag -d v3 >/dev/null"), 0);
	h = load_tagged(r->path, &seed, keep_all_tags, NULL);
	cr_expect(s0.a == gv_history_state_of(h)->a, "the tag removed again");
	gv_history_free(h);
	cr_assert_eq(fx_sh(NULL, r->path, "git pack-refs --all"), 0);
	h = load_tagged(r->path, &seed, keep_all_tags, NULL);
	cr_expect(s0.a == gv_history_state_of(h)->a, "packing refs changes nothing");
	gv_history_free(h);
	cr_assert_eq(fx_sh(NULL, r->path, "git update-ref refs/heads/side main"), 0);
	h = load_tagged(r->path, &seed, keep_all_tags, NULL);
	cr_expect(s0.a != gv_history_state_of(h)->a, "a moved branch");
	gv_history_free(h);
	gv_cache_free(c);
	gv_history_free(h0);
	gv_warnings_free(&w);
	free(dir);
	fx_repo_free(r);
}

/* The tag filter runs once per tag while the state is taken, once while the
 * tags are loaded and once more for the state after the walk: a branch made
 * in between is a ref that moved during the load. */
typedef struct mover {
	const char *path;
	int calls;
} mover;

static int move_a_ref(const char *name, size_t len, void *payload)
{
	mover *m = payload;
	(void)name;
	(void)len;
	if (++m->calls == 3) /* two tags: the first of the load's calls */
		cr_assert_eq(fx_sh(NULL, m->path, "git branch moved HEAD~1"), 0);
	return 1;
}

Test(cache, refs_that_move_during_the_load_leave_no_state)
{
	fx_repo *r = fx_repo_new(TAGGED);
	char *dir = fx_tmpdir(r, "cache");
	gv_warnings w = {0};
	gv_history_seed seed;
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);
	mover m = {r->path, 0};
	restored rs;
	gv_history *h;

	memset(&rs, 0, sizeof(rs));
	gv_cache_seed(c, &seed, restore_cb, &rs);
	h = load_tagged(r->path, &seed, move_a_ref, &m);
	cr_assert_eq(m.calls, 6);
	cr_expect_eq(gv_history_state_of(h)->a, 0);
	cr_expect_eq(gv_history_state_of(h)->b, 0);
	cr_expect_not(gv_cache_holds(c, h), "a history of no state is never current");
	gv_history_free(h);
	gv_cache_free(c);
	gv_warnings_free(&w);
	free(dir);
	fx_repo_free(r);
}

/* ---- what the cache survives: damage, forgery, special files ---- */

/* Offsets in the file (cache.c's header): counts at 64, HEAD at 144, the
 * checksum at 192, records (32 bytes each: author_time, commit_time, two
 * tz, flags, parents_at, nparents) from 200. LINE saves 4 records, each the
 * parent of the one before: record i's parent is i + 1, record 3 a root. */
#define OFF_NHIST 72
#define OFF_HEAD 144
#define OFF_SUM 192
#define OFF_RECS 200
#define REC_SIZE 32

/* Saves LINE's history in a fresh cache directory and reads the file. */
static fx_repo *saved_line(char **dir, char **file, unsigned char **data,
			   size_t *len)
{
	fx_repo *r = fx_repo_new(LINE);
	gv_warnings w = {0};
	gv_history *h = load(r->path, NULL);
	gv_cache *c;

	*dir = fx_tmpdir(r, "cache");
	c = open_cache(*dir, r->path, &KEY, &w);
	save(c, h);
	gv_cache_free(c);
	gv_history_free(h);
	gv_warnings_free(&w);
	*file = cache_file(*dir);
	cr_assert_not_null(*data = (unsigned char *)fx_read_file(*file, len));
	cr_assert_gt(*len, OFF_RECS + 4 * REC_SIZE);
	return r;
}

/* Frees what saved_line() handed out, and the repository. */
static void saved_done(fx_repo *r, char *dir, char *file, unsigned char *data)
{
	free(data);
	free(file);
	free(dir);
	fx_repo_free(r);
}

static void write_bytes(const char *file, const unsigned char *data, size_t len,
			int fix_checksum)
{
	FILE *f;
	unsigned char *copy = malloc(len);

	cr_assert_not_null(copy);
	memcpy(copy, data, len);
	if (fix_checksum) {
		uint64_t sum = gv_cache_checksum(copy, len);
		memcpy(copy + OFF_SUM, &sum, 8);
	}
	cr_assert_not_null(f = fopen(file, "wb"));
	cr_assert_eq(fwrite(copy, 1, len, f), len);
	fclose(f);
	free(copy);
}

/* Opens the damaged file: it must be refused with a cache-ignored warning
 * that says `why`, and serve nothing. */
static void expect_refused(const fx_repo *r, const char *dir, const char *why)
{
	gv_warnings w = {0};
	gv_cache *c = open_cache(dir, r->path, &KEY, &w);

	cr_expect_eq(gv_cache_count(c), 0);
	cr_assert_eq(w.count, 1);
	cr_expect_str_eq(w.items[0].code, "cache-ignored");
	cr_expect_not_null(strstr(w.items[0].message, why), "%s",
			   w.items[0].message);
	gv_cache_free(c);
	gv_warnings_free(&w);
}

/* The checksum covers the header: one flipped bit of HEAD used to give a
 * wrong repository.head with no warning. */
Test(cache, a_flipped_bit_in_the_header_is_caught_by_the_checksum)
{
	char *dir, *file;
	unsigned char *data;
	size_t len;
	fx_repo *r = saved_line(&dir, &file, &data, &len);

	cr_assert_neq(data[OFF_HEAD], 0, "the file holds HEAD");
	data[OFF_HEAD] ^= 1;
	write_bytes(file, data, len, 0);
	expect_refused(r, dir, "checksum");
	saved_done(r, dir, file, data);
}

/* A forged file with a valid checksum: each of these used to loop forever,
 * fail the repository on every run, or serve a wrong history. */
static void forged_file_is_refused(void (*forge)(unsigned char *data),
				   const char *why)
{
	char *dir, *file;
	unsigned char *data;
	size_t len;
	fx_repo *r = saved_line(&dir, &file, &data, &len);

	forge(data);
	write_bytes(file, data, len, 1);
	expect_refused(r, dir, why);
	saved_done(r, dir, file, data);
}

/* The parents array follows the 4 records: record 2's parent (record 3)
 * becomes record 0, so 0 -> 1 -> 2 -> 0. */
static void forge_cycle(unsigned char *data)
{
	uint32_t zero = 0;
	size_t parents = OFF_RECS + 4 * REC_SIZE + 5 * 4;
	memcpy(data + parents + 2 * 4, &zero, 4);
}

Test(cache, a_forged_parent_cycle_is_refused)
{
	forged_file_is_refused(forge_cycle, "its own ancestor");
}

/* nhist 2: record 1 of the history names record 2, outside it. */
static void forge_nhist(unsigned char *data)
{
	uint64_t two = 2;
	memcpy(data + OFF_NHIST, &two, 8);
}

Test(cache, a_forged_history_size_is_refused)
{
	forged_file_is_refused(forge_nhist, "corrupt");
}

/* An author date before 1970: out of the range git-vitals believes. */
static void forge_date(unsigned char *data)
{
	int64_t t = -1;
	memcpy(data + OFF_RECS, &t, 8);
}

Test(cache, a_forged_date_out_of_range_is_refused)
{
	forged_file_is_refused(forge_date, "corrupt (records)");
}

static void forge_head(unsigned char *data)
{
	data[OFF_HEAD] = 'x';
}

Test(cache, a_forged_head_that_is_not_hex_is_refused)
{
	forged_file_is_refused(forge_head, "corrupt (records)");
}

/* A FIFO where the cache file should be: opening it for reading used to
 * block until a writer came, forever in a batch. */
Test(cache, a_fifo_as_the_cache_file_is_ignored_not_opened)
{
	char *dir, *file;
	unsigned char *data;
	size_t len;
	fx_repo *r = saved_line(&dir, &file, &data, &len);

	/* a hang is the bug: fail, not wait (criterion's .timeout leaks
	 * in its runner under -j2) */
	alarm(20);
	cr_assert_eq(unlink(file), 0);
	cr_assert_eq(mkfifo(file, 0600), 0);
	expect_refused(r, dir, "not a regular file");
	saved_done(r, dir, file, data);
	alarm(0);
}

/* A symlink is not followed, even to a valid cache file. */
Test(cache, a_symlink_as_the_cache_file_is_ignored)
{
	char *dir, *file, moved[4096];
	unsigned char *data;
	size_t len;
	fx_repo *r = saved_line(&dir, &file, &data, &len);

	snprintf(moved, sizeof(moved), "%s.real", file);
	cr_assert_eq(rename(file, moved), 0);
	cr_assert_eq(symlink(moved, file), 0);
	expect_refused(r, dir, "could not be read");
	saved_done(r, dir, file, data);
}

/* A directory where the cache file should be: ignored when reading, and the
 * save is a warning, not an error: the run goes on. */
Test(cache, a_directory_as_the_cache_file_is_a_warning_and_the_save_goes_on)
{
	char *dir, *file;
	unsigned char *data;
	size_t len;
	fx_repo *r = saved_line(&dir, &file, &data, &len);
	gv_history *h = load(r->path, NULL);
	gv_warnings w = {0};
	gv_cache *c;

	cr_assert_eq(unlink(file), 0);
	cr_assert_eq(mkdir(file, 0700), 0);
	c = open_cache(dir, r->path, &KEY, &w);
	cr_expect_eq(gv_cache_count(c), 0);
	save(c, h);
	cr_assert_eq(w.count, 2);
	cr_expect_str_eq(w.items[0].code, "cache-ignored");
	cr_expect_str_eq(w.items[1].code, "cache-unwritable");
	gv_cache_free(c);
	gv_history_free(h);
	gv_warnings_free(&w);
	saved_done(r, dir, file, data);
}

/* A cache directory that cannot be made (a file stands where one of its
 * parents should be, as a read-only ~/.cache would refuse it): a warning. */
Test(cache, an_unwritable_cache_directory_is_a_warning)
{
	fx_repo *r = fx_repo_new(LINE);
	char *root = fx_tmpdir(r, "cache"), dir[4096];
	gv_history *h = load(r->path, NULL);
	gv_warnings w = {0};
	gv_cache *c;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/file", root);
	cr_assert_not_null(f = fopen(dir, "w"));
	fclose(f);
	snprintf(dir, sizeof(dir), "%s/file/git-vitals", root);
	c = open_cache(dir, r->path, &KEY, &w);
	cr_expect_eq(w.count, 1, "reading: not a directory");
	save(c, h);
	cr_assert_eq(w.count, 2);
	cr_expect_str_eq(w.items[1].code, "cache-unwritable");
	cr_expect_not_null(strstr(w.items[1].message, "file/git-vitals"));
	gv_cache_free(c);
	gv_history_free(h);
	gv_warnings_free(&w);
	free(root);
	fx_repo_free(r);
}

/* The whole program: a single run with an unwritable --cache reports as
 * without one, and says so in the report. */
Test(cache, a_run_with_an_unwritable_cache_reports_and_exits_0)
{
	fx_repo *r = fx_repo_new(LINE);
	fx_run run;

	fx_gv(&run, NULL, "--cache", "/dev/null/git-vitals", r->path, NULL);
	cr_expect_eq(run.status, 0, "%s", run.err);
	cr_assert_not_null(run.json);
	cr_expect_eq(fx_int(run.json, "counts.commits"), 4);
	cr_expect_not_null(fx_find(run.json, "warnings", "code", "cache-unwritable"));
	fx_run_free(&run);
	fx_repo_free(r);
}

/* Temporaries older than an hour are a killed run's: the next save removes
 * them; a fresh one may be a concurrent run's write and stays. */
Test(cache, stale_temporaries_are_removed_by_the_next_save)
{
	char *dir, *file, old[4096], fresh[4096];
	unsigned char *data;
	size_t len;
	fx_repo *r = saved_line(&dir, &file, &data, &len);
	gv_history *h = load(r->path, NULL);
	gv_warnings w = {0};
	struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
	gv_cache *c;
	FILE *f;

	snprintf(old, sizeof(old), "%s.tmp.0ld123", file);
	snprintf(fresh, sizeof(fresh), "%s.tmp.n3w123", file);
	cr_assert_not_null(f = fopen(old, "w"));
	fclose(f);
	cr_assert_eq(utimes(old, tv), 0);
	cr_assert_not_null(f = fopen(fresh, "w"));
	fclose(f);
	c = open_cache(dir, r->path, &KEY, &w);
	save(c, h);
	cr_expect_neq(access(old, F_OK), 0, "the stale one is gone");
	cr_expect_eq(access(fresh, F_OK), 0, "the fresh one stays");
	gv_cache_free(c);
	gv_history_free(h);
	gv_warnings_free(&w);
	saved_done(r, dir, file, data);
}

/* Batch caches by default: with a cache directory that cannot be made
 * every repository used to be an error line and the batch exit 3. */
Test(cache, a_batch_with_an_unwritable_cache_reports_every_repository)
{
	fx_repo *r = fx_repo_new(LINE);
	char *dir = fx_tmpdir(r, "batch"), manifest[4096];
	FILE *f;
	fx_run run;

	snprintf(manifest, sizeof(manifest), "%s/repos.txt", dir);
	cr_assert_not_null(f = fopen(manifest, "w"));
	fprintf(f, "%s\n%s name=again\n", r->path, r->path);
	fclose(f);
	fx_gv(&run, NULL, "batch", "-q", "--cache", "/dev/null/git-vitals",
	      manifest, NULL);
	cr_expect_eq(run.status, 0, "%s", run.err);
	cr_expect_eq(run.out_len > 0 && strstr(run.out, "\"error\"") == NULL, 1,
		     "%s", run.out);
	cr_expect_not_null(strstr(run.out, "cache-unwritable"), "%s", run.out);
	fx_run_free(&run);
	free(dir);
	fx_repo_free(r);
}
