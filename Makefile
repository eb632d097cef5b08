# A thin wrapper over Meson + Ninja so that `make`, `make check` and
# `make demo` work on a fresh Debian machine (scripts/install-deps installs
# what is missing first).
BUILD ?= build
ASAN ?= build-asan
PERFOPS = $(BUILD)/src/perfops

all: build

deps:
	@scripts/install-deps

check-deps:
	@scripts/install-deps --check

build: deps
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) >/dev/null
	@ninja -C $(BUILD)

# The unit tests once more under AddressSanitizer + UndefinedBehaviorSanitizer,
# built with clang so that the libFuzzer targets are built in the same tree.
asan: check-deps
	@test -f $(ASAN)/build.ninja || CC=clang meson setup $(ASAN) \
		-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true \
		-Dbuildtype=debug >/dev/null
	@ninja -C $(ASAN)

check: build asan
	@scripts/run-tests

# A longer libFuzzer run of every target than make check's smoke run:
# FUZZ_TIME seconds each (default 120); what it finds that reaches new code
# is kept in $(ASAN)/fuzz-corpus for the next run.
fuzz: asan
	@ASAN=$(ASAN) scripts/run-fuzz

demo: build
	@scripts/demo

bench: build
	@for b in bench/*.sh; do echo "== $$b"; bash $$b || exit 1; done

# `make install PREFIX=/opt/perfops` (default /usr/local): the binary, the
# libraries it preloads and the manual pages; DESTDIR stages a package.
PREFIX ?= /usr/local
install: build
	@meson configure $(BUILD) -Dprefix=$(PREFIX) >/dev/null
	@meson install -C $(BUILD) --quiet $(if $(DESTDIR),--destdir $(DESTDIR))

clean:
	rm -rf $(BUILD) $(ASAN)

.PHONY: all deps check-deps build asan check fuzz demo bench install clean
