# connect-dynamo. `make` builds the shipped library into build/lib;
# `make test` runs every suite; `make install PREFIX=... DESTDIR=...` installs
# the library, header, pkg-config file, the connectdynamo tool and its man
# page (`make uninstall` removes them); `make demo` is the main job on a local
# DynamoDB; `make bench` prints the benchmarks (and writes their reports,
# build/bench/blocking.md and build/bench/concurrency.md with its plots). `make deps` installs what a
# fresh machine lacks (test, demo, demo-c and bench call it); `make` alone
# names what it lacks (scripts/check-build-deps.sh).

SWIFT      ?= swift
PYTHON     ?= python3
CC         ?= cc
# The SONAME's number, from the header (its one source).
ABI        := $(shell sed -n 's/^\#define CDYN_ABI_VERSION \([0-9][0-9]*\).*/\1/p' include/connectdynamo.h)
LIBDIR     := build/lib
LIB        := $(LIBDIR)/libconnectdynamo.so
TOOL       := build/bin/connectdynamo
MAN        := build/man/connectdynamo.1
# The release, from the header: the installed file is libconnectdynamo.so.
# ABI.MINOR.PATCH, with the .so.ABI (SONAME) and .so links beside it.
VERSION    := $(shell sed -n 's/^\#define CDYN_VERSION "\(.*\)"/\1/p' include/connectdynamo.h)
SOVERSION  := $(ABI).$(word 2,$(subst ., ,$(VERSION))).$(word 3,$(subst ., ,$(VERSION)))
PREFIX     ?= /usr/local
DESTDIR    ?=
INSTALL    ?= install
RELEASE_FLAGS := -c release -Xswiftc -static-stdlib -Xswiftc -use-ld=lld \
	-Xlinker --version-script=$(CURDIR)/scripts/exports.map \
	-Xlinker -soname=libconnectdynamo.so.$(ABI)
LOCALDYNAMO := $(PYTHON) scripts/localdynamo.py
VALGRIND   := valgrind --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect

.PHONY: all lib tool man install uninstall deps check-build-deps test test-swift test-tsan fuzz test-fuzz \
	test-header test-versions test-c test-instructions instructions-baseline test-integration test-python test-node test-swift-web demo demo-c bench \
	bench-reap clean

all: lib tool

deps:
	@scripts/install-deps.sh

lib: $(LIB)

# Runs before every build of the library, and names the packages (and
# `make deps`) when a header is missing, instead of a compiler error.
check-build-deps:
	@CC="$(CC)" SWIFT="$(SWIFT)" CHECK_CPPFLAGS="$(CHECK_CPPFLAGS)" scripts/check-build-deps.sh

$(LIB): Makefile Package.swift include/connectdynamo.h scripts/exports.map $(shell find Sources -type f) \
		| check-build-deps
	$(SWIFT) build $(RELEASE_FLAGS) --product connectdynamo
	mkdir -p $(LIBDIR)
	cp .build/release/libconnectdynamo.so $(LIBDIR)/libconnectdynamo.so.$(ABI).tmp
	strip --strip-debug $(LIBDIR)/libconnectdynamo.so.$(ABI).tmp
	mv -f $(LIBDIR)/libconnectdynamo.so.$(ABI).tmp $(LIBDIR)/libconnectdynamo.so.$(ABI)
	ln -sf libconnectdynamo.so.$(ABI) $(LIB)

# The operator's command line (tools/connectdynamo). Its rpath finds the
# library beside it in build/ and after `make install` alike.
tool: $(TOOL)

$(TOOL): tools/connectdynamo/connectdynamo.c include/connectdynamo.h $(LIB)
	mkdir -p $(dir $@)
	$(CC) -std=c99 -Wall -Wextra -Werror -O2 -g -Iinclude -o $@ $< \
		-L$(LIBDIR) -lconnectdynamo -Wl,-rpath,'$$ORIGIN/../lib'

man: $(MAN)

$(MAN): $(TOOL) tools/connectdynamo/genman.sh
	mkdir -p $(dir $@)
	tools/connectdynamo/genman.sh $(TOOL) $(VERSION) > $@.tmp
	mv -f $@.tmp $@

# `make install PREFIX=/usr DESTDIR=/tmp/stage` for packagers; the .pc file
# names PREFIX (not DESTDIR), where the files will finally live.
install: $(LIB) $(TOOL) $(MAN)
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	$(INSTALL) -m 755 $(LIBDIR)/libconnectdynamo.so.$(ABI) $(DESTDIR)$(PREFIX)/lib/libconnectdynamo.so.$(SOVERSION)
	ln -sf libconnectdynamo.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libconnectdynamo.so.$(ABI)
	ln -sf libconnectdynamo.so.$(ABI) $(DESTDIR)$(PREFIX)/lib/libconnectdynamo.so
	$(INSTALL) -m 644 include/connectdynamo.h $(DESTDIR)$(PREFIX)/include/connectdynamo.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' scripts/connectdynamo.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/connectdynamo.pc
	$(INSTALL) -m 755 $(TOOL) $(DESTDIR)$(PREFIX)/bin/connectdynamo
	$(INSTALL) -m 644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/connectdynamo.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libconnectdynamo.so.$(SOVERSION) \
		$(DESTDIR)$(PREFIX)/lib/libconnectdynamo.so.$(ABI) $(DESTDIR)$(PREFIX)/lib/libconnectdynamo.so \
		$(DESTDIR)$(PREFIX)/include/connectdynamo.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/connectdynamo.pc \
		$(DESTDIR)$(PREFIX)/bin/connectdynamo $(DESTDIR)$(PREFIX)/share/man/man1/connectdynamo.1

# Node before Python: the Python suite's interop tests use the Node addon.
test: deps lib test-header test-versions test-swift test-tsan test-fuzz test-c test-instructions test-integration test-node test-python \
	test-swift-web

test-header: lib
	scripts/check-header.sh
	scripts/check-exports.sh $(LIBDIR)/libconnectdynamo.so.$(ABI)

# The version and the ABI number: the header is their one source.
test-versions:
	$(PYTHON) scripts/check-versions.py

# The Swift suites with a local DynamoDB, so the store's own concurrency
# tests run too; then all of them again under ThreadSanitizer.
# No Swift test needs moto's item operations made atomic (the race
# harnesses are in the C, Node and Python suites), and the reaper's
# stop-after-the-pages-in-flight test miscounts on a moto slowed by those
# locks: plain moto here (CDYN_MOTO_ATOMIC=0).
test-swift:
	CDYN_MOTO_ATOMIC=0 $(LOCALDYNAMO) run -- $(SWIFT) test

test-tsan:
	CDYN_MOTO_ATOMIC=0 TSAN_OPTIONS=halt_on_error=1 $(LOCALDYNAMO) run -- \
		$(SWIFT) test --sanitize=thread --scratch-path .build-tsan

# libFuzzer (with AddressSanitizer): one target per parser of outside bytes
# (Fuzz/ConnectDynamoFuzz/Fuzz.swift), each from its seeds in
# Fuzz/corpus/TARGET; `make test` runs each briefly, `make fuzz` longer
# (FUZZ_SECONDS per target). A crash leaves its input in build/fuzz as
# TARGET-crash-*; replay it with the plain build:
# swift run ConnectDynamoFuzz TARGET FILE. (libFuzzer reports a crash
# itself; Swift's backtracer would only delay it.)
# A target per seed folder: the binary refuses a name it does not know.
FUZZ_TARGETS := $(sort $(notdir $(wildcard Fuzz/corpus/*)))
FUZZ_SECONDS ?= 40
fuzz test-fuzz:
	$(SWIFT) build --sanitize=fuzzer --sanitize=address -Xswiftc -DFUZZING \
		-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
		--product ConnectDynamoFuzz --scratch-path .build-fuzz
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$$target && \
		cp Fuzz/corpus/$$target/* build/fuzz/corpus/$$target/ || exit 1; \
		if ! (cd build/fuzz && FUZZ_TARGET=$$target SWIFT_BACKTRACE=enable=no \
			../../.build-fuzz/debug/ConnectDynamoFuzz \
			-max_len=4096 -artifact_prefix=$$target- \
			-max_total_time=$(if $(filter test-fuzz,$@),3,$(FUZZ_SECONDS)) \
			corpus/$$target >$$target.log 2>&1); then \
			tail -40 build/fuzz/$$target.log; echo "fuzz $$target: FAILED"; exit 1; \
		fi; \
		echo "fuzz $$target: $$(grep -o 'Done [0-9]* runs in [0-9]* second' build/fuzz/$$target.log)s"; \
	done

build/c/%: Tests/c/%.c include/connectdynamo.h $(LIB)
	mkdir -p build/c
	$(CC) -std=c99 -Wall -Wextra -Werror -g -Iinclude -o $@ $< -L$(LIBDIR) -lconnectdynamo -Wl,-rpath,$(CURDIR)/$(LIBDIR) -lpthread

test-c: build/c/test_capi
	$(LOCALDYNAMO) run -- $(VALGRIND) build/c/test_capi

# Instructions per blocking get and set (callgrind, against a canned
# keep-alive endpoint): fails when either grows more than 10% over
# Tests/perf/instructions-baseline.json. `make instructions-baseline`
# measures again and rewrites it (commit it with the change that moved it).
build/perf/instructions: Tests/perf/instructions.c include/connectdynamo.h $(LIB)
	mkdir -p build/perf
	$(CC) -std=c99 -Wall -Wextra -Werror -O2 -g -Iinclude -o $@ $< -L$(LIBDIR) -lconnectdynamo -Wl,-rpath,$(CURDIR)/$(LIBDIR)

test-instructions: build/perf/instructions
	$(PYTHON) scripts/check-instructions.py

instructions-baseline: build/perf/instructions
	$(PYTHON) scripts/check-instructions.py --update

test-integration: lib tool
	$(PYTHON) -m pytest -q Tests/integration

test-python: lib
	$(MAKE) -C bindings/python test

test-node: lib
	$(MAKE) -C bindings/node test

# The Vapor and Hummingbird session drivers: SwiftPM packages of their own
# (integrations/*-driver, each building in its own .build), so `make` never
# compiles either framework. Their tests, against a local DynamoDB, include
# interop with the Python and Node bindings (hence lib and the addon); then
# each example app in its check mode (start, one request, stop).
SWIFT_WEB := vapor-driver:VaporExample hummingbird-driver:HummingbirdExample
test-swift-web: lib
	$(MAKE) -C bindings/node
	@set -e; for entry in $(SWIFT_WEB); do \
		pkg=integrations/$${entry%%:*}; example=$${entry##*:}; \
		echo "== $$pkg"; \
		$(SWIFT) build --build-tests --package-path $$pkg; \
		$(LOCALDYNAMO) run -- $(SWIFT) test --skip-build --package-path $$pkg; \
		$(LOCALDYNAMO) run --aws-env -- $$pkg/.build/debug/$$example --check; \
	done

build/examples/%: examples/c/%.c include/connectdynamo.h $(LIB)
	mkdir -p build/examples
	$(CC) -std=c99 -Wall -Wextra -O2 -Iinclude -o $@ $< -L$(LIBDIR) -lconnectdynamo -Wl,-rpath,$(CURDIR)/$(LIBDIR)

# The main job: a Flask app on 127.0.0.1 whose sessions live in a local
# DynamoDB (moto), with how to read them from C and Node. Ctrl-C stops both.
demo: deps lib tool build/examples/session_tool
	$(MAKE) -C bindings/node
	$(LOCALDYNAMO) run --aws-env -- $(PYTHON) examples/python/flask_app.py

# One session's life through the C API, printing the item at each step.
demo-c: deps build/examples/session_walk
	$(LOCALDYNAMO) run --aws-env -- build/examples/session_walk

bench: deps lib
	$(PYTHON) bench/bench.py
	@$(PYTHON) -c 'import django' 2>/dev/null || $(PYTHON) -m pip install -q django
	$(MAKE) -C bindings/node
	$(PYTHON) bench/write_units.py
	$(PYTHON) bench/blocking.py
	$(PYTHON) bench/concurrency.py
	$(PYTHON) bench/bindings.py

# The reaper's read and write budgets on 20,000 items (about six minutes).
bench-reap: deps lib tool
	$(LOCALDYNAMO) run -- $(PYTHON) bench/reap_budget.py

clean:
	rm -rf build .build .build-tsan .build-fuzz integrations/*/.build
