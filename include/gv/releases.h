/*
 * releases.h - releases (the deployments of a git-only world) and each
 * commit's first release.
 *
 * A release is a tag whose name matches the release pattern (an unanchored
 * PCRE2 search). The history keeps only the tags the pattern accepted, so
 * this module orders them and computes, for every commit walked, the release
 * with the earliest release time that ships it (ties: tag names in ascending
 * byte order), in time linear in the size of the history.
 */
#ifndef GV_RELEASES_H
#define GV_RELEASES_H

#include "gv/common.h"
#include "gv/history.h"

/* Version-like names without a pre-release marker: v1.0, 2.45.0, curl-8_5_0,
 * release-2024.05, OpenSSL_1_1_1w; not v2.45.0-rc0, v1.0-beta.2, nightly. */
#define GV_RELEASE_PATTERN_DEFAULT \
	"^(?!.*(?<![A-Za-z])(?i:rc|alpha|beta|pre|preview|dev|snapshot)(?:[-._]?[0-9]|[-._]|$))" \
	".*?[0-9]+(?:[._][0-9]+)+[A-Za-z]?$"
/* The same, admitting rc/alpha/beta/pre suffixes (--include-prereleases). */
#define GV_RELEASE_PATTERN_PRERELEASES \
	"[0-9]+(?:[._][0-9]+)+[A-Za-z]?" \
	"(?:[-._+]?(?i:rc|alpha|beta|pre|preview|dev|snapshot)(?:[-._]?[0-9]+)*)?$"

typedef struct gv_release {
	const gv_tag *tag;     /* points into the history */
	gv_idx commit;
	int64_t time;
	uint32_t new_commits;  /* commits whose first release this is */
} gv_release;

typedef struct gv_releases gv_releases;

/* Caller frees with gv_releases_free(). The history must outlive it. */
int gv_releases_compute(gv_releases **out, const gv_history *h, gv_error *err);
void gv_releases_free(gv_releases *r);

/* Releases oldest first (ties by tag name). */
const gv_release *gv_releases_list(const gv_releases *r, size_t *count);
/* Per commit index: the index in the list of its first release, or GV_NONE. */
const uint32_t *gv_releases_first(const gv_releases *r);

/* A gv_tag_filter_cb: payload is a compiled gv_regex of the release pattern. */
int gv_releases_tag_filter(const char *name, size_t len, void *payload);

#endif
