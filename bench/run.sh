#!/bin/sh
# bench/run.sh [--profile] [REPO] - the git-vitals benchmark (issues 6 and
# 7); `make bench`.
#
# Without REPO it builds a synthetic repository once with bench/gen.c (cached
# outside the source tree, in ${XDG_CACHE_HOME:-~/.cache}/git-vitals-bench/,
# keyed by a hash of gen.c and the size) and benchmarks that. Then, in one
# run, alternating A/B, it times
#   A  git -C REPO log --all --format='%H %P %at %ct%n%B'    (the reference)
#   B  ./git-vitals --all --format json REPO
# and prints the median wall-time ratio B/A and the peak RSS ratio. Last, when
# `git-vitals batch` exists, the issue 6 numbers: warm/cold with --cache, and
# the -j1/-j2 speedup of a batch of generated repositories.
#
# --profile instead runs both commands once under callgrind (default: on a
# synthetic repository of 20000 commits) and prints their instruction counts,
# a ratio that does not move with the machine's load, and where git-vitals
# spends them, and (with --cache) the instruction ratio of a warm re-run to
# a cold one. The callgrind files are kept for callgrind_annotate/kcachegrind.
#
# Knobs (environment): BENCH_COMMITS (200000), BENCH_ROUNDS (5),
# BENCH_BATCH_REPOS (40), BENCH_BATCH_COMMITS (5000), BENCH_BATCH_ROUNDS (3),
# BENCH_PROFILE_COMMITS (20000), GV_BIN (./git-vitals), CC (cc). See
# bench/RESULTS.md for the method and the results so far.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${GV_BIN:-$root/git-vitals}
profile=0
if [ "${1:-}" = --profile ]; then
	profile=1
	shift
fi
repo=${1:-}
if [ $profile = 1 ]; then
	commits=${BENCH_PROFILE_COMMITS:-20000}
else
	commits=${BENCH_COMMITS:-200000}
fi
rounds=${BENCH_ROUNDS:-5}
batch_repos=${BENCH_BATCH_REPOS:-40}
batch_commits=${BENCH_BATCH_COMMITS:-5000}
batch_rounds=${BENCH_BATCH_ROUNDS:-3}
cc=${CC:-cc}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/git-vitals-bench
gen_hash=$(cksum <"$here/gen.c" | cut -d' ' -f1)
tool_hash=$(cat "$here/gen.c" "$here/rusage.c" | cksum | cut -d' ' -f1)
store=$cache/$gen_hash
tools=$cache/tools-$tool_hash

die() {
	echo "bench: $*" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/git-vitals-bench.XXXXXX")
building=
trap 'rm -rf "$work" ${building:+"$building"}' EXIT
trap 'exit 130' INT TERM

# -- tools ------------------------------------------------------------------
if [ ! -x "$tools/rusage" ] || [ ! -x "$tools/gen" ]; then
	mkdir -p "$tools"
	"$cc" -std=c11 -O2 -o "$tools/gen.$$" "$here/gen.c"
	"$cc" -std=c11 -O2 -o "$tools/rusage.$$" "$here/rusage.c"
	mv "$tools/gen.$$" "$tools/gen"
	mv "$tools/rusage.$$" "$tools/rusage"
fi
gen=$tools/gen
rusage=$tools/rusage

# make_repo COMMITS SEED DIR: generate and pack, unless DIR exists. The
# repository appears under its final name only when complete (rename), so an
# interrupted build is redone, never half-used.
make_repo() {
	[ -d "$3" ] && return 0
	mkdir -p "$(dirname "$3")"
	tmp=$3.tmp.$$
	building=$tmp
	rm -rf "$tmp"
	git init -q --bare "$tmp"
	git -C "$tmp" symbolic-ref HEAD refs/heads/main
	git -C "$tmp" config gc.auto 0
	"$gen" -s "$2" "$1" "$tmp"
	# As `git gc` packs a developer's clone: one pack, deltas reused, a
	# commit-graph; no bitmap (gc writes one only in bare repositories).
	git -C "$tmp" -c repack.writeBitmaps=false gc --quiet
	if [ -d "$3" ]; then rm -rf "$tmp"; else mv "$tmp" "$3"; fi
	building=
}

# manifest_line PATH: a batch manifest line for PATH, all refs. The path is
# quoted, backslash-escaped, in case it holds whitespace (docs/BATCH.md).
manifest_line() {
	printf '"%s" all=1\n' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

# median FILE COLUMN: the median of one column of rusage lines.
median() {
	cut -d' ' -f"$2" "$1" | sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "nan";
		      else if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2];
		      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A/B to 2 decimals, "n/a" when either is unknown.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "n/a" || b == "n/a" || a < 0 || b <= 0) print "n/a";
		else printf "%.2f\n", a / b }'
}

mib() {
	awk -v k="$1" 'BEGIN { if (k < 0) print "n/a"; else printf "%.1f\n", k / 1024 }'
}

# run LOG [-a] [-o OUT] -- COMMAND...: time COMMAND, append the rusage line
# to LOG; its stderr goes to $work/stderr. A failing command stops the
# benchmark, showing that stderr.
run() {
	log=$1
	shift
	line=$("$rusage" -e "$work/stderr" "$@") || die "rusage failed: $*"
	status=${line##* }
	if [ "$status" != 0 ]; then
		tail -n 20 "$work/stderr" >&2
		die "exit status $status: $*"
	fi
	echo "$line" >>"$log"
}

# -- the repository ---------------------------------------------------------
if [ -z "$repo" ]; then
	repo=$store/synth-$commits.git
	if [ ! -d "$repo" ]; then
		echo "bench: generating $commits commits into $repo (once)" >&2
		t0=$(date +%s)
		make_repo "$commits" 1 "$repo"
		echo "bench: generated in $(($(date +%s) - t0)) s" >&2
	fi
	label="synthetic, gen $gen_hash"
else
	git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 ||
		die "$repo: not a git repository"
	repo=$(cd "$repo" && pwd)
	label=$(basename "$repo")
fi
ncommits=$(git -C "$repo" rev-list --all --count)
ntags=$(git -C "$repo" tag | wc -l | tr -d ' ')
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
cpu=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')

echo "git-vitals benchmark"
echo "  repository  $repo"
echo "              $label: $ncommits commits, $ntags tags"
echo "  machine     $ncpu cores, $cpu, load $load at start"

gv_ok=1
"$bin" --version >/dev/null 2>&1 || gv_ok=0
[ -x "$bin" ] || gv_ok=0

# -- --profile: instruction counts under callgrind ---------------------------
# Ir totals: callgrind_annotate's "PROGRAM TOTALS" line, commas removed.
ir_total() {
	callgrind_annotate "$1" 2>/dev/null |
		awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
}
if [ $profile = 1 ]; then
	command -v valgrind >/dev/null 2>&1 ||
		die "--profile needs valgrind (apt-get install valgrind)"
	[ $gv_ok = 1 ] || die "'$bin --version' failed: build git-vitals first"
	pdir=$cache/profile
	mkdir -p "$pdir"
	rm -f "$pdir/callgrind.git" "$pdir/callgrind.git-vitals"
	echo "  method      one run each under valgrind --tool=callgrind"
	valgrind -q --tool=callgrind --callgrind-out-file="$pdir/callgrind.git" \
		git -C "$repo" log --all --format='%H %P %at %ct%n%B' >/dev/null
	valgrind -q --tool=callgrind \
		--callgrind-out-file="$pdir/callgrind.git-vitals" \
		"$bin" --all --format json "$repo" >/dev/null 2>"$work/stderr" || {
		tail -n 20 "$work/stderr" >&2
		die "git-vitals failed under valgrind"
	}
	g_ir=$(ir_total "$pdir/callgrind.git")
	v_ir=$(ir_total "$pdir/callgrind.git-vitals")
	echo
	printf '  %-12s %16s %12s\n' "" "instructions" "per commit"
	printf '  %-12s %16s %12.0f\n' "git log" "$g_ir" \
		"$(awk -v a="$g_ir" -v n="$ncommits" 'BEGIN { print a / n }')"
	printf '  %-12s %16s %12.0f\n' "git-vitals" "$v_ir" \
		"$(awk -v a="$v_ir" -v n="$ncommits" 'BEGIN { print a / n }')"
	echo
	echo "instruction ratio $(ratio "$v_ir" "$g_ir") (load-independent" \
		"proxy for the time ratio)"
	# Issue 7: first-release computation and all metrics under 10%.
	rm_share=$(callgrind_annotate --inclusive=yes \
		"$pdir/callgrind.git-vitals" 2>/dev/null | awk -v t="$v_ir" '
		match($0, /:gv_(releases|metrics)_compute /) && !/'"'"'/ {
			f = substr($0, RSTART, RLENGTH)
			if (!seen[f]++) { gsub(",", "", $1); s += $1 } }
		END { printf "%.1f\n", 100 * s / t }')
	echo "releases + metrics: $rm_share% of git-vitals' instructions" \
		"(target < 10%)"
	echo
	echo "git-vitals, inclusive (JIT-compiled regex code shows as ???:0x...):"
	callgrind_annotate --inclusive=yes "$pdir/callgrind.git-vitals" \
		2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,200p' |
		grep -v -e '^ *$' -e '???:0x[0-9a-f]*.2 \[???\]' -e '(below main)' \
			-e 'libc-start' -e 'start_thread' -e 'ld-linux' |
		awk '!seen[$NF $(NF-1)]++' | head -n 30 | cut -c1-110
	echo
	echo "git-vitals, self:"
	callgrind_annotate --inclusive=no "$pdir/callgrind.git-vitals" \
		2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,22p' |
		cut -c1-110
	echo
	echo "callgrind files: $pdir/callgrind.git-vitals, $pdir/callgrind.git"
	# Issue 6: the warm re-run against a cold run with an empty cache.
	if "$bin" --help 2>&1 | grep -q -e '--cache'; then
		for run in cold warm; do
			valgrind -q --tool=callgrind \
				--callgrind-out-file="$pdir/callgrind.$run" "$bin" \
				--cache "$work/pcache" --all --format json "$repo" \
				>/dev/null 2>"$work/stderr" || {
				tail -n 20 "$work/stderr" >&2
				die "git-vitals --cache failed under valgrind"
			}
		done
		c_ir=$(ir_total "$pdir/callgrind.cold")
		w_ir=$(ir_total "$pdir/callgrind.warm")
		echo
		echo "--cache: cold $c_ir, warm $w_ir instructions: warm/cold" \
			"$(ratio "$w_ir" "$c_ir") (target <= 0.05);" \
			"$pdir/callgrind.warm"
	fi
	exit 0
fi

git_cmd() {
	run "$1" -- git -C "$repo" log --all --format='%H %P %at %ct%n%B'
}
gv_cmd() {
	run "$1" -- "$bin" --all --format json "$repo"
}

# -- issue 7: git-vitals against git log -------------------------------------
echo "  method      $rounds rounds after 1 warm-up each, A/B order alternating;"
echo "              medians; anon memory from one extra sampled run each"
git_cmd "$work/warmup"
if [ $gv_ok = 1 ]; then
	gv_cmd "$work/warmup"
	if [ -s "$work/stderr" ]; then
		echo "  stderr      of git-vitals ($(wc -l <"$work/stderr" | tr -d ' ')" \
			"lines, first 3):"
		head -n 3 "$work/stderr" | cut -c1-150 | sed 's/^/    /'
	fi
fi
i=1
while [ "$i" -le "$rounds" ]; do
	if [ $((i % 2)) = 1 ] || [ $gv_ok = 0 ]; then
		git_cmd "$work/git"
		[ $gv_ok = 0 ] || gv_cmd "$work/gv"
	else
		gv_cmd "$work/gv"
		git_cmd "$work/git"
	fi
	i=$((i + 1))
done
run "$work/git.anon" -a -- git -C "$repo" log --all --format='%H %P %at %ct%n%B'
[ $gv_ok = 0 ] || run "$work/gv.anon" -a -- "$bin" --all --format json "$repo"

g_wall=$(median "$work/git" 1)
g_cpu=$(awk '{ print $2 + $3 }' "$work/git" >"$work/git.cpu"; median "$work/git.cpu" 1)
g_rss=$(median "$work/git" 4)
g_anon=$(median "$work/git.anon" 5)
if [ $gv_ok = 1 ]; then
	v_wall=$(median "$work/gv" 1)
	v_cpu=$(awk '{ print $2 + $3 }' "$work/gv" >"$work/gv.cpu"; median "$work/gv.cpu" 1)
	v_rss=$(median "$work/gv" 4)
	v_anon=$(median "$work/gv.anon" 5)
else
	v_wall=n/a v_cpu=n/a v_rss=-1 v_anon=-1
fi
t_ratio=$(ratio "$v_wall" "$g_wall")
c_ratio=$(ratio "$v_cpu" "$g_cpu")
r_ratio=$(ratio "$v_rss" "$g_rss")
a_ratio=$(ratio "$v_anon" "$g_anon")

echo
printf '  %-12s %10s %10s %14s %14s\n' "" "wall s" "cpu s" "peak RSS MiB" "peak anon MiB"
printf '  %-12s %10s %10s %14s %14s\n' "git log" "$g_wall" "$g_cpu" \
	"$(mib "$g_rss")" "$(mib "$g_anon")"
printf '  %-12s %10s %10s %14s %14s\n' "git-vitals" "$v_wall" "$v_cpu" \
	"$(mib "$v_rss")" "$(mib "$v_anon")"
printf '  %-12s %10s %10s %14s %14s\n' "ratio" "$t_ratio" "$c_ratio" \
	"$r_ratio" "$a_ratio"
echo
if [ $gv_ok = 0 ]; then
	echo "git-vitals: '$bin --version' failed: not built yet? Reference only."
else
	echo "time ratio $t_ratio (target <= 1.0, aim 0.6)"
	echo "RSS ratio $r_ratio (target <= 1.0; anon ratio $a_ratio)"
fi
echo "RESULTS.md row: | $(date -u +%Y-%m-%d) | $ncpu x $cpu | $label |" \
	"$ncommits | $t_ratio | $r_ratio | (change) |"

# What the other cores buy: the same run pinned to one CPU (3 runs, median).
if [ $gv_ok = 1 ] && [ "$ncpu" != 1 ] && command -v taskset >/dev/null 2>&1; then
	for i in 1 2 3; do
		run "$work/one" -- taskset -c 0 "$bin" --all --format json "$repo"
	done
	one=$(median "$work/one" 1)
	echo "on one core: $one s; all $ncpu cores are $(ratio "$one" "$v_wall")x" \
		"faster"
fi

# -- issue 6: warm cache and batch parallelism -------------------------------
# Each part runs only once the binary has it: the help text must name it (an
# unknown subcommand may still print the usage and exit 0).
echo
# A single run takes --cache DIR; until it does, a batch of this one
# repository measures the same thing.
cache_via=
if [ $gv_ok = 1 ]; then
	if "$bin" --help 2>&1 | grep -q -e '--cache'; then
		cache_via="run"
	elif "$bin" batch --help 2>&1 | grep -q -e '--cache'; then
		cache_via="batch"
		manifest_line "$repo" >"$work/manifest1"
	fi
fi
if [ -n "$cache_via" ]; then
	# Warm re-run of an unchanged repository with --cache, against a cold
	# run (empty cache), process start included in both.
	[ "$ncommits" -ge 40000 ] ||
		echo "note: $ncommits commits; issue 6 asks for >= 40000"
	cdir=$work/cache
	cache_cmd() {
		[ "$1" = warm ] || rm -rf "$cdir"
		if [ $cache_via = run ]; then
			run "$work/$1" -o "$2" -- \
				"$bin" --cache "$cdir" --all --format json "$repo"
		else
			run "$work/$1" -o "$2" -- \
				"$bin" batch --quiet --cache "$cdir" "$work/manifest1"
		fi
	}
	cache_cmd cold "$work/cold.json"
	cache_cmd warm "$work/warm.json"
	: >"$work/cold"
	: >"$work/warm"
	i=1
	while [ "$i" -le "$rounds" ]; do
		cache_cmd cold /dev/null
		cache_cmd warm /dev/null
		i=$((i + 1))
	done
	same=no
	sed 's/"generated_at": *"[^"]*"//' "$work/cold.json" >"$work/cold.cmp"
	sed 's/"generated_at": *"[^"]*"//' "$work/warm.json" >"$work/warm.cmp"
	cmp -s "$work/cold.cmp" "$work/warm.cmp" && same=yes
	c_wall=$(median "$work/cold" 1)
	w_wall=$(median "$work/warm" 1)
	[ $cache_via = run ] || echo "  (through 'git-vitals batch --cache':" \
		"the single run has no --cache yet)"
	printf '  %-28s %10s\n' "cold run, empty --cache" "$c_wall"
	printf '  %-28s %10s\n' "warm re-run, same --cache" "$w_wall"
	echo "warm/cold ratio $(ratio "$w_wall" "$c_wall") (target <= 0.05);" \
		"warm report identical to cold: $same"
else
	echo "cache benchmark skipped: no --cache option in '$bin --help'" \
		"or '$bin batch --help'"
fi

echo
if [ "$batch_repos" = 0 ]; then
	echo "batch benchmark skipped: BENCH_BATCH_REPOS=0"
elif [ $gv_ok = 1 ] && "$bin" batch --help 2>&1 | grep -qi 'manifest'; then
	# A batch of generated repositories, -j1 against -j2 (cache off: every
	# run is cold). Seeds differ, so no two repositories are alike.
	# Missing ones are generated once, as many at a time as there are cores
	# (each in a subshell: its own temporary name, r<i>.git.tmp.<pid>).
	bstore=$store/batch-$batch_commits
	case $ncpu in '' | *[!0-9]*) par=1 ;; *) par=$ncpu ;; esac
	pids=
	n=0
	i=1
	while [ "$i" -le "$batch_repos" ]; do
		r=$bstore/r$i.git
		if [ ! -d "$r" ]; then
			[ -n "$pids" ] || [ $n != 0 ] || echo "bench: generating" \
				"repositories of $batch_commits commits (once)" >&2
			make_repo "$batch_commits" $((1000 + i)) "$r" &
			pids="$pids $!"
			n=$((n + 1))
			if [ $((n % par)) = 0 ]; then
				for p in $pids; do wait "$p" || die "generating failed"; done
				pids=
			fi
		fi
		manifest_line "$r" >>"$work/manifest"
		i=$((i + 1))
	done
	for p in $pids; do wait "$p" || die "generating failed"; done
	batch_cmd() {
		run "$work/$1" -- "$bin" batch --no-cache --quiet -j "$2" \
			"$work/manifest"
	}
	batch_cmd bwarm 1
	batch_cmd bwarm 2
	i=1
	while [ "$i" -le "$batch_rounds" ]; do
		if [ $((i % 2)) = 1 ]; then
			batch_cmd j1 1
			batch_cmd j2 2
		else
			batch_cmd j2 2
			batch_cmd j1 1
		fi
		i=$((i + 1))
	done
	j1=$(median "$work/j1" 1)
	j2=$(median "$work/j2" 1)
	printf '  %-28s %10s\n' "batch of $batch_repos, -j1" "$j1"
	printf '  %-28s %10s\n' "batch of $batch_repos, -j2" "$j2"
	echo "batch speedup -j2 over -j1 $(ratio "$j1" "$j2") (target >= 1.7" \
		"on 2 cores; $ncpu here)"
else
	echo "batch benchmark skipped: '$bin batch --help' failed or names no" \
		"MANIFEST (no batch command yet)"
fi
