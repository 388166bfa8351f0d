# Build and install the C library:
#   make install PREFIX=/usr/local [LIBDIR=...] [INCLUDEDIR=...] [BINDIR=...] [DESTDIR=...]
# installs
#   $(INCLUDEDIR)/openconnectors.h
#   $(LIBDIR)/libopenconnectors.so.<version>, its links .so.<major>.<minor> (the SONAME) and .so,
#   $(LIBDIR)/libopenconnectors.a
#   $(LIBDIR)/pkgconfig/openconnectors.pc
#   $(LIBDIR)/cmake/openconnectors/openconnectorsConfig{,Version}.cmake
#   $(BINDIR)/openconnectors-emulator
# so that `cc app.c $(pkg-config --cflags --libs openconnectors)` and CMake's
# `find_package(openconnectors <major>.<minor> REQUIRED)` work (with PKG_CONFIG_PATH or
# CMAKE_PREFIX_PATH pointing there for a non-system PREFIX).
#
# scripts/package lays out the C SDK with the same rules (`make install-files RELOCATABLE=1`),
# from its cargo-zigbuild build for glibc 2.17.

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
CARGO ?= cargo
# A target triple for cargo (a glibc suffix such as .2.17 for cargo-zigbuild); empty: the host.
TARGET ?=
# RELOCATABLE=1: openconnectors.pc finds its prefix from its own directory (${pcfiledir}).
RELOCATABLE ?=

VERSION := $(shell sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
MINOR := $(word 2,$(subst ., ,$(VERSION)))
# While the major version is 0 every minor release may break the ABI, so the SONAME carries
# major.minor (libopenconnectors.so.0.2); from 1.0 on, the major alone.
ABI_VERSION := $(if $(filter 0,$(MAJOR)),$(MAJOR).$(MINOR),$(MAJOR))
SONAME := libopenconnectors.so.$(ABI_VERSION)
REAL_NAME := libopenconnectors.so.$(VERSION)

TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
BUILD_DIR ?= $(TARGET_DIR)/$(if $(TARGET),$(firstword $(subst ., ,$(TARGET)))/)release
TARGET_FLAG := $(if $(TARGET),--target $(TARGET))

PC_PREFIX = $(if $(RELOCATABLE),$${pcfiledir}/$(shell realpath -m --relative-to=$(LIBDIR)/pkgconfig $(PREFIX)),$(PREFIX))
PC_LIBDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
# From the CMake package's directory to the header's, so that the package can be moved.
CMAKE_INCLUDE_FROM_LIBDIR = $(shell realpath -m --relative-to=$(LIBDIR) $(INCLUDEDIR))
# rustc --print native-static-libs, less -lc: what a static link needs besides the archive.
STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl

D_LIBDIR = $(DESTDIR)$(LIBDIR)
D_INCLUDEDIR = $(DESTDIR)$(INCLUDEDIR)
D_BINDIR = $(DESTDIR)$(BINDIR)

.PHONY: all lib install install-files uninstall print-version print-soname demo test

all: lib

# The SONAME is set (by build.rs, from OPENCONNECTORS_SONAME) only for builds that are
# installed: the project's own tests link target/debug/libopenconnectors.so with
# -lopenconnectors, and a SONAME would make their programs ask the loader for
# libopenconnectors.so.<major>.<minor>, which a plain cargo build does not provide.
lib:
	OPENCONNECTORS_SONAME=$(SONAME) $(CARGO) build --release --locked -p openconnectors \
		-p openconnectors-emulator $(TARGET_FLAG)

install: lib
	$(MAKE) install-files

# Installs what `make lib` built (in BUILD_DIR), without building.
install-files:
	install -d $(D_LIBDIR)/pkgconfig $(D_LIBDIR)/cmake/openconnectors $(D_INCLUDEDIR) $(D_BINDIR)
	install -m 0755 $(BUILD_DIR)/libopenconnectors.so $(D_LIBDIR)/$(REAL_NAME)
	ln -sf $(REAL_NAME) $(D_LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(D_LIBDIR)/libopenconnectors.so
	install -m 0644 $(BUILD_DIR)/libopenconnectors.a $(D_LIBDIR)/
	install -m 0755 $(BUILD_DIR)/openconnectors-emulator $(D_BINDIR)/
	install -m 0644 include/openconnectors.h $(D_INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PC_PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|@STATIC_LIBS@|$(STATIC_LIBS)|' openconnectors.pc.in > $(D_LIBDIR)/pkgconfig/openconnectors.pc
	for file in openconnectorsConfig.cmake openconnectorsConfigVersion.cmake; do \
		sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@MINOR@|$(MINOR)|g' \
			-e 's|@REAL_NAME@|$(REAL_NAME)|g' -e 's|@SONAME@|$(SONAME)|g' \
			-e 's|@INCLUDE_FROM_LIBDIR@|$(CMAKE_INCLUDE_FROM_LIBDIR)|g' \
			-e 's|@STATIC_LIBS@|$(patsubst -l%,%,$(STATIC_LIBS))|g' \
			cmake/$$file.in > $(D_LIBDIR)/cmake/openconnectors/$$file || exit 1; \
	done

uninstall:
	rm -f $(D_LIBDIR)/$(REAL_NAME) $(D_LIBDIR)/$(SONAME) $(D_LIBDIR)/libopenconnectors.so \
		$(D_LIBDIR)/libopenconnectors.a $(D_INCLUDEDIR)/openconnectors.h \
		$(D_LIBDIR)/pkgconfig/openconnectors.pc $(D_BINDIR)/openconnectors-emulator \
		$(D_LIBDIR)/cmake/openconnectors/openconnectorsConfig.cmake \
		$(D_LIBDIR)/cmake/openconnectors/openconnectorsConfigVersion.cmake
	-rmdir $(D_LIBDIR)/cmake/openconnectors 2>/dev/null

print-version:
	@echo $(VERSION)

print-soname:
	@echo $(SONAME)

demo:
	./scripts/demo

test:
	./scripts/test
