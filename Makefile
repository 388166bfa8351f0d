# Build and install the C library: `make install PREFIX=/usr/local` puts the shared and static
# libraries, the header and a pkg-config file under PREFIX, so that
#   cc app.c $(pkg-config --cflags --libs openconnectors)
# works (with PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig for a non-system PREFIX).

PREFIX ?= /usr/local
DESTDIR ?=
CARGO ?= cargo
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCLUDEDIR := $(DESTDIR)$(PREFIX)/include

.PHONY: all lib install uninstall demo test

all: lib

lib:
	$(CARGO) build --release -p openconnectors

install: lib
	install -d $(LIBDIR)/pkgconfig $(INCLUDEDIR)
	install -m 0755 target/release/libopenconnectors.so $(LIBDIR)/
	install -m 0644 target/release/libopenconnectors.a $(LIBDIR)/
	install -m 0644 include/openconnectors.h $(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' openconnectors.pc.in \
		> $(LIBDIR)/pkgconfig/openconnectors.pc

uninstall:
	rm -f $(LIBDIR)/libopenconnectors.so $(LIBDIR)/libopenconnectors.a \
		$(INCLUDEDIR)/openconnectors.h $(LIBDIR)/pkgconfig/openconnectors.pc

demo:
	./scripts/demo

test:
	./scripts/test
