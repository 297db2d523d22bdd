/*
 * test_common.c - the shared helpers of include/gv/common.h: ISO times and
 * spans, nearest-rank percentiles, the sorts, UTF-8 repair, warnings and
 * errors.
 *
 * Expected epoch seconds were worked out by hand from days since 1970-01-01
 * (and checked against `date -u -d ... +%s`); each carries its arithmetic.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "gv/common.h"

#define DAY INT64_C(86400)

/* 2024-01-01 is 54 years after 1970 with 13 leap days (1972..2020):
 * 54*365 + 13 = 19723 days; 19723 * 86400 = 1704067200. */
#define T_2024_01_01 INT64_C(1704067200)

static const char *iso(int64_t t)
{
	static char buf[64];
	gv_time_iso(buf, sizeof(buf), t);
	return buf;
}

Test(time, iso_formats_the_epoch)
{
	cr_assert_str_eq(iso(0), "1970-01-01T00:00:00Z");
}

Test(time, iso_formats_a_2024_date_in_utc)
{
	cr_assert_str_eq(iso(T_2024_01_01), "2024-01-01T00:00:00Z");
	/* 2024-02-29 (leap day): 2024-01-01 + 31 + 28 days, + 23:59:59 */
	cr_assert_str_eq(iso(T_2024_01_01 + 59 * DAY + 86399),
			 "2024-02-29T23:59:59Z");
}

Test(time, iso_formats_times_before_the_epoch)
{
	cr_assert_str_eq(iso(-1), "1969-12-31T23:59:59Z");
}

Test(time, iso_formats_dates_in_2099)
{
	/* 2100-01-01 = 4102444800 (130 years, 32 leap days: 47482 days);
	 * one second earlier is the last second of 2099. */
	cr_assert_str_eq(iso(INT64_C(4102444799)), "2099-12-31T23:59:59Z");
}

Test(time, iso_round_trips_through_the_parser)
{
	static const int64_t ts[] = { 0, 1, 951782400 /* 2000-02-29 */,
				      T_2024_01_01 + 12345,
				      INT64_C(4102444799) };
	for (size_t i = 0; i < sizeof(ts) / sizeof(*ts); i++) {
		int64_t back = -42;
		cr_assert_eq(gv_time_parse_iso(&back, iso(ts[i])), 0, "%s",
			     iso(ts[i]));
		cr_assert_eq(back, ts[i], "%s", iso(ts[i]));
	}
}

Test(time, parse_date_only_means_midnight_utc)
{
	int64_t t = 0;
	cr_assert_eq(gv_time_parse_iso(&t, "2024-01-31"), 0);
	/* 2024-01-01 + 30 days = 1704067200 + 2592000 = 1706659200 */
	cr_assert_eq(t, INT64_C(1706659200));
}

Test(time, parse_utc_time_with_z)
{
	int64_t t = 0;
	cr_assert_eq(gv_time_parse_iso(&t, "2024-01-31T12:00:00Z"), 0);
	/* 1706659200 + 12 * 3600 = 1706702400 */
	cr_assert_eq(t, INT64_C(1706702400));
}

Test(time, parse_positive_offset_is_east_of_utc)
{
	int64_t t = 0;
	cr_assert_eq(gv_time_parse_iso(&t, "2024-01-31T12:00:00+02:00"), 0);
	/* 12:00 at +02:00 is 10:00Z: 1706659200 + 10 * 3600 = 1706695200 */
	cr_assert_eq(t, INT64_C(1706695200));
}

Test(time, parse_git_style_negative_offset)
{
	int64_t t = 0;
	cr_assert_eq(gv_time_parse_iso(&t, "2024-01-31 12:00:00 -0500"), 0);
	/* 12:00 at -05:00 is 17:00Z: 1706659200 + 17 * 3600 = 1706720400 */
	cr_assert_eq(t, INT64_C(1706720400));
}

Test(time, parse_rejects_what_is_not_a_date)
{
	static const char *const bad[] = {
		"", "yesterday", "2024", "2024-13-01", "2024-01-31T25:00:00Z",
		"2024-01-31T12:00:00Zjunk", "90d", NULL
	};
	for (size_t i = 0; bad[i]; i++) {
		int64_t t = 0;
		cr_expect_neq(gv_time_parse_iso(&t, bad[i]), 0,
			      "accepted \"%s\"", bad[i]);
	}
}

Test(span, parse_days_weeks_months_years)
{
	int64_t s = 0;
	cr_assert_eq(gv_span_parse(&s, "90d"), 0);
	cr_expect_eq(s, 90 * DAY); /* 7776000 */
	cr_assert_eq(gv_span_parse(&s, "12w"), 0);
	cr_expect_eq(s, 84 * DAY); /* 12 * 7 = 84 days = 7257600 */
	cr_assert_eq(gv_span_parse(&s, "6m"), 0);
	cr_expect_eq(s, 180 * DAY); /* a month is 30 days: 15552000 */
	cr_assert_eq(gv_span_parse(&s, "1y"), 0);
	cr_expect_eq(s, 365 * DAY); /* a year is 365 days: 31536000 */
}

Test(span, parse_hours_minutes_seconds)
{
	int64_t s = 0;
	cr_assert_eq(gv_span_parse(&s, "36h"), 0);
	cr_expect_eq(s, 36 * 3600); /* 129600 */
	cr_assert_eq(gv_span_parse(&s, "30min"), 0);
	cr_expect_eq(s, 30 * 60);
	cr_assert_eq(gv_span_parse(&s, "45s"), 0);
	cr_expect_eq(s, 45);
}

Test(span, parse_rejects_malformed_spans)
{
	static const char *const bad[] = { "", "d", "10x", "5dd", "abc",
					   "-5d", "2024-01-31", NULL };
	for (size_t i = 0; bad[i]; i++) {
		int64_t s = 0;
		cr_expect_neq(gv_span_parse(&s, bad[i]), 0, "accepted \"%s\"",
			      bad[i]);
	}
}

Test(percentile, nearest_rank_of_the_textbook_example)
{
	/* The classic example: 15 20 35 40 50 (n = 5). */
	static const int64_t v[] = { 15, 20, 35, 40, 50 };
	cr_expect_eq(gv_percentile(v, 5, 30), 20);  /* ceil(1.5) = rank 2 */
	cr_expect_eq(gv_percentile(v, 5, 40), 20);  /* ceil(2.0) = rank 2 */
	cr_expect_eq(gv_percentile(v, 5, 50), 35);  /* ceil(2.5) = rank 3 */
	cr_expect_eq(gv_percentile(v, 5, 75), 40);  /* ceil(3.75) = rank 4 */
	cr_expect_eq(gv_percentile(v, 5, 100), 50); /* rank 5 */
}

Test(percentile, nearest_rank_with_one_sample_is_that_sample)
{
	static const int64_t v[] = { 7 };
	cr_expect_eq(gv_percentile(v, 1, 50), 7);
	cr_expect_eq(gv_percentile(v, 1, 90), 7);
	cr_expect_eq(gv_percentile(v, 1, 100), 7);
}

Test(percentile, exact_ranks_do_not_round_up)
{
	/* 1..100: rank ceil(p/100 * 100) = p exactly, so p-th value = p for
	 * every p. Floating point (0.29 * 100 = 28.999...) must not shift it. */
	int64_t v[100];
	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	for (unsigned p = 1; p <= 100; p++)
		cr_expect_eq(gv_percentile(v, 100, p), (int64_t)p, "p%u", p);
	/* n = 20: p50 -> rank 10, p75 -> 15, p90 -> 18 */
	cr_expect_eq(gv_percentile(v, 20, 50), 10);
	cr_expect_eq(gv_percentile(v, 20, 75), 15);
	cr_expect_eq(gv_percentile(v, 20, 90), 18);
}

Test(percentile, sort_orders_negative_and_extreme_values)
{
	int64_t v[] = { 3, INT64_MAX, -1, 0, INT64_MIN, 3, -7 };
	gv_sort_i64(v, 7);
	static const int64_t want[] = { INT64_MIN, -7, -1, 0, 3, 3, INT64_MAX };
	for (size_t i = 0; i < 7; i++)
		cr_expect_eq(v[i], want[i], "v[%zu]", i);
}

/* The sorts: gv_sort_u64 is a radix sort below which gv_sort_i64 sits, so
 * both are checked against qsort on random arrays whose sizes straddle its
 * switch to an insertion sort (64 keys) and reach each digit width (8 bits
 * below 1024 keys, 15 at 70000, 16 from 131072 on). xorshift64 makes the
 * arrays the same on every run. */

static uint64_t rnd_state = 88172645463325252u;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static int cmp_i64_ref(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* (key, position) pairs: qsort on both is the stable order by key. */
typedef struct kv { uint64_t key; uint32_t pos; } kv;

static int cmp_kv_ref(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static const size_t sort_sizes[] = { 0, 1, 2, 3, 63, 64, 65, 1000, 70000,
				     140000 };

/* Sorts n values drawn by gen with gv_sort_i64 and with qsort; they must
 * agree element by element. */
static void check_i64(size_t n, int64_t (*gen)(void))
{
	int64_t *v = malloc((n ? n : 1) * sizeof(*v));
	int64_t *want = malloc((n ? n : 1) * sizeof(*want));

	cr_assert(v && want);
	for (size_t i = 0; i < n; i++)
		v[i] = want[i] = gen();
	gv_sort_i64(v, n);
	qsort(want, n, sizeof(*want), cmp_i64_ref);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(v[i], want[i], "n %zu: v[%zu] = %lld, want %lld", n,
			     i, (long long)v[i], (long long)want[i]);
	free(v);
	free(want);
}

static int64_t any_i64(void) { return (int64_t)rnd(); }
/* commit-time-like: 2005..2025, in the low 31 bits only */
static int64_t times(void) { return 1112911993 + (int64_t)(rnd() % 630000000); }
/* few distinct values, both signs: most keys are duplicates */
static int64_t few(void) { return (int64_t)(rnd() % 7) - 3; }
/* the extremes and their neighbours */
static int64_t extremes(void)
{
	static const int64_t e[] = { INT64_MIN, INT64_MIN + 1, -1, 0, 1,
				     INT64_MAX - 1, INT64_MAX };
	return e[rnd() % 7];
}
/* differ only in the top byte: the pass the radix sort must not skip */
static int64_t top_byte(void) { return (int64_t)(rnd() << 56); }

Test(sort, i64_agrees_with_qsort_on_random_values)
{
	for (size_t s = 0; s < sizeof(sort_sizes) / sizeof(*sort_sizes); s++) {
		check_i64(sort_sizes[s], any_i64);
		check_i64(sort_sizes[s], times);
		check_i64(sort_sizes[s], few);
		check_i64(sort_sizes[s], extremes);
		check_i64(sort_sizes[s], top_byte);
	}
}

Test(sort, i64_orders_negative_values_before_positive_ones)
{
	/* 100 values 50, -50, 49, -49, ..., 1, -1: sorted -50..-1, 1..50
	 * (enough values for the radix path, not the insertion sort) */
	int64_t v[100];
	for (int i = 0; i < 50; i++) {
		v[2 * i] = 50 - i;
		v[2 * i + 1] = -(50 - i);
	}
	gv_sort_i64(v, 100);
	for (int i = 0; i < 50; i++) {
		cr_expect_eq(v[i], (int64_t)(i - 50), "v[%d]", i);
		cr_expect_eq(v[50 + i], (int64_t)(i + 1), "v[%d]", 50 + i);
	}
}

Test(sort, i64_of_equal_values_and_tiny_arrays)
{
	int64_t same[200], two[] = { INT64_MAX, INT64_MIN }, one[] = { -5 };
	for (int i = 0; i < 200; i++)
		same[i] = -42;
	gv_sort_i64(same, 200);
	for (int i = 0; i < 200; i++)
		cr_expect_eq(same[i], -42);
	gv_sort_i64(two, 2);
	cr_expect_eq(two[0], INT64_MIN);
	cr_expect_eq(two[1], INT64_MAX);
	gv_sort_i64(one, 1);
	cr_expect_eq(one[0], -5);
	gv_sort_i64(NULL, 0);
	cr_expect_eq(gv_sort_u64(NULL, NULL, 0), 0);
}

/* Sorts n keys drawn by gen, each carrying its position, and checks the
 * order is qsort's on (key, position): sorted and stable. */
static void check_u64(size_t n, uint64_t (*gen)(void))
{
	uint64_t *key = malloc((n ? n : 1) * sizeof(*key));
	uint32_t *val = malloc((n ? n : 1) * sizeof(*val));
	kv *want = malloc((n ? n : 1) * sizeof(*want));

	cr_assert(key && val && want);
	for (size_t i = 0; i < n; i++) {
		key[i] = want[i].key = gen();
		val[i] = want[i].pos = (uint32_t)i;
	}
	cr_assert_eq(gv_sort_u64(key, val, n), 0);
	qsort(want, n, sizeof(*want), cmp_kv_ref);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(key[i], want[i].key, "n %zu: key[%zu]", n, i);
		cr_assert_eq(val[i], want[i].pos, "n %zu: val[%zu]", n, i);
	}
	free(key);
	free(val);
	free(want);
}

static uint64_t any_u64(void) { return rnd(); }
/* a 16-bit range in the middle: 2 passes, 6 skipped; many ties */
static uint64_t mid_bits(void) { return (rnd() & 0xffff) << 24; }
static uint64_t few_u64(void) { return rnd() % 3 ? UINT64_MAX : 0; }

Test(sort, u64_is_sorted_and_stable)
{
	for (size_t s = 0; s < sizeof(sort_sizes) / sizeof(*sort_sizes); s++) {
		check_u64(sort_sizes[s], any_u64);
		check_u64(sort_sizes[s], mid_bits);
		check_u64(sort_sizes[s], few_u64);
	}
}

Test(sort, u64_keeps_equal_keys_in_their_order)
{
	/* 100 keys 7, 3, 7, 3, ...: the 3s are positions 1, 3, ..., 99 and
	 * come first in that order, then the 7s at 0, 2, ..., 98 */
	uint64_t key[100];
	uint32_t val[100];
	for (uint32_t i = 0; i < 100; i++) {
		key[i] = i % 2 ? 3 : 7;
		val[i] = i;
	}
	cr_assert_eq(gv_sort_u64(key, val, 100), 0);
	for (uint32_t i = 0; i < 50; i++) {
		cr_expect_eq(key[i], 3);
		cr_expect_eq(val[i], 2 * i + 1);
		cr_expect_eq(key[50 + i], 7);
		cr_expect_eq(val[50 + i], 2 * i);
	}
}

Test(sort, u64_without_values_sorts_the_keys)
{
	uint64_t key[] = { 5, UINT64_MAX, 0, 5, 1 };
	cr_assert_eq(gv_sort_u64(key, NULL, 5), 0);
	cr_expect_eq(key[0], 0);
	cr_expect_eq(key[1], 1);
	cr_expect_eq(key[2], 5);
	cr_expect_eq(key[3], 5);
	cr_expect_eq(key[4], UINT64_MAX);
}

/* Sanitizes len bytes of s; the result is owned by the caller's gv_buf. */
static void sanitize(gv_buf *out, const char *s, size_t len)
{
	memset(out, 0, sizeof(*out));
	cr_assert_eq(gv_utf8_sanitize(out, s, len), 0);
	cr_assert(fx_utf8_valid(out->ptr ? out->ptr : "", out->len),
		  "output is not valid UTF-8");
}

#define FFFD "\xEF\xBF\xBD"

Test(utf8, valid_text_passes_through_unchanged)
{
	/* ASCII, 2-byte é, 3-byte €, 4-byte U+1D11E */
	const char in[] = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E";
	gv_buf b;
	sanitize(&b, in, sizeof(in) - 1);
	cr_expect_eq(b.len, sizeof(in) - 1);
	cr_expect_eq(memcmp(b.ptr, in, sizeof(in) - 1), 0);
	gv_buf_free(&b);
}

Test(utf8, invalid_lead_byte_becomes_replacement_character)
{
	gv_buf b;
	sanitize(&b, "a\xFF" "b", 3);
	cr_expect_str_eq(b.ptr, "a" FFFD "b");
	gv_buf_free(&b);
}

Test(utf8, lone_continuation_byte_becomes_replacement_character)
{
	gv_buf b;
	sanitize(&b, "a\x80" "b", 3);
	cr_expect_str_eq(b.ptr, "a" FFFD "b");
	gv_buf_free(&b);
}

Test(utf8, truncated_sequence_at_the_end_is_replaced)
{
	/* The first two bytes of € (E2 82 AC) and nothing after. */
	gv_buf b;
	sanitize(&b, "x\xE2\x82", 3);
	cr_expect_eq(b.ptr[0], 'x');
	cr_expect_not_null(strstr(b.ptr, FFFD));
	gv_buf_free(&b);
}

Test(utf8, overlong_slash_does_not_decode_to_a_slash)
{
	/* C0 AF and E0 80 AF are overlong encodings of '/'. */
	gv_buf b;
	sanitize(&b, "a\xC0\xAF" "b\xE0\x80\xAF" "c", 8);
	cr_expect_null(strchr(b.ptr, '/'), "overlong '/' decoded: %s", b.ptr);
	cr_expect_not_null(strstr(b.ptr, FFFD));
	cr_expect_eq(b.ptr[0], 'a');
	cr_expect_eq(b.ptr[b.len - 1], 'c');
	gv_buf_free(&b);
}

Test(utf8, surrogates_are_replaced)
{
	/* ED A0 80 would be U+D800, a UTF-16 surrogate. */
	gv_buf b;
	sanitize(&b, "a\xED\xA0\x80" "b", 5);
	cr_expect_null(strstr(b.ptr, "\xED\xA0\x80"));
	cr_expect_not_null(strstr(b.ptr, FFFD));
	gv_buf_free(&b);
}

Test(utf8, code_points_above_10ffff_are_replaced)
{
	/* F4 90 80 80 would be U+110000. */
	gv_buf b;
	sanitize(&b, "a\xF4\x90\x80\x80" "b", 6);
	cr_expect_null(strstr(b.ptr, "\xF4\x90"));
	cr_expect_not_null(strstr(b.ptr, FFFD));
	gv_buf_free(&b);
}

Test(utf8, nul_bytes_become_replacement_characters)
{
	gv_buf b;
	sanitize(&b, "a\0b", 3);
	/* 'a' + 3 bytes of U+FFFD + 'b' = 5 bytes, and a C string of 5 */
	cr_expect_eq(b.len, 5);
	cr_expect_str_eq(b.ptr, "a" FFFD "b");
	gv_buf_free(&b);
}

Test(utf8, only_len_bytes_are_read)
{
	gv_buf b;
	sanitize(&b, "abcdef", 3);
	cr_expect_eq(b.len, 3);
	cr_expect_str_eq(b.ptr, "abc");
	gv_buf_free(&b);
}

Test(utf8, dup_returns_a_sanitized_c_string)
{
	char *s = gv_utf8_dup("v1\xFF", 3);
	cr_assert_not_null(s);
	cr_expect_str_eq(s, "v1" FFFD);
	free(s);
}

static const gv_warning *find_warning(const gv_warnings *w, const char *code)
{
	for (size_t i = 0; i < w->count; i++)
		if (strcmp(w->items[i].code, code) == 0)
			return &w->items[i];
	return NULL;
}

Test(warnings, same_code_is_counted_once_with_the_first_message)
{
	gv_warnings w = { 0 };
	cr_assert_eq(gv_warnings_add(&w, "tag-not-commit", "tag %s", "a"), 0);
	cr_assert_eq(gv_warnings_add(&w, "tag-not-commit", "tag %s", "b"), 0);
	cr_assert_eq(w.count, 1);
	const gv_warning *t = find_warning(&w, "tag-not-commit");
	cr_assert_not_null(t);
	cr_expect_eq(t->count, 2);
	cr_expect_str_eq(t->message, "tag a");
	gv_warnings_free(&w);
}

Test(warnings, add_n_raises_the_count_by_n)
{
	gv_warnings w = { 0 };
	cr_assert_eq(gv_warnings_add_n(&w, "shallow", 3, "shallow history"), 0);
	cr_assert_eq(gv_warnings_add(&w, "shallow", "again"), 0);
	cr_assert_eq(gv_warnings_add(&w, "other", "x"), 0);
	cr_assert_eq(w.count, 2);
	const gv_warning *s = find_warning(&w, "shallow");
	cr_assert_not_null(s);
	cr_expect_eq(s->count, 4); /* 3 + 1 */
	cr_expect_str_eq(s->message, "shallow history");
	cr_expect_eq(find_warning(&w, "other")->count, 1);
	gv_warnings_free(&w);
}

Test(warnings, free_of_an_empty_list_is_safe)
{
	gv_warnings w = { 0 };
	gv_warnings_free(&w);
	cr_expect_eq(w.count, 0);
}

Test(error, set_returns_the_code_and_formats_the_message)
{
	gv_error err;
	gv_error_clear(&err);
	int rc = gv_error_set(&err, GV_EREPO, "%s: not a repository", "/x");
	cr_expect_eq(rc, GV_EREPO);
	cr_expect_eq(err.code, GV_EREPO);
	cr_expect_str_eq(err.msg, "/x: not a repository");
	gv_error_prefix(&err, "open");
	cr_expect_str_eq(err.msg, "open: /x: not a repository");
	cr_expect_eq(gv_error_set(NULL, GV_EIO, "ignored"), GV_EIO);
}

/* Threads visit commits in a different order on every run, so a warning's
 * example must not depend on which occurrence came first. */
Test(warnings, keyed_example_is_the_smallest_key_whatever_the_order)
{
	gv_warnings a = {0}, b = {0};

	cr_assert_eq(gv_warnings_add_keyed(&a, "unresolved-ref", "bb", "e.g. %s", "bb"), 0);
	cr_assert_eq(gv_warnings_add_keyed(&a, "unresolved-ref", "aa", "e.g. %s", "aa"), 0);
	cr_assert_eq(gv_warnings_add_keyed(&a, "unresolved-ref", "cc", "e.g. %s", "cc"), 0);
	cr_assert_eq(gv_warnings_add_keyed(&b, "unresolved-ref", "cc", "e.g. %s", "cc"), 0);
	cr_assert_eq(gv_warnings_add_keyed(&b, "unresolved-ref", "aa", "e.g. %s", "aa"), 0);
	cr_assert_eq(gv_warnings_add_keyed(&b, "unresolved-ref", "bb", "e.g. %s", "bb"), 0);
	cr_assert_eq(a.count, 1);
	cr_expect_eq(a.items[0].count, 3);
	cr_expect_str_eq(a.items[0].message, "e.g. aa");
	cr_expect_str_eq(b.items[0].message, "e.g. aa");
	gv_warnings_free(&a);
	gv_warnings_free(&b);
}

Test(common, map_file_maps_whole_files_and_says_why_not)
{
	char path[] = "/tmp/gv-map-XXXXXX";
	unsigned char *data = (unsigned char *)"x";
	size_t len = 7;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	/* empty: mmap would refuse it, so no mapping and no error */
	cr_expect_eq(gv_map_file(path, 0, &data, &len), 0);
	cr_expect_null(data);
	cr_expect_eq(len, 0);
	cr_assert_eq(write(fd, "hello", 5), 5);
	close(fd);
	cr_assert_eq(gv_map_file(path, 0, &data, &len), 0);
	cr_expect_eq(len, 5);
	cr_expect_eq(memcmp(data, "hello", 5), 0);
	gv_unmap_file(data, len);
	unlink(path);
	cr_expect_eq(gv_map_file(path, 0, &data, &len), GV_ENOTFOUND);
	cr_expect_null(data);
	cr_expect_eq(gv_map_file("/", 0, &data, &len), GV_EINPUT, "a directory");
}

/* A FIFO would block open() until a writer came: refused at once instead;
 * a symlink is followed unless GV_OPEN_NOFOLLOW says not to. */
Test(common, open_regular_refuses_fifos_and_with_nofollow_symlinks)
{
	char *dir = fx_tmpdir(NULL, "open"), fifo[4096], file[4096], sym[4096];
	unsigned char *data = NULL;
	size_t len = 0;
	FILE *f;
	int fd;

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(sym, sizeof(sym), "%s/sym", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_not_null(f = fopen(file, "w"));
	fputs("abc", f);
	fclose(f);
	cr_assert_eq(symlink(file, sym), 0);
	cr_expect_eq(gv_open_regular(fifo, 0), GV_EINPUT);
	cr_expect_eq(gv_map_file(fifo, 0, &data, &len), GV_EINPUT);
	cr_expect_eq(gv_open_regular(sym, GV_OPEN_NOFOLLOW), GV_EIO);
	cr_assert_eq(gv_map_file(sym, 0, &data, &len), 0);
	cr_expect_eq(len, 3);
	gv_unmap_file(data, len);
	cr_assert_geq(fd = gv_open_regular(file, GV_OPEN_NOFOLLOW), 0);
	close(fd);
	free(dir);
}

/* GV_SPAN_MAX (10000y) is the longest span: one second more is refused. */
Test(span, parse_refuses_spans_past_the_date_range)
{
	int64_t v = 0;

	cr_expect_eq(gv_span_parse(&v, "10000y"), 0);
	cr_expect_eq(v, GV_SPAN_MAX);
	cr_expect_eq(gv_span_parse(&v, "315360000000s"), 0);
	cr_expect_eq(v, GV_SPAN_MAX);
	cr_expect_eq(gv_span_parse(&v, "315360000001s"), GV_EINPUT);
	cr_expect_eq(gv_span_parse(&v, "10001y"), GV_EINPUT);
	cr_expect_eq(gv_span_parse(&v, "106751991167300d"), GV_EINPUT);
	cr_expect_eq(gv_span_parse(&v, "99999999999999999999s"), GV_EINPUT);
}

/* Formatting any int64 must not overflow (the sanitizer build runs this);
 * the range git-vitals believes formats as 4-digit years. */
Test(time, iso_formats_the_range_ends_and_survives_int64_extremes)
{
	char buf[64];

	gv_time_iso(buf, sizeof(buf), GV_TIME_MAX);
	cr_expect_str_eq(buf, "9999-12-31T23:59:59Z");
	gv_time_iso(buf, sizeof(buf), GV_TIME_MIN);
	cr_expect_str_eq(buf, "1970-01-01T00:00:00Z");
	gv_time_iso(buf, sizeof(buf), INT64_MAX);
	cr_expect_gt(strlen(buf), 0);
	gv_time_iso(buf, sizeof(buf), INT64_MIN);
	cr_expect_gt(strlen(buf), 0);
}
