/*
 * common.c - errors, warnings, buffers, UTF-8 repair, time and statistics
 * helpers shared by every module.
 *
 * Nothing here knows about git or rules. Times are int64 Unix seconds in UTC
 * throughout git-vitals; the civil-date conversion below is the proleptic
 * Gregorian algorithm from Howard Hinnant's "chrono-compatible low-level date
 * algorithms", valid for every int64 day count we can meet, so a commit dated
 * 1970, 2099 or year 40000 formats without the libc's time_t limits.
 *
 * The sorts are radix sorts on uint64 keys with the comparison built in:
 * qsort's indirect comparator call per comparison was most of the cost of
 * the metrics on a run served from the cache.
 */
#include "gv/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int gv_error_set(gv_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

void gv_error_clear(gv_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

void gv_error_prefix(gv_error *err, const char *prefix)
{
	char tmp[sizeof(err->msg)];
	size_t np, nm, cap = sizeof(tmp) - 1;

	if (!err || !prefix)
		return;
	/* by hand: snprintf("%s: %s") into a buffer of the same size trips
	 * -Wformat-truncation, and truncation is what we want here */
	np = strlen(prefix);
	nm = strlen(err->msg);
	if (np > cap)
		np = cap;
	memcpy(tmp, prefix, np);
	if (np + 2 <= cap) {
		memcpy(tmp + np, ": ", 2);
		np += 2;
	}
	if (nm > cap - np)
		nm = cap - np;
	memcpy(tmp + np, err->msg, nm);
	tmp[np + nm] = '\0';
	memcpy(err->msg, tmp, sizeof(tmp));
}

void *gv_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return realloc(p, n * size > 0 ? n * size : 1);
}

int gv_grow_alloc(void **arr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 16;
	void *p;

	if (need <= *alloc)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return GV_ENOMEM;
		n *= 2;
	}
	if (!(p = gv_reallocarray(*arr, n, size)))
		return GV_ENOMEM;
	*arr = p;
	*alloc = n;
	return 0;
}

int gv_warnings_add_n(gv_warnings *w, const char *code, uint64_t n,
		      const char *msg)
{
	gv_warning *it;
	size_t i;

	for (i = 0; i < w->count; i++) {
		if (!strcmp(w->items[i].code, code)) {
			w->items[i].count += n;
			return 0;
		}
	}
	if (gv_grow((void **)&w->items, &w->alloc, w->count + 1, sizeof(*w->items)))
		return GV_ENOMEM;
	it = &w->items[w->count];
	it->code = strdup(code);
	it->message = strdup(msg);
	it->count = n;
	it->key = NULL;
	if (!it->code || !it->message) {
		free(it->code);
		free(it->message);
		return GV_ENOMEM;
	}
	w->count++;
	return 0;
}

int gv_warnings_add(gv_warnings *w, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gv_warnings_add_n(w, code, 1, msg);
}

int gv_warnings_add_keyed(gv_warnings *w, const char *code, const char *key,
			  const char *fmt, ...)
{
	char msg[512], *m, *k;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; i < w->count; i++) {
		gv_warning *it = &w->items[i];
		if (strcmp(it->code, code))
			continue;
		it->count++;
		if (it->key && strcmp(key, it->key) >= 0)
			return 0;
		if (!(m = strdup(msg)) || !(k = strdup(key))) {
			free(m);
			return GV_ENOMEM;
		}
		free(it->message);
		free(it->key);
		it->message = m;
		it->key = k;
		return 0;
	}
	if (gv_warnings_add_n(w, code, 1, msg))
		return GV_ENOMEM;
	if (!(w->items[w->count - 1].key = strdup(key)))
		return GV_ENOMEM;
	return 0;
}

void gv_warnings_free(gv_warnings *w)
{
	size_t i;

	for (i = 0; i < w->count; i++) {
		free(w->items[i].code);
		free(w->items[i].message);
		free(w->items[i].key);
	}
	free(w->items);
	memset(w, 0, sizeof(*w));
}

int gv_buf_put(gv_buf *b, const char *data, size_t len)
{
	if (len > SIZE_MAX - b->len - 1)
		return GV_ENOMEM;
	if (gv_grow((void **)&b->ptr, &b->alloc, b->len + len + 1, 1))
		return GV_ENOMEM;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int gv_buf_puts(gv_buf *b, const char *s)
{
	return gv_buf_put(b, s, strlen(s));
}

int gv_buf_printf(gv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return GV_EINTERNAL;
	if (gv_grow((void **)&b->ptr, &b->alloc, b->len + (size_t)n + 1, 1))
		return GV_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void gv_buf_free(gv_buf *b)
{
	free(b->ptr);
	memset(b, 0, sizeof(*b));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid (RFC 3629:
 * no overlongs, no surrogates, nothing above U+10FFFF). NUL counts invalid so
 * the output never embeds one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

int gv_utf8_sanitize(gv_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;

	while (i < len) {
		size_t k = utf8_seq(p + i, len - i);
		if (k) {
			i += k;
			continue;
		}
		if (gv_buf_put(out, s + start, i - start) ||
		    gv_buf_put(out, "\xEF\xBF\xBD", 3))
			return GV_ENOMEM;
		i++;
		start = i;
	}
	if (gv_buf_put(out, s + start, i - start))
		return GV_ENOMEM;
	return 0;
}

char *gv_utf8_dup(const char *s, size_t len)
{
	gv_buf b = {0};

	if (gv_utf8_sanitize(&b, s, len) || gv_buf_put(&b, "", 0)) {
		gv_buf_free(&b);
		return NULL;
	}
	return b.ptr;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* days since 1970-01-01 -> civil date (Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void gv_time_iso(char *buf, size_t size, int64_t t)
{
	/* the remainder, not t - days * 86400: that overflows near INT64_MIN */
	int64_t days = floor_div(t, 86400), secs = t % 86400, y;
	unsigned m, d;

	if (secs < 0)
		secs += 86400;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
		 (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
		 (unsigned)(secs % 60));
}

static int read_digits(const char **s, int n, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		v = v * 10 + (unsigned)((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

static int days_in_month(int64_t y, unsigned m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dm[m - 1];
}

int gv_time_parse_iso(int64_t *out, const char *s)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0, oh, om;
	int64_t t, off = 0;

	if (read_digits(&s, 4, &y) || *s++ != '-' || read_digits(&s, 2, &mo) ||
	    *s++ != '-' || read_digits(&s, 2, &d))
		return GV_EINPUT;
	if (mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo))
		return GV_EINPUT;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (read_digits(&s, 2, &h) || *s++ != ':' || read_digits(&s, 2, &mi))
			return GV_EINPUT;
		if (*s == ':') {
			s++;
			if (read_digits(&s, 2, &se))
				return GV_EINPUT;
		}
		if (h > 23 || mi > 59 || se > 60)
			return GV_EINPUT;
		if (*s == ' ')
			s++;
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s++ == '-' ? -1 : 1;
			if (read_digits(&s, 2, &oh))
				return GV_EINPUT;
			if (*s == ':')
				s++;
			if (read_digits(&s, 2, &om) || oh > 23 || om > 59)
				return GV_EINPUT;
			off = sign * (int64_t)(oh * 3600 + om * 60);
		}
	}
	if (*s)
		return GV_EINPUT;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	*out = t - off;
	return 0;
}

int gv_span_parse(int64_t *out, const char *s)
{
	static const struct { const char *unit; int64_t secs; } units[] = {
		{"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400},
		{"w", 7 * 86400}, {"m", 30 * 86400}, {"y", 365 * 86400},
	};
	int64_t n = 0;
	const char *p = s;
	size_t i;

	if (*p < '0' || *p > '9')
		return GV_EINPUT;
	while (*p >= '0' && *p <= '9') {
		if (n > (INT64_MAX - 9) / 10)
			return GV_EINPUT;
		n = n * 10 + (*p++ - '0');
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(p, units[i].unit)) {
			/* longer than every believable date apart: refused,
			 * so window arithmetic never overflows */
			if (n > GV_SPAN_MAX / units[i].secs)
				return GV_EINPUT;
			*out = n * units[i].secs;
			return 0;
		}
	}
	return GV_EINPUT;
}

int64_t gv_percentile(const int64_t *sorted, size_t n, unsigned pct)
{
	/* rank = ceil(pct * n / 100), in integers so 0.9 * 10 is exactly 9 */
	size_t rank = (pct * n + 99) / 100;

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* Below this many keys an insertion sort beats the radix passes, whose
 * fixed cost is their histogram. */
#define SORT_SMALL 64

static void insertion_u64(uint64_t *key, uint32_t *val, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint64_t kk = key[i];
		uint32_t vv = val ? val[i] : 0;
		for (j = i; j > 0 && key[j - 1] > kk; j--) {
			key[j] = key[j - 1];
			if (val)
				val[j] = val[j - 1];
		}
		key[j] = kk;
		if (val)
			val[j] = vv;
	}
}

/* One stable counting pass on the digit (key >> shift) & mask, src -> dst;
 * cnt has mask + 1 entries. */
static void radix_pass(uint64_t *dk, uint32_t *dv, const uint64_t *sk,
		       const uint32_t *sv, size_t n, unsigned shift,
		       uint64_t mask, size_t *cnt)
{
	size_t i, sum = 0, c;

	memset(cnt, 0, (size_t)(mask + 1) * sizeof(*cnt));
	for (i = 0; i < n; i++)
		cnt[(sk[i] >> shift) & mask]++;
	for (i = 0; i <= mask; i++) {
		c = cnt[i];
		cnt[i] = sum;
		sum += c;
	}
	if (sv) {
		for (i = 0; i < n; i++) {
			size_t d = cnt[(sk[i] >> shift) & mask]++;
			dk[d] = sk[i];
			dv[d] = sv[i];
		}
	} else {
		for (i = 0; i < n; i++)
			dk[cnt[(sk[i] >> shift) & mask]++] = sk[i];
	}
}

/* An LSD radix sort over only the bits in which the keys differ: times and
 * durations vary in their low 30-odd bits. Wider digits mean fewer passes,
 * but a pass costs its 2^width buckets in fixed work and cache, so digits
 * start at 8 bits and widen while their buckets stay at most n / 2, up to
 * 16 bits; the bits are then spread evenly over the passes (git/git's 85k
 * commit times: 2 passes of 15 bits). Stability is what lets callers sort
 * on a second key first, or break ties afterwards. */
int gv_sort_u64(uint64_t *key, uint32_t *val, size_t n)
{
	uint64_t diff = 0, mask, *kt = NULL, *ks = key, *kd, *kswap;
	uint32_t *vt = NULL, *vs = val, *vd, *vswap;
	size_t *cnt = NULL, i;
	unsigned width = 8, lo = 0, hi = 63, passes, shift;

	if (n < SORT_SMALL) {
		insertion_u64(key, val, n);
		return 0;
	}
	for (i = 1; i < n; i++)
		diff |= key[i] ^ key[0];
	if (!diff)
		return 0;
	while (!((diff >> lo) & 1))
		lo++;
	while (!((diff >> hi) & 1))
		hi--;
	while (width < 16 && (size_t)1 << (width + 1) <= n / 2)
		width++;
	passes = (hi - lo + width) / width;
	width = (hi - lo + passes) / passes;
	mask = (UINT64_C(1) << width) - 1;
	if (!(kt = malloc(n * sizeof(*kt))) ||
	    (val && !(vt = malloc(n * sizeof(*vt)))) ||
	    !(cnt = malloc((size_t)(mask + 1) * sizeof(*cnt)))) {
		free(kt);
		free(vt);
		return GV_ENOMEM;
	}
	kd = kt;
	vd = vt;
	for (shift = lo; shift <= hi; shift += width) {
		radix_pass(kd, vd, ks, vs, n, shift, mask, cnt);
		kswap = ks;
		ks = kd;
		kd = kswap;
		vswap = vs;
		vs = vd;
		vd = vswap;
	}
	if (ks != key) {
		memcpy(key, ks, n * sizeof(*key));
		if (val)
			memcpy(val, vs, n * sizeof(*val));
	}
	free(kt);
	free(vt);
	free(cnt);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void gv_sort_i64(int64_t *v, size_t n)
{
	/* Flipping the sign bit maps int64 order onto uint64 order; the
	 * signed and unsigned types may alias (C11 6.5p7). */
	uint64_t *u = (uint64_t *)v, flip = UINT64_C(1) << 63;
	size_t i;
	int error;

	for (i = 0; i < n; i++)
		u[i] ^= flip;
	error = gv_sort_u64(u, NULL, n);
	for (i = 0; i < n; i++)
		u[i] ^= flip;
	/* qsort cannot fail: the fallback when the radix sort's scratch
	 * space cannot be had */
	if (error)
		qsort(v, n, sizeof(*v), cmp_i64);
}

uint64_t gv_fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int gv_open_regular(const char *path, int flags)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
			    ((flags & GV_OPEN_NOFOLLOW) ? O_NOFOLLOW : 0));

	if (fd < 0)
		return errno == ENOENT ? GV_ENOTFOUND : GV_EIO;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		int e = errno;
		close(fd);
		errno = e;
		return GV_EINPUT;
	}
	/* back to blocking reads: O_NONBLOCK was for the open of a FIFO */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(fd);
		return GV_EIO;
	}
	return fd;
}

int gv_map_file(const char *path, int flags, unsigned char **data, size_t *len)
{
	struct stat st;
	void *p;
	int fd = gv_open_regular(path, flags);

	*data = NULL;
	*len = 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || st.st_size < 0 || (uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return GV_EIO;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return GV_EIO;
	*data = p;
	*len = (size_t)st.st_size;
	return 0;
}

void gv_unmap_file(unsigned char *data, size_t len)
{
	if (data)
		munmap(data, len);
}
