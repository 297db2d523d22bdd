# git-vitals - plain Makefile; every dependency is found with pkg-config.
#
#   make            build ./git-vitals (objects in build/)
#   make deps       install missing Debian packages (apt-get; sudo when not root)
#   make demo       deps, build, and a report on the demo repository of samples/
#   make test       deps, build, every test, the same tests under ASan+UBSan,
#                   then the HTML pages in headless Chromium
#   make check      the tests only (no sanitizers)
#   make accuracy   the rules against the labelled corpus (tests/data/labelled),
#                   failing below the precision/recall floors
#   make asan       the tests built with -fsanitize=address,undefined
#   make browser    the HTML report and fleet page in headless Chromium
#   make samples    rebuild samples/demo-report.html and its screenshots
#   make fuzz       the libFuzzer targets of tests/fuzz/, each run FUZZ_TIME
#                   seconds (default 60); make fuzz-smoke: 3 s each
#   make bench      the benchmark harness (bench/), REPO=/path for a real repo
#   make bench-profile  the same under callgrind (instruction counts)
#   make install    PREFIX=/usr/local: binary and man page

PREFIX ?= /usr/local
CC ?= cc
PKGS := libgit2 libpcre2-8 libcjson
VERSION := 0.1.0

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wstrict-prototypes \
	-Wmissing-prototypes
ifeq ($(CI),true)
WARN += -Werror
endif
OPT ?= -O2 -g
BUILD ?= build

# Recursive variables: pkg-config runs only when a compile needs it, which is
# after `make deps` has had its chance.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
# see src/libgit.c: what libgit2 would set up at start for the network
# (CA bundle, SSH) is never used
EXPORTS = -Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_file \
          -Wl,--export-dynamic-symbol=libssh2_init
TEST_CFLAGS = $(shell pkg-config --cflags criterion)
TEST_LIBS = $(shell pkg-config --libs criterion)

# A build id that changes with every source change, so caches keyed by it
# never trust classifications made by another build.
BUILD_ID = $(shell cat $(sort $(wildcard src/*.c src/*.h src/cli/*.c src/cli/*.h include/gv/*.h rules/*.rules)) | cksum | cut -d' ' -f1)

CPPFLAGS += -Iinclude -Isrc -I$(BUILD) -DGV_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(OPT) $(SAN) $(PKG_CFLAGS) $(CFLAGS)

LIB_SRC := $(sort $(wildcard src/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
LIB_OBJ = $(LIB_SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/default_rules.o
CLI_OBJ = $(CLI_SRC:src/cli/%.c=$(BUILD)/cli/%.o)
TEST_OBJ = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.o)

.PHONY: all deps deps-build demo test check accuracy asan browser samples fuzz fuzz-build \
	fuzz-smoke fuzz-run bench bench-profile install clean

all: git-vitals

git-vitals: $(BUILD)/git-vitals
	cp $< $@

$(BUILD)/git-vitals: $(LIB_OBJ) $(CLI_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(EXPORTS) $(LDFLAGS)

$(BUILD)/%.o: src/%.c include/gv/*.h src/*.h | $(BUILD)/cli $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/cli/%.o: src/cli/%.c include/gv/*.h src/cli/*.h | $(BUILD)/cli
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -DGV_BUILD_ID='"$(BUILD_ID)"' -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c include/gv/*.h src/*.h tests/*.h | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

# The default rules are compiled into the binary, so it works the same from
# the build tree, installed, or copied anywhere.
$(BUILD)/default_rules.c: $(sort $(wildcard rules/*.rules)) Makefile | $(BUILD)
	@{ echo '/* Generated from rules/ by make: do not edit. */'; \
	  echo '#include "gv/embedded.h"'; \
	  i=0; for f in $(sort $(wildcard rules/*.rules)); do \
	    echo "static const unsigned char r$$i[] = {"; \
	    od -An -v -tx1 "$$f" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	    echo '0x00};'; i=$$((i+1)); done; \
	  echo 'const gv_embedded_file gv_default_rules[] = {'; \
	  i=0; for f in $(sort $(wildcard rules/*.rules)); do \
	    echo "{\"$$f\", (const char *)r$$i, sizeof(r$$i) - 1},"; i=$$((i+1)); done; \
	  echo '{0, 0, 0}};'; \
	  echo "const size_t gv_default_rules_count = $$i;"; \
	} > $@.tmp && mv $@.tmp $@

$(BUILD)/default_rules.o: $(BUILD)/default_rules.c include/gv/embedded.h
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(BUILD) $(BUILD)/cli $(BUILD)/tests:
	mkdir -p $@

# The tests link the library objects (not main.c) and run the binary for the
# end-to-end cases; GV_BIN tells them which binary.
$(BUILD)/test-runner: $(LIB_OBJ) $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) $(TEST_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS) $(EXPORTS) $(LDFLAGS)

# What building needs (make demo); the tests need a browser, promtool and
# GNU parallel as well (make deps, make test).
BUILD_DEPS_CHECK = \
	command -v cc >/dev/null 2>&1 || missing="$$missing gcc libc6-dev"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	{ command -v clang >/dev/null 2>&1 && $(FUZZ_PROBE); } || \
	  missing="$$missing clang libclang-rt-dev"; \
	for p in libgit2-dev:libgit2 libpcre2-dev:libpcre2-8 libcjson-dev:libcjson \
	         libcriterion-dev:criterion; do \
	  pkg-config --exists "$${p\#*:}" 2>/dev/null || missing="$$missing $${p%%:*}"; \
	done;
TEST_DEPS_CHECK = \
	for p in chromium:/usr/bin/chromium prometheus:promtool parallel:parallel; do \
	  command -v "$${p\#*:}" >/dev/null 2>&1 || missing="$$missing $${p%%:*}"; \
	done;
INSTALL_MISSING = \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

deps-build:
	@missing=""; $(BUILD_DEPS_CHECK) $(INSTALL_MISSING)

deps:
	@missing=""; $(BUILD_DEPS_CHECK) $(TEST_DEPS_CHECK) $(INSTALL_MISSING)

demo: deps-build
	@$(MAKE) --no-print-directory all
	@sh samples/make-demo-repo.sh $(BUILD)/demo-repo
	./git-vitals --format text $(BUILD)/demo-repo

check: $(BUILD)/test-runner git-vitals
	GV_BIN=$(CURDIR)/git-vitals GV_RULES_DIR=$(CURDIR)/rules $(BUILD)/test-runner -j2
	./git-vitals rules test rules
	@$(MAKE) --no-print-directory accuracy

# The floors the default rules must keep on the hand-labelled corpus
# (docs/RULES.md); a fall below one exits 4. Those of security, revert
# (precision, recall, target) and rollback are the issue's targets. The
# fix floor is a regression guard at what the rules reach, because its
# target (precision 0.90 at recall 0.60) is not met and docs/RULES.md says
# why: 0.867 at 0.448 on the three batches pooled, 0.867 at 0.474 on the
# held-out third.
ACCURACY_FLOORS = --floor fix:precision=0.85 --floor fix:recall=0.44 \
	--floor security:precision=0.90 --floor revert:precision=0.97 \
	--floor revert:recall=0.90 --floor revert:target=0.95 \
	--floor rollback:precision=0.80

accuracy: git-vitals
	./git-vitals rules accuracy --format text $(ACCURACY_FLOORS) tests/data/labelled

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT='-O1 -g' \
	  SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
	  build/asan/test-runner build/asan/git-vitals
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	GV_BIN=$(CURDIR)/build/asan/git-vitals GV_RULES_DIR=$(CURDIR)/rules \
	  build/asan/test-runner -j2

test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory browser
	@$(MAKE) --no-print-directory fuzz-smoke

# Renders the demo report, a hostile report and a fleet page in headless
# Chromium and checks the DOM, the console and the screenshots
# (tests/browser/check.sh); the pages stay in build/browser.
browser: git-vitals
	sh tests/browser/check.sh ./git-vitals $(BUILD)/browser

# The rendered demo report the README shows, checked in the browser first.
samples: browser
	cp $(BUILD)/browser/report.html samples/demo-report.html
	cp $(BUILD)/browser/report-1280.png samples/demo-report.png
	cp $(BUILD)/browser/report-390.png samples/demo-report-narrow.png
	cp $(BUILD)/browser/fleet.html samples/demo-fleet.html
	cp $(BUILD)/browser/fleet-1280.png samples/demo-fleet.png

# libFuzzer targets (clang): parsers from bytes, one per input git-vitals
# reads from others (tests/fuzz/fuzz_*.c), seeded from tests/fuzz/corpus/.
# New inputs a run finds go to build/fuzz/corpus/, crashes to
# build/fuzz/crashes/ (turn each into a regression test). fuzz-smoke, part
# of `make test`, runs each target FUZZ_SMOKE_TIME seconds; without a clang
# that has libFuzzer it says so and is skipped.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 3
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
	-fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	$(PKG_CFLAGS) $(CFLAGS)
FUZZ_LIB_OBJ = $(LIB_SRC:src/%.c=build/fuzz/obj/%.o) build/fuzz/obj/default_rules.o
FUZZ_BIN = $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/obj/%.o: src/%.c include/gv/*.h src/*.h | build/fuzz/obj
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/obj/default_rules.o: $(BUILD)/default_rules.c | build/fuzz/obj
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

# an archive: each target links only the modules it reaches (the commit
# header target neither libgit2's code nor history.c's overrides)
build/fuzz/libgv.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libgv.a
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  build/fuzz/libgv.a $(PKG_LIBS)

build/fuzz/obj:
	mkdir -p $@

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_TIME=$(FUZZ_TIME)

# 1 when $(FUZZ_CC) links a libFuzzer target (clang and its runtime)
FUZZ_PROBE = mkdir -p build && \
	printf 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' | \
	$(FUZZ_CC) -x c -fsanitize=fuzzer -o build/.fuzz-probe - 2>/dev/null

fuzz-smoke:
	@if $(FUZZ_PROBE); then \
	  $(MAKE) --no-print-directory fuzz-build && \
	  $(MAKE) --no-print-directory fuzz-run FUZZ_RUN_TIME=$(FUZZ_SMOKE_TIME); \
	else echo "fuzz-smoke: skipped: $(FUZZ_CC) has no libFuzzer (make deps)"; fi

fuzz-run:
	@set -e; mkdir -p build/fuzz/crashes; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  echo "fuzz $$t: $(FUZZ_RUN_TIME) s"; \
	  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_RUN_TIME) -timeout=10 \
	    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=0 \
	    -artifact_prefix=build/fuzz/crashes/$$t- \
	    build/fuzz/corpus/$$t tests/fuzz/corpus/$$t 2>build/fuzz/$$t.log || \
	    { tail -40 build/fuzz/$$t.log; exit 1; }; \
	done

bench: all
	@CC='$(CC)' sh bench/run.sh $(REPO)

bench-profile: all
	@CC='$(CC)' sh bench/run.sh --profile $(REPO)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 git-vitals $(DESTDIR)$(PREFIX)/bin/git-vitals
	install -m 644 docs/git-vitals.1 $(DESTDIR)$(PREFIX)/share/man/man1/git-vitals.1

clean:
	rm -rf build git-vitals
