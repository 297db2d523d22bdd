#!/bin/sh
# make-demo-repo.sh DIR - build the demo repository that `make demo` reports on.
#
# A small made-up HTTP library, "tinyhttp", from March to June 2024: about
# forty commits by three people, feature branches merged with --no-ff,
# annotated releases v0.1.0, v0.2.0 (after v0.2.0-rc1) and v0.3.0, a
# maintenance branch release/0.2 with a backport tagged v0.2.1, fixes that
# name the commit they repair in a "Fixes:" trailer, a `git revert`, and a
# security fix for a made-up CVE. Some work is still unreleased at the end.
#
# Every date is fixed and git sees no configuration but this script's, so the
# repository (commit ids included) is the same on every run. DIR is removed
# first; the script only ever writes inside DIR.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: sh samples/make-demo-repo.sh DIR" >&2
	exit 1
fi
dir=$1

# No configuration, identity or dates from the machine.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_AUTHOR_DATE GIT_COMMITTER_DATE GIT_CONFIG GIT_CONFIG_PARAMETERS \
	GIT_CONFIG_COUNT GIT_TEMPLATE_DIR EMAIL 2>/dev/null || :
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=/dev/null
HOME=/nonexistent-demo-home
XDG_CONFIG_HOME=/nonexistent-demo-home
GIT_COMMITTER_NAME="Mia Maintainer"
GIT_COMMITTER_EMAIL="mia@tinyhttp.example"
LC_ALL=C
TZ=UTC
export GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL HOME XDG_CONFIG_HOME \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL LC_ALL TZ

rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
git init -q
git symbolic-ref HEAD refs/heads/main
git config commit.gpgsign false
git config tag.gpgsign false

# The clock: T is the committer time (Unix seconds, UTC). 1709283600 is
# 2024-03-01T09:00:00Z.
T=1709283600
HOURS=3600
DAYS=86400
later() { T=$((T + $1)); }

# who NAME EMAIL TZ: the author of the next commits.
who() {
	GIT_AUTHOR_NAME=$1
	GIT_AUTHOR_EMAIL=$2
	AUTHOR_TZ=$3
	export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
}
alice() { who "Alice Archer" alice@tinyhttp.example +0200; }
bob() { who "Bob Baker" bob@tinyhttp.example -0500; }
carol() { who "Carol Chen" carol@tinyhttp.example +0800; }

# dates LAG: author time LAG seconds before the committer time (the time a
# change waited for review), for the next git command.
dates() {
	GIT_AUTHOR_DATE="$((T - $1)) $AUTHOR_TZ"
	GIT_COMMITTER_DATE="$T +0000"
	export GIT_AUTHOR_DATE GIT_COMMITTER_DATE
}

# change FILE LINE: append a line and stage it.
change() {
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >>"$1"
	git add "$1"
}

# commit LAG MSG [MSG...]: commit what is staged; each MSG is a paragraph.
commit() {
	dates "$1"
	shift
	for p in "$@"; do set -- "$@" -m "$p"; shift; done
	git commit -q "$@"
}

# merge BRANCH: --no-ff merge into the current branch, by the maintainer.
merge() {
	dates 0
	git merge -q --no-ff --no-edit -m "Merge branch '$1'" "$1"
	git branch -q -d "$1"
}

# release TAG MSG: an annotated tag dated now.
release() {
	GIT_COMMITTER_DATE="$T +0000" git tag -a -m "$2" "$1"
}

# --- March: the first release ----------------------------------------
alice
change README "tinyhttp: a tiny HTTP/1.1 library"
commit 0 "Initial commit"
later $((6 * HOURS))
change src/server.c "int server_listen(int port);"
commit $((2 * HOURS)) "server: listen on a TCP port"
later $((2 * DAYS))
bob
change src/parser.c "int parse_request_line(const char *s);"
commit $((5 * HOURS)) "parser: request line"
later $((2 * DAYS))
change src/parser.c "int parse_headers(const char *s);"
commit $((3 * HOURS)) "parser: headers"
later $((4 * DAYS))
alice
change src/server.c "void server_accept(void);"
commit $((1 * HOURS)) "server: accept loop"
later $((2 * DAYS))
git checkout -q -b feature/keepalive
carol
change src/conn.c "int conn_keepalive(void);"
commit $((20 * HOURS)) "conn: keep-alive connections"
later $((3 * HOURS))
change src/conn.c "int conn_timeout(int ms);"
commit $((2 * HOURS)) "conn: idle timeout"
later $((2 * DAYS))
git checkout -q main
merge feature/keepalive
later $((4 * DAYS))
bob
change docs/API.md "server_listen, server_accept"
commit $((4 * HOURS)) "docs: API overview"
later $((2 * DAYS))
alice
change src/server.c "/* v0.1.0 */"
commit 0 "Prepare v0.1.0"
later $((4 * HOURS))
release v0.1.0 "tinyhttp 0.1.0"

# --- April: v0.2.0 after a release candidate -------------------------
later $((6 * DAYS))
bob
change src/parser.c "int parse_chunked(const char *s);"
commit $((26 * HOURS)) "parser: chunked transfer encoding"
CHUNKED=$(git rev-parse HEAD)
later $((2 * DAYS))
carol
change src/router.c "int route_add(const char *path);"
commit $((6 * HOURS)) "router: path routes"
later $((4 * DAYS))
change src/router.c "int route_match(const char *path);"
commit $((3 * HOURS)) "router: match with wildcards"
later $((2 * DAYS))
git checkout -q -b feature/tls
alice
change src/tls.c "int tls_wrap(int fd);"
commit $((2 * DAYS)) "tls: wrap connections"
later $((5 * HOURS))
change src/tls.c "int tls_handshake(int fd);"
commit $((3 * HOURS)) "tls: handshake"
later $((2 * DAYS))
git checkout -q main
merge feature/tls
later $((4 * DAYS))
bob
change src/server.c "/* v0.2.0-rc1 */"
commit 0 "Prepare v0.2.0-rc1"
release v0.2.0-rc1 "tinyhttp 0.2.0 release candidate 1"
later $((4 * DAYS))
bob
change src/parser.c "/* chunk sizes are hex */"
commit $((5 * HOURS)) "parser: read chunk sizes as hexadecimal" \
	"Chunk sizes were parsed as decimal, so any chunk over 9 bytes broke." \
	"Fixes: $(git rev-parse --short=12 "$CHUNKED")"
later $((2 * DAYS))
carol
change docs/API.md "route_add, route_match"
commit $((2 * HOURS)) "docs: routing"
later $((2 * DAYS))
bob
change src/server.c "/* v0.2.0 */"
commit 0 "Prepare v0.2.0"
later $((2 * HOURS))
release v0.2.0 "tinyhttp 0.2.0"

# --- the 0.2 maintenance branch --------------------------------------
git branch release/0.2

later $((6 * DAYS))
alice
change src/conn.c "/* close idle connections */"
commit $((8 * HOURS)) "conn: close idle connections on timeout" \
	"The idle timer was armed but never fired." \
	"Fixes: $(git rev-parse --short=12 ':/conn: idle timeout')"
IDLE=$(git rev-parse HEAD)
later $((4 * DAYS))
carol
change src/router.c "int route_remove(const char *path);"
commit $((4 * HOURS)) "router: remove routes"
later $((2 * DAYS))
git checkout -q release/0.2
dates 0
git cherry-pick -x "$IDLE" >/dev/null
later $((6 * HOURS))
release v0.2.1 "tinyhttp 0.2.1 (maintenance)"
git checkout -q main

# --- May: a revert, a security fix, v0.3.0 ---------------------------
later $((4 * DAYS))
bob
change src/parser.c "/* lenient header folding */"
commit $((3 * HOURS)) "parser: accept folded headers"
FOLDED=$(git rev-parse HEAD)
later $((2 * DAYS))
alice
change src/server.c "int server_shutdown(void);"
commit $((7 * HOURS)) "server: graceful shutdown"
later $((2 * DAYS))
bob
dates 0
git revert --no-edit "$FOLDED" >/dev/null
later $((4 * DAYS))
carol
change src/log.c "void log_access(void);"
commit $((30 * HOURS)) "log: access log"
later $((2 * DAYS))
change src/log.c "void log_error(void);"
commit $((2 * HOURS)) "log: error log"
later $((4 * DAYS))
alice
change src/parser.c "/* bound Content-Length */"
commit $((1 * HOURS)) \
	"parser: reject oversized Content-Length (CVE-2024-31337)" \
	"A Content-Length above SIZE_MAX wrapped around and the body was read into a short buffer: a heap buffer overflow reachable by any client." \
	"Fixes: $(git rev-parse --short=12 ':/parser: headers')"
later $((2 * DAYS))
git checkout -q -b feature/metrics
bob
change src/metrics.c "void metrics_count(void);"
commit $((3 * DAYS)) "metrics: request counters"
later $((4 * HOURS))
change src/metrics.c "void metrics_export(void);"
commit $((2 * HOURS)) "metrics: export as text"
later $((2 * DAYS))
git checkout -q main
merge feature/metrics
later $((2 * DAYS))
carol
change src/router.c "/* trailing slashes */"
commit $((5 * HOURS)) "router: ignore trailing slashes" \
	"Fixes: $(git rev-parse --short=12 ':/router: match with wildcards')"
later $((4 * DAYS))
alice
change src/server.c "/* v0.3.0 */"
commit 0 "Prepare v0.3.0"
later $((3 * HOURS))
release v0.3.0 "tinyhttp 0.3.0"

# --- June: not released yet ------------------------------------------
later $((4 * DAYS))
git checkout -q -b feature/http2
bob
change src/http2.c "int h2_preface(void);"
commit $((1 * DAYS)) "http2: connection preface"
later $((5 * HOURS))
change src/http2.c "int h2_settings(void);"
commit $((2 * HOURS)) "http2: SETTINGS frames"
later $((1 * DAYS))
change src/http2.c "int h2_hpack_decode(void);"
commit $((4 * HOURS)) "http2: HPACK decoder"
later $((2 * DAYS))
git checkout -q main
merge feature/http2
later $((1 * DAYS))
carol
change src/log.c "/* log the request id */"
commit $((3 * HOURS)) "log: include the request id"
later $((2 * DAYS))
bob
change src/parser.c "/* HPACK table size */"
commit $((6 * HOURS)) "http2: bound the HPACK dynamic table" \
	"Fixes: $(git rev-parse --short=12 ':/http2: HPACK decoder')"
later $((2 * DAYS))
carol
change docs/API.md "log_access, log_error"
commit $((2 * HOURS)) "docs: logging"
later $((2 * DAYS))
alice
change src/server.c "/* typo */"
commit 0 "server: fix a typo in a comment"

git gc -q --auto 2>/dev/null || :
# The numbers the report will show: commits reachable from HEAD (main), and
# releases (the default pattern leaves the -rc1 pre-release out).
echo "demo repository: $dir ($(git rev-list --count HEAD) commits on main," \
	"$(git tag | grep -vc -- '-rc') releases and" \
	"$(git tag | grep -c -- '-rc') pre-release tag)"
