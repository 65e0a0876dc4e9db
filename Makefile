# swsev: a software AMD SEV platform.  Plain GNU make.
#
#   make run      install deps, build, run the end-to-end demo (launch + migration)
#   make check    install deps, build, run every test
#   make bench    install deps, build, run the benchmarks
#   make install PREFIX=/usr/local
#
# Outputs go under $(O) (default build/).  SAN=1 builds with ASan+UBSan.

O       ?= build
PREFIX  ?= /usr/local
CC      ?= cc
SAN     ?=
V       ?=

ifeq ($(origin CC),default)
CC := gcc
endif

Q := $(if $(V),,@)

# Dependency flags come from pkg-config, captured once after scripts/deps.sh ran.
CONFIG_MK := $(O)/config.mk
ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
-include $(CONFIG_MK)
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Wno-missing-field-initializers
CSTD     := -std=c11 -D_GNU_SOURCE -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
OPT      := -O2 -g
ifeq ($(SAN),1)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN    := -fsanitize=address,undefined
endif
CPPFLAGS += -I. $(PKG_CFLAGS)
CFLAGS   += $(CSTD) $(OPT) $(WARN) -fPIC -pthread
LDFLAGS  += $(LDSAN) -pthread
LIBS     := $(PKG_LIBS) -lm

# ---- sources -------------------------------------------------------------------------
EMU_SRCS     := $(wildcard emu/util/*.c emu/crypto/*.c emu/cert/*.c emu/nv/*.c emu/chip/*.c \
                  emu/fw/*.c emu/drv/*.c emu/xport/*.c)
PSP_SRCS     := $(wildcard psp/*.c)
HARN_SRCS    := $(wildcard harness/owner/*.c harness/migrate/*.c harness/bench/*.c vectors/gen/*.c)
CLI_SRCS     := $(wildcard harness/cli/*.c)
TESTLIB_SRCS := $(wildcard harness/testlib/*.c)
UNIT_SRCS    := $(wildcard emu/tests/*.c psp/tests/*.c harness/tests/unit/*.c)
CONF_SRCS    := $(wildcard harness/conformance/*.c)
PROG_SRCS    := $(wildcard harness/tests/progs/*.c)

# ONLY="dir/ dir/file" restricts every list to those path prefixes (plus the shared
# basics), so a module can be built and unit-tested while others are half-written.
ifneq ($(ONLY),)
keep = $(filter $(addsuffix %,$(ONLY) emu/util/ emu/fw/status harness/testlib/ harness/cli/main),$(1))
EMU_SRCS     := $(call keep,$(EMU_SRCS))
PSP_SRCS     := $(call keep,$(PSP_SRCS))
HARN_SRCS    := $(call keep,$(HARN_SRCS))
CLI_SRCS     := $(call keep,$(CLI_SRCS))
UNIT_SRCS    := $(call keep,$(UNIT_SRCS))
CONF_SRCS    := $(call keep,$(CONF_SRCS))
PROG_SRCS    := $(call keep,$(PROG_SRCS))
endif

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

LIBSWSEV  := $(O)/lib/libswsev.a
LIBHARN   := $(O)/lib/libswsev-harness.a
SWSEV     := $(O)/bin/swsev
UNIT      := $(O)/tests/unit
CONF      := $(O)/tests/conformance
PROGS     := $(patsubst harness/tests/progs/%.c,$(O)/tests/progs/%,$(PROG_SRCS))

ALL_OBJS  := $(call obj,$(EMU_SRCS) $(PSP_SRCS) $(HARN_SRCS) $(CLI_SRCS) $(TESTLIB_SRCS) \
                        $(UNIT_SRCS) $(CONF_SRCS) $(PROG_SRCS))

.PHONY: all build deps run check bench install clean distclean check-quick
.DEFAULT_GOAL := all
# the test programs' objects are intermediate to make; keep them (no "rm" after builds)
.SECONDARY:

all build: $(SWSEV) $(UNIT) $(CONF) $(PROGS) $(O)/lib/pkgconfig/swsev.pc

deps:
	$(Q)sh scripts/deps.sh

$(CONFIG_MK): scripts/deps.sh Makefile
	$(Q)sh scripts/deps.sh
	$(Q)mkdir -p $(@D)
	$(Q){ echo "PKG_CFLAGS := $$(pkg-config --cflags libcrypto fuse3 cunit)"; \
	     echo "PKG_LIBS := $$(pkg-config --libs libcrypto fuse3 cunit)"; } > $@.tmp && mv $@.tmp $@

$(O)/obj/%.o: %.c $(CONFIG_MK)
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBSWSEV): $(call obj,$(EMU_SRCS) $(PSP_SRCS))
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBHARN): $(call obj,$(HARN_SRCS))
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SWSEV): $(call obj,$(CLI_SRCS)) $(LIBHARN) $(LIBSWSEV)
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(call obj,$(CLI_SRCS)) $(LIBHARN) $(LIBSWSEV) $(LIBS)

$(UNIT): $(call obj,$(UNIT_SRCS) $(TESTLIB_SRCS)) $(LIBHARN) $(LIBSWSEV)
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(call obj,$(UNIT_SRCS) $(TESTLIB_SRCS)) $(LIBHARN) $(LIBSWSEV) $(LIBS)

$(CONF): $(call obj,$(CONF_SRCS) $(TESTLIB_SRCS)) $(LIBHARN) $(LIBSWSEV)
	$(Q)mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(call obj,$(CONF_SRCS) $(TESTLIB_SRCS)) $(LIBHARN) $(LIBSWSEV) $(LIBS)

$(O)/tests/progs/%: $(O)/obj/harness/tests/progs/%.o $(LIBHARN) $(LIBSWSEV)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBHARN) $(LIBSWSEV) $(LIBS)

$(O)/lib/pkgconfig/swsev.pc: psp/swsev.pc.in Makefile
	$(Q)mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell cat VERSION 2>/dev/null || sed -n 's/^#define PSP_API_VERSION_STRING "\(.*\)"/\1/p' psp/psp.h)|g' $< > $@

# ---- the README's commands ------------------------------------------------------------
run: all
	$(Q)sh scripts/demo.sh $(O)

check: all
	$(Q)sh scripts/check.sh $(O)

check-quick: all
	$(Q)sh scripts/check.sh --quick $(O)

bench: all
	$(Q)sh scripts/bench.sh $(O)

install: all
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	     $(DESTDIR)$(PREFIX)/include/swsev
	$(Q)install -m 0755 $(SWSEV) $(DESTDIR)$(PREFIX)/bin/swsev
	$(Q)install -m 0644 $(LIBSWSEV) $(DESTDIR)$(PREFIX)/lib/libswsev.a
	$(Q)install -m 0644 psp/psp.h $(DESTDIR)$(PREFIX)/include/swsev/psp.h
	$(Q)install -m 0644 emu/drv/swsev_uapi.h $(DESTDIR)$(PREFIX)/include/swsev/swsev_uapi.h
	$(Q)install -m 0644 $(O)/lib/pkgconfig/swsev.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/swsev.pc

clean:
	rm -rf $(O)

distclean: clean

-include $(ALL_OBJS:.o=.d)
