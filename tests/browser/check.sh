#!/bin/sh
# tests/browser/check.sh BIN OUT - the HTML pages in a real browser.
#
# Renders the demo repository's report, a report of a repository full of
# hostile text, and a fleet page in headless Chromium (Debian's chromium,
# which `make deps` installs) and checks, for each page, the DOM Chromium
# built: every chart's <svg> holds marks, the page's own script ran to its
# end (<html data-script="ran">), it is the only script and no <img> came
# from the repository, and nothing was logged on the console (a script
# error, a CSP refusal). Then it takes screenshots at 1280x2000 and 390x1600
# and has Chromium itself count the non-white pixels of each: a blank page
# fails. The pages and screenshots stay in OUT. Plain sh, grep and awk.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sh tests/browser/check.sh BIN OUT" >&2
	exit 1
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$2
chromium=${CHROMIUM:-/usr/bin/chromium}
fails=0

fail() {
	echo "browser check: $*" >&2
	fails=$((fails + 1))
}

[ -x "$chromium" ] || { echo "browser check: no $chromium (make deps)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT INT TERM

# chrome URL [extra flags...]: a fresh profile each time, no network.
chrome() {
	url=$1
	shift
	rm -rf "$profile/p"
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --disable-quic \
		--hide-scrollbars --user-data-dir="$profile/p" \
		--enable-logging=stderr --v=0 "$@" "$url"
}

# The repositories and pages.
sh "$src/samples/make-demo-repo.sh" "$out/demo" >/dev/null
(
	cd "$out"
	mkdir hostile && cd hostile
	git init -q -b main
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$out" \
		GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@example.com \
		GIT_AUTHOR_EMAIL=a@example.com
	export GIT_AUTHOR_NAME='<script>alert(1)</script> "><img src=x onerror=alert(1)>'
	c() { GIT_COMMITTER_DATE=$2 GIT_AUTHOR_DATE=$2 git commit -q --allow-empty -m "$1"; }
	c '<script>alert(1)</script> add "><img src=x onerror=alert(1)>' 2024-01-01T00:00:00Z
	a=$(git rev-parse HEAD)
	GIT_COMMITTER_DATE=2024-01-02T00:00:00Z git tag -a -m x '<script>alert(1)</script>'
	c "$(printf 'Revert "x"\n\nThis reverts commit %s.' "$a")" 2024-01-03T00:00:00Z
	c 'fix CVE-2024-0001 "><img src=x onerror=alert(1)>' 2024-01-03T12:00:00Z
	GIT_COMMITTER_DATE=2024-01-04T00:00:00Z git tag -a -m x '"><img/src=x/onerror=alert(1)>'
)
(cd "$out" && "$bin" --format html --output report.html demo)
(cd "$out" && "$bin" --format html --release-pattern '[<"]' \
	--output hostile.html hostile)
printf '%s\n' 'demo name=tinyhttp' \
	'hostile name="<script>alert(1)</script>" release-pattern="[<\"]"' \
	'missing' > "$out/fleet.manifest"
(cd "$out" && "$bin" batch -q --no-cache fleet.manifest > fleet.ndjson) || :
(cd "$out" && "$bin" summary --format html --output fleet.html fleet.ndjson)

# The console check must be able to fail: a page that throws must log.
printf '<!DOCTYPE html><script>throw new Error("probe")</script>\n' > "$out/probe.html"
chrome "file://$out/probe.html" --dump-dom > /dev/null 2> "$out/probe.log" || :
grep -q 'CONSOLE' "$out/probe.log" ||
	fail "a script error is not logged: the console check would pass anything"

for page in report hostile fleet; do
	chrome "file://$out/$page.html" --dump-dom > "$out/$page.dom" \
		2> "$out/$page.log" || fail "$page: chromium failed"
	grep -q '<html[^>]*data-script="ran"' "$out/$page.dom" ||
		fail "$page: the page's script did not run to its end"
	if grep 'CONSOLE' "$out/$page.log" >&2; then
		fail "$page: console messages (above)"
	fi
	n=$(grep -o '<script' "$out/$page.dom" | wc -l)
	[ "$n" -eq 1 ] || fail "$page: $n scripts, expected only the page's own"
	! grep -q '<img' "$out/$page.dom" || fail "$page: an <img> element"
	# every chart: an <svg class="chart"> ... </svg> with a mark in it
	awk -v page="$page" '
		BEGIN { RS = "</svg>"; charts = 0; bad = 0 }
		/<svg class="chart"/ {
			charts++
			if ($0 !~ /class="mark/) { bad++; print page ": chart " charts " has no marks" > "/dev/stderr" }
		}
		END { if (!charts) { print page ": no charts" > "/dev/stderr"; bad++ }
		      print charts " charts"; exit bad != 0 }
	' "$out/$page.dom" > "$out/$page.charts" || fail "$page: charts"
done
[ "$(cat "$out/report.charts")" = "5 charts" ] ||
	fail "report: $(cat "$out/report.charts"), expected 5"

# Screenshots, then Chromium counts their non-white pixels (a data: URL
# does not taint the canvas, a file: URL would).
for page in report fleet; do
	for size in 1280,2000 390,1600; do
		png="$out/$page-${size%,*}.png"
		chrome "file://$out/$page.html" --window-size="$size" \
			--screenshot="$png" > /dev/null 2>&1 || :
		[ -s "$png" ] || { fail "$png: no screenshot"; continue; }
		{
			printf '<!DOCTYPE html><body><script>var i=new Image();'
			printf 'i.onload=function(){var c=document.createElement("canvas");'
			printf 'c.width=i.width;c.height=i.height;var x=c.getContext("2d");'
			printf 'x.drawImage(i,0,0);var d=x.getImageData(0,0,c.width,c.height).data,'
			printf 'n=0;for(var k=0;k<d.length;k+=4)if(d[k]<240||d[k+1]<240||d[k+2]<240)n++;'
			printf 'document.body.setAttribute("data-ink",n);'
			printf 'document.body.setAttribute("data-size",c.width+"x"+c.height)};'
			printf 'i.src="data:image/png;base64,'
			base64 -w0 "$png"
			printf '";</script></body>\n'
		} > "$out/ink.html"
		chrome "file://$out/ink.html" --virtual-time-budget=10000 --dump-dom \
			> "$out/ink.dom" 2>/dev/null || :
		ink=$(sed -n 's/.*data-ink="\([0-9]*\)".*/\1/p' "$out/ink.dom")
		dims=$(sed -n 's/.*data-size="\([0-9x]*\)".*/\1/p' "$out/ink.dom")
		[ "$dims" = "$(echo "$size" | tr , x)" ] ||
			fail "$png: size '$dims', expected $size"
		# a blank page has no ink; a rendered report has tens of thousands
		[ "${ink:-0}" -gt 20000 ] || fail "$png: blank (${ink:-no} non-white pixels)"
		echo "$png: ${ink:-0} non-white pixels"
	done
done

if [ "$fails" -gt 0 ]; then
	echo "browser check: $fails failure(s); pages and logs in $out" >&2
	exit 1
fi
echo "browser check: ok (pages and screenshots in $out)"
